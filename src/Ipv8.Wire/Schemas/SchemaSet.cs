using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Ipv8.Wire.Schemas;

/// <summary>
/// The payload classes and messages of a community, described in py-ipv8's own format names, for decoding any
/// message without generated code (<c>ipv8 decode --schema</c>, <see cref="SchemaDecoder"/>). A schema set is
/// immutable once parsed, so one instance can serve any number of threads.
/// </summary>
/// <remarks>
/// <para>The JSON form:</para>
/// <code>
/// {"classes": {"Entry":   [["key", "varlenH"], ["count", "q"]],
///              "Catalog": [["owner", "varlenHutf8"], ["entries", "payload-list:Entry"], ["best", "payload:Entry"]],
///              "Flags":   [[["b0","b1","b2","b3","b4","b5","b6","b7"], "bits"]]},
///  "messages": {"3": {"payloads": ["Catalog"], "signed": true}}}
/// </code>
/// <para>
/// A class is a list of <c>[name, format]</c> fields, as py-ipv8's <c>names</c> and <c>format_list</c>. A format is a
/// key of py-ipv8's <c>Serializer._packers</c> (<see cref="FormatNames"/>), or <c>payload:Class</c> /
/// <c>payload-list:Class</c> for nested payloads. <c>bits</c> takes a list of eight names. <c>raw</c> must be the last
/// field of its class, and a class ending in <c>raw</c> the last payload of its messages. Classes may not nest
/// themselves, directly or not, nor nest deeper than <see cref="MaxNestingDepth"/>.
/// </para>
/// <para>
/// A message maps its id (<c>"0"</c>–<c>"255"</c>) to its payload classes in wire order and <c>signed</c> (default
/// true, as py-ipv8's <c>ez_send</c> and <c>lazy_wrapper</c>). A global time is an ordinary class of one <c>Q</c>
/// field, listed first.
/// </para>
/// <para>
/// <c>"community_id"</c> (optional, 40 hex digits) limits the messages to packets of that community's prefix. Without
/// it they apply to every prefix but py-ipv8's DiscoveryCommunity's (<c>7e313685…</c>), whose messages 1–4 and 246 are
/// its own in any capture of a deployed node.
/// </para>
/// </remarks>
public sealed class SchemaSet
{
    /// <summary>The deepest chain of nested classes a schema may have (a class with no nested class is depth 1).</summary>
    public const int MaxNestingDepth = 32;

    private readonly MessageSchema?[] _byId;

    internal SchemaSet(IDictionary<string, PayloadClass> classes, MessageSchema?[] byId, CommunityId? communityId = null)
    {
        CommunityId = communityId;
        Classes = classes.ToFrozenDictionary(StringComparer.Ordinal);
        _byId = byId;
        Messages = Array.AsReadOnly(byId.OfType<MessageSchema>().ToArray());
    }

    /// <summary>The payload classes by name.</summary>
    public IReadOnlyDictionary<string, PayloadClass> Classes { get; }

    /// <summary>The messages, by ascending id.</summary>
    public IReadOnlyList<MessageSchema> Messages { get; }

    /// <summary>The community the messages belong to (<c>"community_id"</c>), or null for any but DiscoveryCommunity.</summary>
    public CommunityId? CommunityId { get; }

    /// <summary>
    /// True when the schema's messages apply to <paramref name="datagram"/>'s prefix: its <see cref="CommunityId"/>'s,
    /// or, without one, any prefix but py-ipv8's DiscoveryCommunity's.
    /// </summary>
    public bool AppliesTo(ReadOnlySpan<byte> datagram) =>
        CommunityId is { } community ? Packet.HasPrefix(datagram, community) : !Packet.HasPrefix(datagram, Discovery.DiscoveryCommunityMessages.CommunityId);

    /// <summary>Finds the message with id <paramref name="messageId"/>.</summary>
    public bool TryGetMessage(byte messageId, [NotNullWhen(true)] out MessageSchema? message)
    {
        message = _byId[messageId];
        return message is not null;
    }

    /// <summary>Parses a schema from JSON text.</summary>
    /// <exception cref="SchemaException">The text is not JSON, or not a valid schema; the message says where and why.</exception>
    public static SchemaSet Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return SchemaParser.Parse(System.Text.Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Parses a schema from UTF-8 JSON (a byte order mark is allowed).</summary>
    /// <exception cref="SchemaException">The bytes are not JSON, or not a valid schema; the message says where and why.</exception>
    public static SchemaSet Parse(ReadOnlySpan<byte> utf8Json) => SchemaParser.Parse(utf8Json.ToArray());

    /// <summary>Reads and parses a schema file.</summary>
    /// <exception cref="SchemaException">The file is not a valid schema.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    public static SchemaSet Load(string path) => SchemaParser.Parse(File.ReadAllBytes(path));
}

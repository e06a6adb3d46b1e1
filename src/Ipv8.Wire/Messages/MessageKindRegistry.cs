using System.Diagnostics.CodeAnalysis;

namespace Ipv8.Wire;

/// <summary>
/// The message kinds of one or more communities, looked up by datagram (prefix and id), by community and id, or by
/// name: the one place that maps a message id to its payload types, name and signedness. Immutable and thread-safe;
/// lookups allocate nothing.
/// </summary>
/// <remarks>
/// <para>
/// A kind of a community (<see cref="MessageKind.Community"/> set) is found only under that community's prefix, and
/// before a kind of every community with the same id: DiscoveryCommunity's 246 under its prefix, the plain 246 under
/// any other. <see cref="Discovery.DiscoveryKinds.Registry"/> holds the discovery messages of every community;
/// <see cref="Discovery.DiscoveryCommunityKinds.Registry"/> adds DiscoveryCommunity's messages (the kinds
/// <c>ipv8 decode</c> knows).
/// </para>
/// <para>
/// For a community of your own, add its kinds to the discovery messages that every py-ipv8 community answers:
/// </para>
/// <code>
/// var myId = CommunityId.Parse("…");
/// var registry = DiscoveryKinds.Registry.With(
///     new MessageKind&lt;GlobalTime, ChatPayload&gt;("chat", myId),     // [Payload(MessageId = 1)]
///     new MessageKind&lt;HeartbeatPayload&gt;("heartbeat", myId));      // [Payload(MessageId = 2, Signed = false)]
/// if (registry.TryFind(datagram, out var kind))
/// {
///     Console.WriteLine(kind.Name);
///     var visitor = new MyVisitor(datagram);
///     kind.Accept&lt;MyVisitor, bool&gt;(ref visitor);
/// }
/// </code>
/// </remarks>
public sealed class MessageKindRegistry
{
    private readonly MessageKind[][] _byId;

    // The kind of an id that has only one, of every community: found without looking at the prefix.
    private readonly MessageKind?[] _onlyKind;

    /// <summary>Creates a registry of <paramref name="kinds"/>.</summary>
    /// <exception cref="ArgumentException">Two kinds share a name, or a community and a message id.</exception>
    public MessageKindRegistry(IEnumerable<MessageKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        var all = kinds.ToArray();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var byId = new List<MessageKind>[256];
        foreach (var kind in all)
        {
            ArgumentNullException.ThrowIfNull(kind, nameof(kinds));
            if (!names.Add(kind.Name))
            {
                ThrowHelper.ThrowArgument($"Two message kinds are named {kind.Name}.", nameof(kinds));
            }

            var same = byId[kind.MessageId] ??= [];
            if (same.Find(k => k.Community == kind.Community) is { } taken)
            {
                ThrowHelper.ThrowArgument($"{kind} and {taken} have the same message id in the same community.", nameof(kinds));
            }

            same.Add(kind);
        }

        // A community's own kind is tried before the kind of every community.
        _byId = [.. byId.Select(same => same is null ? [] : same.OrderBy(k => k.Community is null).ToArray())];
        _onlyKind = [.. _byId.Select(same => same is [{ Community: null } only] ? only : null)];
        Kinds = Array.AsReadOnly(all);
    }

    /// <summary>The kinds, in the order given.</summary>
    public IReadOnlyList<MessageKind> Kinds { get; }

    /// <summary>A new registry with these kinds and <paramref name="kinds"/>.</summary>
    /// <exception cref="ArgumentException">A kind's name, or its community and id, is already taken.</exception>
    public MessageKindRegistry With(params IEnumerable<MessageKind> kinds) => new(Kinds.Concat(kinds));

    /// <summary>
    /// Finds the kind of <paramref name="datagram"/>: by its message id, a kind of its community (prefix with version 2)
    /// first, else a kind of every community. False for a datagram shorter than a prefix and an id, or an unknown kind.
    /// </summary>
    public bool TryFind(ReadOnlySpan<byte> datagram, [NotNullWhen(true)] out MessageKind? kind)
    {
        if (datagram.Length > Packet.PrefixLength)
        {
            var id = datagram[Packet.PrefixLength];
            if (_onlyKind[id] is { } only)
            {
                kind = only;
                return true;
            }

            foreach (var candidate in _byId[id])
            {
                if (candidate.MatchesPrefix(datagram))
                {
                    kind = candidate;
                    return true;
                }
            }
        }

        kind = null;
        return false;
    }

    /// <summary>
    /// Finds the kind with <paramref name="messageId"/> in <paramref name="community"/>: that community's own kind first,
    /// else a kind of every community. With a null community, only kinds of every community are found.
    /// </summary>
    public bool TryFind(CommunityId? community, byte messageId, [NotNullWhen(true)] out MessageKind? kind)
    {
        foreach (var candidate in _byId[messageId])
        {
            if (candidate.Community is null || candidate.Community == community)
            {
                kind = candidate;
                return true;
            }
        }

        kind = null;
        return false;
    }

    /// <summary>Finds the kind named <paramref name="name"/>.</summary>
    public bool TryFind(string name, [NotNullWhen(true)] out MessageKind? kind)
    {
        foreach (var candidate in Kinds)
        {
            if (string.Equals(candidate.Name, name, StringComparison.Ordinal))
            {
                kind = candidate;
                return true;
            }
        }

        kind = null;
        return false;
    }
}

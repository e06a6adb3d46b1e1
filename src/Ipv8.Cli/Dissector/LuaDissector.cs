using System.Globalization;
using System.Text;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Ipv8.Wire.Schemas;

namespace Ipv8.Cli.Dissector;

/// <summary>
/// Generates a Wireshark Lua dissector (<c>ipv8 dissector</c>) from message metadata: the kinds of a
/// <see cref="MessageKindRegistry"/> (their payloads' generated <see cref="IPayload{TSelf}.Fields"/>) and the messages of
/// a <see cref="SchemaSet"/>. The generated part is data (one <c>ProtoField</c> per field, one table per message); the
/// engine that walks it, one reader per py-ipv8 format, is the same text in every file (<c>ipv8-runtime.lua</c>).
/// </summary>
/// <remarks>
/// Which message a datagram is follows <c>ipv8 decode</c> (<see cref="PacketJson"/>): a schema message that applies to the
/// prefix first, then a kind of the datagram's community, then a kind of every community, then the frame alone. The
/// dissector does not verify signatures (Wireshark's Lua has no Ed25519 nor the EC curves); <c>ipv8 decode --pcap</c>
/// does.
/// </remarks>
internal static class LuaDissector
{
    /// <summary>The most <c>ProtoField</c>s a dissector may declare (a schema whose nested classes fan out could ask for millions).</summary>
    public const int MaxFields = 20_000;

    private const string GlobalTimeField = "global_time";

    /// <summary>What was generated: the Lua text and how many messages and fields it declares.</summary>
    public sealed record Result(string Lua, int Messages, int Fields);

    /// <summary>Generates the dissector for <paramref name="registry"/> and, when given, <paramref name="schema"/>'s messages.</summary>
    /// <exception cref="InvalidOperationException">More than <see cref="MaxFields"/> fields.</exception>
    public static Result Generate(MessageKindRegistry registry, SchemaSet? schema)
    {
        var messages = new List<Message>();
        var taken = new HashSet<string>(StringComparer.Ordinal);

        // The registry's messages keep their names (a schema message of the same name gets its id appended); a
        // community's own kinds come before the kinds of every community with the same id.
        var registryMessages = new List<Message>();
        var kinds = registry.Kinds.OrderBy(k => k.Community is null).ToList();
        var byKind = new Dictionary<MessageKind, Message>();
        foreach (var kind in kinds)
        {
            var payloads = kind.PayloadFields.Select((fields, i) =>
                kind.PayloadTypes[i] == typeof(GlobalTime) ? [new Field(GlobalTimeField, Format.UInt64, null, null)] : fields.Select(f => FromRegistry(f, kind.PayloadTypes[i])).ToList()).ToList();
            var message = new Message(kind.Name, Unique(Segment(kind.Name), kind.MessageId, taken), kind.MessageId, kind.IsSigned, kind.Community?.ToString(), null, payloads, kind);
            registryMessages.Add(message);
            byKind[kind] = message;
        }

        // Schema messages first in the lookup: `decode` tries them before the registry.
        if (schema is not null)
        {
            var except = schema.CommunityId is null ? DiscoveryCommunityMessages.CommunityId.ToString() : null;
            foreach (var message in schema.Messages)
            {
                var last = message.Payloads[^1];
                var payloads = message.Payloads.Select(FromSchema).ToList();
                messages.Add(new Message(last.Name, Unique(Segment(last.Name), message.MessageId, taken), message.MessageId, message.Signed, schema.CommunityId?.ToString(), except, payloads, null));
            }
        }

        messages.AddRange(registryMessages);

        var lua = new StringBuilder();
        var fieldCount = 0;
        WriteHeader(lua, registry, schema);
        lua.AppendLine("local P = {}");
        for (var m = 0; m < messages.Count; m++)
        {
            var message = messages[m];
            var used = new HashSet<string>(StringComparer.Ordinal);
            var payloadTables = new List<string>();
            foreach (var payload in message.Payloads)
            {
                var entries = new List<string>();
                foreach (var field in payload)
                {
                    if (payload.Count == 1 && field is { Name: GlobalTimeField, Format: Format.UInt64 } && message.Payloads.Count > 1 && !ReferenceEquals(payload, message.Payloads[^1]))
                    {
                        entries.Add($"{{ name = \"{GlobalTimeField}\", fmt = \"Q\", f = F.global_time }}");
                        continue;
                    }

                    var abbrev = $"ipv8.{message.Segment}.{Unique(Segment(field.Name), null, used)}";
                    entries.Add(WriteField(lua, field, abbrev, ref fieldCount, depth: 0));
                }

                payloadTables.Add("{ " + string.Join(", ", entries) + " }");
            }

            lua.Append(CultureInfo.InvariantCulture, $"M[{m + 1}] = {{ name = {Quote(message.Name)}, id = {message.Id}, signed = {(message.Signed ? "true" : "false")}, ")
                .Append(CultureInfo.InvariantCulture, $"community = {(message.Community is null ? "nil" : Quote(message.Community))}, except = {(message.Except is null ? "nil" : Quote(message.Except))},\n")
                .Append("    payloads = { ").Append(string.Join(",\n        ", payloadTables)).AppendLine(" } }");
        }

        for (var m = 0; m < messages.Count; m++)
        {
            if (messages[m].Kind?.Fallback is { } fallback && byKind.TryGetValue(fallback, out var target))
            {
                lua.AppendLine(CultureInfo.InvariantCulture, $"M[{m + 1}].fallback = M[{messages.IndexOf(target) + 1}]");
            }
        }

        lua.AppendLine("local BY_ID = {}");
        lua.AppendLine("for _, msg in ipairs(M) do BY_ID[msg.id] = BY_ID[msg.id] or {}; table.insert(BY_ID[msg.id], msg) end");
        lua.AppendLine("local all_fields = {}");
        lua.AppendLine("for _, f in pairs(F) do all_fields[#all_fields + 1] = f end");
        lua.AppendLine("for _, f in ipairs(P) do all_fields[#all_fields + 1] = f end");
        lua.AppendLine("ipv8.fields = all_fields");
        lua.AppendLine("ipv8.experts = { E.malformed, E.truncated }");
        lua.AppendLine();
        lua.Append(Runtime.Value);
        return new Result(lua.ToString(), messages.Count, fieldCount);
    }

    private static readonly Lazy<string> Runtime = new(() =>
    {
        using var stream = typeof(LuaDissector).Assembly.GetManifestResourceStream("Ipv8.Cli.Dissector.ipv8-runtime.lua")
            ?? throw new InvalidOperationException("The dissector runtime is not embedded in this build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });

    private static void WriteHeader(StringBuilder lua, MessageKindRegistry registry, SchemaSet? schema)
    {
        lua.AppendLine("-- IPv8 dissector for Wireshark, generated by `ipv8 dissector` (Ipv8 for .NET). Do not edit: generate it again.");
        lua.AppendLine(CultureInfo.InvariantCulture, $"-- Messages: {registry.Kinds.Count} of the message registry{(schema is null ? string.Empty : $" and {schema.Messages.Count} of a schema")}.");
        lua.AppendLine("-- Load it with `tshark -X lua_script:FILE.lua` or `wireshark -X lua_script:FILE.lua`, or copy it into Wireshark's");
        lua.AppendLine("-- personal Lua plugins folder (Help > About Wireshark > Folders). It registers as a heuristic dissector on UDP, so");
        lua.AppendLine("-- it finds IPv8 on any port; where another dissector owns a port, enable UDP's \"Try heuristic sub-dissectors first\"");
        lua.AppendLine("-- (tshark: -o udp.try_heuristic_first:TRUE) or use Decode As > IPV8. Signatures are not verified here.");
        lua.AppendLine();
        lua.AppendLine(CultureInfo.InvariantCulture, $"local HEADER_LENGTH = {Packet.HeaderLength}");
        lua.AppendLine(CultureInfo.InvariantCulture, $"local LIBNACL_PREFIX = {Quote(Encoding.ASCII.GetString(LibNaClPublicKey.BinPrefix))}");
        lua.AppendLine(CultureInfo.InvariantCulture, $"local LIBNACL_KEY_LENGTH = {LibNaClPublicKey.BinLength}");
        lua.AppendLine(CultureInfo.InvariantCulture, $"local LIBNACL_SIGNATURE_LENGTH = {Ed25519Signature}");
        lua.Append("local EC_CURVES = { ");
        foreach (var curve in EcCurve.All)
        {
            lua.Append(CultureInfo.InvariantCulture, $"{{ name = {Quote(curve.Name)}, oid_byte = {curve.OidByte}, field_length = {curve.FieldLength} }}, ");
        }

        lua.AppendLine("}");
        lua.AppendLine();
        lua.AppendLine("local ipv8 = Proto(\"ipv8\", \"IPv8 (py-ipv8 overlay)\")");
        lua.AppendLine();
        lua.AppendLine("-- The same test as `ipv8 decode --pcap`: a prefix and a message id, starting 0x00 and version 2.");
        lua.AppendLine("local function looks_like_ipv8(tvb)");
        lua.AppendLine("    return tvb:len() >= HEADER_LENGTH and tvb(0, 1):uint() == 0 and tvb(1, 1):uint() == 2");
        lua.AppendLine("end");
        lua.AppendLine();
        lua.AppendLine("local F = {");
        lua.AppendLine("    prefix = ProtoField.bytes(\"ipv8.prefix\", \"Prefix\"),");
        lua.AppendLine("    version = ProtoField.uint8(\"ipv8.version\", \"Version\"),");
        lua.AppendLine("    community_id = ProtoField.bytes(\"ipv8.community_id\", \"Community id\"),");
        lua.AppendLine("    msg_id = ProtoField.uint8(\"ipv8.msg_id\", \"Message id\"),");
        lua.AppendLine("    msg_name = ProtoField.string(\"ipv8.msg_name\", \"Message\"),");
        lua.AppendLine("    signed = ProtoField.bool(\"ipv8.signed\", \"Signed\"),");
        lua.AppendLine("    public_key_length = ProtoField.uint16(\"ipv8.public_key_length\", \"Public key length\"),");
        lua.AppendLine("    public_key = ProtoField.bytes(\"ipv8.public_key\", \"Public key\"),");
        lua.AppendLine("    mid = ProtoField.bytes(\"ipv8.mid\", \"Member id (SHA-1 of the public key)\"),");
        lua.AppendLine("    global_time = ProtoField.uint64(\"ipv8.global_time\", \"Global time\"),");
        lua.AppendLine("    signature = ProtoField.bytes(\"ipv8.signature\", \"Signature (not verified)\"),");
        lua.AppendLine("    payload = ProtoField.bytes(\"ipv8.payload\", \"Payload\"),");
        lua.AppendLine("    truncated = ProtoField.bool(\"ipv8.truncated\", \"Cut short by the snap length\"),");
        lua.AppendLine("}");
        lua.AppendLine("local E = {");
        lua.AppendLine("    malformed = ProtoExpert.new(\"ipv8.malformed\", \"IPv8 message that does not decode as its kind\", expert.group.MALFORMED, expert.severity.WARN),");
        lua.AppendLine("    truncated = ProtoExpert.new(\"ipv8.truncated.expert\", \"IPv8 datagram cut short by the snap length\", expert.group.MALFORMED, expert.severity.WARN),");
        lua.AppendLine("}");
        lua.AppendLine("local M = {}");
    }

    private const int Ed25519Signature = 64;

    /// <summary>Declares the ProtoFields of one field (and of its parts and nested fields) and returns its Lua table.</summary>
    private static string WriteField(StringBuilder lua, Field field, string abbrev, ref int count, int depth)
    {
        string Declare(ref int n, string constructor)
        {
            n++;
            if (n > MaxFields)
            {
                throw new InvalidOperationException($"the dissector would declare more than {MaxFields} fields (nested classes fan out too much)");
            }

            lua.AppendLine(CultureInfo.InvariantCulture, $"P[{n}] = {constructor}");
            return $"P[{n}]";
        }

        var name = Quote(field.Name);
        var a = Quote(abbrev);
        var parts = new StringBuilder();
        parts.Append(CultureInfo.InvariantCulture, $"name = {name}, fmt = {Quote(FormatNames.GetName(field.Format))}");
        switch (field.Format)
        {
            case Format.Bool:
                parts.Append(", f = ").Append(Declare(ref count, $"ProtoField.bool({a}, {name})"));
                break;
            case Format.UInt8 or Format.UInt16 or Format.UInt32 or Format.UInt64 or Format.Int64 or Format.Int32:
                var type = field.Format switch
                {
                    Format.UInt8 => "uint8",
                    Format.UInt16 => "uint16",
                    Format.UInt32 => "uint32",
                    Format.UInt64 => "uint64",
                    Format.Int64 => "int64",
                    _ => "int32",
                };
                parts.Append(", f = ").Append(Declare(ref count, $"ProtoField.{type}({a}, {name})"));
                break;
            case Format.Float:
                parts.Append(", f = ").Append(Declare(ref count, $"ProtoField.float({a}, {name})"));
                break;
            case Format.Double:
                parts.Append(", f = ").Append(Declare(ref count, $"ProtoField.double({a}, {name})"));
                break;
            case Format.Bits:
                parts.Append(", f = ").Append(Declare(ref count, $"ProtoField.uint8({a}, {name}, base.HEX)"));
                if (field.BitNames is { Count: 8 } bits)
                {
                    var bitFields = new List<string>();
                    var used = new HashSet<string>(StringComparer.Ordinal);
                    for (var i = 0; i < 8; i++)
                    {
                        var bitAbbrev = Quote($"{abbrev}.{Unique(Segment(bits[i]), null, used)}");
                        bitFields.Add(Declare(ref count, $"ProtoField.bool({bitAbbrev}, {Quote(bits[i])}, 8, nil, 0x{0x80 >> i:x2})"));
                    }

                    parts.Append(", bits = { ").Append(string.Join(", ", bitFields)).Append(" }");
                }

                break;
            case Format.Ipv4 or Format.Struct4SH:
                parts.Append(", f = ").Append(Declare(ref count, $"ProtoField.ipv4({a}, {name})"));
                parts.Append(", port = ").Append(Declare(ref count, $"ProtoField.uint16({Quote(abbrev + ".port")}, \"port\")"));
                break;
            case Format.IpAddress or Format.Address:
                parts.Append(", f = ").Append(Declare(ref count, $"ProtoField.ipv4({a}, {name})"));
                parts.Append(", ipv6 = ").Append(Declare(ref count, $"ProtoField.ipv6({Quote(abbrev + ".ipv6")}, {Quote(field.Name + " (IPv6)")})"));
                parts.Append(", port = ").Append(Declare(ref count, $"ProtoField.uint16({Quote(abbrev + ".port")}, \"port\")"));
                if (field.Format == Format.Address)
                {
                    parts.Append(", host = ").Append(Declare(ref count, $"ProtoField.string({Quote(abbrev + ".host")}, {Quote(field.Name + " (host name)")})"));
                }

                break;
            case Format.VarLenHUtf8 or Format.VarLenIUtf8:
                parts.Append(", f = ").Append(Declare(ref count, $"ProtoField.string({a}, {name}, base.UNICODE)"));
                break;
            case Format.Payload or Format.PayloadList:
                parts.Append(", f = ").Append(Declare(ref count, $"ProtoField.bytes({a}, {name})"));
                var nested = new List<string>();
                var usedNested = new HashSet<string>(StringComparer.Ordinal);
                foreach (var inner in field.Nested ?? [])
                {
                    nested.Add(WriteField(lua, inner, $"{abbrev}.{Unique(Segment(inner.Name), null, usedNested)}", ref count, depth + 1));
                }

                parts.Append(", nested = { ").Append(string.Join(", ", nested)).Append(" }");
                break;
            default:
                parts.Append(", f = ").Append(Declare(ref count, $"ProtoField.bytes({a}, {name})"));
                break;
        }

        if (field.Multiple > 0)
        {
            parts.Append(CultureInfo.InvariantCulture, $", multiple = {field.Multiple}");
        }

        return "{ " + parts + " }";
    }

    /// <summary>
    /// A registry field, named as <c>ipv8 decode</c> prints it where the payload's member name differs
    /// (<c>introduce_to_field</c>: <c>introduce_to</c>), and with the whole-entry check that <c>decode</c> makes on it.
    /// </summary>
    private static Field FromRegistry(PayloadField field, Type? payload = null) =>
        new(DecodeNames.GetValueOrDefault(field.Name, field.Name), field.Format, null, field.NestedFields?.Select(f => FromRegistry(f)).ToList())
        {
            // decode (DiscoveryCommunityJson) and py-ipv8 reject a tb_overlap that is not whole (community id, count) pairs.
            Multiple = payload == typeof(SimilarityResponsePayload) && field.Name == "tb_overlap" ? CommunityId.Length + sizeof(uint) : 0,
        };

    /// <summary>Registry field names that <c>ipv8 decode</c> prints otherwise.</summary>
    private static readonly Dictionary<string, string> DecodeNames = new(StringComparer.Ordinal) { ["introduce_to_field"] = "introduce_to" };

    private static List<Field> FromSchema(PayloadClass payload) => [.. payload.Fields.Select(FromSchemaField)];

    /// <summary>A schema's field; a <c>bits</c> field, which has only its 8 flag names, is called <c>bits</c>.</summary>
    private static Field FromSchemaField(SchemaField field) =>
        new(field.Format == Format.Bits ? BitsFieldName : field.Name, field.Format, field.Format == Format.Bits ? field.Names : null, field.Class?.Fields.Select(FromSchemaField).ToList());

    /// <summary>The name of a schema's <c>bits</c> field: <c>ipv8.&lt;message&gt;.bits</c>, its flags <c>ipv8.&lt;message&gt;.bits.&lt;flag&gt;</c>.</summary>
    internal const string BitsFieldName = "bits";

    /// <summary>A name as one part of a Wireshark field name: lower case letters, digits and underscores.</summary>
    internal static string Segment(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');
        }

        return sb.Length == 0 ? "field" : sb.ToString();
    }

    private static string Unique(string segment, int? id, HashSet<string> taken)
    {
        var candidate = segment;
        if (!taken.Add(candidate))
        {
            candidate = id is { } n ? $"{segment}_{n}" : segment;
            for (var i = 2; !taken.Add(candidate); i++)
            {
                candidate = $"{segment}_{i}";
            }
        }

        return candidate;
    }

    /// <summary>A Lua string literal (every byte outside printable ASCII, the quote and the backslash as decimal escapes).</summary>
    internal static string Quote(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= 0x20 and < 0x7F && b != (byte)'"' && b != (byte)'\\')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('\\').Append(b.ToString("D3", CultureInfo.InvariantCulture));
            }
        }

        return sb.Append('"').ToString();
    }

    private sealed record Field(string Name, Format Format, IReadOnlyList<string>? BitNames, IReadOnlyList<Field>? Nested)
    {
        /// <summary>For a raw field: its length must be a multiple of this (0: any length).</summary>
        public int Multiple { get; init; }
    }

    private sealed record Message(string Name, string Segment, byte Id, bool Signed, string? Community, string? Except, List<List<Field>> Payloads, MessageKind? Kind);
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ipv8.Tests.Shared;
using Ipv8.Wire;

namespace Ipv8.Interop.Tests.Support;

/// <summary>
/// Field values in the forms of shared/vectors/payloads.json (bytes as <c>{"hex": …}</c>, addresses as
/// <c>[host, port]</c>, nested payloads as objects, <c>bits</c> as <c>b0</c>…<c>b7</c>), converted to and from the
/// .NET payloads, and compared exactly, field by field, by the formats payloads.json gives each class.
/// </summary>
internal static class ValueForms
{
    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyList<(string Name, string Format)>>> s_classes = new(LoadClasses);

    /// <summary>payloads.json's <c>payload_classes</c>: each class's fields and py-ipv8 formats, with <c>b0..b7</c> expanded to eight "bit" fields.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<(string Name, string Format)>> Classes => s_classes.Value;

    /// <summary>A JSON object from text (the test cases are written as payloads.json writes its values).</summary>
    public static JsonObject Parse(string json) => JsonNode.Parse(json)?.AsObject() ?? throw new ArgumentException("not a JSON object", nameof(json));

    // --- .NET payload -> value form -------------------------------------------------------------------------------

    public static JsonObject ToJson(in Chat chat) => new() { ["seq"] = chat.Seq, ["text"] = chat.Text };

    public static JsonObject ToJson(in UnsignedChat chat) => new() { ["seq"] = chat.Seq, ["text"] = chat.Text };

    public static JsonObject ToJson(in GlobalTime time) => new() { ["global_time"] = time.Value };

    public static JsonObject ToJson(in Sample sample) => new()
    {
        ["flag"] = sample.Flag,
        ["score"] = sample.Score,
        ["blob"] = Hex(sample.Blob),
        ["values"] = new JsonArray([.. sample.Values.Select(v => (JsonNode)v)]),
        ["flags"] = new JsonArray([.. sample.Flags.Select(v => (JsonNode)v)]),
        ["weights"] = new JsonArray([.. sample.Weights.Select(v => (JsonNode)v)]),
    };

    public static JsonObject ToJson(in Entry entry) => new() { ["key"] = Hex(entry.Key), ["count"] = entry.Count };

    public static JsonObject ToJson(in Catalog catalog) => new()
    {
        ["owner"] = catalog.Owner,
        ["entries"] = new JsonArray([.. catalog.Entries.Select(e => (JsonNode)ToJson(e))]),
        ["best"] = ToJson(catalog.Best),
    };

    public static JsonObject ToJson(in Legacy legacy)
    {
        var json = new JsonObject
        {
            ["number"] = legacy.Number,
            ["big_blob"] = Hex(legacy.BigBlob),
            ["mids"] = Hex(legacy.Mids),
            ["chunks"] = new JsonArray([.. legacy.Chunks.Select(c => (JsonNode)Hex(c))]),
            ["where"] = legacy.Where.IsDomain ? Address(legacy.Where.Host!, legacy.Where.Port) : Address(legacy.Where.Address),
            ["ip"] = Address(legacy.Ip),
            ["v4"] = Address(legacy.V4),
        };
        for (var i = 0; i < 8; i++)
        {
            json[$"b{i}"] = (legacy.Bits >> (7 - i)) & 1;
        }

        json["stamp"] = legacy.Stamp;
        json["tail"] = Hex(legacy.Tail);
        return json;
    }

    public static JsonObject ToJson(in Beacon beacon) => new() { ["nonce"] = beacon.Nonce };

    // --- value form -> .NET payload -------------------------------------------------------------------------------

    public static Chat ToChat(JsonObject json) => new() { Seq = Long(json["seq"]), Text = Text(json["text"]) };

    public static UnsignedChat ToUnsignedChat(JsonObject json) => new() { Seq = Long(json["seq"]), Text = Text(json["text"]) };

    public static GlobalTime ToGlobalTime(JsonObject json) => new(ULong(json["global_time"]));

    public static Sample ToSample(JsonObject json) => new()
    {
        Flag = Bool(json["flag"]),
        Score = Double(json["score"]),
        Blob = Bytes(json["blob"]),
        Values = [.. Array(json["values"]).Select(Long)],
        Flags = [.. Array(json["flags"]).Select(Bool)],
        Weights = [.. Array(json["weights"]).Select(Double)],
    };

    public static Entry ToEntry(JsonNode? json) => new() { Key = Bytes(json?["key"]), Count = Long(json?["count"]) };

    public static Catalog ToCatalog(JsonObject json) => new()
    {
        Owner = Text(json["owner"]),
        Entries = [.. Array(json["entries"]).Select(ToEntry)],
        Best = ToEntry(json["best"]),
    };

    public static Legacy ToLegacy(JsonObject json)
    {
        byte bits = 0;
        for (var i = 0; i < 8; i++)
        {
            if (Long(json[$"b{i}"]) != 0)
            {
                bits |= (byte)(0x80 >> i);
            }
        }

        var (whereHost, wherePort) = HostPort(json["where"]);
        return new Legacy
        {
            Number = checked((uint)ULong(json["number"])),
            BigBlob = Bytes(json["big_blob"]),
            Mids = Bytes(json["mids"]),
            Chunks = [.. Array(json["chunks"]).Select(Bytes)],
            Where = IPAddress.TryParse(whereHost, out var ip) ? new HostAddress(UdpAddress.FromIPAddress(ip, wherePort)) : new HostAddress(whereHost, wherePort),
            Ip = Udp(json["ip"]),
            V4 = Udp(json["v4"]),
            Bits = bits,
            Stamp = ULong(json["stamp"]),
            Tail = Bytes(json["tail"]),
        };
    }

    public static Beacon ToBeacon(JsonObject json) => new() { Nonce = Long(json["nonce"]) };

    // --- exact comparison ------------------------------------------------------------------------------------------

    /// <summary>
    /// Fails unless <paramref name="actual"/> holds exactly the fields of <paramref name="className"/> with exactly the
    /// values of <paramref name="expected"/>: integers by value over the full 64-bit ranges, doubles by their bits (so
    /// -0.0 is not 0.0), text ordinally, bytes by their hex, addresses by IP value (or domain name) and port.
    /// </summary>
    public static void AssertEqual(string className, JsonObject expected, JsonObject actual, string where)
    {
        var problems = new List<string>();
        Compare(className, expected, actual, className, problems);
        if (problems.Count > 0)
        {
            throw new Xunit.Sdk.XunitException(
                $"{where}: {className} arrived with different values:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems) +
                $"{Environment.NewLine}expected: {expected.ToJsonString()}{Environment.NewLine}actual:   {actual.ToJsonString()}");
        }
    }

    private static void Compare(string className, JsonObject expected, JsonObject actual, string path, List<string> problems)
    {
        var fields = Classes[className];
        var names = fields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in actual.Select(p => p.Key).Where(k => !names.Contains(k)))
        {
            problems.Add($"{path}.{extra}: unexpected field");
        }

        foreach (var (name, format) in fields)
        {
            if (!actual.ContainsKey(name))
            {
                problems.Add($"{path}.{name}: missing");
                continue;
            }

            CompareValue(format, expected[name], actual[name], $"{path}.{name}", problems);
        }
    }

    private static void CompareValue(string format, JsonNode? expected, JsonNode? actual, string path, List<string> problems)
    {
        switch (format)
        {
            case "q":
                Check(Long(expected) == Long(actual));
                break;
            case "Q":
            case "I":
                Check(ULong(expected) == ULong(actual));
                break;
            case "bit":
                Check(Long(expected) == Long(actual));
                break;
            case "?":
                Check(Bool(expected) == Bool(actual));
                break;
            case "d":
                Check(BitConverter.DoubleToInt64Bits(Double(expected)) == BitConverter.DoubleToInt64Bits(Double(actual)));
                break;
            case "varlenHutf8":
                Check(string.Equals(Text(expected), Text(actual), StringComparison.Ordinal));
                break;
            case "varlenH" or "varlenI" or "varlenHx20" or "raw":
                Check(Convert.ToHexStringLower(Bytes(expected)) == Convert.ToHexStringLower(Bytes(actual)));
                break;
            case "address" or "ip_address" or "ipv4":
                Check(SameAddress(expected, actual));
                break;
            case "varlenH-list":
                CompareList("varlenH", expected, actual, path, problems);
                break;
            case "arrayH-q":
                CompareList("q", expected, actual, path, problems);
                break;
            case "arrayH-?":
                CompareList("?", expected, actual, path, problems);
                break;
            case "arrayH-d":
                CompareList("d", expected, actual, path, problems);
                break;
            default:
                if (format.StartsWith("payload-list of ", StringComparison.Ordinal))
                {
                    var nested = format["payload-list of ".Length..];
                    var e = Array(expected);
                    var a = Array(actual);
                    if (e.Count != a.Count)
                    {
                        problems.Add($"{path}: {a.Count} items, expected {e.Count}");
                        return;
                    }

                    for (var i = 0; i < e.Count; i++)
                    {
                        Compare(nested, e[i]!.AsObject(), a[i]!.AsObject(), $"{path}[{i}]", problems);
                    }
                }
                else if (format.StartsWith("payload ", StringComparison.Ordinal))
                {
                    Compare(format["payload ".Length..], expected!.AsObject(), actual!.AsObject(), path, problems);
                }
                else
                {
                    problems.Add($"{path}: no comparison for format {format}");
                }

                break;
        }

        void Check(bool same)
        {
            if (!same)
            {
                problems.Add($"{path} ({format}): {actual?.ToJsonString()}, expected {expected?.ToJsonString()}");
            }
        }
    }

    private static void CompareList(string itemFormat, JsonNode? expected, JsonNode? actual, string path, List<string> problems)
    {
        var e = Array(expected);
        var a = Array(actual);
        if (e.Count != a.Count)
        {
            problems.Add($"{path}: {a.Count} items, expected {e.Count}: {actual?.ToJsonString()}, expected {expected?.ToJsonString()}");
            return;
        }

        for (var i = 0; i < e.Count; i++)
        {
            CompareValue(itemFormat, e[i], a[i], $"{path}[{i}]", problems);
        }
    }

    private static bool SameAddress(JsonNode? expected, JsonNode? actual)
    {
        var (eh, ep) = HostPort(expected);
        var (ah, ap) = HostPort(actual);
        if (ep != ap)
        {
            return false;
        }

        return IPAddress.TryParse(eh, out var eip) && IPAddress.TryParse(ah, out var aip)
            ? eip.Equals(aip)
            : string.Equals(eh, ah, StringComparison.Ordinal);
    }

    // --- primitives --------------------------------------------------------------------------------------------------

    private static JsonObject Hex(ReadOnlySpan<byte> bytes) => new() { ["hex"] = Convert.ToHexStringLower(bytes) };

    private static JsonArray Address(UdpAddress address) => [address.HostToString(), address.Port];

    private static JsonArray Address(string host, ushort port) => [host, port];

    private static long Long(JsonNode? node) => Number(node, e => e.GetInt64());

    private static ulong ULong(JsonNode? node) => Number(node, e => e.GetUInt64());

    private static double Double(JsonNode? node) => Number(node, e => e.GetDouble());

    /// <summary>A number read from its JSON text (as parsed, or as written for values built here: shortest round-trip).</summary>
    private static T Number<T>(JsonNode? node, Func<JsonElement, T> read)
    {
        var value = node as JsonValue;
        if (value is null || value.GetValueKind() != JsonValueKind.Number)
        {
            throw new FormatException($"not a number: {node?.ToJsonString() ?? "null"}");
        }

        if (value.TryGetValue<JsonElement>(out var element))
        {
            return read(element);
        }

        using var document = JsonDocument.Parse(value.ToJsonString());
        return read(document.RootElement);
    }

    private static bool Bool(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new FormatException($"not a bool: {node?.ToJsonString() ?? "null"}"),
    };

    private static string Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : throw new FormatException($"not a string: {node?.ToJsonString() ?? "null"}");

    private static byte[] Bytes(JsonNode? node) => Convert.FromHexString(Text(node?["hex"]));

    private static JsonArray Array(JsonNode? node) => node as JsonArray ?? throw new FormatException($"not a list: {node?.ToJsonString() ?? "null"}");

    private static (string Host, ushort Port) HostPort(JsonNode? node)
    {
        var pair = Array(node);
        return pair.Count == 2 ? (Text(pair[0]), checked((ushort)Long(pair[1]))) : throw new FormatException($"not [host, port]: {node?.ToJsonString()}");
    }

    private static UdpAddress Udp(JsonNode? node)
    {
        var (host, port) = HostPort(node);
        return UdpAddress.FromIPAddress(IPAddress.Parse(host), port);
    }

    private static Dictionary<string, IReadOnlyList<(string Name, string Format)>> LoadClasses()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "payloads.json")));
        var classes = new Dictionary<string, IReadOnlyList<(string Name, string Format)>>(StringComparer.Ordinal);
        foreach (var cls in document.RootElement.GetProperty("payload_classes").EnumerateObject())
        {
            var fields = new List<(string Name, string Format)>();
            foreach (var field in cls.Value.GetProperty("fields").EnumerateArray())
            {
                var name = field[0].GetString()!;
                var format = field[1].GetString()!;
                if (format == "bits")
                {
                    // "b0..b7": eight fields of one bit each.
                    var prefix = name[..name.IndexOf("..", StringComparison.Ordinal)].TrimEnd('0');
                    fields.AddRange(Enumerable.Range(0, 8).Select(i => (prefix + i.ToString(CultureInfo.InvariantCulture), "bit")));
                }
                else
                {
                    fields.Add((name, format));
                }
            }

            classes[cls.Name] = fields;
        }

        return classes;
    }
}

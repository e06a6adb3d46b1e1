using System.Text.Json;
using System.Text.Json.Nodes;
using CommunityToolkit.HighPerformance.Buffers;
using Ipv8.Wire;
using Ipv8.Wire.Schemas;

namespace Ipv8.Cli.Fuzzing;

/// <summary>One way the two decoders disagree about one datagram: the field (or <c>accept</c>) and both sides' values.</summary>
internal sealed record Difference(string Field, string Ours, string Theirs);

/// <summary>
/// A difference that is known and deliberate (docs/mapping.md, "Wire-visible differences"), with the reason. It is
/// counted in the report under its id, never silently ignored.
/// </summary>
internal sealed record AllowedDifference(string Id, string Reason, Func<byte[], JsonObject, JsonObject, Difference, bool> Matches);

/// <summary>What the two decoders made of one datagram.</summary>
internal sealed record Comparison(byte[] Datagram, JsonObject Ours, JsonObject Theirs, IReadOnlyList<Difference> Differences, IReadOnlyList<string> Allowed)
{
    /// <summary>True when both accepted it.</summary>
    public bool AcceptedByBoth => Ours["ok"]!.GetValue<bool>() && Theirs["ok"]!.GetValue<bool>();

    /// <summary>True when both refused it (their reasons are not compared: each names its own errors).</summary>
    public bool RejectedByBoth => !Ours["ok"]!.GetValue<bool>() && !Theirs["ok"]!.GetValue<bool>();

    /// <summary>A finding: a difference the allow-list does not explain.</summary>
    public bool IsFinding => Differences.Count > 0;
}

/// <summary>
/// The differential target: the same datagram through our decoder (what <c>ipv8 decode</c> prints, the registry's
/// kinds) and py-ipv8's (<see cref="PyDecoder"/>), comparing accept or reject and, when both accept, the message name,
/// id, signedness, key, global time and every payload field. Both sides read a datagram as a community whose prefix it
/// carries would (0x00, version 2, an id): <c>ipv8 decode</c>'s leniency about other prefixes is not compared.
/// </summary>
internal static class Differential
{
    /// <summary>
    /// The known, deliberate differences, each with its reason (docs/mapping.md). A difference is allowed only when an
    /// entry matches that very field of that very message.
    /// </summary>
    public static IReadOnlyList<AllowedDifference> AllowList { get; } =
    [
        new(
            "raw-flag-byte",
            "our decode also prints the raw flag byte as `flags` (the vectors' form, docs/cli.md); py-ipv8 keeps only the bits it names",
            (_, _, _, d) => d.Field == "payload.flags" && d.Theirs == "(absent)"),
        new(
            "lenient-varlen",
            "docs/mapping.md 'lenient decoding': py-ipv8 cuts a varlenH whose length runs past the data short (the 20-byte items of a similarity response's preference list); ours refuses it as truncated",
            (_, ours, theirs, d) => d.Field == "accept" && (string?)theirs["name"] == "similarity-response" && !ours["ok"]!.GetValue<bool>()
                && ((string?)ours["error"])?.Contains("truncated", StringComparison.OrdinalIgnoreCase) == true),
        new(
            "empty-tb-overlap",
            "our decode leaves out an empty tb_overlap of a similarity response, as the reference vectors py-ipv8 made do; py-ipv8's payload object holds []",
            (_, _, theirs, d) => d.Field == "payload.tb_overlap" && d.Ours == "(absent)" && theirs["payload"]?["tb_overlap"] is JsonArray { Count: 0 }),
        new(
            "introduce-to-tuple",
            "py-ipv8's DiscoveryIntroductionRequestPayload keeps introduce_to as the 1-tuple introduce_to[1:] of its c20s pair (NOTES.md, docs/mapping.md: so it never matches a mid and the named peer is never honored); ours gives the 20 bytes themselves",
            (_, ours, theirs, d) => d.Field == "payload.introduce_to" && theirs["payload"]?["introduce_to"] is JsonArray { Count: 1 } tuple
                && JsonNode.DeepEquals(tuple[0], ours["payload"]?["introduce_to"])),
    ];

    /// <summary>Our outcome, in the py side's form: <c>{"ok":true,"name",…}</c> or <c>{"ok":false,"error"}</c>.</summary>
    public static JsonObject Ours(byte[] datagram)
    {
        ArgumentNullException.ThrowIfNull(datagram);
        if (datagram.Length <= Packet.PrefixLength)
        {
            return Error("short: no message id");
        }

        if (datagram[0] != 0 || datagram[1] != Packet.Version)
        {
            return Error("unknown prefix");
        }

        using var buffer = new ArrayPoolBufferWriter<byte>();
        string? reason;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (!PacketJson.TryWrite(writer, datagram, null, out reason))
            {
                return Error(reason);
            }
        }

        var decoded = JsonNode.Parse(buffer.WrittenSpan) as JsonObject;
        if (decoded is null || !decoded.ContainsKey("name"))
        {
            return Error($"unknown message {datagram[Packet.PrefixLength]}");
        }

        var result = new JsonObject { ["ok"] = true };
        foreach (var (name, value) in decoded.ToList())
        {
            decoded.Remove(name);
            result[name] = value;
        }

        return result;
    }

    /// <summary>Compares both outcomes and sorts the differences into allowed (by id) and findings.</summary>
    public static Comparison Compare(byte[] datagram, JsonObject ours, JsonObject theirs)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(theirs);
        var differences = new List<Difference>();
        var ourOk = ours["ok"]!.GetValue<bool>();
        var theirOk = theirs["ok"]!.GetValue<bool>();
        if (ourOk != theirOk)
        {
            differences.Add(new Difference("accept", Describe(ours), Describe(theirs)));
        }
        else if (ourOk)
        {
            foreach (var field in (string[])["name", "msg_id", "signed", "public_key", "global_time"])
            {
                CompareField(field, ours[field], theirs[field], differences);
            }

            var ourPayload = ours["payload"] as JsonObject ?? [];
            var theirPayload = theirs["payload"] as JsonObject ?? [];
            foreach (var field in ourPayload.Select(p => p.Key).Union(theirPayload.Select(p => p.Key)).Order(StringComparer.Ordinal))
            {
                CompareField($"payload.{field}", ourPayload[field], theirPayload[field], differences, ourPayload.ContainsKey(field), theirPayload.ContainsKey(field));
            }
        }

        var findings = new List<Difference>();
        var allowed = new List<string>();
        foreach (var difference in differences)
        {
            if (AllowList.FirstOrDefault(a => a.Matches(datagram, ours, theirs, difference)) is { } entry)
            {
                allowed.Add(entry.Id);
            }
            else
            {
                findings.Add(difference);
            }
        }

        return new Comparison(datagram, ours, theirs, findings, allowed);
    }

    private static void CompareField(string field, JsonNode? ours, JsonNode? theirs, List<Difference> differences, bool ourHas = true, bool theirHas = true)
    {
        if (!JsonNode.DeepEquals(ours, theirs) || ourHas != theirHas)
        {
            differences.Add(new Difference(field, ourHas ? ours?.ToJsonString() ?? "null" : "(absent)", theirHas ? theirs?.ToJsonString() ?? "null" : "(absent)"));
        }
    }

    private static string Describe(JsonObject outcome) =>
        outcome["ok"]!.GetValue<bool>() ? $"accepted as {(string?)outcome["name"]}" : $"rejected: {(string?)outcome["error"]}";

    private static JsonObject Error(string reason) => new() { ["ok"] = false, ["error"] = reason };

    /// <summary>A finding's file: the input, both outcomes and the differences.</summary>
    public static void Save(Comparison comparison, string path, string description)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var differences = new JsonArray();
        foreach (var d in comparison.Differences)
        {
            differences.Add(new JsonObject { ["field"] = d.Field, ["ours"] = d.Ours, ["py_ipv8"] = d.Theirs });
        }

        var root = new JsonObject
        {
            ["description"] = description,
            ["input"] = Convert.ToHexStringLower(comparison.Datagram),
            ["ours"] = comparison.Ours.DeepClone(),
            ["py_ipv8"] = comparison.Theirs.DeepClone(),
            ["differences"] = differences,
        };
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }
}

using System.Text.Json.Nodes;
using Ipv8.Interop.Tests.Support;
using Ipv8.Tests.Shared;

namespace Ipv8.Interop.Tests;

/// <summary>One message to send: the community kind it travels in, whether it is signed, and its payloads' values.</summary>
internal sealed record MessageCase(string Name, ChatMode Mode, bool Signed, IReadOnlyList<(string Class, JsonObject Fields)> Payloads);

/// <summary>
/// The messages the interop tests exchange: every payloads.json class, signed and unsigned, with the extremes of each
/// format (64-bit limits, -0.0, the smallest subnormal, the largest double, empty and non-ASCII text, empty lists,
/// IPv4, IPv6 and domain-name addresses). Values are written in payloads.json's forms.
/// </summary>
internal static class MessageCases
{
    private const string Mids = "ad96b442d6d1bdef4850c3f465442eb300c337a648a6c0dbdd73fc95f5c2c451859afe80d40aa39d";

    public static readonly IReadOnlyList<MessageCase> All =
    [
        One("chat-max-empty", "Chat", """{"seq": 9223372036854775807, "text": ""}"""),
        One("chat-min-non-ascii", "Chat", """{"seq": -9223372036854775808, "text": "🙂 Ω\u00a0字\n\"quoted\" \\ é\u0000end"}"""),
        One("chat-long-text", "Chat", "{\"seq\": 0, \"text\": \"" + string.Concat(Enumerable.Repeat("Ipv8 é 🙂 ", 60)) + "\"}"),
        new("chat-with-global-time-max", ChatMode.GlobalTime, Signed: true,
        [
            ("GlobalTimeDistributionPayload", ValueForms.Parse("""{"global_time": 18446744073709551615}""")),
            ("Chat", ValueForms.Parse("""{"seq": -1, "text": "time 🙂"}""")),
        ]),
        new("chat-with-global-time-zero", ChatMode.GlobalTime, Signed: true,
        [
            ("GlobalTimeDistributionPayload", ValueForms.Parse("""{"global_time": 0}""")),
            ("Chat", ValueForms.Parse("""{"seq": 0, "text": ""}""")),
        ]),
        new("chat-unsigned", ChatMode.Unsigned, Signed: false, [("Chat", ValueForms.Parse("""{"seq": -9223372036854775808, "text": "unsigned é 字"}"""))]),
        new("chat-unsigned-empty", ChatMode.Unsigned, Signed: false, [("Chat", ValueForms.Parse("""{"seq": 9223372036854775807, "text": ""}"""))]),
        One("sample-empty-lists", "Sample", """{"flag": true, "score": -0.0, "blob": {"hex": ""}, "values": [], "flags": [], "weights": []}"""),
        One("sample-extremes", "Sample", """
            {"flag": false, "score": 5e-324, "blob": {"hex": "00ff7f80"},
             "values": [9223372036854775807, -9223372036854775808, 0, -1],
             "flags": [true, false, true, true, false],
             "weights": [-0.0, 5e-324, 1.7976931348623157e308, -2.2250738585072014e-308, 1.5, 0.1]}
            """),
        One("sample-largest-double", "Sample", """{"flag": true, "score": -1.7976931348623157e308, "blob": {"hex": "4bae8d2f9fa29c5a284c9ef7521829cf1079b080e9d74a1c10fcab6a4243d33656"}, "values": [-6618647294537835459], "flags": [false], "weights": [0.0]}"""),
        One("catalog-empty", "Catalog", """{"owner": "", "entries": [], "best": {"key": {"hex": ""}, "count": 0}}"""),
        One("catalog-entries", "Catalog", """
            {"owner": "c漢b é漢 🙂",
             "entries": [{"key": {"hex": "8ff88796ae5b05f280a68ced93b6b28cb0d1b358"}, "count": -9223372036854775808},
                         {"key": {"hex": ""}, "count": 9223372036854775807},
                         {"key": {"hex": "00"}, "count": -1}],
             "best": {"key": {"hex": "c2246879"}, "count": 9223372036854775807}}
            """),
        One("legacy-ipv4", "Legacy", $$$"""
            {"number": 4294967295, "big_blob": {"hex": "3abf129a30"}, "mids": {"hex": "{{{Mids}}}"},
             "chunks": [{"hex": "9249f4"}, {"hex": ""}, {"hex": "0c3ee3"}],
             "where": ["150.20.69.200", 1730], "ip": ["245.140.124.242", 0], "v4": ["125.250.137.79", 37451],
             "b0": 1, "b1": 1, "b2": 1, "b3": 0, "b4": 0, "b5": 0, "b6": 1, "b7": 1,
             "stamp": 18446744073709551615, "tail": {"hex": ""}}
            """),
        One("legacy-ipv6", "Legacy", """
            {"number": 0, "big_blob": {"hex": ""}, "mids": {"hex": ""}, "chunks": [],
             "where": ["2001:db8::d1c7", 52769], "ip": ["::1", 65535], "v4": ["0.0.0.0", 0],
             "b0": 0, "b1": 0, "b2": 0, "b3": 0, "b4": 0, "b5": 0, "b6": 0, "b7": 0,
             "stamp": 0, "tail": {"hex": "c5c145b797ddb9"}}
            """),
        One("legacy-domain-name", "Legacy", """
            {"number": 1, "big_blob": {"hex": "ff"}, "mids": {"hex": "1b7c19fecb1e1882d0e49c1a13635bce60772ba0"},
             "chunks": [{"hex": "05355e"}],
             "where": ["bücher.example", 65535], "ip": ["fe80::1:2", 443], "v4": ["255.255.255.255", 65535],
             "b0": 0, "b1": 1, "b2": 0, "b3": 1, "b4": 0, "b5": 1, "b6": 0, "b7": 1,
             "stamp": 1, "tail": {"hex": "6af72f3d7aafd8"}}
            """),
        new("beacon-min", ChatMode.Signed, Signed: false, [("Beacon", ValueForms.Parse("""{"nonce": -9223372036854775808}"""))]),
        new("beacon-max", ChatMode.Signed, Signed: false, [("Beacon", ValueForms.Parse("""{"nonce": 9223372036854775807}"""))]),
    ];

    /// <summary>One case of each message kind, for the IPv6 run.</summary>
    public static readonly IReadOnlyList<string> OnePerKind =
    [
        "chat-min-non-ascii", "chat-with-global-time-max", "chat-unsigned", "sample-extremes", "catalog-entries", "legacy-domain-name", "beacon-min",
    ];

    public static TheoryData<string> Names() => [.. All.Select(c => c.Name)];

    public static TheoryData<string> OnePerKindNames() => [.. OnePerKind];

    public static MessageCase Get(string name) => All.Single(c => c.Name == name);

    private static MessageCase One(string name, string cls, string fields) => new(name, ChatMode.Signed, Signed: true, [(cls, ValueForms.Parse(fields))]);
}

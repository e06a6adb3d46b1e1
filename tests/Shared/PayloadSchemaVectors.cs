using System.Text.Json.Nodes;

namespace Ipv8.Tests.Shared;

/// <summary>
/// <c>../shared/vectors/payloads.json</c> (py-ipv8's user messages, every serializer format), and schemas in the form of
/// <c>ipv8 decode --schema</c> built from its <c>payload_classes</c>.
/// </summary>
internal static class PayloadSchemaVectors
{
    private static readonly Lazy<JsonObject> s_file = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "payloads.json")))!);

    public static JsonObject Root => s_file.Value;

    public static JsonArray Packets => (JsonArray)Root["packets"]!;

    public static JsonArray Malformed => (JsonArray)Root["malformed"]!;

    public static JsonArray Formats => (JsonArray)Root["formats"]!;

    public static string Prefix => (string)Root["prefix"]!;

    public static JsonObject Packet(int index) => (JsonObject)Packets[index]!;

    /// <summary>The packet whose name a malformed entry mutates (the same message: same id and classes).</summary>
    public static JsonObject PacketNamed(string name) => Packets.Select(p => (JsonObject)p!).First(p => (string)p["name"]! == name);

    /// <summary>
    /// Every class of <c>payload_classes</c> in schema form: <c>"payload-list of X"</c> becomes <c>payload-list:X</c>,
    /// <c>"payload X"</c> becomes <c>payload:X</c>, and the bits field <c>"b0..b7"</c> gets its eight names.
    /// </summary>
    public static JsonObject Classes()
    {
        var classes = new JsonObject();
        foreach (var (name, value) in (JsonObject)Root["payload_classes"]!)
        {
            var fields = new JsonArray();
            foreach (var field in (JsonArray)value!["fields"]!)
            {
                var fieldName = (string)field![0]!;
                var format = (string)field[1]!;
                format = format.StartsWith("payload-list of ", StringComparison.Ordinal) ? "payload-list:" + format["payload-list of ".Length..]
                    : format.StartsWith("payload ", StringComparison.Ordinal) ? "payload:" + format["payload ".Length..]
                    : format;
                JsonNode names = format == "bits"
                    ? new JsonArray(Enumerable.Range(0, 8).Select(i => (JsonNode?)JsonValue.Create($"b{i}")).ToArray())
                    : JsonValue.Create(fieldName);
                fields.Add(new JsonArray(names, JsonValue.Create(format)));
            }

            classes[name] = fields;
        }

        return classes;
    }

    /// <summary>A schema with every class and one message: the packet's id, its classes in order, signed as it is.</summary>
    public static string SchemaFor(JsonObject packet)
    {
        var message = new JsonObject
        {
            ["payloads"] = new JsonArray(((JsonArray)packet["classes"]!).Select(c => (JsonNode?)JsonValue.Create((string)c!)).ToArray()),
            ["signed"] = (bool)packet["decoded"]!["signed"]!,
        };
        return new JsonObject
        {
            ["classes"] = Classes(),
            ["messages"] = new JsonObject { [((int)packet["msg_id"]!).ToString(System.Globalization.CultureInfo.InvariantCulture)] = message },
        }.ToJsonString();
    }

    /// <summary>What the decoder must print for a packet: its msg_id, then its <c>decoded</c>.</summary>
    public static string ExpectedFor(JsonObject packet)
    {
        var expected = packet["decoded"]!.DeepClone().AsObject();
        expected.Insert(0, "msg_id", (int)packet["msg_id"]!);
        return expected.ToJsonString();
    }

    /// <summary>A schema of one unsigned message (id 7) with one field of <paramref name="format"/> named <c>v</c>.</summary>
    public static string OneFieldSchema(string format) =>
        "{\"classes\": {\"One\": [[\"v\", \"" + format + "\"]]}, \"messages\": {\"7\": {\"payloads\": [\"One\"], \"signed\": false}}}";
}

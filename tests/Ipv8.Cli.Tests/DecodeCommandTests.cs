using System.Text.Json.Nodes;
using Ipv8.Cli.Commands;
using Ipv8.Tests.Shared;

namespace Ipv8.Cli.Tests;

/// <summary><c>ipv8 decode</c>: user messages with <c>--schema</c>, DiscoveryCommunity by its prefix, frames of any other, and its argument errors.</summary>
public sealed class DecodeCommandTests : IDisposable
{
    private readonly List<string> _files = [];

    private static readonly Lazy<JsonObject> s_discoveryCommunity = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "discovery-community.json")))!);

    public static TheoryData<int> PacketIndexes => [.. Enumerable.Range(0, PayloadSchemaVectors.Packets.Count)];

    public static TheoryData<int> DiscoveryCommunityIndexes => [.. Enumerable.Range(0, DiscoveryCommunityVectors.Count)];

    private static JsonArray DiscoveryCommunityVectors => (JsonArray)s_discoveryCommunity.Value["vectors"]!;

    public void Dispose()
    {
        foreach (var file in _files)
        {
            File.Delete(file);
        }
    }

    [Theory]
    [MemberData(nameof(PacketIndexes))]
    public void With_a_schema_every_payloads_vector_prints_exactly_its_decoded_form(int index)
    {
        var packet = PayloadSchemaVectors.Packet(index);
        var schema = SchemaFile(PayloadSchemaVectors.SchemaFor(packet));

        var (code, output, error) = CliHarness.Run("decode", "--schema", schema, (string)packet["packet"]!);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        var line = Assert.Single(CliHarness.Lines(output));
        JsonExact.AssertEqual(PayloadSchemaVectors.ExpectedFor(packet), line, $"packet {index} ({packet["name"]}): ");
    }

    [Fact]
    public void With_a_schema_every_malformed_vector_prints_an_error_object()
    {
        foreach (var entry in PayloadSchemaVectors.Malformed.Select(m => (JsonObject)m!))
        {
            var schema = SchemaFile(PayloadSchemaVectors.SchemaFor(PayloadSchemaVectors.PacketNamed((string)entry["name"]!)));

            var (code, output, _) = CliHarness.Run("decode", "--schema", schema, (string)entry["packet"]!);

            Assert.Equal(0, code);
            var json = CliHarness.ParseObject(Assert.Single(CliHarness.Lines(output)));
            CliHarness.AssertKeys(json, ["error"]);
            Assert.False(string.IsNullOrWhiteSpace((string)json["error"]!), $"{entry["name"]} {entry["mutation"]}");
        }
    }

    [Fact]
    public void Standard_input_lines_decode_with_the_schema_one_line_each()
    {
        var chat = PayloadSchemaVectors.PacketNamed("chat");
        var schema = Wire.Schemas.SchemaSet.Parse(PayloadSchemaVectors.SchemaFor(chat));
        var discovery = (string)((JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "community.json")))!)["vectors"]![0]!["packet"]!;
        var input = $"{chat["packet"]}\n\n{discovery}\nzz\n";
        using var output = new StringWriter();

        Assert.Equal(0, DecodeCommand.Run([], schema, new StringReader(input), output));

        var lines = CliHarness.Lines(output.ToString());
        Assert.Equal(3, lines.Length);
        JsonExact.AssertEqual(PayloadSchemaVectors.ExpectedFor(chat), lines[0]);
        Assert.NotNull(CliHarness.ParseObject(lines[1])["name"]);
        Assert.Equal("""{"error":"invalid hex"}""", lines[2]);
    }

    [Theory]
    [MemberData(nameof(DiscoveryCommunityIndexes))]
    public void Every_discovery_community_vector_prints_exactly_its_decoded_form_with_its_name_and_id(int index)
    {
        var vector = (JsonObject)DiscoveryCommunityVectors[index]!;

        var (code, output, error) = CliHarness.Run("decode", (string)vector["packet"]!);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        var line = Assert.Single(CliHarness.Lines(output));
        JsonExact.AssertEqual(ExpectedDiscoveryCommunity(vector), line, $"vector {index} ({vector["name"]}, {vector["sender"]}): ");
    }

    [Fact]
    public void Standard_input_decodes_every_discovery_community_vector_even_with_a_schema_of_other_ids()
    {
        var schema = Wire.Schemas.SchemaSet.Parse(PayloadSchemaVectors.OneFieldSchema("B"));
        var vectors = DiscoveryCommunityVectors.Select(v => (JsonObject)v!).ToArray();
        Assert.All(vectors, v => Assert.False(schema.TryGetMessage((byte)(int)v["msg_id"]!, out _)));
        var input = string.Join("\n", vectors.Select(v => (string)v["packet"]!)) + "\n";
        using var output = new StringWriter();

        Assert.Equal(0, DecodeCommand.Run([], schema, new StringReader(input), output));

        var lines = CliHarness.Lines(output.ToString());
        Assert.Equal(vectors.Length, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            JsonExact.AssertEqual(ExpectedDiscoveryCommunity(vectors[i]), lines[i], $"vector {i} ({vectors[i]["name"]}): ");
        }
    }

    [Fact]
    public void A_discovery_community_246_with_a_broken_signature_prints_an_error_object()
    {
        var vector = DiscoveryCommunityVectors.Select(v => (JsonObject)v!).First(v => (int)v["msg_id"]! == 246);
        var hex = (string)vector["packet"]!;
        var broken = hex[..^2] + (hex[^2..] == "00" ? "01" : "00");

        var (code, output, _) = CliHarness.Run("decode", broken);

        Assert.Equal(0, code);
        Assert.Equal("""{"error":"invalid signature"}""", Assert.Single(CliHarness.Lines(output)));
    }

    [Fact]
    public void Without_a_schema_a_user_message_of_any_community_prints_its_frame()
    {
        var chat = PayloadSchemaVectors.PacketNamed("chat");
        var hex = (string)chat["packet"]!;

        var (code, output, _) = CliHarness.Run("decode", hex);

        Assert.Equal(0, code);
        var json = CliHarness.ParseObject(Assert.Single(CliHarness.Lines(output)));
        CliHarness.AssertKeys(json, ["prefix", "community_id", "msg_id", "signed", "public_key", "signature_valid", "payload"]);
        Assert.Equal(PayloadSchemaVectors.Prefix, (string)json["prefix"]!);
        Assert.Equal((string)PayloadSchemaVectors.Root["community_id"]!, (string)json["community_id"]!);
        Assert.Equal(1, (int)json["msg_id"]!);
        Assert.True((bool)json["signed"]!);
        Assert.True((bool)json["signature_valid"]!);
        Assert.Equal((string)chat["decoded"]!["public_key"]!, (string)json["public_key"]!);
        // key length (2) + key (74) before the payload, a 64-byte signature after it
        Assert.Equal(hex[((23 + 2 + 74) * 2)..^(64 * 2)], (string)json["payload"]!);
    }

    [Fact]
    public void Without_a_schema_an_unsigned_user_message_prints_every_byte_after_its_id()
    {
        var beacon = PayloadSchemaVectors.PacketNamed("beacon-unsigned");
        var hex = (string)beacon["packet"]!;

        var (_, output, _) = CliHarness.Run("decode", hex);

        var json = CliHarness.ParseObject(Assert.Single(CliHarness.Lines(output)));
        CliHarness.AssertKeys(json, ["prefix", "community_id", "msg_id", "signed", "payload"]);
        Assert.False((bool)json["signed"]!);
        Assert.Equal(hex[(23 * 2)..], (string)json["payload"]!);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("""{"classes": {"A": [["x", "qq"]]}, "messages": {}}""", "unknown format 'qq'")]
    [InlineData("""{"classes": {"A": [["a", "payload:A"]]}, "messages": {}}""", "classes nest themselves: A -> A")]
    [InlineData("""{"classes": {"A": []}, "messages": {"3": {"payloads": ["B"]}}}""", "unknown class 'B'")]
    public void A_bad_schema_file_exits_2_with_one_error_line_naming_the_file(string schemaJson, string reason)
    {
        var schema = SchemaFile(schemaJson);

        var (code, output, error) = CliHarness.Run("decode", "--schema", schema, "00");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(CliHarness.Lines(error));
        Assert.StartsWith($"error: --schema {schema}: ", line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("00", "--bogus")]
    [InlineData("--bogus", "--schema", "x.json")]
    public void An_unknown_option_exits_2_with_one_error_line(params string[] args)
    {
        var (code, output, error) = CliHarness.Run(["decode", .. args]);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(CliHarness.Lines(error));
        Assert.StartsWith("error:", line, StringComparison.Ordinal);
        Assert.Contains("--bogus", line, StringComparison.Ordinal);
    }

    private static string ExpectedDiscoveryCommunity(JsonObject vector)
    {
        var expected = vector["decoded"]!.DeepClone().AsObject();
        expected.Insert(0, "name", (string)vector["name"]!);
        expected.Insert(1, "msg_id", (int)vector["msg_id"]!);
        return expected.ToJsonString();
    }

    private string SchemaFile(string json)
    {
        var path = CliHarness.TempPath("schema.json");
        File.WriteAllText(path, json);
        _files.Add(path);
        return path;
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Schemas;

namespace Ipv8.Wire.Tests.Schemas;

/// <summary>What any datagram decodes to: schema message, discovery message, or its frame.</summary>
public class PacketJsonTests
{
    private const string Community = "5f1b9c0c0c2b3f6f7b41c8d0a1a2a3a4a5a6a7a8";

    [Fact]
    public void A_signed_message_of_an_unknown_community_prints_its_frame_with_a_checked_signature()
    {
        using var key = LibNaClPrivateKey.Parse(Convert.FromHexString((string)PayloadSchemaVectors.Root["key"]!["private_key_bin"]!));
        var datagram = Signed(key, 42, [1, 2, 3]);

        var (ok, json, _) = Write(datagram, null);

        Assert.True(ok);
        var expected = new JsonObject
        {
            ["prefix"] = "0002" + Community,
            ["community_id"] = Community,
            ["msg_id"] = 42,
            ["signed"] = true,
            ["public_key"] = Convert.ToHexStringLower(key.PublicKey.Bin),
            ["signature_valid"] = true,
            ["payload"] = "010203",
        };
        JsonExact.AssertEqual(expected.ToJsonString(), json);

        datagram[^1] ^= 0x80;
        Assert.False((bool)JsonNode.Parse(Write(datagram, null).Json)!["signature_valid"]!);
    }

    [Fact]
    public void An_unsigned_message_of_an_unknown_community_prints_every_byte_after_the_id()
    {
        byte[] datagram = [.. Convert.FromHexString("0002" + Community), 7, 0xDE, 0xAD];

        var (ok, json, _) = Write(datagram, null);

        Assert.True(ok);
        JsonExact.AssertEqual($$"""{"prefix":"0002{{Community}}","community_id":"{{Community}}","msg_id":7,"signed":false,"payload":"dead"}""", json);
    }

    [Fact]
    public void A_datagram_shorter_than_a_header_is_an_error_whatever_the_schema()
    {
        var (ok, json, reason) = Write(new byte[22], SchemaSet.Parse(PayloadSchemaVectors.OneFieldSchema("B")));

        Assert.False(ok);
        Assert.Equal(string.Empty, json);
        Assert.Equal(WireError.TooShort.Describe(), reason);
        Assert.False(FrameJson.TryWrite(new Utf8JsonWriter(Stream.Null), new byte[22], out var error));
        Assert.Equal(WireError.TooShort, error);
    }

    [Fact]
    public void DiscoveryCommunity_packets_stay_DiscoveryCommunitys_under_a_schema_without_a_community_id_that_defines_their_ids()
    {
        // A user's schema for ids 1-4 must not swallow the DiscoveryCommunity messages of a capture of a deployed node.
        var schema = SchemaSet.Parse("{\"classes\": {\"All\": [[\"bytes\", \"raw\"]]}, \"messages\": {\"1\": {\"payloads\": [\"All\"]}, \"2\": {\"payloads\": [\"All\"]}, \"3\": {\"payloads\": [\"All\"], \"signed\": false}, \"4\": {\"payloads\": [\"All\"], \"signed\": false}}}");
        var seen = 0;
        foreach (var node in DiscoveryCommunityVectors.Packets)
        {
            var vector = (JsonObject)node!;
            var datagram = Convert.FromHexString((string)vector["packet"]!);
            var (ok, json, reason) = Write(datagram, schema);
            Assert.True(ok, reason);
            Assert.Equal((string)vector["name"]!, (string)JsonNode.Parse(json)!["name"]!);
            seen++;
        }

        Assert.True(seen >= 10);
    }

    [Fact]
    public void A_schema_with_a_community_id_decodes_only_that_communitys_packets()
    {
        byte[] ours = [.. Convert.FromHexString("0002" + Community), 7, 0xDE, 0xAD];
        byte[] theirs = [.. Convert.FromHexString("0002" + "11" + Community[2..]), 7, 0xDE, 0xAD];
        var schema = SchemaSet.Parse("{\"community_id\": \"" + Community + "\", \"classes\": {\"All\": [[\"bytes\", \"raw\"]]}, \"messages\": {\"7\": {\"payloads\": [\"All\"], \"signed\": false}}}");

        Assert.Equal(CommunityId.Parse(Community), schema.CommunityId);
        Assert.Equal("dead", (string)JsonNode.Parse(Write(ours, schema).Json)!["payloads"]![0]!["bytes"]!["hex"]!);
        Assert.Equal("dead", (string)JsonNode.Parse(Write(theirs, schema).Json)!["payload"]!); // the frame: not the schema's community
    }

    [Theory]
    [InlineData("\"abc\"")]
    [InlineData("42")]
    public void A_community_id_that_is_not_40_hex_digits_is_a_schema_error(string value)
    {
        var error = Assert.Throws<SchemaException>(() => SchemaSet.Parse("{\"community_id\": " + value + ", \"classes\": {}, \"messages\": {}}"));

        Assert.StartsWith("\"community_id\" must be a community id of 40 hex digits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discovery_ids_decode_as_discovery_unless_the_schema_defines_them()
    {
        var vector = Vectors.Packet(0);
        var datagram = Vectors.Bytes(vector, "packet");
        var id = datagram[Packet.PrefixLength];
        var other = SchemaSet.Parse(PayloadSchemaVectors.OneFieldSchema("B"));
        var overriding = SchemaSet.Parse("{\"classes\": {\"All\": [[\"bytes\", \"raw\"]]}, \"messages\": {\"" + id + "\": {\"payloads\": [\"All\"]}}}");

        var asDiscovery = JsonNode.Parse(Write(datagram, other).Json)!;
        var asSchema = JsonNode.Parse(Write(datagram, overriding).Json)!;

        Assert.Equal((string)vector["name"]!, (string)asDiscovery["name"]!);
        Assert.Null(asSchema["name"]);
        Assert.Equal(id, (int)asSchema["msg_id"]!);
        Assert.NotNull(asSchema["payloads"]![0]!["bytes"]!["hex"]);
    }

    [Fact]
    public void A_malformed_discovery_message_is_still_an_error()
    {
        var datagram = Vectors.Bytes(Vectors.Malformed[0], "packet");

        var (ok, _, reason) = Write(datagram, null);

        Assert.False(ok);
        Assert.False(string.IsNullOrWhiteSpace(reason));
    }

    [Fact]
    public void Every_discovery_community_vector_decodes_as_discovery_community_by_its_prefix()
    {
        var file = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "discovery-community.json")))!;
        foreach (var vector in ((JsonArray)file["vectors"]!).Select(v => (JsonObject)v!))
        {
            var (ok, json, reason) = Write(Convert.FromHexString((string)vector["packet"]!), null);

            Assert.True(ok, $"{vector["name"]}: {reason}");
            var expected = vector["decoded"]!.DeepClone().AsObject();
            expected.Insert(0, "name", (string)vector["name"]!);
            expected.Insert(1, "msg_id", (int)vector["msg_id"]!);
            JsonExact.AssertEqual(expected.ToJsonString(), json, $"{vector["name"]} ({vector["sender"]}): ");
        }
    }

    [Fact]
    public void Discovery_community_ids_under_another_prefix_or_version_keep_the_discovery_and_frame_decoders()
    {
        var file = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "discovery-community.json")))!;
        var ping = Convert.FromHexString((string)((JsonArray)file["vectors"]!).First(v => (int)v!["msg_id"]! == 3)!["packet"]!);
        var otherCommunity = (byte[])ping.Clone();
        otherCommunity[2] ^= 0xFF;
        var otherVersion = (byte[])ping.Clone();
        otherVersion[1] = 1;

        foreach (var datagram in new[] { otherCommunity, otherVersion })
        {
            var output = JsonNode.Parse(Write(datagram, null).Json)!;
            Assert.Null(output["name"]);
            Assert.Equal(Convert.ToHexStringLower(datagram[(Packet.PrefixLength + 1)..]), (string)output["payload"]!);
        }

        // A 246 that names a peer, under community.json's prefix: read as the plain 246 (its introduce_to is the start of the addresses).
        using var key = LibNaClPrivateKey.Parse(Convert.FromHexString((string)file["keys"]![0]!["private_key_bin"]!));
        var buffer = new byte[512];
        var n = Packet.Write(buffer, Vectors.Prefix, key, new GlobalTime(5), new Discovery.DiscoveryIntroductionRequestPayload
        {
            IntroduceToField = Discovery.DiscoveryIntroductionRequestPayload.MakeIntroduceTo(new byte[20]),
            DestinationAddress = UdpAddress.Parse("1.2.3.4:5"),
            SourceLanAddress = UdpAddress.Parse("1.2.3.4:5"),
            SourceWanAddress = UdpAddress.Parse("1.2.3.4:5"),
            Flags = 0x21,
            Identifier = 5,
        });
        var plain = JsonNode.Parse(Write(buffer[..n], null).Json)!;
        Assert.Equal("introduction-request", (string)plain["name"]!);
        Assert.Null(plain["payload"]!["introduce_to"]);
        Assert.Equal("89.0.0.0", (string)plain["payload"]!["destination_address"]!["host"]!);
    }

    [Fact]
    public void A_schema_whose_community_id_is_DiscoveryCommunitys_decodes_its_packets_with_the_schema()
    {
        var file = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "discovery-community.json")))!;
        var ping = Convert.FromHexString((string)((JsonArray)file["vectors"]!).First(v => (int)v!["msg_id"]! == 3)!["packet"]!);
        var schema = SchemaSet.Parse("""{"community_id": "7e313685c1912a141279f8248fc8db5899c5df5a", "classes": {"T": [["global_time", "Q"]], "P": [["identifier", "H"]]}, "messages": {"3": {"payloads": ["T", "P"], "signed": false}}}""");

        var output = JsonNode.Parse(Write(ping, schema).Json)!;

        Assert.Null(output["name"]);
        Assert.Equal(3, (int)output["msg_id"]!);
        Assert.Equal((int)((JsonArray)file["vectors"]!).First(v => (int)v!["msg_id"]! == 3)!["decoded"]!["payload"]!["identifier"]!, (int)output["payloads"]![1]!["identifier"]!);
    }

    [Fact]
    public void Every_ec_key_vector_decodes_and_verifies_and_every_mutation_is_refused()
    {
        var file = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "ec-keys.json")))!;
        foreach (var vector in ((JsonArray)file["vectors"]!).Select(v => (JsonObject)v!))
        {
            var (ok, json, reason) = Write(Convert.FromHexString((string)vector["packet"]!), null);

            Assert.True(ok, $"{vector["name"]} ({((string)vector["decoded"]!["public_key"]!)[..40]}…): {reason}");
            var output = JsonNode.Parse(json)!;
            Assert.Equal((string)vector["name"]!, (string)output["name"]!);
            Assert.Equal((string)vector["decoded"]!["public_key"]!, (string)output["public_key"]!);
        }

        foreach (var entry in ((JsonArray)file["malformed"]!).Select(v => (JsonObject)v!))
        {
            var (ok, json, reason) = Write(Convert.FromHexString((string)entry["packet"]!), null);

            Assert.False(ok, (string)entry["mutation"]!);
            Assert.Equal(string.Empty, json);
            Assert.False(string.IsNullOrWhiteSpace(reason));
        }
    }

    internal static (bool Ok, string Json, string? Reason) Write(byte[] datagram, SchemaSet? schema)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        bool ok;
        string? reason;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ok = PacketJson.TryWrite(writer, datagram, schema, out reason);
        }

        return (ok, Encoding.UTF8.GetString(buffer.WrittenSpan), reason);
    }

    private static byte[] Signed(LibNaClPrivateKey key, byte messageId, byte[] payload)
    {
        var buffer = new byte[512];
        var offset = Packet.WriteHeader(buffer, Convert.FromHexString("0002" + Community), messageId, key);
        payload.CopyTo(buffer, offset);
        return buffer[..Packet.WriteSignature(buffer, offset + payload.Length, key)];
    }
}

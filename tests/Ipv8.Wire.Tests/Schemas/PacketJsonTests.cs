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
    public void Every_discovery_community_vector_decodes_discovery_ids_fully_and_its_own_ids_as_verified_frames()
    {
        var file = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "discovery-community.json")))!;
        foreach (var vector in ((JsonArray)file["vectors"]!).Select(v => (JsonObject)v!))
        {
            var (ok, json, reason) = Write(Convert.FromHexString((string)vector["packet"]!), null);

            Assert.True(ok, $"{vector["name"]}: {reason}");
            var output = JsonNode.Parse(json)!;
            Assert.Equal((int)vector["msg_id"]!, (int)output["msg_id"]!);
            if ((int)vector["msg_id"]! == 246)
            {
                Assert.Equal("introduction-request", (string)output["name"]!);
            }
            else
            {
                Assert.Equal((string)file["community_id"]!, (string)output["community_id"]!);
                Assert.Equal((bool)vector["decoded"]!["signed"]!, (bool)output["signed"]!);
                if ((bool)output["signed"]!)
                {
                    Assert.True((bool)output["signature_valid"]!, (string)vector["name"]!);
                    Assert.Equal((string)vector["decoded"]!["public_key"]!, (string)output["public_key"]!);
                }
            }
        }
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

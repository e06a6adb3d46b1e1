using System.Text.Json;
using System.Text.Json.Nodes;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Wire.Tests;

public class VectorTests
{
    [Theory]
    [MemberData(nameof(Vectors.PacketIndexes), MemberType = typeof(Vectors))]
    public void Every_vector_decodes_to_exactly_its_fields(int index)
    {
        var vector = Vectors.Packet(index);
        var actual = Decode(Vectors.Bytes(vector, "packet"));

        var expected = vector["decoded"]!.DeepClone().AsObject();
        expected.Insert(0, "name", (string)vector["name"]!);
        expected.Insert(1, "msg_id", (int)vector["msg_id"]!);
        Assert.True(
            JsonNode.DeepEquals(expected, actual),
            $"vector {index} ({vector["name"]}, {vector["note"]})\nexpected {expected.ToJsonString()}\nactual   {actual.ToJsonString()}");
    }

    [Theory]
    [MemberData(nameof(Vectors.PacketIndexes), MemberType = typeof(Vectors))]
    public void Every_vector_has_the_community_prefix_and_its_message_id(int index)
    {
        var vector = Vectors.Packet(index);
        var packet = Vectors.Bytes(vector, "packet");
        Assert.Equal(Vectors.Prefix, packet[..Wire.Packet.PrefixLength]);
        Assert.Equal((int)vector["msg_id"]!, packet[Wire.Packet.PrefixLength]);
        Assert.True(CommunityId.Parse((string)Vectors.Community["community_id"]!).MatchesPrefix(packet));
    }

    [Theory]
    [MemberData(nameof(Vectors.PacketIndexes), MemberType = typeof(Vectors))]
    public void Reencoding_every_vector_with_the_senders_key_gives_identical_bytes(int index)
    {
        var vector = Vectors.Packet(index);
        var expected = Vectors.Bytes(vector, "packet");
        using var key = LibNaClPrivateKey.Parse(Vectors.Bytes(Vectors.Keys[(int)vector["sender_key"]!], "private_key_bin"));

        var actual = VectorEncoder.Encode(vector, Vectors.Prefix, key);

        Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(actual));
    }

    [Theory]
    [MemberData(nameof(Vectors.MalformedIndexes), MemberType = typeof(Vectors))]
    public void Every_malformed_packet_is_rejected_without_an_exception(int index)
    {
        var entry = (JsonObject)Vectors.Malformed[index]!;
        var packet = Vectors.Bytes(entry, "packet");

        using var stream = new MemoryStream();
        bool ok;
        WireError error;
        using (var writer = new Utf8JsonWriter(stream))
        {
            ok = DiscoveryJson.TryWrite(writer, packet, out error);
        }

        Assert.False(ok, $"malformed {index} ({entry["name"]}, {entry["mutation"]}) was accepted");
        Assert.NotEqual(WireError.None, error);
        Assert.Equal(0, stream.Length);
    }

    [Theory]
    [MemberData(nameof(Vectors.MalformedIndexes), MemberType = typeof(Vectors))]
    public void Every_malformed_packet_is_rejected_by_the_typed_decoder_of_its_message(int index)
    {
        var entry = (JsonObject)Vectors.Malformed[index]!;
        var packet = Vectors.Bytes(entry, "packet");
        Assert.True(DiscoveryKinds.Registry.TryFind((string)entry["name"]!, out var kind), "unexpected vector name " + entry["name"]);

        var error = KindDecoder.Decode(kind, packet, verify: true);

        Assert.NotEqual(WireError.None, error);
    }

    [Fact]
    public void Signature_bit_flips_are_reported_as_bad_signatures()
    {
        var flipped = Vectors.Malformed.Select(n => (JsonObject)n!).Where(n => (string)n["mutation"]! == "signature-bitflip").ToList();
        Assert.NotEmpty(flipped);
        foreach (var entry in flipped)
        {
            Assert.False(Wire.Packet.TryReadSigned(Vectors.Bytes(entry, "packet"), out _, out var error));
            Assert.Equal(WireError.BadSignature, error);
        }
    }

    [Fact]
    public void TryDecode_refuses_a_message_of_another_id_before_checking_its_signature()
    {
        // A 245 asked for as a 246 and the reverse: the wrong type would otherwise soak up the bytes in its raw field.
        var request = Vectors.Bytes(Vectors.Packets.Select(n => (JsonObject)n!).First(v => (int)v["msg_id"]! == 246), "packet");
        var response = Vectors.Bytes(Vectors.Packets.Select(n => (JsonObject)n!).First(v => (int)v["msg_id"]! == 245), "packet");
        Assert.False(Wire.Packet.TryDecode<GlobalTime, IntroductionRequestPayload>(response, true, out _, out _, out _, out var error));
        Assert.Equal(WireError.WrongMessageId, error);
        Assert.False(Wire.Packet.TryDecode<IntroductionResponsePayload>(request, true, out _, out _, out error));
        Assert.Equal(WireError.WrongMessageId, error);

        var broken = (byte[])response.Clone();
        broken[^1] ^= 1; // a bad signature is never reached
        Assert.False(Wire.Packet.TryDecode<GlobalTime, IntroductionRequestPayload>(broken, true, out _, out _, out _, out error));
        Assert.Equal(WireError.WrongMessageId, error);
        Assert.Equal("message id is not the payload's", error.Describe());
        Assert.True(Wire.Packet.TryDecode<GlobalTime, IntroductionRequestPayload>(request, true, out _, out _, out _, out error));
    }

    [Fact]
    public void The_advice_quirk_reads_a_set_advice_bit_as_false()
    {
        var vector = Vectors.Packets.Select(n => (JsonObject)n!).First(v => (int)v["msg_id"]! == 246);
        Assert.True(Wire.Packet.TryDecode<GlobalTime, IntroductionRequestPayload>(Vectors.Bytes(vector, "packet"), true, out _, out _, out var payload, out _));
        Assert.Equal(1, payload.Flags & 0x01);
        Assert.False(payload.Advice);
        Assert.Equal(0x01, IntroductionRequestPayload.MakeFlags(ConnectionType.Unknown, supportsNewStyle: false, advice: true));
    }

    internal static JsonObject Decode(byte[] packet)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Assert.True(DiscoveryJson.TryWrite(writer, packet, out var error), error.Describe());
        }

        return JsonNode.Parse(stream.ToArray())!.AsObject();
    }
}

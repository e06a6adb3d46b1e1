using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Ipv8.Wire.Schemas;
using Ipv8.Wire.Tests.Schemas;

namespace Ipv8.Wire.Tests;

/// <summary>
/// <see cref="DiscoveryCommunityJson"/>, the JSON that <c>ipv8 decode</c> prints for DiscoveryCommunity's messages, and
/// <see cref="PacketJson"/>'s routing to it by prefix.
/// </summary>
public sealed class DiscoveryCommunityJsonTests
{
    [Theory]
    [MemberData(nameof(DiscoveryCommunityVectors.PacketIndexes), MemberType = typeof(DiscoveryCommunityVectors))]
    public void Every_vector_prints_exactly_its_decoded_form_with_its_name_and_id(int index)
    {
        var vector = DiscoveryCommunityVectors.Packet(index);
        var datagram = Vectors.Bytes(vector, "packet");
        var expected = Expected(vector);

        var (ok, json, error) = Write(datagram);
        var (routed, viaPacketJson, reason) = PacketJsonTests.Write(datagram, null);

        Assert.True(ok, error.Describe());
        JsonExact.AssertEqual(expected.ToJsonString(), json, $"vector {index} ({vector["name"]}, {vector["sender"]}): ");
        Assert.Equal(expected.Select(p => p.Key), JsonNode.Parse(json)!.AsObject().Select(p => p.Key));
        Assert.True(routed, reason);
        Assert.Equal(json, viaPacketJson);
    }

    [Fact]
    public void A_plain_246_under_the_discovery_community_prefix_prints_as_the_plain_introduction_request()
    {
        var vector = Vectors.Packets.Select(v => v!.AsObject()).First(v => (int)v["msg_id"]! == 246);
        using var key = LibNaClPrivateKey.Parse(Vectors.Bytes(Vectors.Keys[(int)vector["sender_key"]!], "private_key_bin"));
        var datagram = VectorEncoder.Encode(vector, DiscoveryCommunityVectors.Prefix, key);
        var expected = vector["decoded"]!.DeepClone().AsObject();
        expected.Insert(0, "name", "introduction-request");
        expected.Insert(1, "msg_id", 246);

        var (ok, json, error) = Write(datagram);

        Assert.True(ok, error.Describe());
        JsonExact.AssertEqual(expected.ToJsonString(), json);
        Assert.Equal(json, PacketJsonTests.Write(datagram, null).Json);
    }

    [Fact]
    public void The_246_with_introduce_to_prints_supports_new_style_1_even_with_the_bit_clear_as_py_ipv8_reads_it()
    {
        // py-ipv8's DiscoveryIntroductionRequestPayload.from_unpack_list drops the bit and keeps the default (True); the
        // advice bit is still read inverted (clear: advice 1).
        var datagram = Named(flags: 0x00, extra: []);

        var json = JsonNode.Parse(Write(datagram).Json)!;

        Assert.Equal("discovery-introduction-request", (string)json["name"]!);
        Assert.Equal(1, (int)json["payload"]!["supports_new_style"]!);
        Assert.Equal(1, (int)json["payload"]!["advice"]!);
        Assert.Equal("unknown", (string)json["payload"]!["connection_type"]!);
        Assert.Equal("ababababababababababababababababababab01", (string)json["payload"]!["introduce_to"]!);

        var symmetric = JsonNode.Parse(Write(Named(flags: 0xC1, extra: [0xBE, 0xEF])).Json)!["payload"]!;
        Assert.Equal("symmetric-NAT", (string)symmetric["connection_type"]!);
        Assert.Equal(0, (int)symmetric["advice"]!);
        Assert.Equal("beef", (string)symmetric["extra_bytes"]!);
        Assert.Null(symmetric["flags"]);
    }

    [Fact]
    public void A_similarity_request_prints_a_last_short_piece_of_its_raw_list_as_py_ipv8_cuts_it()
    {
        byte[] list = [.. DiscoveryCommunityMessages.CommunityId.ToArray(), 1, 2, 3, 4, 5];
        var datagram = Signed(new GlobalTime(7), new SimilarityRequestPayload
        {
            Identifier = 7,
            LanAddress = UdpAddress.Parse("10.0.0.1:1"),
            WanAddress = UdpAddress.Parse("20.0.0.2:2"),
            Flags = ConnectionType.Public.ToFlagBits(),
            PreferenceList = list,
        });

        var payload = JsonNode.Parse(Write(datagram).Json)!["payload"]!;

        Assert.Equal("public", (string)payload["connection_type"]!);
        Assert.True(JsonNode.DeepEquals(new JsonArray(DiscoveryCommunityMessages.CommunityId.ToString(), "0102030405"), payload["preference_list"]));

        var empty = Signed(new GlobalTime(7), new SimilarityRequestPayload { LanAddress = UdpAddress.Parse("10.0.0.1:1"), WanAddress = UdpAddress.Parse("20.0.0.2:2") });
        Assert.Empty(JsonNode.Parse(Write(empty).Json)!["payload"]!["preference_list"]!.AsArray());
    }

    [Fact]
    public void A_similarity_response_prints_a_non_empty_tb_overlap_as_id_and_count_pairs()
    {
        byte[] pairs = [.. Enumerable.Repeat((byte)0x11, 20), 0, 0, 1, 2, .. Enumerable.Repeat((byte)0x22, 20), 0xFF, 0xFF, 0xFF, 0xFF];
        var datagram = Signed(new GlobalTime(8), new SimilarityResponsePayload
        {
            Identifier = 8,
            PreferenceList = DiscoveryCommunityMessages.CommunityId.ToArray(),
            TbOverlap = pairs,
        });

        var (ok, json, error) = Write(datagram);

        Assert.True(ok, error.Describe());
        var payload = JsonNode.Parse(json)!["payload"]!.AsObject();
        Assert.Equal(["identifier", "preference_list", "tb_overlap"], payload.Select(p => p.Key));
        JsonExact.AssertEqual(
            $$"""[["{{new string('1', 40)}}",258],["{{new string('2', 40)}}",4294967295]]""",
            payload["tb_overlap"]!.ToJsonString());
    }

    [Fact]
    public void A_similarity_response_whose_tb_overlap_is_not_whole_pairs_is_refused_as_py_ipv8_fails_on_it()
    {
        var datagram = Signed(new GlobalTime(8), new SimilarityResponsePayload
        {
            Identifier = 8,
            TbOverlap = new byte[23],
        });
        Assert.True(Packet.TryDecode<GlobalTime, SimilarityResponsePayload>(datagram, true, out _, out _, out _, out _));

        var (ok, json, error) = Write(datagram);

        Assert.False(ok);
        Assert.Equal(string.Empty, json);
        Assert.Equal(WireError.Truncated, error);
    }

    [Theory]
    [MemberData(nameof(DiscoveryCommunityVectors.PacketIndexes), MemberType = typeof(DiscoveryCommunityVectors))]
    public void Every_truncation_and_a_trailing_byte_of_every_vector_are_refused_without_output(int index)
    {
        var datagram = Vectors.Bytes(DiscoveryCommunityVectors.Packet(index), "packet");
        var signed = (bool)DiscoveryCommunityVectors.Packet(index)["decoded"]!["signed"]!;
        for (var length = 0; length < datagram.Length; length++)
        {
            var (ok, json, error) = Write(datagram[..length]);

            Assert.False(ok, $"{length} of {datagram.Length} bytes were accepted");
            Assert.Equal(string.Empty, json);
            Assert.NotEqual(WireError.None, error);
        }

        // Signed: the extra byte lands in the signature, which then fails; unsigned: py-ipv8 refuses the extra data.
        var (longer, output, longerError) = Write([.. datagram, 0]);
        Assert.False(longer);
        Assert.Equal(string.Empty, output);
        Assert.Equal(signed ? WireError.BadSignature : WireError.TrailingBytes, longerError);
    }

    [Theory]
    [MemberData(nameof(DiscoveryCommunityVectors.PacketIndexes), MemberType = typeof(DiscoveryCommunityVectors))]
    public void A_flipped_signature_bit_is_refused_as_a_bad_signature(int index)
    {
        var vector = DiscoveryCommunityVectors.Packet(index);
        if (!(bool)vector["decoded"]!["signed"]!)
        {
            return;
        }

        var datagram = Vectors.Bytes(vector, "packet");
        datagram[^3] ^= 0x10;

        var (ok, json, error) = Write(datagram);
        var (routed, _, reason) = PacketJsonTests.Write(datagram, null);

        Assert.False(ok);
        Assert.Equal(string.Empty, json);
        Assert.Equal(WireError.BadSignature, error);
        Assert.False(routed);
        Assert.Equal(WireError.BadSignature.Describe(), reason);
    }

    [Fact]
    public void Another_id_is_an_unknown_message_to_the_writer_and_not_routed_to_it()
    {
        var datagram = Vectors.Bytes(DiscoveryCommunityVectors.Packets.First(v => (int)v!["msg_id"]! == 3), "packet");
        datagram[Packet.PrefixLength] = 5;

        var (ok, _, error) = Write(datagram);

        Assert.False(ok);
        Assert.Equal(WireError.UnknownMessage, error);
        Assert.False(DiscoveryCommunityJson.IsDiscoveryCommunityMessage(datagram));
        Assert.Equal(5, (int)JsonNode.Parse(PacketJsonTests.Write(datagram, null).Json)!["msg_id"]!);
        Assert.NotNull(JsonNode.Parse(PacketJsonTests.Write(datagram, null).Json)!["community_id"]);
    }

    private static JsonObject Expected(JsonObject vector)
    {
        var expected = vector["decoded"]!.DeepClone().AsObject();
        expected.Insert(0, "name", (string)vector["name"]!);
        expected.Insert(1, "msg_id", (int)vector["msg_id"]!);
        return expected;
    }

    private static byte[] Named(byte flags, byte[] extra)
    {
        using var key = LibNaClPrivateKey.Parse(Vectors.Bytes(DiscoveryCommunityVectors.Keys[0], "private_key_bin"));
        byte[] mid = [.. Enumerable.Repeat((byte)0xAB, 19), 1];
        var buffer = new byte[512];
        var n = Packet.Write(buffer, DiscoveryCommunityVectors.Prefix, key, new GlobalTime(3), new DiscoveryIntroductionRequestPayload
        {
            IntroduceToField = DiscoveryIntroductionRequestPayload.MakeIntroduceTo(mid),
            DestinationAddress = UdpAddress.Parse("1.2.3.4:5"),
            SourceLanAddress = UdpAddress.Parse("6.7.8.9:10"),
            SourceWanAddress = UdpAddress.Parse("11.12.13.14:15"),
            Flags = flags,
            Identifier = 3,
            ExtraBytes = extra,
        });
        return buffer[..n];
    }

    private static byte[] Signed<T>(GlobalTime time, in T payload)
        where T : IMessagePayload<T>, allows ref struct
    {
        using var key = LibNaClPrivateKey.Parse(Vectors.Bytes(DiscoveryCommunityVectors.Keys[1], "private_key_bin"));
        var buffer = new byte[1024];
        return buffer[..Packet.Write(buffer, DiscoveryCommunityVectors.Prefix, key, time, payload)];
    }

    internal static (bool Ok, string Json, WireError Error) Write(byte[] datagram)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        bool ok;
        WireError error;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ok = DiscoveryCommunityJson.TryWrite(writer, datagram, out error);
        }

        return (ok, Encoding.UTF8.GetString(buffer.WrittenSpan), error);
    }
}

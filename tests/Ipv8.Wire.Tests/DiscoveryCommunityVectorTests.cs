using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Wire.Tests;

/// <summary>
/// discovery-community.json: py-ipv8's DiscoveryCommunity messages (similarity request and response, ping, pong, the 246
/// that names a peer) decoded with the typed payloads, re-encoded with the LibNaCL senders' keys, and verified for the EC
/// sender (ECDSA is randomized, so those are never re-encoded).
/// </summary>
public sealed class DiscoveryCommunityVectorTests
{
    [Fact]
    public void The_file_covers_every_discovery_community_message_from_libnacl_and_ec_senders()
    {
        var vectors = DiscoveryCommunityVectors.Packets.Select(v => v!.AsObject()).ToArray();

        Assert.Equal(DiscoveryCommunityMessages.CommunityId.ToString(), (string)DiscoveryCommunityVectors.File["community_id"]!);
        Assert.Equal(DiscoveryCommunityMessages.CommunityId.ToPrefix(), DiscoveryCommunityVectors.Prefix);
        Assert.Equal([1, 2, 3, 4, 246], vectors.Select(v => (int)v["msg_id"]!).Distinct().Order());
        Assert.NotEmpty(DiscoveryCommunityVectors.LibNaClIndexes());
        Assert.NotEmpty(DiscoveryCommunityVectors.EcIndexes());
        Assert.All(vectors, v => Assert.Equal("ok", (string)v["expect"]!));
    }

    [Theory]
    [MemberData(nameof(DiscoveryCommunityVectors.PacketIndexes), MemberType = typeof(DiscoveryCommunityVectors))]
    public void Every_vector_has_the_discovery_community_prefix_and_its_message_id_and_name(int index)
    {
        var vector = DiscoveryCommunityVectors.Packet(index);
        var packet = Vectors.Bytes(vector, "packet");

        Assert.Equal(DiscoveryCommunityVectors.Prefix, packet[..Packet.PrefixLength]);
        Assert.True(DiscoveryCommunityMessages.HasPrefix(packet));
        Assert.True(DiscoveryCommunityJson.IsDiscoveryCommunityMessage(packet));
        Assert.Equal((int)vector["msg_id"]!, packet[Packet.PrefixLength]);
        Assert.Equal((string)vector["name"]!, DiscoveryCommunityMessages.GetName(packet[Packet.PrefixLength]));
    }

    [Theory]
    [MemberData(nameof(DiscoveryCommunityVectors.PacketIndexes), MemberType = typeof(DiscoveryCommunityVectors))]
    public void Every_vector_decodes_with_the_typed_payloads_to_exactly_its_fields(int index)
    {
        var vector = DiscoveryCommunityVectors.Packet(index);
        var expected = vector["decoded"]!;

        var actual = DecodeTyped(Vectors.Bytes(vector, "packet"));

        Assert.True(
            JsonNode.DeepEquals(expected, actual),
            $"vector {index} ({vector["name"]}, {vector["sender"]})\nexpected {expected.ToJsonString()}\nactual   {actual.ToJsonString()}");
    }

    [Theory]
    [MemberData(nameof(DiscoveryCommunityVectors.LibNaClIndexes), MemberType = typeof(DiscoveryCommunityVectors))]
    public void Every_libnacl_vector_reencodes_to_identical_bytes_with_the_senders_key(int index)
    {
        var vector = DiscoveryCommunityVectors.Packet(index);
        var keyEntry = DiscoveryCommunityVectors.Keys[DiscoveryCommunityVectors.LibNaClSender(vector)!.Value]!;
        using var key = LibNaClPrivateKey.Parse(Vectors.Bytes(keyEntry, "private_key_bin"));
        var expected = Vectors.Bytes(vector, "packet");

        var actual = Encode(vector, key);

        Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(actual));
        if ((bool)vector["decoded"]!["signed"]!)
        {
            Assert.Equal((string)keyEntry["public_key_bin"]!, (string)vector["decoded"]!["public_key"]!);
        }
    }

    [Theory]
    [MemberData(nameof(DiscoveryCommunityVectors.EcIndexes), MemberType = typeof(DiscoveryCommunityVectors))]
    public void Every_signed_ec_vector_verifies_with_the_sect163k1_key_it_carries_and_fails_with_a_flipped_bit(int index)
    {
        var vector = DiscoveryCommunityVectors.Packet(index);
        var datagram = Vectors.Bytes(vector, "packet");
        if (!(bool)vector["decoded"]!["signed"]!)
        {
            // ping and pong are unsigned whoever sends them: no key on the wire.
            Assert.True(Packet.TryReadUnsigned(datagram, out var unsigned, out _));
            Assert.False(unsigned.IsSigned);
            return;
        }

        Assert.True(Packet.TryParseSigned(datagram, out var packet, out var error), error.Describe());
        var key = Assert.IsType<M2CryptoPublicKey>(PublicKey.Parse(packet.PublicKeyBin));
        Assert.Equal("ec:" + key.Curve.Name, (string)vector["sender"]!);
        Assert.Equal(key.SignatureLength, packet.Signature.Length);
        Assert.True(packet.VerifySignature(key));
        Assert.True(Packet.TryReadSigned(datagram, out _, out error), error.Describe());

        datagram[^1] ^= 0x01;
        Assert.False(Packet.TryReadSigned(datagram, out _, out error));
        Assert.Equal(WireError.BadSignature, error);
    }

    [Theory]
    [MemberData(nameof(DiscoveryCommunityVectors.PacketIndexes), MemberType = typeof(DiscoveryCommunityVectors))]
    public void Every_246_names_the_mid_of_a_key_of_the_file(int index)
    {
        var vector = DiscoveryCommunityVectors.Packet(index);
        if ((int)vector["msg_id"]! != 246)
        {
            return;
        }

        Assert.True(DiscoveryCommunityMessages.TryDecodeIntroductionRequest(Vectors.Bytes(vector, "packet"), true, out var packet, out _, out var named, out _, out var namesPeer, out var error), error.Describe());

        Assert.True(namesPeer);
        Assert.Equal((byte)'Y', named.IntroduceToField[0]);
        var mids = DiscoveryCommunityVectors.Keys.Select(k => (string)k!["mid"]!).ToArray();
        Assert.Contains(Convert.ToHexStringLower(named.IntroduceTo), mids);
        Assert.All(DiscoveryCommunityVectors.Keys, k => Assert.Equal((string)k!["mid"]!, Convert.ToHexStringLower(SHA1.HashData(Vectors.Bytes(k, "public_key_bin")))));
        Assert.NotEqual(Convert.ToHexStringLower(SHA1.HashData(packet.PublicKeyBin)), Convert.ToHexStringLower(named.IntroduceTo));
    }

    [Fact]
    public void A_plain_246_in_discovery_community_falls_back_to_the_plain_layout()
    {
        // community.json's 246 (no extra bytes: 21 payload bytes, too short for introduce_to), re-signed under DiscoveryCommunity's prefix.
        var vector = Vectors.Packets.Select(v => v!.AsObject()).First(v => (int)v["msg_id"]! == 246);
        using var key = LibNaClPrivateKey.Parse(Vectors.Bytes(Vectors.Keys[(int)vector["sender_key"]!], "private_key_bin"));
        var datagram = VectorEncoder.Encode(vector, DiscoveryCommunityVectors.Prefix, key);

        Assert.True(DiscoveryCommunityMessages.TryDecodeIntroductionRequest(datagram, true, out _, out var time, out _, out var plain, out var namesPeer, out var error), error.Describe());

        Assert.False(namesPeer);
        Assert.Equal((ulong)vector["decoded"]!["global_time"]!, time.Value);
        Assert.Equal((int)vector["decoded"]!["payload"]!["identifier"]!, plain.Identifier);
        Assert.Equal((int)vector["decoded"]!["payload"]!["flags"]!, plain.Flags);
        Assert.Equal(VectorEncoder.Address(vector["decoded"]!["payload"]!["destination_address"]), plain.DestinationAddress);
    }

    [Fact]
    public void A_plain_246_with_21_extra_bytes_or_more_is_read_as_naming_a_peer_as_py_ipv8_reads_it()
    {
        using var key = LibNaClPrivateKey.Parse(Vectors.Bytes(DiscoveryCommunityVectors.Keys[0], "private_key_bin"));
        byte[] extra = [(byte)'Y', .. Enumerable.Range(1, 20).Select(i => (byte)i), 0xAA];
        var buffer = new byte[512];
        var n = Packet.Write(buffer, DiscoveryCommunityVectors.Prefix, key, new GlobalTime(9), new IntroductionRequestPayload
        {
            DestinationAddress = UdpAddress.Parse("1.2.3.4:5"),
            SourceLanAddress = UdpAddress.Parse("6.7.8.9:10"),
            SourceWanAddress = UdpAddress.Parse("11.12.13.14:15"),
            Flags = 0x21,
            Identifier = 9,
            ExtraBytes = extra,
        });

        Assert.True(DiscoveryCommunityMessages.TryDecodeIntroductionRequest(buffer.AsSpan(0, n), true, out _, out _, out var named, out _, out var namesPeer, out var error), error.Describe());

        // The 21 bytes of the plain fields become introduce_to ('\x01' and a "mid" from 2.3.4:5 to the identifier), and
        // the fields are read from the extra bytes: 'Y', 1, 2, 3 is the destination host.
        Assert.True(namesPeer);
        Assert.Equal(Convert.FromHexString("020304000506070809000a0b0c0d0e000f210009"), named.IntroduceTo.ToArray());
        Assert.Equal(UdpAddress.Parse("89.1.2.3:1029"), named.DestinationAddress);
        Assert.Equal(0x1314, named.Identifier);
        Assert.Equal([0xAA], named.ExtraBytes.ToArray());
    }

    [Fact]
    public void A_246_that_fits_neither_layout_reports_the_plain_layouts_error()
    {
        var vector = DiscoveryCommunityVectors.Packets.Select(v => v!.AsObject()).First(v => (int)v["msg_id"]! == 246 && DiscoveryCommunityVectors.LibNaClSender(v) == 0);
        using var key = LibNaClPrivateKey.Parse(Vectors.Bytes(DiscoveryCommunityVectors.Keys[0], "private_key_bin"));

        // 20 payload bytes: one short of the plain 246, so both layouts run out of data.
        var buffer = new byte[512];
        var offset = Packet.WriteHeader(buffer, DiscoveryCommunityVectors.Prefix, 246, key);
        offset += new GlobalTime(1).Write(buffer.AsSpan(offset));
        offset += 20;
        var datagram = buffer[..Packet.WriteSignature(buffer, offset, key)];

        Assert.False(DiscoveryCommunityMessages.TryDecodeIntroductionRequest(datagram, true, out _, out _, out _, out _, out var namesPeer, out var error));
        Assert.False(namesPeer);
        Assert.Equal(WireError.Truncated, error);

        var flipped = Vectors.Bytes(vector, "packet");
        flipped[^1] ^= 0x80;
        Assert.False(DiscoveryCommunityMessages.TryDecodeIntroductionRequest(flipped, true, out _, out _, out _, out _, out _, out error));
        Assert.Equal(WireError.BadSignature, error);
        Assert.True(DiscoveryCommunityMessages.TryDecodeIntroductionRequest(flipped, false, out _, out _, out _, out _, out namesPeer, out error), error.Describe());
        Assert.True(namesPeer);
    }

    [Fact]
    public void The_prefix_check_wants_version_2_and_the_community_id()
    {
        var datagram = Vectors.Bytes(DiscoveryCommunityVectors.Packets.First(v => (int)v!["msg_id"]! == 3), "packet");
        Assert.True(DiscoveryCommunityMessages.HasPrefix(datagram));

        var otherVersion = (byte[])datagram.Clone();
        otherVersion[1] = 1;
        var otherCommunity = (byte[])datagram.Clone();
        otherCommunity[Packet.PrefixLength - 1] ^= 0x01;
        var notZero = (byte[])datagram.Clone();
        notZero[0] = 1;

        Assert.False(DiscoveryCommunityMessages.HasPrefix(otherVersion));
        Assert.False(DiscoveryCommunityMessages.HasPrefix(otherCommunity));
        Assert.False(DiscoveryCommunityMessages.HasPrefix(notZero));
        Assert.False(DiscoveryCommunityMessages.HasPrefix(datagram.AsSpan(0, Packet.PrefixLength - 1)));
    }

    /// <summary>
    /// Decodes with the typed payloads (<c>[GlobalTime, payload]</c>, signature verified) into discovery-community.json's
    /// <c>decoded</c> form. The 246 is read as py-ipv8's DiscoveryCommunity reads it: introduce_to first.
    /// </summary>
    private static JsonObject DecodeTyped(byte[] datagram)
    {
        Packet packet;
        GlobalTime time;
        WireError error;
        JsonObject payload;
        switch (datagram[Packet.PrefixLength])
        {
            case DiscoveryCommunityMessages.SimilarityRequest:
                Assert.True(Packet.TryDecode(datagram, true, out packet, out time, out SimilarityRequestPayload m1, out error), error.Describe());
                Assert.Equal(0, m1.Flags & 0x3F);
                Assert.Equal(0, m1.PreferenceList.Length % CommunityId.Length);
                payload = new JsonObject
                {
                    ["lan_address"] = Address(m1.LanAddress),
                    ["wan_address"] = Address(m1.WanAddress),
                    ["identifier"] = m1.Identifier,
                    ["connection_type"] = m1.ConnectionType.ToWireName(),
                    ["preference_list"] = IdList(m1),
                };
                break;
            case DiscoveryCommunityMessages.SimilarityResponse:
                Assert.True(Packet.TryDecode(datagram, true, out packet, out time, out SimilarityResponsePayload m2, out error), error.Describe());
                Assert.True(m2.TbOverlap.IsEmpty);
                payload = new JsonObject
                {
                    ["identifier"] = m2.Identifier,
                    ["preference_list"] = IdList(m2),
                };
                break;
            case DiscoveryCommunityMessages.Ping:
                Assert.True(Packet.TryDecode(datagram, true, out packet, out time, out PingPayload m3, out error), error.Describe());
                payload = new JsonObject { ["identifier"] = m3.Identifier };
                break;
            case DiscoveryCommunityMessages.Pong:
                Assert.True(Packet.TryDecode(datagram, true, out packet, out time, out PongPayload m4, out error), error.Describe());
                payload = new JsonObject { ["identifier"] = m4.Identifier };
                break;
            case DiscoveryMessages.IntroductionRequest:
                Assert.True(DiscoveryCommunityMessages.TryDecodeIntroductionRequest(datagram, true, out packet, out time, out var m246, out _, out var namesPeer, out error), error.Describe());
                Assert.True(namesPeer);
                payload = new JsonObject
                {
                    ["destination_address"] = Address(m246.DestinationAddress),
                    ["source_lan_address"] = Address(m246.SourceLanAddress),
                    ["source_wan_address"] = Address(m246.SourceWanAddress),
                    ["identifier"] = m246.Identifier,
                    ["advice"] = m246.Advice ? 1 : 0,
                    ["supports_new_style"] = m246.SupportsNewStyle ? 1 : 0,
                    ["connection_type"] = m246.ConnectionType.ToWireName(),
                    ["introduce_to"] = Convert.ToHexStringLower(m246.IntroduceTo),
                    ["extra_bytes"] = Convert.ToHexStringLower(m246.ExtraBytes),
                };
                break;
            case var other:
                throw new InvalidOperationException("not a DiscoveryCommunity message: " + other);
        }

        var decoded = new JsonObject { ["signed"] = packet.IsSigned };
        if (packet.IsSigned)
        {
            decoded["public_key"] = Convert.ToHexStringLower(packet.PublicKeyBin);
        }

        decoded["global_time"] = time.Value;
        decoded["payload"] = payload;
        return decoded;
    }

    /// <summary>Builds a DiscoveryCommunity packet back from a vector's decoded fields, as py-ipv8's senders did.</summary>
    internal static byte[] Encode(JsonObject vector, LibNaClPrivateKey key)
    {
        var prefix = DiscoveryCommunityVectors.Prefix;
        var decoded = vector["decoded"]!;
        var time = new GlobalTime((ulong)decoded["global_time"]!);
        var p = decoded["payload"]!;
        var buffer = new byte[2048];
        var n = (int)vector["msg_id"]! switch
        {
            DiscoveryCommunityMessages.SimilarityRequest => Packet.Write(buffer, prefix, key, time, new SimilarityRequestPayload
            {
                Identifier = (ushort)(int)p["identifier"]!,
                LanAddress = VectorEncoder.Address(p["lan_address"]),
                WanAddress = VectorEncoder.Address(p["wan_address"]),
                Flags = ConnectionTypeNamed((string)p["connection_type"]!).ToFlagBits(),
                PreferenceList = Ids(p["preference_list"]),
            }),
            DiscoveryCommunityMessages.SimilarityResponse => Packet.Write(buffer, prefix, key, time, new SimilarityResponsePayload
            {
                Identifier = (ushort)(int)p["identifier"]!,
                PreferenceList = Ids(p["preference_list"]),
            }),
            DiscoveryCommunityMessages.Ping => Packet.Write(buffer, prefix, null, time, new PingPayload { Identifier = (ushort)(int)p["identifier"]! }),
            DiscoveryCommunityMessages.Pong => Packet.Write(buffer, prefix, null, time, new PongPayload { Identifier = (ushort)(int)p["identifier"]! }),
            DiscoveryMessages.IntroductionRequest => Packet.Write(buffer, prefix, key, time, new DiscoveryIntroductionRequestPayload
            {
                IntroduceToField = DiscoveryIntroductionRequestPayload.MakeIntroduceTo(Convert.FromHexString((string)p["introduce_to"]!)),
                DestinationAddress = VectorEncoder.Address(p["destination_address"]),
                SourceLanAddress = VectorEncoder.Address(p["source_lan_address"]),
                SourceWanAddress = VectorEncoder.Address(p["source_wan_address"]),

                // Advice is read back inverted: a decoded 0 was written as advice = true (bit 0x01 set).
                Flags = IntroductionRequestPayload.MakeFlags(
                    ConnectionTypeNamed((string)p["connection_type"]!),
                    supportsNewStyle: (int)p["supports_new_style"]! == 1,
                    advice: (int)p["advice"]! == 0),
                Identifier = (ushort)(int)p["identifier"]!,
                ExtraBytes = Convert.FromHexString((string)p["extra_bytes"]!),
            }),
            var other => throw new InvalidOperationException("not a DiscoveryCommunity message: " + other),
        };
        return buffer[..n];
    }

    private static JsonArray IdList(in SimilarityRequestPayload payload)
    {
        var ids = new JsonArray();
        for (var i = 0; i < payload.CommunityIdCount; i++)
        {
            ids.Add(payload.GetCommunityId(i).ToString());
        }

        return ids;
    }

    private static JsonArray IdList(in SimilarityResponsePayload payload)
    {
        var ids = new JsonArray();
        for (var i = 0; i < payload.CommunityIdCount; i++)
        {
            ids.Add(payload.GetCommunityId(i).ToString());
        }

        return ids;
    }

    private static byte[] Ids(JsonNode? list) => [.. list!.AsArray().SelectMany(id => Convert.FromHexString((string)id!))];

    private static ConnectionType ConnectionTypeNamed(string name) =>
        Enum.GetValues<ConnectionType>().Single(t => t.ToWireName() == name);

    private static JsonObject Address(UdpAddress address) => new()
    {
        ["host"] = address.HostToString(),
        ["port"] = address.Port,
        ["family"] = address.IsIPv6 ? "ipv6" : "ipv4",
    };
}

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
        Assert.True(DiscoveryCommunityKinds.Registry.TryFind(packet, out var kind));
        Assert.Equal((string)vector["name"]!, kind.Name);
        Assert.Equal(DiscoveryCommunityMessages.CommunityId, kind.Community);
    }

    [Theory]
    [MemberData(nameof(DiscoveryCommunityVectors.PacketIndexes), MemberType = typeof(DiscoveryCommunityVectors))]
    public void Every_vector_decodes_with_its_kinds_own_payloads_and_a_verified_signature(int index)
    {
        // The field values are checked by DiscoveryCommunityJsonTests (ipv8 decode prints every one); here: the kind's
        // own payload types read the whole body (no fallback to the plain 246), and the signature checks out.
        var vector = DiscoveryCommunityVectors.Packet(index);
        var datagram = Vectors.Bytes(vector, "packet");
        Assert.True(DiscoveryCommunityKinds.Registry.TryFind(datagram, out var kind));

        var decoder = new KindDecoder(datagram, verify: true);
        var error = kind.Accept<KindDecoder, WireError>(ref decoder);

        Assert.Equal(WireError.None, error);
        Assert.Equal((bool)vector["decoded"]!["signed"]!, kind.IsSigned);
    }

    [Fact]
    public void The_similarity_payloads_list_the_vectors_community_ids_through_their_accessors()
    {
        var checkedRequests = 0;
        var checkedResponses = 0;
        foreach (var vector in DiscoveryCommunityVectors.Packets.Select(v => v!.AsObject()))
        {
            var datagram = Vectors.Bytes(vector, "packet");
            var expected = vector["decoded"]!["payload"]!["preference_list"]?.AsArray().Select(id => (string)id!).ToArray();
            if (DiscoveryCommunityKinds.SimilarityRequest.TryDecode(datagram, true, out _, out _, out var request, out _))
            {
                Assert.Equal(0, request.Flags & 0x3F);
                Assert.Equal(0, request.PreferenceList.Length % CommunityId.Length);
                var ids = new string[request.CommunityIdCount];
                for (var i = 0; i < ids.Length; i++)
                {
                    ids[i] = request.GetCommunityId(i).ToString();
                }

                Assert.Equal(expected, ids);
                checkedRequests++;
            }
            else if (DiscoveryCommunityKinds.SimilarityResponse.TryDecode(datagram, true, out _, out _, out var response, out _))
            {
                Assert.True(response.TbOverlap.IsEmpty);
                var ids = new string[response.CommunityIdCount];
                for (var i = 0; i < ids.Length; i++)
                {
                    ids[i] = response.GetCommunityId(i).ToString();
                }

                Assert.Equal(expected, ids);
                checkedResponses++;
            }
        }

        Assert.NotEqual(0, checkedRequests);
        Assert.NotEqual(0, checkedResponses);
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

    /// <summary>Builds a DiscoveryCommunity packet back from a vector's decoded fields, as py-ipv8's senders did.</summary>
    internal static byte[] Encode(JsonObject vector, LibNaClPrivateKey key)
    {
        Assert.True(DiscoveryCommunityKinds.Registry.TryFind(DiscoveryCommunityMessages.CommunityId, (byte)(int)vector["msg_id"]!, out var kind));
        return VectorEncoder.Encode(kind, vector, DiscoveryCommunityVectors.Prefix, key);
    }
}

using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Wire.Tests;

/// <summary>
/// ec-keys.json: py-ipv8's legacy elliptic-curve (M2Crypto) keys on its four curves, and discovery messages signed with
/// them. ECDSA signatures are randomized, so these vectors are decoded and verified, never re-encoded.
/// </summary>
public sealed class EcKeyVectorTests
{
    private const int FlipRounds = 192;

    [Theory]
    [MemberData(nameof(EcKeyVectors.KeyIndexes), MemberType = typeof(EcKeyVectors))]
    public void Every_ec_key_parses_to_its_curve_signature_length_and_mid(int index)
    {
        var entry = EcKeyVectors.Keys[index]!;
        var bin = Vectors.Bytes(entry, "public_key_bin");

        Assert.True(PublicKey.TryParse(bin, out var key, out var error), error.Describe());
        var ec = Assert.IsType<M2CryptoPublicKey>(key);
        Assert.Equal((string)entry["curve"]!, ec.Curve.Name);
        Assert.Equal((string)entry["py_ipv8_security_level"]!, ec.Curve.SecurityLevel);
        Assert.Equal((int)entry["signature_length"]!, ec.SignatureLength);
        Assert.Equal((string)entry["mid"]!, Convert.ToHexStringLower(ec.Mid));
        Assert.Equal(SHA1.HashData(bin), ec.Mid.ToArray());
        Assert.Equal(bin, ec.Bin.ToArray());

        Assert.True(M2CryptoPublicKey.TryParse(bin, out var direct, out _));
        Assert.Equal<PublicKey>(ec, direct);
        Assert.Equal(KeyError.None, PublicKey.Validate(bin, out var signatureLength));
        Assert.Equal(ec.SignatureLength, signatureLength);
    }

    [Theory]
    [MemberData(nameof(EcKeyVectors.PacketIndexes), MemberType = typeof(EcKeyVectors))]
    public void Every_ec_vector_decodes_as_its_registry_kind_with_a_verified_signature(int index)
    {
        // The field values are checked by Ipv8_decode_json_prints_the_same_fields_for_every_ec_vector.
        var vector = EcKeyVectors.Packets[index]!.AsObject();
        var packet = Vectors.Bytes(vector, "packet");

        Assert.True(DiscoveryKinds.Registry.TryFind(packet, out var kind));

        Assert.Equal((string)vector["name"]!, kind.Name);
        Assert.True(kind.IsSigned);
        Assert.Equal(WireError.None, KindDecoder.Decode(kind, packet, verify: true));
    }

    [Theory]
    [MemberData(nameof(EcKeyVectors.PacketIndexes), MemberType = typeof(EcKeyVectors))]
    public void Every_ec_vector_is_signed_by_its_sender_key_on_its_curve(int index)
    {
        var vector = EcKeyVectors.Packets[index]!.AsObject();
        var keyEntry = EcKeyVectors.Keys[(int)vector["sender_key"]!]!;
        var key = (M2CryptoPublicKey)PublicKey.Parse(Vectors.Bytes(keyEntry, "public_key_bin"));

        Assert.True(Packet.TryParseSigned(Vectors.Bytes(vector, "packet"), out var packet, out var error), error.Describe());
        Assert.Equal((string)vector["curve"]!, key.Curve.Name);
        Assert.Equal(key.SignatureLength, packet.Signature.Length);
        Assert.Equal(EcKeyVectors.File["prefix"]!.GetValue<string>(), Convert.ToHexStringLower(packet.Prefix));
        Assert.Equal((int)vector["msg_id"]!, packet.MessageId);
        Assert.True(packet.VerifySignature(key));
        Assert.True(packet.VerifySignature());
    }

    /// <summary>
    /// <c>ipv8 decode</c> prints the fields of community.json's form of each message; ec-keys.json lists a subset of
    /// them (not the raw flag byte nor the single flags of 234 and 233). Every field it lists must be printed with its
    /// value, and nothing outside community.json's form.
    /// </summary>
    [Theory]
    [MemberData(nameof(EcKeyVectors.PacketIndexes), MemberType = typeof(EcKeyVectors))]
    public void Ipv8_decode_json_prints_the_same_fields_for_every_ec_vector(int index)
    {
        var vector = EcKeyVectors.Packets[index]!.AsObject();
        var expected = vector["decoded"]!.AsObject();
        var msgId = (int)vector["msg_id"]!;

        var actual = VectorTests.Decode(Vectors.Bytes(vector, "packet"));

        Assert.Equal((string)vector["name"]!, (string)actual["name"]!);
        Assert.Equal(msgId, (int)actual["msg_id"]!);
        foreach (var (name, value) in expected)
        {
            if (name != "payload")
            {
                Assert.True(JsonNode.DeepEquals(value, actual[name]), $"{name}: expected {value?.ToJsonString()}, printed {actual[name]?.ToJsonString()}");
            }
        }

        var printed = actual["payload"]!.AsObject();
        foreach (var (name, value) in expected["payload"]!.AsObject())
        {
            Assert.True(JsonNode.DeepEquals(value, printed[name]), $"payload.{name}: expected {value?.ToJsonString()}, printed {printed[name]?.ToJsonString()}");
        }

        var communityForm = Vectors.Packets.Select(v => v!.AsObject()).First(v => (int)v["msg_id"]! == msgId)["decoded"]!["payload"]!.AsObject();
        Assert.Equal(communityForm.Select(p => p.Key).Order(StringComparer.Ordinal), printed.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(EcKeyVectors.MalformedIndexes), MemberType = typeof(EcKeyVectors))]
    public void Every_malformed_ec_packet_is_rejected_without_an_exception(int index)
    {
        var entry = EcKeyVectors.Malformed[index]!.AsObject();
        var mutation = (string)entry["mutation"]!;
        var packet = Vectors.Bytes(entry, "packet");

        Assert.True(DiscoveryKinds.Registry.TryFind((string)entry["name"]!, out var kind));
        var typedError = KindDecoder.Decode(kind, packet, verify: true);

        Assert.NotEqual(WireError.None, typedError);
        Assert.Equal(ExpectedError(mutation), typedError);

        using var stream = new MemoryStream();
        bool printed;
        WireError jsonError;
        using (var writer = new Utf8JsonWriter(stream))
        {
            printed = DiscoveryJson.TryWrite(writer, packet, out jsonError);
        }

        Assert.False(printed);
        Assert.Equal(typedError, jsonError);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void A_bit_flip_anywhere_in_an_ec_signed_message_fails_verification()
    {
        var random = new Random(0xEC163);
        var keys = EcKeyVectors.Keys.Select(k => PublicKey.Parse(Vectors.Bytes(k, "public_key_bin"))).ToArray();
        var vectors = EcKeyVectors.Packets.Select(v => v!.AsObject()).ToArray();
        for (var round = 0; round < FlipRounds; round++)
        {
            var vector = vectors[random.Next(vectors.Length)];
            var key = keys[(int)vector["sender_key"]!];
            var datagram = Vectors.Bytes(vector, "packet");
            var signedLength = datagram.Length - key.SignatureLength;
            Assert.True(key.Verify(datagram.AsSpan(0, signedLength), datagram.AsSpan(signedLength)));

            // Even rounds flip a bit of the signature, odd rounds a bit of the bytes it signs.
            var bit = round % 2 == 0
                ? (signedLength * 8) + random.Next(key.SignatureLength * 8)
                : random.Next(signedLength * 8);
            datagram[bit / 8] ^= (byte)(1 << (bit % 8));

            Assert.False(
                key.Verify(datagram.AsSpan(0, signedLength), datagram.AsSpan(signedLength)),
                $"round {round}: {vector["name"]} on {vector["curve"]} still verifies with bit {bit} of {datagram.Length * 8} flipped");
            Assert.False(Packet.TryReadSigned(datagram, out _, out var error), $"round {round}: bit {bit} flipped was accepted");
            Assert.NotEqual(WireError.None, error);
        }
    }

    /// <summary>
    /// A flipped or shortened signature, or a flipped body bit, fails verification; a corrupted key never gets as far as
    /// a signature check.
    /// </summary>
    private static WireError ExpectedError(string mutation) => mutation switch
    {
        "signature-bitflip" or "body-bitflip" or "signature-truncated" => WireError.BadSignature,
        "key-der-corrupted" => WireError.UnsupportedKey,
        _ => throw new InvalidOperationException("unknown mutation " + mutation),
    };
}

using System.Text.Json.Nodes;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Tests.UserMessages;

namespace Ipv8.Wire.Tests;

/// <summary>
/// payloads.json <c>packets[]</c> and <c>malformed[]</c>: whole user messages that py-ipv8's <c>ez_send</c> built,
/// decoded with <see cref="Packet.TryDecode{T}"/> into our mirror payloads and built again with <see cref="Packet.Write{T}(Span{byte}, ReadOnlySpan{byte}, LibNaClPrivateKey?, in T)"/>.
/// </summary>
public sealed class PayloadPacketVectorTests
{
    private const int SignedFrame = Packet.HeaderLength + 2 + LibNaClPublicKey.BinLength + Ed25519.SignatureLength;

    [Fact]
    public void Our_payload_types_mirror_the_vector_classes_field_by_field()
    {
        var classes = PayloadVectors.Classes;
        Assert.Equal(PayloadMirror.Types.Keys.Order(StringComparer.Ordinal), classes.Select(c => c.Key).Order(StringComparer.Ordinal));

        foreach (var (name, node) in classes)
        {
            var type = PayloadMirror.Types[name];
            var msgId = node!["msg_id"];
            Assert.Equal(msgId is null ? null : (int)msgId, PayloadMirror.MessageId(type));

            var expected = node["fields"]!.AsArray().Select(f => (Name: (string)f![0]!, Format: (string)f[1]!)).ToList();
            var actual = PayloadMirror.Fields(type);
            Assert.Equal(expected.Select(f => f.Name), actual.Select(f => f.PyName));
            for (var i = 0; i < expected.Count; i++)
            {
                // "payload-list of Entry", "payload Entry", or a plain format name.
                var parts = expected[i].Format.Replace(" of ", " ", StringComparison.Ordinal).Split(' ');
                Assert.Equal(PyIpv8Formats.ByName[parts[0]], actual[i].Format);
                if (parts.Length == 2)
                {
                    Assert.Equal(PayloadMirror.Types[parts[1]], actual[i].Type.IsArray ? actual[i].Type.GetElementType() : actual[i].Type);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(PayloadVectors.PacketIndexes), MemberType = typeof(PayloadVectors))]
    public void Every_packet_decodes_with_a_verified_signature_to_exactly_its_fields(int index)
    {
        var vector = PayloadVectors.Packets[index]!.AsObject();
        var expected = vector["decoded"]!.AsObject();
        var signed = (bool)expected["signed"]!;
        Assert.Equal(signed ? ["payloads", "public_key", "signed"] : ["payloads", "signed"], expected.Select(p => p.Key).Order(StringComparer.Ordinal));

        var decoded = Decode(Classes(vector), Vectors.Bytes(vector, "packet"));

        Assert.True(decoded.Ok, $"packet {index} ({vector["name"]}): {decoded.Error}");
        Assert.Equal(signed, decoded.Signed);
        Assert.Equal(signed ? (string)expected["public_key"]! : string.Empty, Convert.ToHexStringLower(decoded.PublicKey));
        Assert.Equal(
            ExpectedPayloads(vector).Select(PyIpv8Formats.Describe),
            decoded.Payloads.Select(PyIpv8Formats.Describe));
    }

    [Theory]
    [MemberData(nameof(PayloadVectors.PacketIndexes), MemberType = typeof(PayloadVectors))]
    public void Reencoding_every_packet_with_the_vector_key_gives_identical_bytes(int index)
    {
        var vector = PayloadVectors.Packets[index]!.AsObject();
        using var key = LibNaClPrivateKey.Parse(PayloadVectors.PrivateKeyBin);
        Assert.Equal((string)PayloadVectors.File["key"]!["public_key_bin"]!, Convert.ToHexStringLower(key.PublicKey.Bin));

        var actual = Encode(ExpectedPayloads(vector), key);

        Assert.Equal((string)vector["packet"]!, Convert.ToHexStringLower(actual));
    }

    [Theory]
    [MemberData(nameof(PayloadVectors.PacketIndexes), MemberType = typeof(PayloadVectors))]
    public void Every_packet_carries_the_message_id_of_its_last_payload(int index)
    {
        var vector = PayloadVectors.Packets[index]!.AsObject();
        var packet = Vectors.Bytes(vector, "packet");
        var last = Classes(vector)[^1];

        Assert.Equal(PayloadVectors.Prefix, packet[..Packet.PrefixLength]);
        Assert.Equal((int)vector["msg_id"]!, packet[Packet.PrefixLength]);
        Assert.Equal((int)PayloadVectors.Classes[last]!["msg_id"]!, packet[Packet.PrefixLength]);
        Assert.Equal(PayloadMirror.MessageId(PayloadMirror.Types[last]), packet[Packet.PrefixLength]);
    }

    [Theory]
    [MemberData(nameof(PayloadVectors.MalformedIndexes), MemberType = typeof(PayloadVectors))]
    public void Every_malformed_packet_is_rejected_with_the_error_its_mutation_causes(int index)
    {
        var entry = PayloadVectors.Malformed[index]!.AsObject();
        var name = (string)entry["name"]!;
        var mutation = (string)entry["mutation"]!;
        var packet = Vectors.Bytes(entry, "packet");
        var original = PayloadVectors.Packets.Select(p => p!.AsObject()).First(p => (string)p["name"]! == name);
        var signed = (bool)original["decoded"]!["signed"]!;

        var decoded = Decode(Classes(original), packet);

        Assert.False(decoded.Ok, $"malformed {index} ({name}, {mutation}) was accepted");
        Assert.Equal(ExpectedError(mutation, signed, packet.Length), decoded.Error);
    }

    /// <summary>
    /// What our decoder reports for each mutation. A signed message is verified before its payloads are read, so a
    /// truncation that still leaves room for the key and a signature shows up as a bad signature.
    /// </summary>
    private static WireError ExpectedError(string mutation, bool signed, int length) => mutation switch
    {
        "signature-bitflip" => WireError.BadSignature,
        "extra-trailing-byte" => WireError.TrailingBytes,
        _ when !mutation.StartsWith("truncated", StringComparison.Ordinal) => throw new InvalidOperationException("unknown mutation " + mutation),
        _ when length < Packet.HeaderLength => WireError.TooShort,
        _ when signed && length >= SignedFrame => WireError.BadSignature,
        _ => WireError.Truncated,
    };

    private static string[] Classes(JsonObject vector) => vector["classes"]!.AsArray().Select(c => (string)c!).ToArray();

    private static object[] ExpectedPayloads(JsonObject vector)
    {
        var classes = Classes(vector);
        var payloads = vector["decoded"]!["payloads"]!.AsArray();
        Assert.Equal(classes.Length, payloads.Count);
        return classes.Select((name, i) => PayloadMirror.FromJson(PayloadMirror.Types[name], payloads[i]!.AsObject())).ToArray();
    }

    private sealed record Decoded(bool Ok, WireError Error, bool Signed, byte[] PublicKey, object[] Payloads);

    private static Decoded Decode(string[] classes, byte[] datagram) => string.Join(",", classes) switch
    {
        "Chat" => Decode<Chat>(datagram),
        "Sample" => Decode<Sample>(datagram),
        "Catalog" => Decode<Catalog>(datagram),
        "Legacy" => Decode<Legacy>(datagram),
        "Beacon" => Decode<Beacon>(datagram),
        "GlobalTimeDistributionPayload,Chat" => Decode<GlobalTime, Chat>(datagram),
        var other => throw new InvalidOperationException("no decoder for the payloads " + other),
    };

    private static Decoded Decode<T>(byte[] datagram) where T : struct, IMessagePayload<T>
    {
        var ok = Packet.TryDecode<T>(datagram, true, out var packet, out var payload, out var error);
        return ok ? new(ok, error, packet.IsSigned, packet.PublicKeyBin.ToArray(), [payload]) : new(ok, error, false, [], []);
    }

    private static Decoded Decode<T1, T2>(byte[] datagram)
        where T1 : struct, IPayload<T1>
        where T2 : struct, IMessagePayload<T2>
    {
        var ok = Packet.TryDecode<T1, T2>(datagram, true, out var packet, out var first, out var second, out var error);
        return ok ? new(ok, error, packet.IsSigned, packet.PublicKeyBin.ToArray(), [first, second]) : new(ok, error, false, [], []);
    }

    private static byte[] Encode(object[] payloads, LibNaClPrivateKey key) => payloads switch
    {
        [Chat p] => Write(p, key),
        [Sample p] => Write(p, key),
        [Catalog p] => Write(p, key),
        [Legacy p] => Write(p, key),
        [Beacon p] => Write(p, key),
        [GlobalTime t, Chat p] => Write(t, p, key),
        _ => throw new InvalidOperationException("no encoder for " + string.Join(", ", payloads.Select(p => p.GetType().Name))),
    };

    private static byte[] Write<T>(T payload, LibNaClPrivateKey key) where T : IMessagePayload<T>
    {
        var buffer = new byte[Packet.GetSize(payload)];
        Assert.Equal(buffer.Length, Packet.Write(buffer, PayloadVectors.Prefix, key, payload));
        return buffer;
    }

    private static byte[] Write<T1, T2>(T1 first, T2 second, LibNaClPrivateKey key)
        where T1 : IPayload<T1>
        where T2 : IMessagePayload<T2>
    {
        var buffer = new byte[Packet.GetSize(first, second)];
        Assert.Equal(buffer.Length, Packet.Write(buffer, PayloadVectors.Prefix, key, first, second));
        return buffer;
    }
}

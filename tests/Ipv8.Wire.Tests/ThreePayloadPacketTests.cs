using System.Buffers;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Tests.UserMessages;

namespace Ipv8.Wire.Tests;

/// <summary>
/// Messages of three payloads (py-ipv8 <c>ez_send(peer, a, b, c)</c> / <c>lazy_wrapper(A, B, C)</c>):
/// <see cref="Packet.TryDecode{T1, T2, T3}"/>, <see cref="Packet.GetSize{T1, T2, T3}"/> and both
/// <c>Packet.Write&lt;T1, T2, T3&gt;</c>.
/// </summary>
public sealed class ThreePayloadPacketTests
{
    // Made by py-ipv8's own EZPackOverlay.ezr_pack with payloads.json's key and prefix (Ed25519 is deterministic):
    //   ezr_pack(1, GlobalTimeDistributionPayload(42), Entry(b"\x01\x02\x03", 7), Chat(-3, "three payloads"))
    private const string PySigned =
        "0002b7ce09d6bbc004e7175c643c7decb0b580ec37bc01004a4c69624e61434c504b3a7002802417ed4f81bdcb2af6b46f9e44f11dd28ee0835c5276" +
        "2666f755c40366c24bd4554c5388fa395851756b59e21740e795cae2fb485a96d2cb3f10931d39000000000000002a0003010203000000000000000" +
        "7fffffffffffffffd000e7468726565207061796c6f616473e79ac78538b428f4a51641e6cfb4e1dbf08e46a4cceecfc34ac9cf73d7ed67cd777080" +
        "774b217fb371f3765cf987875ec469481e173355cdee3dacf43b4c6704";

    //   ezr_pack(5, GlobalTimeDistributionPayload(43), Entry(b"", 0), Beacon(9), sig=False)
    private const string PyUnsigned =
        "0002b7ce09d6bbc004e7175c643c7decb0b580ec37bc05000000000000002b000000000000000000000000000000000009";

    //   ezr_pack(1, GlobalTimeDistributionPayload(44), Entry(b"\x0a", 1), Entry(b"\x0b\x0c", 2), Chat(5, "four"))
    private const string PyFour =
        "0002b7ce09d6bbc004e7175c643c7decb0b580ec37bc01004a4c69624e61434c504b3a7002802417ed4f81bdcb2af6b46f9e44f11dd28ee0835c5276" +
        "2666f755c40366c24bd4554c5388fa395851756b59e21740e795cae2fb485a96d2cb3f10931d39000000000000002c00010a000000000000000100020b" +
        "0c000000000000000200000000000000050004666f75721107d5fed722eae12091e11e8d5a6df76342a9f41d8b3daf2211d3b8bc1bab97950fb0c90d" +
        "ba3cbf265a924fefeb425451a6bbc1be37c590f068005dcee3f507";

    private static readonly GlobalTime s_time = new(42);
    private static readonly Entry s_entry = new() { Key = [1, 2, 3], Count = 7 };
    private static readonly Chat s_chat = new() { Seq = -3, Text = "three payloads" };

    [Fact]
    public void Writing_three_payloads_gives_the_bytes_of_py_ipv8s_ezr_pack()
    {
        using var key = LibNaClPrivateKey.Parse(PayloadVectors.PrivateKeyBin);

        var signed = new byte[Packet.GetSize(s_time, s_entry, s_chat)];
        Assert.Equal(signed.Length, Packet.Write(signed, PayloadVectors.Prefix, key, s_time, s_entry, s_chat));
        Assert.Equal(PySigned, Convert.ToHexStringLower(signed));

        // Unsigned as the last payload says: no key is written even though one is given.
        var beacon = new Beacon { Nonce = 9 };
        var unsigned = new byte[Packet.GetSize(new GlobalTime(43), new Entry { Key = [] }, beacon)];
        Assert.Equal(unsigned.Length, Packet.Write(unsigned, PayloadVectors.Prefix, key, new GlobalTime(43), new Entry { Key = [] }, beacon));
        Assert.Equal(PyUnsigned, Convert.ToHexStringLower(unsigned));
    }

    [Fact]
    public void A_py_ipv8_message_of_three_payloads_decodes_with_a_verified_signature()
    {
        var datagram = Convert.FromHexString(PySigned);

        Assert.True(Packet.TryDecode(datagram, verify: true, out var packet, out GlobalTime time, out Entry entry, out Chat chat, out var error), error.Describe());

        Assert.Equal(WireError.None, error);
        Assert.True(packet.IsSigned);
        Assert.Equal(1, packet.MessageId);
        Assert.Equal((string)PayloadVectors.File["key"]!["public_key_bin"]!, Convert.ToHexStringLower(packet.PublicKeyBin));
        Assert.Equal(42UL, time.Value);
        Assert.Equal([1, 2, 3], entry.Key);
        Assert.Equal(7, entry.Count);
        Assert.Equal(-3, chat.Seq);
        Assert.Equal("three payloads", chat.Text);

        Assert.True(Packet.TryDecode(Convert.FromHexString(PyUnsigned), verify: true, out var unsigned, out time, out entry, out Beacon beacon, out error), error.Describe());
        Assert.False(unsigned.IsSigned);
        Assert.Equal(43UL, time.Value);
        Assert.Empty(entry.Key);
        Assert.Equal(0, entry.Count);
        Assert.Equal(9, beacon.Nonce);
    }

    [Fact]
    public void Three_payloads_round_trip_through_a_span_and_a_buffer_writer_alike()
    {
        using var key = LibNaClPrivateKey.Generate();
        var prefix = CommunityId.Parse("3333333333333333333333333333333333333333").ToPrefix();
        var entry = new Entry { Key = new byte[300], Count = long.MinValue };
        var chat = new Chat { Seq = long.MaxValue, Text = "héllo" };
        var size = Packet.GetSize(new GlobalTime(ulong.MaxValue), entry, chat);
        Assert.Equal(Packet.SignedOverhead + 8 + (2 + 300 + 8) + (8 + 2 + 6), size);

        var span = new byte[size + 10];
        var written = Packet.Write(span, prefix, key, new GlobalTime(ulong.MaxValue), entry, chat);
        var output = new ArrayBufferWriter<byte>();
        Assert.Equal(size, Packet.Write(output, prefix, key, new GlobalTime(ulong.MaxValue), entry, chat));

        Assert.Equal(size, written);
        Assert.Equal(size, output.WrittenCount);
        Assert.Equal(span[..size], output.WrittenSpan.ToArray());
        Assert.True(Packet.TryDecode(output.WrittenSpan, verify: true, out var packet, out GlobalTime time, out Entry e, out Chat c, out var error), error.Describe());
        Assert.True(key.PublicKey.BinEquals(packet.PublicKeyBin));
        Assert.Equal(ulong.MaxValue, time.Value);
        Assert.Equal(entry.Key, e.Key);
        Assert.Equal(long.MinValue, e.Count);
        Assert.Equal(long.MaxValue, c.Seq);
        Assert.Equal("héllo", c.Text);
    }

    [Fact]
    public void TryDecode_of_three_refuses_a_message_of_another_id_before_checking_its_signature()
    {
        var signed = Convert.FromHexString(PySigned);
        Assert.False(Packet.TryDecode(signed, verify: true, out _, out GlobalTime _, out Entry _, out Beacon _, out var error));
        Assert.Equal(WireError.WrongMessageId, error);

        var broken = (byte[])signed.Clone();
        broken[^1] ^= 1; // a bad signature is never reached
        Assert.False(Packet.TryDecode(broken, verify: true, out _, out GlobalTime _, out Entry _, out Beacon _, out error));
        Assert.Equal(WireError.WrongMessageId, error);

        // The id is the last payload's: a message ending in a Beacon (5) is not one ending in a Chat (1).
        Assert.False(Packet.TryDecode(Convert.FromHexString(PyUnsigned), verify: false, out _, out GlobalTime _, out Entry _, out Chat _, out error));
        Assert.Equal(WireError.WrongMessageId, error);
    }

    [Fact]
    public void Every_truncation_of_a_three_payload_message_is_rejected_with_its_error()
    {
        var signed = Convert.FromHexString(PySigned);
        var signedFrame = Packet.HeaderLength + 2 + LibNaClPublicKey.BinLength + Ed25519.SignatureLength;
        for (var length = 0; length < signed.Length; length++)
        {
            var ok = Packet.TryDecode(signed.AsSpan(0, length), verify: true, out _, out GlobalTime _, out Entry _, out Chat _, out var error);
            Assert.False(ok, $"{length} of {signed.Length} bytes were accepted");
            var expected = length < Packet.HeaderLength ? WireError.TooShort : length < signedFrame ? WireError.Truncated : WireError.BadSignature;
            Assert.True(expected == error, $"{length} bytes: {error}, expected {expected}");
        }

        // Unsigned, every cut falls inside one of the three payloads.
        var unsigned = Convert.FromHexString(PyUnsigned);
        for (var length = 0; length < unsigned.Length; length++)
        {
            var ok = Packet.TryDecode(unsigned.AsSpan(0, length), verify: true, out _, out GlobalTime _, out Entry _, out Beacon _, out var error);
            Assert.False(ok, $"{length} of {unsigned.Length} bytes were accepted");
            Assert.Equal(length < Packet.HeaderLength ? WireError.TooShort : WireError.Truncated, error);
        }

        Assert.False(Packet.TryDecode([.. unsigned, 0xEE], verify: true, out _, out GlobalTime _, out Entry _, out Beacon _, out var trailing));
        Assert.Equal(WireError.TrailingBytes, trailing);
    }

    [Fact]
    public void A_flipped_bit_anywhere_in_a_signed_three_payload_message_is_a_bad_signature()
    {
        var signed = Convert.FromHexString(PySigned);
        var bodyStart = Packet.HeaderLength + 2 + LibNaClPublicKey.BinLength;

        // In each payload (global time, entry, chat) and in the signature.
        foreach (var offset in new[] { bodyStart + 7, bodyStart + 8 + 3, signed.Length - Ed25519.SignatureLength - 1, signed.Length - 1 })
        {
            var flipped = (byte[])signed.Clone();
            flipped[offset] ^= 0x10;
            Assert.False(Packet.TryDecode(flipped, verify: true, out _, out GlobalTime _, out Entry _, out Chat _, out var error), $"byte {offset}");
            Assert.Equal(WireError.BadSignature, error);

            // Unverified, the frame and payloads still parse: the signature is what refused it.
            Assert.True(Packet.TryDecode(flipped, verify: false, out _, out GlobalTime _, out Entry _, out Chat _, out error), $"byte {offset}: {error}");
        }
    }

    [Fact]
    public void Four_payloads_written_with_WriteHeader_and_WriteSignature_give_py_ipv8s_bytes_and_decode_as_three_with_a_combined_last_payload()
    {
        // docs/same-message.md, "Three or more payloads": what the page tells users to do for four.
        using var key = LibNaClPrivateKey.Parse(PayloadVectors.PrivateKeyBin);
        var second = new Entry { Key = [0x0a], Count = 1 };
        var third = new Entry { Key = [0x0b, 0x0c], Count = 2 };
        var last = new Chat { Seq = 5, Text = "four" };
        var payloads = new GlobalTime(44).GetSize() + second.GetSize() + third.GetSize() + last.GetSize();
        var buffer = new byte[Packet.SignedOverhead + payloads];

        var offset = Packet.WriteHeader(buffer, PayloadVectors.Prefix, Chat.MessageId, key);
        var writer = new WireWriter(buffer.AsSpan(offset));
        new GlobalTime(44).Write(ref writer);
        second.Write(ref writer);
        third.Write(ref writer);
        last.Write(ref writer);
        Assert.Equal(buffer.Length, Packet.WriteSignature(buffer, offset + writer.Position, key));
        Assert.Equal(PyFour, Convert.ToHexStringLower(buffer));

        Assert.True(Packet.TryDecode(buffer, verify: true, out _, out GlobalTime time, out Entry decodedSecond, out EntryAndChat rest, out var error), error.Describe());
        Assert.Equal(44UL, time.Value);
        Assert.Equal([0x0a], decodedSecond.Key);
        Assert.Equal([0x0b, 0x0c], rest.Entry.Key);
        Assert.Equal(2, rest.Entry.Count);
        Assert.Equal("four", rest.Chat.Text);

        var again = new byte[buffer.Length];
        Packet.Write(again, PayloadVectors.Prefix, key, new GlobalTime(44), second, new EntryAndChat { Entry = third, Chat = last });
        Assert.Equal(buffer, again);
    }

    [Fact]
    public void Writing_three_payloads_checks_the_key_prefix_and_room()
    {
        using var key = LibNaClPrivateKey.Generate();
        var prefix = PayloadVectors.Prefix;
        var size = Packet.GetSize(s_time, s_entry, s_chat);

        Assert.Throws<ArgumentException>(() => Packet.Write(new byte[size], prefix, null, s_time, s_entry, s_chat));
        Assert.Throws<ArgumentException>(() => Packet.Write(new byte[size - 1], prefix, key, s_time, s_entry, s_chat));
        Assert.Throws<ArgumentException>(() => Packet.Write(new byte[size], prefix[1..], key, s_time, s_entry, s_chat));
        Assert.Throws<ArgumentNullException>(() => Packet.Write((IBufferWriter<byte>)null!, prefix, key, s_time, s_entry, s_chat));
    }
}

/// <summary>The last two payloads of a four-payload message read as one, under the last one's id and signing.</summary>
internal readonly struct EntryAndChat : IMessagePayload<EntryAndChat>
{
    public Entry Entry { get; init; }

    public Chat Chat { get; init; }

    public static byte MessageId => Chat.MessageId;

    public static bool IsSigned => Chat.IsSigned;

    public static bool TryRead(scoped ref WireReader reader, out EntryAndChat value)
    {
        value = default;
        if (!Entry.TryRead(ref reader, out var entry) || !Chat.TryRead(ref reader, out var chat))
        {
            return false;
        }

        value = new EntryAndChat { Entry = entry, Chat = chat };
        return true;
    }

    public int GetSize() => Entry.GetSize() + Chat.GetSize();

    public void Write(ref WireWriter writer)
    {
        Entry.Write(ref writer);
        Chat.Write(ref writer);
    }
}

using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Wire.Tests;

/// <summary>Every discovery payload round-trips through a signed (or unsigned) packet, with random fields (fixed seed).</summary>
public class DiscoveryPayloadPropertyTests : IDisposable
{
    private const int Rounds = 200;
    private readonly LibNaClPrivateKey _key = LibNaClPrivateKey.Generate();
    private readonly byte[] _prefix = CommunityId.Parse("33333333333333333333333333333333333333aa").ToPrefix();
    private readonly byte[] _buffer = new byte[4096];

    public void Dispose() => _key.Dispose();

    [Fact]
    public void Introduction_requests_round_trip()
    {
        var random = new Random(246);
        for (var i = 0; i < Rounds; i++)
        {
            var extra = Bytes(random);
            var sent = new IntroductionRequestPayload
            {
                DestinationAddress = V4(random), SourceLanAddress = V4(random), SourceWanAddress = V4(random),
                Flags = (byte)random.Next(256), Identifier = (ushort)random.Next(65536), ExtraBytes = extra,
            };
            var time = (ulong)random.NextInt64();
            var n = Packet.Write(_buffer, _prefix, _key, new GlobalTime(time), sent);
            Assert.Equal(Packet.GetSize(default(GlobalTime), sent), n);
            Assert.True(Packet.TryDecode(_buffer.AsSpan(0, n), true, out var packet, out GlobalTime time1, out IntroductionRequestPayload got, out var error), error.Describe());
            Assert.Equal(time, time1.Value);
            Assert.True(packet.PublicKeyBin.SequenceEqual(_key.PublicKey.Bin));
            Assert.Equal(sent.DestinationAddress, got.DestinationAddress);
            Assert.Equal(sent.SourceLanAddress, got.SourceLanAddress);
            Assert.Equal(sent.SourceWanAddress, got.SourceWanAddress);
            Assert.Equal(sent.Flags, got.Flags);
            Assert.Equal(sent.Identifier, got.Identifier);
            Assert.Equal(extra, got.ExtraBytes.ToArray());
        }
    }

    [Fact]
    public void Introduction_responses_round_trip()
    {
        var random = new Random(245);
        for (var i = 0; i < Rounds; i++)
        {
            var extra = Bytes(random);
            var sent = new IntroductionResponsePayload
            {
                DestinationAddress = V4(random), SourceLanAddress = V4(random), SourceWanAddress = V4(random),
                LanIntroductionAddress = V4(random), WanIntroductionAddress = V4(random),
                Flags = (byte)random.Next(256), Identifier = (ushort)random.Next(65536), ExtraBytes = extra,
            };
            var n = Packet.Write(_buffer, _prefix, _key, new GlobalTime(7), sent);
            Assert.True(Packet.TryDecode(_buffer.AsSpan(0, n), true, out _, out GlobalTime time2, out IntroductionResponsePayload got, out _));
            Assert.Equal(sent.LanIntroductionAddress, got.LanIntroductionAddress);
            Assert.Equal(sent.WanIntroductionAddress, got.WanIntroductionAddress);
            Assert.Equal(sent.DestinationAddress, got.DestinationAddress);
            Assert.Equal(sent.Flags, got.Flags);
            Assert.Equal(sent.Identifier, got.Identifier);
            Assert.Equal(extra, got.ExtraBytes.ToArray());
        }
    }

    [Fact]
    public void New_introduction_requests_and_responses_round_trip_over_both_families()
    {
        var random = new Random(234);
        for (var i = 0; i < Rounds; i++)
        {
            var extra = Bytes(random);
            var request = new NewIntroductionRequestPayload
            {
                DestinationAddress = Any(random), SourceLanAddress = Any(random), SourceWanAddress = Any(random),
                Identifier = (ushort)random.Next(65536), Flags = (byte)random.Next(256), ExtraBytes = extra,
            };
            var n = Packet.Write(_buffer, _prefix, _key, new GlobalTime(9), request);
            Assert.Equal(Packet.GetSize(default(GlobalTime), request), n);
            Assert.True(Packet.TryDecode(_buffer.AsSpan(0, n), true, out _, out GlobalTime time3, out NewIntroductionRequestPayload gotRequest, out _));
            Assert.Equal(request.DestinationAddress, gotRequest.DestinationAddress);
            Assert.Equal(request.SourceLanAddress, gotRequest.SourceLanAddress);
            Assert.Equal(request.SourceWanAddress, gotRequest.SourceWanAddress);
            Assert.Equal(request.Identifier, gotRequest.Identifier);
            Assert.Equal(request.Flags, gotRequest.Flags);
            Assert.Equal(extra, gotRequest.ExtraBytes.ToArray());

            var response = new NewIntroductionResponsePayload
            {
                DestinationAddress = Any(random), SourceLanAddress = Any(random), SourceWanAddress = Any(random),
                LanIntroductionAddress = Any(random), WanIntroductionAddress = Any(random),
                Identifier = (ushort)random.Next(65536), Flags = (byte)random.Next(256), ExtraBytes = extra,
            };
            n = Packet.Write(_buffer, _prefix, _key, new GlobalTime(10), response);
            Assert.Equal(Packet.GetSize(default(GlobalTime), response), n);
            Assert.True(Packet.TryDecode(_buffer.AsSpan(0, n), true, out _, out GlobalTime time4, out NewIntroductionResponsePayload gotResponse, out _));
            Assert.Equal(response.WanIntroductionAddress, gotResponse.WanIntroductionAddress);
            Assert.Equal(response.LanIntroductionAddress, gotResponse.LanIntroductionAddress);
            Assert.Equal(response.Identifier, gotResponse.Identifier);
            Assert.Equal(response.Flags, gotResponse.Flags);
        }
    }

    [Fact]
    public void Punctures_and_puncture_requests_round_trip()
    {
        var random = new Random(250);
        for (var i = 0; i < Rounds; i++)
        {
            var id = (ushort)random.Next(65536);
            var time = (ulong)random.NextInt64();

            var n = Packet.Write(_buffer, _prefix, null, new GlobalTime(time), new PunctureRequestPayload { LanWalkerAddress = V4(random), WanWalkerAddress = V4(random), Identifier = id });
            Assert.Equal(Packet.UnsignedOverhead + 8 + 14, n);
            Assert.True(Packet.TryDecode(_buffer.AsSpan(0, n), true, out var p250, out GlobalTime time5, out PunctureRequestPayload m250, out _));
            Assert.False(p250.IsSigned);
            Assert.Equal(time, time5.Value);
            Assert.Equal(id, m250.Identifier);

            var lan = Any(random);
            n = Packet.Write(_buffer, _prefix, null, new GlobalTime(time), new NewPunctureRequestPayload { LanWalkerAddress = lan, WanWalkerAddress = Any(random), Identifier = id });
            Assert.True(Packet.TryDecode(_buffer.AsSpan(0, n), true, out _, out GlobalTime time6, out NewPunctureRequestPayload m232, out _));
            Assert.Equal(lan, m232.LanWalkerAddress);

            var wan = V4(random);
            n = Packet.Write(_buffer, _prefix, _key, new GlobalTime(time), new PuncturePayload { SourceLanAddress = V4(random), SourceWanAddress = wan, Identifier = id });
            Assert.True(Packet.TryDecode(_buffer.AsSpan(0, n), true, out _, out GlobalTime time7, out PuncturePayload m249, out _));
            Assert.Equal(wan, m249.SourceWanAddress);

            var wan6 = Any(random);
            n = Packet.Write(_buffer, _prefix, _key, new GlobalTime(time), new NewPuncturePayload { SourceLanAddress = Any(random), SourceWanAddress = wan6, Identifier = id });
            Assert.True(Packet.TryDecode(_buffer.AsSpan(0, n), true, out _, out GlobalTime time8, out NewPuncturePayload m231, out _));
            Assert.Equal(wan6, m231.SourceWanAddress);
        }
    }

    [Fact]
    public void A_packet_built_into_a_buffer_writer_has_the_exact_size()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var payload = new PuncturePayload { SourceLanAddress = UdpAddress.Parse("1.2.3.4:5"), SourceWanAddress = UdpAddress.Parse("5.6.7.8:9"), Identifier = 3 };
        var n = Packet.Write(output, _prefix, _key, new GlobalTime(42), payload);
        Assert.Equal(185, n);
        Assert.Equal(185, output.WrittenCount);
        Assert.True(Packet.TryDecode(output.WrittenSpan, true, out _, out GlobalTime time9, out PuncturePayload _, out _));
    }

    [Fact]
    public void A_signed_message_without_a_key_is_an_argument_error() =>
        Assert.Throws<ArgumentException>(() => Packet.Write(_buffer, _prefix, null, new GlobalTime(1), new PuncturePayload()));

    [Fact]
    public void Trailing_bytes_after_a_payload_are_rejected()
    {
        var n = Packet.Write(_buffer, _prefix, null, new GlobalTime(1), new PunctureRequestPayload());
        Assert.False(Packet.TryDecode(_buffer.AsSpan(0, n + 1), true, out _, out GlobalTime time10, out PunctureRequestPayload _, out var error));
        Assert.Equal(WireError.TrailingBytes, error);
    }

    [Fact]
    public void A_22_byte_packet_is_too_short_not_an_exception()
    {
        Assert.False(Packet.TryDecode(_prefix, true, out _, out GlobalTime time11, out PunctureRequestPayload _, out var error));
        Assert.Equal(WireError.TooShort, error);
        Assert.False(Packet.TryReadMessageId(_prefix, out _));
    }

    [Fact]
    public void The_payload_is_not_exposed_when_the_signature_is_bad()
    {
        var n = Packet.Write(_buffer, _prefix, _key, new GlobalTime(1), new PuncturePayload { Identifier = 77 });
        _buffer[n - 1] ^= 0x40;
        Assert.False(Packet.TryDecode(_buffer.AsSpan(0, n), true, out _, out GlobalTime time12, out PuncturePayload payload, out var error));
        Assert.Equal(WireError.BadSignature, error);
        Assert.Equal(0, payload.Identifier);
    }

    private static UdpAddress V4(Random random) => UdpAddress.FromIPv4((uint)random.NextInt64(0, 1L << 32), (ushort)random.Next(65536));

    private static UdpAddress Any(Random random)
    {
        if (random.Next(2) == 0)
        {
            return V4(random);
        }

        var bytes = new byte[16];
        random.NextBytes(bytes);
        return UdpAddress.FromIPv6(bytes, (ushort)random.Next(65536));
    }

    private static byte[] Bytes(Random random)
    {
        var bytes = new byte[random.Next(3) == 0 ? random.Next(50) : 0];
        random.NextBytes(bytes);
        return bytes;
    }
}

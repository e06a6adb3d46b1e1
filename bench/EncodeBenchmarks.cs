using BenchmarkDotNet.Attributes;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Bench;

/// <summary>
/// Building each discovery message with <c>Packet.Write</c> into a reused buffer, from the field values of a
/// reference packet. Signed messages include the Ed25519 signature; the <c>…Framing</c> rows build the same signed
/// packets without signing, so the difference is the cost of the signature.
/// </summary>
[MemoryDiagnoser]
public class EncodeBenchmarks
{
    private readonly byte[] _buffer = new byte[1500];
    private VectorSet _vectors = null!;
    private byte[] _prefix = [];
    private Message<IntroductionFields> _introductionRequest = null!;
    private Message<IntroductionFields> _introductionResponse = null!;
    private Message<PunctureRequestPayload> _punctureRequest = null!;
    private Message<PuncturePayload> _puncture = null!;
    private Message<IntroductionFields> _newIntroductionRequest = null!;
    private Message<IntroductionFields> _newIntroductionResponse = null!;
    private Message<NewPunctureRequestPayload> _newPunctureRequest = null!;
    private Message<NewPuncturePayload> _newPuncture = null!;

    [GlobalSetup]
    public void Setup()
    {
        _vectors = VectorSet.Load();
        _prefix = _vectors.Prefix;

        _introductionRequest = Capture(DiscoveryMessages.IntroductionRequest, bytes =>
        {
            Packet.TryDecode<GlobalTime, IntroductionRequestPayload>(bytes, false, out _, out var time, out var p, out _);
            return (time.Value, new IntroductionFields(p.DestinationAddress, p.SourceLanAddress, p.SourceWanAddress, default, default, p.Flags, p.Identifier, p.ExtraBytes.ToArray()));
        });
        _introductionResponse = Capture(DiscoveryMessages.IntroductionResponse, bytes =>
        {
            Packet.TryDecode<GlobalTime, IntroductionResponsePayload>(bytes, false, out _, out var time, out var p, out _);
            return (time.Value, new IntroductionFields(p.DestinationAddress, p.SourceLanAddress, p.SourceWanAddress, p.LanIntroductionAddress, p.WanIntroductionAddress, p.Flags, p.Identifier, p.ExtraBytes.ToArray()));
        });
        _punctureRequest = Capture(DiscoveryMessages.PunctureRequest, bytes =>
        {
            Packet.TryDecode<GlobalTime, PunctureRequestPayload>(bytes, false, out _, out var time, out var p, out _);
            return (time.Value, p);
        });
        _puncture = Capture(DiscoveryMessages.Puncture, bytes =>
        {
            Packet.TryDecode<GlobalTime, PuncturePayload>(bytes, false, out _, out var time, out var p, out _);
            return (time.Value, p);
        });
        _newIntroductionRequest = Capture(DiscoveryMessages.NewIntroductionRequest, bytes =>
        {
            Packet.TryDecode<GlobalTime, NewIntroductionRequestPayload>(bytes, false, out _, out var time, out var p, out _);
            return (time.Value, new IntroductionFields(p.DestinationAddress, p.SourceLanAddress, p.SourceWanAddress, default, default, p.Flags, p.Identifier, p.ExtraBytes.ToArray()));
        });
        _newIntroductionResponse = Capture(DiscoveryMessages.NewIntroductionResponse, bytes =>
        {
            Packet.TryDecode<GlobalTime, NewIntroductionResponsePayload>(bytes, false, out _, out var time, out var p, out _);
            return (time.Value, new IntroductionFields(p.DestinationAddress, p.SourceLanAddress, p.SourceWanAddress, p.LanIntroductionAddress, p.WanIntroductionAddress, p.Flags, p.Identifier, p.ExtraBytes.ToArray()));
        });
        _newPunctureRequest = Capture(DiscoveryMessages.NewPunctureRequest, bytes =>
        {
            Packet.TryDecode<GlobalTime, NewPunctureRequestPayload>(bytes, false, out _, out var time, out var p, out _);
            return (time.Value, p);
        });
        _newPuncture = Capture(DiscoveryMessages.NewPuncture, bytes =>
        {
            Packet.TryDecode<GlobalTime, NewPuncturePayload>(bytes, false, out _, out var time, out var p, out _);
            return (time.Value, p);
        });

        // Rebuilding py-ipv8's packets must give back its exact bytes (Ed25519 is deterministic); otherwise the rows
        // would time something other than the wire format.
        Check(_introductionRequest, IntroductionRequest, IntroductionRequestFraming);
        Check(_introductionResponse, IntroductionResponse, IntroductionResponseFraming);
        Check(_punctureRequest, PunctureRequest, null);
        Check(_puncture, Puncture, PunctureFraming);
        Check(_newIntroductionRequest, NewIntroductionRequest, NewIntroductionRequestFraming);
        Check(_newIntroductionResponse, NewIntroductionResponse, NewIntroductionResponseFraming);
        Check(_newPunctureRequest, NewPunctureRequest, null);
        Check(_newPuncture, NewPuncture, NewPunctureFraming);
    }

    [GlobalCleanup]
    public void Cleanup() => _vectors.Dispose();

    [Benchmark]
    public int IntroductionRequest()
    {
        var m = _introductionRequest;
        var f = m.Payload;
        var payload = new IntroductionRequestPayload
        {
            DestinationAddress = f.Destination,
            SourceLanAddress = f.SourceLan,
            SourceWanAddress = f.SourceWan,
            Flags = f.Flags,
            Identifier = f.Identifier,
            ExtraBytes = f.ExtraBytes,
        };
        return Packet.Write(_buffer, _prefix, m.Key, new GlobalTime(m.GlobalTime), payload);
    }

    [Benchmark]
    public int IntroductionResponse()
    {
        var m = _introductionResponse;
        var f = m.Payload;
        var payload = new IntroductionResponsePayload
        {
            DestinationAddress = f.Destination,
            SourceLanAddress = f.SourceLan,
            SourceWanAddress = f.SourceWan,
            LanIntroductionAddress = f.LanIntroduction,
            WanIntroductionAddress = f.WanIntroduction,
            Flags = f.Flags,
            Identifier = f.Identifier,
            ExtraBytes = f.ExtraBytes,
        };
        return Packet.Write(_buffer, _prefix, m.Key, new GlobalTime(m.GlobalTime), payload);
    }

    [Benchmark]
    public int PunctureRequest()
    {
        var m = _punctureRequest;
        return Packet.Write(_buffer, _prefix, null, new GlobalTime(m.GlobalTime), m.Payload);
    }

    [Benchmark]
    public int Puncture()
    {
        var m = _puncture;
        return Packet.Write(_buffer, _prefix, m.Key, new GlobalTime(m.GlobalTime), m.Payload);
    }

    [Benchmark]
    public int NewIntroductionRequest()
    {
        var m = _newIntroductionRequest;
        var f = m.Payload;
        var payload = new NewIntroductionRequestPayload
        {
            DestinationAddress = f.Destination,
            SourceLanAddress = f.SourceLan,
            SourceWanAddress = f.SourceWan,
            Identifier = f.Identifier,
            Flags = f.Flags,
            ExtraBytes = f.ExtraBytes,
        };
        return Packet.Write(_buffer, _prefix, m.Key, new GlobalTime(m.GlobalTime), payload);
    }

    [Benchmark]
    public int NewIntroductionResponse()
    {
        var m = _newIntroductionResponse;
        var f = m.Payload;
        var payload = new NewIntroductionResponsePayload
        {
            DestinationAddress = f.Destination,
            SourceLanAddress = f.SourceLan,
            SourceWanAddress = f.SourceWan,
            LanIntroductionAddress = f.LanIntroduction,
            WanIntroductionAddress = f.WanIntroduction,
            Identifier = f.Identifier,
            Flags = f.Flags,
            ExtraBytes = f.ExtraBytes,
        };
        return Packet.Write(_buffer, _prefix, m.Key, new GlobalTime(m.GlobalTime), payload);
    }

    [Benchmark]
    public int NewPunctureRequest()
    {
        var m = _newPunctureRequest;
        return Packet.Write(_buffer, _prefix, null, new GlobalTime(m.GlobalTime), m.Payload);
    }

    [Benchmark]
    public int NewPuncture()
    {
        var m = _newPuncture;
        return Packet.Write(_buffer, _prefix, m.Key, new GlobalTime(m.GlobalTime), m.Payload);
    }

    [Benchmark]
    public int IntroductionRequestFraming()
    {
        var m = _introductionRequest;
        var f = m.Payload;
        var payload = new IntroductionRequestPayload
        {
            DestinationAddress = f.Destination,
            SourceLanAddress = f.SourceLan,
            SourceWanAddress = f.SourceWan,
            Flags = f.Flags,
            Identifier = f.Identifier,
            ExtraBytes = f.ExtraBytes,
        };
        return Framing.WriteWithoutSignature(_buffer, _prefix, m.Key, m.GlobalTime, payload);
    }

    [Benchmark]
    public int IntroductionResponseFraming()
    {
        var m = _introductionResponse;
        var f = m.Payload;
        var payload = new IntroductionResponsePayload
        {
            DestinationAddress = f.Destination,
            SourceLanAddress = f.SourceLan,
            SourceWanAddress = f.SourceWan,
            LanIntroductionAddress = f.LanIntroduction,
            WanIntroductionAddress = f.WanIntroduction,
            Flags = f.Flags,
            Identifier = f.Identifier,
            ExtraBytes = f.ExtraBytes,
        };
        return Framing.WriteWithoutSignature(_buffer, _prefix, m.Key, m.GlobalTime, payload);
    }

    [Benchmark]
    public int PunctureFraming()
    {
        var m = _puncture;
        return Framing.WriteWithoutSignature(_buffer, _prefix, m.Key, m.GlobalTime, m.Payload);
    }

    [Benchmark]
    public int NewIntroductionRequestFraming()
    {
        var m = _newIntroductionRequest;
        var f = m.Payload;
        var payload = new NewIntroductionRequestPayload
        {
            DestinationAddress = f.Destination,
            SourceLanAddress = f.SourceLan,
            SourceWanAddress = f.SourceWan,
            Identifier = f.Identifier,
            Flags = f.Flags,
            ExtraBytes = f.ExtraBytes,
        };
        return Framing.WriteWithoutSignature(_buffer, _prefix, m.Key, m.GlobalTime, payload);
    }

    [Benchmark]
    public int NewIntroductionResponseFraming()
    {
        var m = _newIntroductionResponse;
        var f = m.Payload;
        var payload = new NewIntroductionResponsePayload
        {
            DestinationAddress = f.Destination,
            SourceLanAddress = f.SourceLan,
            SourceWanAddress = f.SourceWan,
            LanIntroductionAddress = f.LanIntroduction,
            WanIntroductionAddress = f.WanIntroduction,
            Identifier = f.Identifier,
            Flags = f.Flags,
            ExtraBytes = f.ExtraBytes,
        };
        return Framing.WriteWithoutSignature(_buffer, _prefix, m.Key, m.GlobalTime, payload);
    }

    [Benchmark]
    public int NewPunctureFraming()
    {
        var m = _newPuncture;
        return Framing.WriteWithoutSignature(_buffer, _prefix, m.Key, m.GlobalTime, m.Payload);
    }

    private Message<T> Capture<T>(byte messageId, Func<byte[], (ulong GlobalTime, T Payload)> decode)
    {
        var vector = _vectors.First(messageId);
        var (globalTime, payload) = decode(vector.Packet);
        return new Message<T>(vector.Packet, _vectors.Keys[vector.SenderKey], globalTime, payload);
    }

    private void Check<T>(Message<T> message, Func<int> encode, Func<int>? framing)
    {
        var expected = message.Expected;
        Array.Clear(_buffer);
        if (!_buffer.AsSpan(0, encode()).SequenceEqual(expected))
        {
            throw new InvalidDataException($"Packet.Write did not reproduce the reference packet with msg_id {expected[Packet.PrefixLength]}.");
        }

        if (framing is null)
        {
            return;
        }

        Array.Clear(_buffer);
        var length = framing();
        if (length != expected.Length || !_buffer.AsSpan(0, length - Ed25519.SignatureLength).SequenceEqual(expected.AsSpan(0, length - Ed25519.SignatureLength)))
        {
            throw new InvalidDataException($"The framing-only writer differs from the reference packet with msg_id {expected[Packet.PrefixLength]}.");
        }
    }

    /// <summary>A reference packet, its sender's key, and the values to rebuild it from.</summary>
    private sealed record Message<T>(byte[] Expected, LibNaClPrivateKey Key, ulong GlobalTime, T Payload);

    /// <summary>The fields of the four introduction payloads, which are ref structs and so cannot be kept in a field.</summary>
    private sealed record IntroductionFields(
        UdpAddress Destination,
        UdpAddress SourceLan,
        UdpAddress SourceWan,
        UdpAddress LanIntroduction,
        UdpAddress WanIntroduction,
        byte Flags,
        ushort Identifier,
        byte[] ExtraBytes);
}

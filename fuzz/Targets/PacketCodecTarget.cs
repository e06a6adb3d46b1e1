using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;
using Ipv8.Wire;
using Ipv8.Wire.Discovery;
using static Ipv8.Fuzz.Targets.FuzzTargets;

namespace Ipv8.Fuzz.Targets;

/// <summary>
/// The packet codec: framing (signed and unsigned), every kind of <see cref="DiscoveryCommunityKinds.Registry"/> (the
/// discovery messages and DiscoveryCommunity's), and the JSON decoders behind <c>ipv8 decode</c> (discovery and
/// DiscoveryCommunity). Invariants: nothing throws; the payloads of a signed message that decodes re-encode to exactly
/// its body; an unsigned message that decodes rebuilds to exactly the input.
/// </summary>
internal sealed class PacketCodecTarget : IFuzzTarget
{
    // Grown to the input's size: the fuzzer feeds inputs larger than any UDP datagram (campaign finding, 2026-11-26).
    private byte[] _buffer = new byte[70_000];

    // The JSON decoders write into one pooled buffer, reset for every input: a MemoryStream per input cost two
    // allocations and a copy on every run of the fuzz loop.
    private readonly ArrayPoolBufferWriter<byte> _json = new();
    private readonly Utf8JsonWriter _jsonWriter;

    public PacketCodecTarget() => _jsonWriter = new Utf8JsonWriter(_json);

    public string Name => "packet";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (_buffer.Length < input.Length)
        {
            _buffer = new byte[input.Length];
        }

        _json.Clear();
        _jsonWriter.Reset(_json);
        DiscoveryJson.TryWrite(_jsonWriter, input, out _);
        _json.Clear();
        _jsonWriter.Reset(_json);
        DiscoveryCommunityJson.TryWrite(_jsonWriter, input, out _);

        Packet.TryParseSigned(input, out _, out _);
        Packet.TryReadUnsigned(input, out _, out _);
        if (!Packet.TryReadMessageId(input, out var id))
        {
            return;
        }

        // Every kind with this id, whatever the prefix, so that DiscoveryCommunity's readers see every input too.
        var roundTrip = new RoundTrip(input, _buffer);
        foreach (var kind in DiscoveryCommunityKinds.Registry.Kinds)
        {
            if (kind.MessageId == id)
            {
                kind.Accept<RoundTrip, bool>(ref roundTrip);
            }
        }
    }

    /// <summary>Decodes as one kind (random bytes never carry a valid signature, so without verifying) and checks the round trip.</summary>
    private readonly ref struct RoundTrip(ReadOnlySpan<byte> input, byte[] buffer) : IMessageKindVisitor<bool>
    {
        private readonly ReadOnlySpan<byte> _input = input;

        public bool Visit<T>(MessageKind<T> kind)
            where T : IMessagePayload<T>, allows ref struct
        {
            if (!kind.TryDecode(_input, verify: false, out var packet, out var payload, out _))
            {
                return false;
            }

            var written = T.IsSigned ? WriteBody(payload) : Packet.Write(buffer, packet.Prefix, null, payload);
            return Same(kind, packet, written);
        }

        public bool Visit<T1, T2>(MessageKind<T1, T2> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IMessagePayload<T2>, allows ref struct
        {
            if (!kind.TryDecode(_input, verify: false, out var packet, out var first, out var second, out _))
            {
                return false;
            }

            var written = T2.IsSigned ? WriteBody(first, second) : Packet.Write(buffer, packet.Prefix, null, first, second);
            return Same(kind, packet, written);
        }

        public bool Visit<T1, T2, T3>(MessageKind<T1, T2, T3> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IPayload<T2>, allows ref struct
            where T3 : IMessagePayload<T3>, allows ref struct
        {
            if (!kind.TryDecode(_input, verify: false, out var packet, out var first, out var second, out var third, out _))
            {
                return false;
            }

            var written = T3.IsSigned ? WriteBody(first, second, third) : Packet.Write(buffer, packet.Prefix, null, first, second, third);
            return Same(kind, packet, written);
        }

        // Signed: only the payloads can be rebuilt (the fuzzer's key and signature are not ours), so compare the body.
        // Unsigned: the whole packet.
        private bool Same(MessageKind kind, Packet packet, int written)
        {
            var expected = kind.IsSigned ? packet.Body : _input;
            Check(buffer.AsSpan(0, written).SequenceEqual(expected), $"{kind}: {(kind.IsSigned ? "payloads did not re-encode" : "packet did not rebuild")} byte-exact");
            return true;
        }

        private int WriteBody<T>(scoped in T payload)
            where T : IPayload<T>, allows ref struct
        {
            var writer = new WireWriter(buffer);
            payload.Write(ref writer);
            return Written(writer, payload.GetSize());
        }

        private int WriteBody<T1, T2>(scoped in T1 first, scoped in T2 second)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IPayload<T2>, allows ref struct
        {
            var writer = new WireWriter(buffer);
            first.Write(ref writer);
            second.Write(ref writer);
            return Written(writer, first.GetSize() + second.GetSize());
        }

        private int WriteBody<T1, T2, T3>(scoped in T1 first, scoped in T2 second, scoped in T3 third)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IPayload<T2>, allows ref struct
            where T3 : IPayload<T3>, allows ref struct
        {
            var writer = new WireWriter(buffer);
            first.Write(ref writer);
            second.Write(ref writer);
            third.Write(ref writer);
            return Written(writer, first.GetSize() + second.GetSize() + third.GetSize());
        }

        private static int Written(WireWriter writer, int size)
        {
            Check(size == writer.Written.Length, $"GetSize {size} != written {writer.Written.Length}");
            return writer.Written.Length;
        }
    }
}

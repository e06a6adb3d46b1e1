using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;
using Ipv8.Wire;
using Ipv8.Wire.Discovery;
using static Ipv8.Fuzz.Targets.FuzzTargets;

namespace Ipv8.Fuzz.Targets;

/// <summary>
/// The packet codec: framing (signed and unsigned), every discovery message, and the JSON decoders behind
/// <c>ipv8 decode</c> (discovery and DiscoveryCommunity). Invariants: nothing throws; a payload that decodes re-encodes to exactly its bytes; an unsigned
/// discovery packet that decodes rebuilds to exactly the input.
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

        switch (id)
        {
            case DiscoveryMessages.IntroductionRequest: Signed<IntroductionRequestPayload>(input); break;
            case DiscoveryMessages.IntroductionResponse: Signed<IntroductionResponsePayload>(input); break;
            case DiscoveryMessages.Puncture: Signed<PuncturePayload>(input); break;
            case DiscoveryMessages.NewIntroductionRequest: Signed<NewIntroductionRequestPayload>(input); break;
            case DiscoveryMessages.NewIntroductionResponse: Signed<NewIntroductionResponsePayload>(input); break;
            case DiscoveryMessages.NewPuncture: Signed<NewPuncturePayload>(input); break;
            case DiscoveryMessages.PunctureRequest: Unsigned<PunctureRequestPayload>(input); break;
            case DiscoveryMessages.NewPunctureRequest: Unsigned<NewPunctureRequestPayload>(input); break;
        }
    }

    private void Signed<T>(ReadOnlySpan<byte> input) where T : IMessagePayload<T>, allows ref struct
    {
        // Random bytes never carry a valid signature, so decode without verifying to reach the payload parser.
        if (!Packet.TryDecode(input, verify: false, out var packet, out GlobalTime time, out T payload, out _))
        {
            return;
        }

        var size = time.GetSize() + payload.GetSize();
        Check(size == packet.Body.Length, $"{typeof(T).Name}: GetSize {size} != body length {packet.Body.Length}");
        var writer = new WireWriter(_buffer);
        time.Write(ref writer);
        payload.Write(ref writer);
        Check(writer.Written.SequenceEqual(packet.Body), $"{typeof(T).Name}: payloads did not re-encode byte-exact");
    }

    private void Unsigned<T>(ReadOnlySpan<byte> input) where T : IMessagePayload<T>, allows ref struct
    {
        if (!Packet.TryDecode(input, verify: false, out var packet, out GlobalTime time, out T payload, out _))
        {
            return;
        }

        var written = Packet.Write(_buffer, packet.Prefix, null, time, payload);
        Check(_buffer.AsSpan(0, written).SequenceEqual(input), $"{typeof(T).Name}: packet did not rebuild byte-exact");
    }
}

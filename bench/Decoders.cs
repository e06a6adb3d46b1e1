using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ipv8.Wire;
using Ipv8.Wire.Discovery;

namespace Ipv8.Bench;

/// <summary>
/// Decodes one discovery message and folds every decoded field into a number. Returning the fold is what keeps the
/// JIT from dropping work: a field that nobody reads could otherwise be left undecoded once the reader is inlined.
/// Each decoder is compiled on its own (<c>NoInlining</c>), as the engine's handlers are: inlined into a benchmark
/// method, the whole decode exhausted the JIT's inlining budget there and left span constructors and field reads as
/// calls, which measured the benchmark harness rather than the codec.
/// </summary>
internal static class Decoders
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong IntroductionRequest(ReadOnlySpan<byte> datagram, bool verify)
    {
        if (!Packet.TryDecode<GlobalTime, IntroductionRequestPayload>(datagram, verify, out _, out var time, out var p, out var error))
        {
            return Failed(error);
        }

        return time.Value + Fold(p.DestinationAddress) + Fold(p.SourceLanAddress) + Fold(p.SourceWanAddress)
            + Fold(p.Flags, p.Identifier, p.ExtraBytes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong IntroductionResponse(ReadOnlySpan<byte> datagram)
    {
        if (!Packet.TryDecode<GlobalTime, IntroductionResponsePayload>(datagram, verify: false, out _, out var time, out var p, out var error))
        {
            return Failed(error);
        }

        return time.Value + Fold(p.DestinationAddress) + Fold(p.SourceLanAddress) + Fold(p.SourceWanAddress)
            + Fold(p.LanIntroductionAddress) + Fold(p.WanIntroductionAddress) + Fold(p.Flags, p.Identifier, p.ExtraBytes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong PunctureRequest(ReadOnlySpan<byte> datagram)
    {
        if (!Packet.TryDecode<GlobalTime, PunctureRequestPayload>(datagram, verify: false, out _, out var time, out var p, out var error))
        {
            return Failed(error);
        }

        return time.Value + Fold(p.LanWalkerAddress) + Fold(p.WanWalkerAddress) + p.Identifier;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Puncture(ReadOnlySpan<byte> datagram)
    {
        if (!Packet.TryDecode<GlobalTime, PuncturePayload>(datagram, verify: false, out _, out var time, out var p, out var error))
        {
            return Failed(error);
        }

        return time.Value + Fold(p.SourceLanAddress) + Fold(p.SourceWanAddress) + p.Identifier;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong NewIntroductionRequest(ReadOnlySpan<byte> datagram)
    {
        if (!Packet.TryDecode<GlobalTime, NewIntroductionRequestPayload>(datagram, verify: false, out _, out var time, out var p, out var error))
        {
            return Failed(error);
        }

        return time.Value + Fold(p.DestinationAddress) + Fold(p.SourceLanAddress) + Fold(p.SourceWanAddress)
            + Fold(p.Flags, p.Identifier, p.ExtraBytes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong NewIntroductionResponse(ReadOnlySpan<byte> datagram)
    {
        if (!Packet.TryDecode<GlobalTime, NewIntroductionResponsePayload>(datagram, verify: false, out _, out var time, out var p, out var error))
        {
            return Failed(error);
        }

        return time.Value + Fold(p.DestinationAddress) + Fold(p.SourceLanAddress) + Fold(p.SourceWanAddress)
            + Fold(p.LanIntroductionAddress) + Fold(p.WanIntroductionAddress) + Fold(p.Flags, p.Identifier, p.ExtraBytes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong NewPunctureRequest(ReadOnlySpan<byte> datagram)
    {
        if (!Packet.TryDecode<GlobalTime, NewPunctureRequestPayload>(datagram, verify: false, out _, out var time, out var p, out var error))
        {
            return Failed(error);
        }

        return time.Value + Fold(p.LanWalkerAddress) + Fold(p.WanWalkerAddress) + p.Identifier;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong NewPuncture(ReadOnlySpan<byte> datagram)
    {
        if (!Packet.TryDecode<GlobalTime, NewPuncturePayload>(datagram, verify: false, out _, out var time, out var p, out var error))
        {
            return Failed(error);
        }

        return time.Value + Fold(p.SourceLanAddress) + Fold(p.SourceWanAddress) + p.Identifier;
    }

    /// <summary>Decodes any of the eight discovery messages, choosing the payload type by the message id byte.</summary>
    public static ulong Any(ReadOnlySpan<byte> datagram) => datagram[Packet.PrefixLength] switch
    {
        DiscoveryMessages.IntroductionRequest => IntroductionRequest(datagram, verify: false),
        DiscoveryMessages.IntroductionResponse => IntroductionResponse(datagram),
        DiscoveryMessages.PunctureRequest => PunctureRequest(datagram),
        DiscoveryMessages.Puncture => Puncture(datagram),
        DiscoveryMessages.NewIntroductionRequest => NewIntroductionRequest(datagram),
        DiscoveryMessages.NewIntroductionResponse => NewIntroductionResponse(datagram),
        DiscoveryMessages.NewPunctureRequest => NewPunctureRequest(datagram),
        DiscoveryMessages.NewPuncture => NewPuncture(datagram),
        _ => Failed(WireError.UnknownMessage),
    };

    /// <summary>
    /// Folds all 16 host bytes, the port and the family. <see cref="UdpAddress"/> exposes no cheap public view of an
    /// IPv6 host, and a hash would add several nanoseconds to a decode of a few tens, so its bytes are read as raw memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Fold(UdpAddress address)
    {
        var bytes = MemoryMarshal.AsBytes(new ReadOnlySpan<UdpAddress>(in address));
        return MemoryMarshal.Read<ulong>(bytes) + MemoryMarshal.Read<ulong>(bytes[8..]) + address.Port + (address.IsIPv6 ? 1UL : 0UL);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Fold(byte flags, ushort identifier, ReadOnlySpan<byte> extraBytes) =>
        flags + ((ulong)identifier << 8) + ((ulong)extraBytes.Length << 24);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong Failed(WireError error) =>
        throw new InvalidDataException("A reference vector failed to decode: " + error.Describe());
}

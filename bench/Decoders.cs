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
/// <remarks>
/// A row of one message calls its decoder, which calls <see cref="Packet.TryDecode{T1, T2}"/> directly: no registry and
/// no virtual call in the measured decode. <see cref="Any"/> (the vector mix, and the throughput harness's decode
/// scenario) reaches the same decoder through <see cref="DiscoveryKinds.TryVisit{TVisitor, TResult}"/>, the registry's
/// switch over its eight built-in ids (a static call; <see cref="MessageKind.Accept{TVisitor, TResult}"/> through
/// <see cref="DiscoveryKinds.Registry"/> measured 2–3 ns per packet more).
/// </remarks>
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

    /// <summary>Decodes any of the eight discovery messages: the kind by its id through <see cref="DiscoveryKinds.TryVisit{TVisitor, TResult}"/>, then its decoder above.</summary>
    public static ulong Any(ReadOnlySpan<byte> datagram)
    {
        var decoder = new AnyDecoder(datagram);
        return datagram.Length > Packet.PrefixLength && DiscoveryKinds.TryVisit<AnyDecoder, ulong>(datagram[Packet.PrefixLength], ref decoder, out var sum)
            ? sum
            : Failed(WireError.UnknownMessage);
    }

    /// <summary>
    /// The same as <see cref="Any"/> with the id switch written out here instead of <see cref="DiscoveryKinds.TryVisit{TVisitor, TResult}"/>:
    /// the baseline that shows what the registry's visitor costs (bench row <c>DecodeVectorMixSwitch</c>).
    /// </summary>
    public static ulong AnySwitch(ReadOnlySpan<byte> datagram) => datagram.Length <= Packet.PrefixLength ? Failed(WireError.UnknownMessage) : datagram[Packet.PrefixLength] switch
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

    /// <summary>
    /// Picks the decoder above by the kind's payload type. The type tests are constants in each instantiation (payloads
    /// are structs), so each <c>Visit</c> compiles to one direct call.
    /// </summary>
    private readonly ref struct AnyDecoder(ReadOnlySpan<byte> datagram) : IMessageKindVisitor<ulong>
    {
        private readonly ReadOnlySpan<byte> _datagram = datagram;

        public ulong Visit<T>(MessageKind<T> kind)
            where T : IMessagePayload<T>, allows ref struct => Failed(WireError.UnknownMessage);

        public ulong Visit<T1, T2>(MessageKind<T1, T2> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IMessagePayload<T2>, allows ref struct =>
            typeof(T1) != typeof(GlobalTime) ? Failed(WireError.UnknownMessage)
            : typeof(T2) == typeof(IntroductionRequestPayload) ? IntroductionRequest(_datagram, verify: false)
            : typeof(T2) == typeof(IntroductionResponsePayload) ? IntroductionResponse(_datagram)
            : typeof(T2) == typeof(PunctureRequestPayload) ? PunctureRequest(_datagram)
            : typeof(T2) == typeof(PuncturePayload) ? Puncture(_datagram)
            : typeof(T2) == typeof(NewIntroductionRequestPayload) ? NewIntroductionRequest(_datagram)
            : typeof(T2) == typeof(NewIntroductionResponsePayload) ? NewIntroductionResponse(_datagram)
            : typeof(T2) == typeof(NewPunctureRequestPayload) ? NewPunctureRequest(_datagram)
            : typeof(T2) == typeof(NewPuncturePayload) ? NewPuncture(_datagram)
            : Failed(WireError.UnknownMessage);

        public ulong Visit<T1, T2, T3>(MessageKind<T1, T2, T3> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IPayload<T2>, allows ref struct
            where T3 : IMessagePayload<T3>, allows ref struct => Failed(WireError.UnknownMessage);
    }
}

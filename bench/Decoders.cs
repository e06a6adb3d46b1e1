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
/// <see cref="Decode{T}"/> is one method per payload type (the JIT compiles each instantiation apart, and the type tests
/// in <see cref="Fold{T}"/> fold away), so a row that decodes a known message calls <see cref="Packet.TryDecode{T1, T2}"/>
/// directly, with no registry and no virtual call in between. <see cref="Any"/> finds the kind in
/// <see cref="DiscoveryKinds.Registry"/> and dispatches to the same method through the kind.
/// </remarks>
internal static class Decoders
{
    /// <summary>Decodes a <c>[GlobalTime, T]</c> discovery message without checking its signature.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Decode<T>(ReadOnlySpan<byte> datagram)
        where T : IMessagePayload<T>, allows ref struct => DecodeAndFold<T>(datagram, verify: false);

    /// <summary>Decodes a <c>[GlobalTime, T]</c> discovery message, signature checked.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong DecodeAndVerify<T>(ReadOnlySpan<byte> datagram)
        where T : IMessagePayload<T>, allows ref struct => DecodeAndFold<T>(datagram, verify: true);

    /// <summary>Decodes any of the eight discovery messages: the kind by its id from the registry, then its <see cref="Decode{T}"/>.</summary>
    public static ulong Any(ReadOnlySpan<byte> datagram)
    {
        if (!DiscoveryKinds.Registry.TryFind(datagram, out var kind))
        {
            return Failed(WireError.UnknownMessage);
        }

        var decoder = new AnyDecoder(datagram);
        return kind.Accept<AnyDecoder, ulong>(ref decoder);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong DecodeAndFold<T>(ReadOnlySpan<byte> datagram, bool verify)
        where T : IMessagePayload<T>, allows ref struct
    {
        if (!Packet.TryDecode<GlobalTime, T>(datagram, verify, out _, out var time, out var payload, out var error))
        {
            return Failed(error);
        }

        return time.Value + Fold(payload);
    }

    /// <summary>
    /// Folds every field of a discovery payload. The type tests are constants for each instantiation (payloads are
    /// structs), so each <see cref="Decode{T}"/> keeps exactly one branch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Fold<T>(scoped in T payload)
        where T : allows ref struct
    {
        if (typeof(T) == typeof(IntroductionRequestPayload))
        {
            ref readonly var p = ref As<T, IntroductionRequestPayload>(payload);
            return Fold(p.DestinationAddress) + Fold(p.SourceLanAddress) + Fold(p.SourceWanAddress) + Fold(p.Flags, p.Identifier, p.ExtraBytes);
        }

        if (typeof(T) == typeof(IntroductionResponsePayload))
        {
            ref readonly var p = ref As<T, IntroductionResponsePayload>(payload);
            return Fold(p.DestinationAddress) + Fold(p.SourceLanAddress) + Fold(p.SourceWanAddress)
                + Fold(p.LanIntroductionAddress) + Fold(p.WanIntroductionAddress) + Fold(p.Flags, p.Identifier, p.ExtraBytes);
        }

        if (typeof(T) == typeof(PunctureRequestPayload))
        {
            ref readonly var p = ref As<T, PunctureRequestPayload>(payload);
            return Fold(p.LanWalkerAddress) + Fold(p.WanWalkerAddress) + p.Identifier;
        }

        if (typeof(T) == typeof(PuncturePayload))
        {
            ref readonly var p = ref As<T, PuncturePayload>(payload);
            return Fold(p.SourceLanAddress) + Fold(p.SourceWanAddress) + p.Identifier;
        }

        if (typeof(T) == typeof(NewIntroductionRequestPayload))
        {
            ref readonly var p = ref As<T, NewIntroductionRequestPayload>(payload);
            return Fold(p.DestinationAddress) + Fold(p.SourceLanAddress) + Fold(p.SourceWanAddress) + Fold(p.Flags, p.Identifier, p.ExtraBytes);
        }

        if (typeof(T) == typeof(NewIntroductionResponsePayload))
        {
            ref readonly var p = ref As<T, NewIntroductionResponsePayload>(payload);
            return Fold(p.DestinationAddress) + Fold(p.SourceLanAddress) + Fold(p.SourceWanAddress)
                + Fold(p.LanIntroductionAddress) + Fold(p.WanIntroductionAddress) + Fold(p.Flags, p.Identifier, p.ExtraBytes);
        }

        if (typeof(T) == typeof(NewPunctureRequestPayload))
        {
            ref readonly var p = ref As<T, NewPunctureRequestPayload>(payload);
            return Fold(p.LanWalkerAddress) + Fold(p.WanWalkerAddress) + p.Identifier;
        }

        if (typeof(T) == typeof(NewPuncturePayload))
        {
            ref readonly var p = ref As<T, NewPuncturePayload>(payload);
            return Fold(p.SourceLanAddress) + Fold(p.SourceWanAddress) + p.Identifier;
        }

        throw new NotSupportedException(typeof(T).Name + " is not a discovery payload.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref readonly TTo As<TFrom, TTo>(scoped in TFrom value)
        where TFrom : allows ref struct
        where TTo : allows ref struct =>
        ref Unsafe.As<TFrom, TTo>(ref Unsafe.AsRef(in value));

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

    /// <summary>Every discovery kind is <c>[GlobalTime, payload]</c>; any other shape is not a reference vector.</summary>
    private readonly ref struct AnyDecoder(ReadOnlySpan<byte> datagram) : IMessageKindVisitor<ulong>
    {
        private readonly ReadOnlySpan<byte> _datagram = datagram;

        public ulong Visit<T>(MessageKind<T> kind)
            where T : IMessagePayload<T>, allows ref struct => Failed(WireError.UnknownMessage);

        public ulong Visit<T1, T2>(MessageKind<T1, T2> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IMessagePayload<T2>, allows ref struct =>
            typeof(T1) == typeof(GlobalTime) ? Decode<T2>(_datagram) : Failed(WireError.UnknownMessage);

        public ulong Visit<T1, T2, T3>(MessageKind<T1, T2, T3> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IPayload<T2>, allows ref struct
            where T3 : IMessagePayload<T3>, allows ref struct => Failed(WireError.UnknownMessage);
    }
}

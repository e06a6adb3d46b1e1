using System.Diagnostics;
using Ipv8.Engine.Peers;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Engine.Communities;

/// <summary>
/// Handles a signed message of one payload whose signature has been verified (py-ipv8 <c>@lazy_wrapper(Payload)</c>).
/// The payload's spans point into the datagram and are valid only during the call.
/// </summary>
public delegate void MessageHandler<T>(Peer peer, in T payload)
    where T : IMessagePayload<T>, allows ref struct;

/// <summary>
/// Handles a signed message of two payloads (py-ipv8 <c>@lazy_wrapper(A, B)</c>), such as
/// <c>[GlobalTime, payload]</c>. The payloads are valid only during the call.
/// </summary>
public delegate void MessageHandler<T1, T2>(Peer peer, in T1 first, in T2 second)
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IMessagePayload<T2>, allows ref struct;

/// <summary>
/// Handles a signed message of three payloads (py-ipv8 <c>@lazy_wrapper(A, B, C)</c>), such as
/// <c>[GlobalTime, header, payload]</c>. The payloads are valid only during the call.
/// </summary>
public delegate void MessageHandler<T1, T2, T3>(Peer peer, in T1 first, in T2 second, in T3 third)
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IPayload<T2>, allows ref struct
    where T3 : IMessagePayload<T3>, allows ref struct;

/// <summary>Handles an unsigned message of one payload (py-ipv8 <c>@lazy_wrapper_unsigned(Payload)</c>). The payload is valid only during the call.</summary>
public delegate void UnsignedMessageHandler<T>(UdpAddress source, in T payload)
    where T : IMessagePayload<T>, allows ref struct;

/// <summary>Handles an unsigned message of two payloads (py-ipv8 <c>@lazy_wrapper_unsigned(A, B)</c>). The payloads are valid only during the call.</summary>
public delegate void UnsignedMessageHandler<T1, T2>(UdpAddress source, in T1 first, in T2 second)
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IMessagePayload<T2>, allows ref struct;

/// <summary>Handles an unsigned message of three payloads (py-ipv8 <c>@lazy_wrapper_unsigned(A, B, C)</c>). The payloads are valid only during the call.</summary>
public delegate void UnsignedMessageHandler<T1, T2, T3>(UdpAddress source, in T1 first, in T2 second, in T3 third)
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IPayload<T2>, allows ref struct
    where T3 : IMessagePayload<T3>, allows ref struct;

/// <summary>Handles a whole datagram, undecoded (py-ipv8's plain <c>(source_address, data)</c> handlers).</summary>
public delegate void RawMessageHandler(UdpAddress source, ReadOnlySpan<byte> datagram);

/// <summary>One entry of a community's 256-entry handler table.</summary>
internal abstract class HandlerEntry
{
    public abstract string Name { get; }

    /// <summary>
    /// Handles a datagram whose prefix was checked (or, for a tracker, taken as it came). <paramref name="sender"/> is
    /// the verified peer at <paramref name="source"/>, looked up once per datagram by <see cref="Community.Receive"/>.
    /// </summary>
    public abstract void Handle(Community community, UdpAddress source, ReadOnlySpan<byte> datagram, Peer? sender);
}

/// <summary>
/// The one verify-and-dispatch path of signed messages, for every community (the tracker included): frame and key
/// shape, the mid blacklist, the per-source verification budget (charged at the key's real cost), the signature, then
/// the payloads, then the peer, then the handler. Each step is cheaper than the next, so a flood is turned away before
/// it costs anything. Nothing else in the engine checks a signature.
/// </summary>
internal abstract class SignedHandlerEntry : HandlerEntry
{
    protected abstract byte MessageId { get; }

    public sealed override void Handle(Community community, UdpAddress source, ReadOnlySpan<byte> datagram, Peer? sender)
    {
        if (!Precheck(community))
        {
            return;
        }

        if (!Packet.TryParseSigned(datagram, out var packet, out var error))
        {
            community.CountDecodeFailure(MessageId, error);
            return;
        }

        // A verified peer's key was parsed and checked when it was added. The peer at the source address is the one with
        // this key in the usual case (no second lookup); otherwise the key is looked up. A blacklisted mid (our own,
        // reflected back, or one the user refused) never becomes a peer: skip its signature.
        var known = sender is not null && sender.Key.BinEquals(packet.PublicKeyBin)
            ? sender
            : community.Network.GetVerifiedByPublicKeyBin(packet.PublicKeyBin);
        if (known is null && community.Network.IsKeyBlacklisted(packet.PublicKeyBin))
        {
            community.DropBlacklistedKey(source, MessageId, packet.PublicKeyBin);
            return;
        }

        PublicKey? key = known?.Key;
        var libNaCl = packet.HasLibNaClKey;
        if (key is null && !libNaCl)
        {
            // An unknown legacy EC key: parse it once (the point check), and charge the parse with the verification.
            if (!community.Limits.AllowVerification(source, M2CryptoParseCost))
            {
                community.Counters.Drop(DropReason.RateLimited);
                return;
            }

            if (!PublicKey.TryParse(packet.PublicKeyBin, out key, out _))
            {
                community.CountDecodeFailure(MessageId, WireError.UnsupportedKey);
                return;
            }
        }

        // A verified peer at its own address is not charged up front (py-ipv8 delivers all of its messages); a bad
        // signature from it is charged after the check, and a source that sent those is charged for everything.
        var cost = key?.VerificationCost ?? 1;
        var free = known is not null && known.IsAt(source) && community.Limits.AllowVerifiedPeer(source);
        if (!free && !community.Limits.AllowVerification(source, cost))
        {
            community.Counters.Drop(DropReason.RateLimited);
            return;
        }

        var instruments = community.Instruments;
        var started = instruments is { VerifyDurationEnabled: true } ? Stopwatch.GetTimestamp() : 0;
        var valid = key is null || libNaCl ? packet.VerifySignature() : packet.VerifySignature(key);
        community.Counters.Verified();
        if (started != 0)
        {
            instruments!.RecordVerifyDuration(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        if (!valid)
        {
            if (free)
            {
                community.Limits.ChargeBadSignature(source, cost);
            }

            community.CountDecodeFailure(MessageId, WireError.BadSignature);
            return;
        }

        var reader = new WireReader(packet.Body);
        if (!ReadAndInvoke(community, known, key, packet, source, ref reader))
        {
            community.CountDecodeFailure(MessageId, reader.Error);
        }
    }

    /// <summary>A check before anything else, such as a peer limit that drops the message unread. True to go on.</summary>
    protected virtual bool Precheck(Community community) => true;

    /// <summary>
    /// Reads the payloads (which must fill the body), resolves the peer and runs the handler. False, with the reader's
    /// error set, when the payloads do not decode.
    /// </summary>
    protected abstract bool ReadAndInvoke(Community community, Peer? known, PublicKey? key, Packet packet, UdpAddress source, ref WireReader reader);

    // Parsing an EC key (DER and point decompression or check) costs about one more verification.
    private const int M2CryptoParseCost = 1;
}

internal sealed class SignedHandlerEntry<T>(MessageHandler<T> handler) : SignedHandlerEntry
    where T : IMessagePayload<T>, allows ref struct
{
    public override string Name => handler.Method.Name;

    protected override byte MessageId => T.MessageId;

    protected override bool ReadAndInvoke(Community community, Peer? known, PublicKey? key, Packet packet, UdpAddress source, ref WireReader reader)
    {
        if (!T.TryRead(ref reader, out var payload) || !reader.TryReadEnd())
        {
            return false;
        }

        if (community.ResolvePeer(known, key, packet.PublicKeyBin, source) is { } peer)
        {
            handler(peer, in payload);
        }

        return true;
    }
}

/// <summary>
/// The signed two-payload path (read both payloads, resolve the peer) of <see cref="SignedHandlerEntry{T1, T2}"/> and
/// <see cref="SharedSignedHandlerEntry{T1, T2}"/>, which differ only in how they call their handler.
/// </summary>
internal abstract class SignedPairHandlerEntry<T1, T2> : SignedHandlerEntry
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IMessagePayload<T2>, allows ref struct
{
    protected sealed override byte MessageId => T2.MessageId;

    protected sealed override bool ReadAndInvoke(Community community, Peer? known, PublicKey? key, Packet packet, UdpAddress source, ref WireReader reader)
    {
        if (!T1.TryRead(ref reader, out var first) || !T2.TryRead(ref reader, out var second) || !reader.TryReadEnd())
        {
            return false;
        }

        if (community.ResolvePeer(known, key, packet.PublicKeyBin, source) is { } peer)
        {
            Invoke(community, peer, in first, in second);
        }

        return true;
    }

    protected abstract void Invoke(Community community, Peer peer, in T1 first, in T2 second);
}

internal sealed class SignedHandlerEntry<T1, T2>(MessageHandler<T1, T2> handler) : SignedPairHandlerEntry<T1, T2>
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IMessagePayload<T2>, allows ref struct
{
    public override string Name => handler.Method.Name;

    protected override void Invoke(Community community, Peer peer, in T1 first, in T2 second) => handler(peer, in first, in second);
}

/// <summary>A signed two-payload handler of the base <see cref="Community"/>'s own messages, given the community.</summary>
internal delegate void CommunitySignedHandler<T1, T2>(Community community, Peer peer, in T1 first, in T2 second)
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IMessagePayload<T2>, allows ref struct;

/// <summary>
/// The entry of a discovery message the base <see cref="Community"/> handles: one instance for every community, which
/// calls the (virtual) handler of the community it is given. A delegate and an entry per message and community cost 16
/// objects per community.
/// </summary>
internal sealed class SharedSignedHandlerEntry<T1, T2>(string name, CommunitySignedHandler<T1, T2> handler) : SignedPairHandlerEntry<T1, T2>
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IMessagePayload<T2>, allows ref struct
{
    public override string Name => name;

    protected override void Invoke(Community community, Peer peer, in T1 first, in T2 second) => handler(community, peer, in first, in second);
}

internal sealed class SignedHandlerEntry<T1, T2, T3>(MessageHandler<T1, T2, T3> handler) : SignedHandlerEntry
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IPayload<T2>, allows ref struct
    where T3 : IMessagePayload<T3>, allows ref struct
{
    public override string Name => handler.Method.Name;

    protected override byte MessageId => T3.MessageId;

    protected override bool ReadAndInvoke(Community community, Peer? known, PublicKey? key, Packet packet, UdpAddress source, ref WireReader reader)
    {
        if (!T1.TryRead(ref reader, out var first) || !T2.TryRead(ref reader, out var second) || !T3.TryRead(ref reader, out var third) || !reader.TryReadEnd())
        {
            return false;
        }

        if (community.ResolvePeer(known, key, packet.PublicKeyBin, source) is { } peer)
        {
            handler(peer, in first, in second, in third);
        }

        return true;
    }
}

internal sealed class UnsignedHandlerEntry<T>(UnsignedMessageHandler<T> handler) : HandlerEntry
    where T : IMessagePayload<T>, allows ref struct
{
    public override string Name => handler.Method.Name;

    public override void Handle(Community community, UdpAddress source, ReadOnlySpan<byte> datagram, Peer? sender)
    {
        if (!Packet.TryDecode(datagram, verify: false, out _, out T payload, out var error))
        {
            community.CountDecodeFailure(T.MessageId, error);
            return;
        }

        handler(source, in payload);
    }
}

/// <summary>The unsigned two-payload path of <see cref="UnsignedHandlerEntry{T1, T2}"/> and <see cref="SharedUnsignedHandlerEntry{T1, T2}"/>.</summary>
internal abstract class UnsignedPairHandlerEntry<T1, T2> : HandlerEntry
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IMessagePayload<T2>, allows ref struct
{
    public sealed override void Handle(Community community, UdpAddress source, ReadOnlySpan<byte> datagram, Peer? sender)
    {
        if (!Packet.TryDecode(datagram, verify: false, out _, out T1 first, out T2 second, out var error))
        {
            community.CountDecodeFailure(T2.MessageId, error);
            return;
        }

        Invoke(community, source, in first, in second);
    }

    protected abstract void Invoke(Community community, UdpAddress source, in T1 first, in T2 second);
}

internal sealed class UnsignedHandlerEntry<T1, T2>(UnsignedMessageHandler<T1, T2> handler) : UnsignedPairHandlerEntry<T1, T2>
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IMessagePayload<T2>, allows ref struct
{
    public override string Name => handler.Method.Name;

    protected override void Invoke(Community community, UdpAddress source, in T1 first, in T2 second) => handler(source, in first, in second);
}

/// <summary>An unsigned two-payload handler of the base <see cref="Community"/>'s own messages, given the community.</summary>
internal delegate void CommunityUnsignedHandler<T1, T2>(Community community, UdpAddress source, in T1 first, in T2 second)
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IMessagePayload<T2>, allows ref struct;

/// <summary>The unsigned counterpart of <see cref="SharedSignedHandlerEntry{T1, T2}"/>: one instance for every community.</summary>
internal sealed class SharedUnsignedHandlerEntry<T1, T2>(string name, CommunityUnsignedHandler<T1, T2> handler) : UnsignedPairHandlerEntry<T1, T2>
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IMessagePayload<T2>, allows ref struct
{
    public override string Name => name;

    protected override void Invoke(Community community, UdpAddress source, in T1 first, in T2 second) => handler(community, source, in first, in second);
}

internal sealed class UnsignedHandlerEntry<T1, T2, T3>(UnsignedMessageHandler<T1, T2, T3> handler) : HandlerEntry
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IPayload<T2>, allows ref struct
    where T3 : IMessagePayload<T3>, allows ref struct
{
    public override string Name => handler.Method.Name;

    public override void Handle(Community community, UdpAddress source, ReadOnlySpan<byte> datagram, Peer? sender)
    {
        if (!Packet.TryDecode(datagram, verify: false, out _, out T1 first, out T2 second, out T3 third, out var error))
        {
            community.CountDecodeFailure(T3.MessageId, error);
            return;
        }

        handler(source, in first, in second, in third);
    }
}

/// <summary>
/// The deprecated discovery ids' handler: one entry for every id of every community (a delegate and an entry per id
/// and community cost 20 objects per community), dispatching to the community's <c>OnDeprecatedMessage</c>.
/// </summary>
internal sealed class DeprecatedHandlerEntry : HandlerEntry
{
    public static readonly DeprecatedHandlerEntry Instance = new();

    private DeprecatedHandlerEntry()
    {
    }

    public override string Name => "OnDeprecatedMessage";

    public override void Handle(Community community, UdpAddress source, ReadOnlySpan<byte> datagram, Peer? sender) => community.HandleDeprecated(source, datagram);
}

internal sealed class RawHandlerEntry(RawMessageHandler handler) : HandlerEntry
{
    public override string Name => handler.Method.Name;

    public override void Handle(Community community, UdpAddress source, ReadOnlySpan<byte> datagram, Peer? sender) => handler(source, datagram);
}

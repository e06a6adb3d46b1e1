using System.Diagnostics;
using Ipv8.Engine.Peers;
using Ipv8.Wire;

namespace Ipv8.Engine.Communities;

/// <summary>
/// Handles a signed message whose signature has been verified (py-ipv8 <c>@lazy_wrapper</c>). The payload's spans point
/// into the datagram and are valid only during the call.
/// </summary>
public delegate void MessageHandler<T>(Peer peer, GlobalTime time, in T payload)
    where T : IMessagePayload<T>, allows ref struct;

/// <summary>Handles an unsigned message (py-ipv8 <c>@lazy_wrapper_unsigned</c>). The payload is valid only during the call.</summary>
public delegate void UnsignedMessageHandler<T>(UdpAddress source, GlobalTime time, in T payload)
    where T : IMessagePayload<T>, allows ref struct;

/// <summary>Handles a whole datagram, undecoded (py-ipv8's plain <c>(source_address, data)</c> handlers).</summary>
public delegate void RawMessageHandler(UdpAddress source, ReadOnlySpan<byte> datagram);

/// <summary>One entry of a community's 256-entry handler table.</summary>
internal abstract class HandlerEntry
{
    public abstract string Name { get; }

    public abstract void Handle(Community community, UdpAddress source, ReadOnlySpan<byte> datagram);
}

internal sealed class SignedHandlerEntry<T>(MessageHandler<T> handler) : HandlerEntry
    where T : IMessagePayload<T>, allows ref struct
{
    public override string Name => handler.Method.Name;

    public override void Handle(Community community, UdpAddress source, ReadOnlySpan<byte> datagram)
    {
        // Cheap checks first (frame, key type, mid blacklist), then the per-source limit, then the signature, then the
        // payload.
        if (!Packet.TryParseSigned(datagram, out var packet, out var error))
        {
            community.CountDecodeFailure(T.MessageId, error);
            return;
        }

        // A blacklisted mid (our own, reflected back, or one the user refused) never becomes a peer: skip its signature.
        // A verified peer's key was checked when it was added, so only unknown keys pay for the SHA-1.
        if (community.Network.GetVerifiedByPublicKeyBin(packet.PublicKeyBin) is null && community.Network.IsKeyBlacklisted(packet.PublicKeyBin))
        {
            community.Counters.Drop(DropReason.Blacklisted);
            return;
        }

        if (!community.Limits.AllowVerification(source))
        {
            community.Counters.Drop(DropReason.RateLimited);
            return;
        }

        var instruments = community.Instruments;
        var started = instruments is { VerifyDurationEnabled: true } ? Stopwatch.GetTimestamp() : 0;
        var valid = packet.VerifySignature();
        if (started != 0)
        {
            instruments!.RecordVerifyDuration(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        if (!valid)
        {
            community.CountDecodeFailure(T.MessageId, WireError.BadSignature);
            return;
        }

        var reader = new WireReader(packet.Payload);
        if (!T.TryRead(ref reader, out var payload) || !reader.TryReadEnd())
        {
            community.CountDecodeFailure(T.MessageId, reader.Error);
            return;
        }

        var peer = community.ResolvePeer(packet.PublicKeyBin, source, packet.GlobalTime);
        if (peer is null)
        {
            return;
        }

        handler(peer, new GlobalTime(packet.GlobalTime), in payload);
    }
}

internal sealed class UnsignedHandlerEntry<T>(UnsignedMessageHandler<T> handler) : HandlerEntry
    where T : IMessagePayload<T>, allows ref struct
{
    public override string Name => handler.Method.Name;

    public override void Handle(Community community, UdpAddress source, ReadOnlySpan<byte> datagram)
    {
        if (!Packet.TryDecode(datagram, verify: false, out var packet, out T payload, out var error))
        {
            community.CountDecodeFailure(T.MessageId, error);
            return;
        }

        handler(source, new GlobalTime(packet.GlobalTime), in payload);
    }
}

internal sealed class RawHandlerEntry(RawMessageHandler handler) : HandlerEntry
{
    public override string Name => handler.Method.Name;

    public override void Handle(Community community, UdpAddress source, ReadOnlySpan<byte> datagram) => handler(source, datagram);
}

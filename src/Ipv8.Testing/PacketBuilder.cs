using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Testing;

/// <summary>
/// Builds datagrams by hand, as py-ipv8 would send them, to feed a community's <c>OnPacket</c> or an endpoint's
/// <c>Deliver</c> in a test: a message from a peer whose key the test holds, an unsigned one, a hand-made introduction
/// request. A null key builds the message unsigned (only right for payloads declared <c>Signed = false</c>).
/// </summary>
public static class PacketBuilder
{
    /// <summary>A message of one payload, as py-ipv8's <c>ez_send(peer, payload)</c> builds it.</summary>
    /// <param name="prefix">The community's 22-byte prefix (<c>community.GetPrefix()</c> or <c>CommunityId.ToPrefix()</c>).</param>
    /// <param name="key">The sender's key for a signed payload; null for an unsigned one.</param>
    /// <param name="payload">The payload.</param>
    public static byte[] Build<T>(ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, in T payload)
        where T : IMessagePayload<T>, allows ref struct
    {
        var buffer = new byte[Packet.GetSize(payload)];
        Packet.Write(buffer, prefix, key, payload);
        return buffer;
    }

    /// <summary>A message of two payloads, as py-ipv8's <c>ez_send(peer, first, second)</c> builds it.</summary>
    public static byte[] Build<T1, T2>(ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, in T1 first, in T2 second)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct
    {
        var buffer = new byte[Packet.GetSize(first, second)];
        Packet.Write(buffer, prefix, key, first, second);
        return buffer;
    }

    /// <summary>A message of three payloads, as py-ipv8's <c>ez_send(peer, first, second, third)</c> builds it.</summary>
    public static byte[] Build<T1, T2, T3>(ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, in T1 first, in T2 second, in T3 third)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IMessagePayload<T3>, allows ref struct
    {
        var buffer = new byte[Packet.GetSize(first, second, third)];
        Packet.Write(buffer, prefix, key, first, second, third);
        return buffer;
    }

    /// <summary>A discovery message, <c>[GlobalTime, payload]</c>, as py-ipv8's <c>create_*</c> methods build them.</summary>
    public static byte[] Discovery<T>(ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, ulong globalTime, in T payload)
        where T : IMessagePayload<T>, allows ref struct =>
        Build(prefix, key, new GlobalTime(globalTime), payload);

    /// <summary>
    /// A signed old-style introduction request (message 246) from <paramref name="source"/> to
    /// <paramref name="destination"/>, as py-ipv8's <c>create_introduction_request</c> sends it; its global time is the
    /// identifier.
    /// </summary>
    public static byte[] IntroductionRequest(CommunityId community, LibNaClPrivateKey key, UdpAddress destination, UdpAddress source, ushort identifier) =>
        Discovery(community.ToPrefix(), key, identifier, new IntroductionRequestPayload
        {
            DestinationAddress = destination,
            SourceLanAddress = source,
            SourceWanAddress = source,
            Flags = IntroductionRequestPayload.MakeFlags(ConnectionType.Unknown, supportsNewStyle: false, advice: true),
            Identifier = identifier,
        });
}

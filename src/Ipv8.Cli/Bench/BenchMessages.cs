using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Cli.Bench;

/// <summary>What <c>ipv8 bench --message</c> sends.</summary>
internal enum BenchMessage
{
    /// <summary>246, signed, answered with an introduction response (245, or 233 by a target that prefers new style).</summary>
    IntroductionRequest,

    /// <summary>234, signed, answered with an introduction response (233 or 245).</summary>
    NewIntroductionRequest,

    /// <summary>250, unsigned, answered with a signed puncture (249, or 231) sent to the walker address it names: the sender's own.</summary>
    PunctureRequest,

    /// <summary>232, unsigned, answered with a signed puncture (231, or 249).</summary>
    NewPunctureRequest,

    /// <summary>py-ipv8's DiscoveryCommunity ping (3, unsigned, under DiscoveryCommunity's prefix), answered with a pong (4).</summary>
    Ping,
}

/// <summary>
/// Builds the requests of <see cref="BenchMessage"/> and reads the identifier of their answers. Requests are written
/// as py-ipv8 writes them (<c>create_introduction_request</c>, <c>create_puncture_request</c>, <c>create_ping</c>), with
/// the sender's own address as LAN, WAN and walker address, so that every answer comes back to the socket that asked.
/// </summary>
internal static class BenchMessages
{
    /// <summary>The <c>--message</c> names, in <see cref="BenchMessage"/> order.</summary>
    public static readonly string[] Names = ["introduction-request", "new-introduction-request", "puncture-request", "new-puncture-request", "ping"];

    /// <summary>Room for any request or answer of these kinds (the largest, a signed 233 with IPv6 addresses, is 269 bytes).</summary>
    public const int MaxSize = 512;

    public static string Name(BenchMessage message) => Names[(int)message];

    public static bool TryParse(string text, out BenchMessage message)
    {
        var index = Array.IndexOf(Names, text);
        message = (BenchMessage)Math.Max(index, 0);
        return index >= 0;
    }

    /// <summary>Whether the request is signed (so that preparing it costs a signature).</summary>
    public static bool IsSigned(BenchMessage message) => message is BenchMessage.IntroductionRequest or BenchMessage.NewIntroductionRequest;

    /// <summary>Whether the request carries only IPv4 addresses (the old-style messages: py-ipv8's <c>ipv4</c> format).</summary>
    public static bool IsIpv4Only(BenchMessage message) => message is BenchMessage.IntroductionRequest or BenchMessage.PunctureRequest;

    /// <summary>The prefix the request goes under: the community's, or DiscoveryCommunity's for a ping.</summary>
    public static byte[] Prefix(BenchMessage message, CommunityId community) =>
        message == BenchMessage.Ping ? DiscoveryCommunityMessages.CommunityId.ToPrefix() : community.ToPrefix();

    /// <summary>Whether a datagram with message id <paramref name="messageId"/> answers a request of this kind.</summary>
    public static bool IsAnswer(BenchMessage message, byte messageId) => message switch
    {
        BenchMessage.IntroductionRequest or BenchMessage.NewIntroductionRequest => messageId is DiscoveryMessages.IntroductionResponse or DiscoveryMessages.NewIntroductionResponse,
        BenchMessage.PunctureRequest or BenchMessage.NewPunctureRequest => messageId is DiscoveryMessages.Puncture or DiscoveryMessages.NewPuncture,
        _ => messageId == DiscoveryCommunityMessages.Pong,
    };

    /// <summary>Writes one request into <paramref name="buffer"/> and returns its length.</summary>
    /// <param name="buffer">At least <see cref="MaxSize"/> bytes.</param>
    /// <param name="message">The kind.</param>
    /// <param name="prefix">From <see cref="Prefix"/>.</param>
    /// <param name="key">The sending identity's key (signed kinds).</param>
    /// <param name="target">The target's address (the request's destination address).</param>
    /// <param name="self">The sending socket's address: source LAN and WAN, walker address.</param>
    /// <param name="identifier">The identifier the answer must echo.</param>
    /// <param name="globalTime">The global time header.</param>
    public static int Write(Span<byte> buffer, BenchMessage message, ReadOnlySpan<byte> prefix, LibNaClPrivateKey key, UdpAddress target, UdpAddress self, ushort identifier, ulong globalTime)
    {
        var time = new GlobalTime(globalTime);
        return message switch
        {
            BenchMessage.IntroductionRequest => Packet.Write(buffer, prefix, key, time, new IntroductionRequestPayload
            {
                DestinationAddress = target,
                SourceLanAddress = self,
                SourceWanAddress = self,
                Flags = IntroductionRequestPayload.MakeFlags(ConnectionType.Unknown, supportsNewStyle: false, advice: true),
                Identifier = identifier,
            }),
            BenchMessage.NewIntroductionRequest => Packet.Write(buffer, prefix, key, time, new NewIntroductionRequestPayload
            {
                DestinationAddress = target,
                SourceLanAddress = self,
                SourceWanAddress = self,
                Identifier = identifier,
                Flags = 0,
            }),
            BenchMessage.PunctureRequest => Packet.Write(buffer, prefix, null, time, new PunctureRequestPayload
            {
                LanWalkerAddress = self,
                WanWalkerAddress = self,
                Identifier = identifier,
            }),
            BenchMessage.NewPunctureRequest => Packet.Write(buffer, prefix, null, time, new NewPunctureRequestPayload
            {
                LanWalkerAddress = self,
                WanWalkerAddress = self,
                Identifier = identifier,
            }),
            _ => Packet.Write(buffer, prefix, null, time, new PingPayload { Identifier = identifier }),
        };
    }

    /// <summary>
    /// Reads an answer to a request of kind <paramref name="message"/>: its identifier, and whether it is signed. The
    /// signature is not checked here (the receive thread must keep up; see <see cref="BenchStep"/> for when it is).
    /// False for a datagram under another prefix, of another message id, or that does not decode.
    /// </summary>
    public static bool TryReadAnswer(ReadOnlySpan<byte> datagram, BenchMessage message, ReadOnlySpan<byte> prefix, out ushort identifier, out bool signed)
    {
        identifier = 0;
        signed = false;
        if (datagram.Length <= Packet.PrefixLength || !datagram[..Packet.PrefixLength].SequenceEqual(prefix) || !IsAnswer(message, datagram[Packet.PrefixLength]))
        {
            return false;
        }

        switch (datagram[Packet.PrefixLength])
        {
            case DiscoveryMessages.IntroductionResponse:
                if (Packet.TryDecode(datagram, verify: false, out _, out GlobalTime _, out IntroductionResponsePayload old, out _))
                {
                    identifier = old.Identifier;
                    signed = true;
                    return true;
                }

                return false;
            case DiscoveryMessages.NewIntroductionResponse:
                if (Packet.TryDecode(datagram, verify: false, out _, out GlobalTime _, out NewIntroductionResponsePayload response, out _))
                {
                    identifier = response.Identifier;
                    signed = true;
                    return true;
                }

                return false;
            case DiscoveryMessages.Puncture:
                if (Packet.TryDecode(datagram, verify: false, out _, out GlobalTime _, out PuncturePayload puncture, out _))
                {
                    identifier = puncture.Identifier;
                    signed = true;
                    return true;
                }

                return false;
            case DiscoveryMessages.NewPuncture:
                if (Packet.TryDecode(datagram, verify: false, out _, out GlobalTime _, out NewPuncturePayload newPuncture, out _))
                {
                    identifier = newPuncture.Identifier;
                    signed = true;
                    return true;
                }

                return false;
            default:
                if (Packet.TryDecode(datagram, verify: false, out _, out GlobalTime _, out PongPayload pong, out _))
                {
                    identifier = pong.Identifier;
                    return true;
                }

                return false;
        }
    }
}

using Ipv8.Engine.Peers;
using Ipv8.Wire;
using Ipv8.Wire.Discovery;

namespace Ipv8.Engine.Communities;

public abstract partial class Community
{
    /// <summary>
    /// Enough room for any discovery packet without extra bytes: a signed new-style introduction response with five
    /// IPv6 addresses is 23 + 2 + 74 + 8 + 98 + 64 = 269 bytes.
    /// </summary>
    public const int MaxDiscoveryPacketSize = 512;

    /// <summary>
    /// Builds an introduction request to <paramref name="destination"/> into <paramref name="buffer"/> and returns its
    /// length (py-ipv8 <c>create_introduction_request</c>). It is new-style (234) when asked or when the destination is
    /// IPv6; otherwise old-style (246) with the advice bit set, as py-ipv8 sends it.
    /// </summary>
    public int CreateIntroductionRequest(Span<byte> buffer, UdpAddress destination, bool newStyle = false, ReadOnlySpan<byte> extraBytes = default, ReadOnlySpan<byte> prefix = default)
    {
        var globalTime = ClaimGlobalTime() % 65536;
        var identifier = (ushort)globalTime;
        var lan = MyEstimatedLan;
        var packetPrefix = prefix.IsEmpty ? _prefix : prefix;
        if (prefix.IsEmpty)
        {
            NoteIntroductionRequest(identifier);
        }

        if (newStyle || destination.IsIPv6 || !lan.IsIPv4 || !MyEstimatedWan.IsIPv4)
        {
            return Signed(Packet.Write(buffer, packetPrefix, Key, new GlobalTime(globalTime), new NewIntroductionRequestPayload
            {
                DestinationAddress = destination,
                SourceLanAddress = lan,
                SourceWanAddress = MyPreferredAddress(),
                Identifier = identifier,
                Flags = 0,
                ExtraBytes = extraBytes,
            }));
        }

        return Signed(Packet.Write(buffer, packetPrefix, Key, new GlobalTime(globalTime), new IntroductionRequestPayload
        {
            DestinationAddress = destination,
            SourceLanAddress = lan,
            SourceWanAddress = MyEstimatedWan,
            Flags = IntroductionRequestPayload.MakeFlags(ConnectionType.Unknown, supportsNewStyle: false, advice: true),
            Identifier = identifier,
            ExtraBytes = extraBytes,
        }));
    }

    /// <summary>
    /// Builds an introduction response into <paramref name="buffer"/> and returns its length (py-ipv8
    /// <c>create_introduction_response</c>). Unless <paramref name="introduction"/> is given, a random other peer of this
    /// community is introduced (IPv4 only, unless new-style); that peer is sent a puncture request right away.
    /// </summary>
    /// <param name="buffer">Where to write the response.</param>
    /// <param name="lanSocketAddress">What the requester thinks our address is (its request's destination).</param>
    /// <param name="socketAddress">The requester's address.</param>
    /// <param name="identifier">The request's identifier.</param>
    /// <param name="introduction">The peer to introduce, or null for a random one.</param>
    /// <param name="extraBytes">Bytes to piggyback.</param>
    /// <param name="prefix">Another community's prefix (py-ipv8: expert use only), or empty for ours.</param>
    /// <param name="newStyle">Whether to answer new-style (233).</param>
    public int CreateIntroductionResponse(Span<byte> buffer, UdpAddress lanSocketAddress, UdpAddress socketAddress, ushort identifier, Peer? introduction = null, ReadOnlySpan<byte> extraBytes = default, ReadOnlySpan<byte> prefix = default, bool newStyle = false) =>
        WriteIntroductionResponse(buffer, lanSocketAddress, socketAddress, identifier, requester: null, introduction, extraBytes, prefix, newStyle);

    /// <summary>
    /// <see cref="CreateIntroductionResponse"/> for a requester the caller already holds: <paramref name="requester"/>,
    /// a verified peer at <paramref name="socketAddress"/>, is never introduced to itself. When null, the verified peer
    /// at that address is looked up (py-ipv8 <c>get_verified_by_address</c>), only if a peer is to be picked.
    /// </summary>
    internal int WriteIntroductionResponse(Span<byte> buffer, UdpAddress lanSocketAddress, UdpAddress socketAddress, ushort identifier, Peer? requester, Peer? introduction, ReadOnlySpan<byte> extraBytes, ReadOnlySpan<byte> prefix, bool newStyle)
    {
        var globalTime = ClaimGlobalTime() % 65536;
        var packetPrefix = prefix.IsEmpty ? _prefix : prefix;
        var introductionLan = UdpAddress.Any;
        var introductionWan = UdpAddress.Any;
        introduction ??= GetPeerForIntroduction(requester ?? Network.GetVerifiedByAddress(socketAddress), newStyle);
        if (introduction is not null)
        {
            var address = introduction.Address;
            if (address.IsIPv4 && AddressIsLan(address))
            {
                introductionLan = address;
                introductionWan = MyEstimatedWan.WithPort(address.Port);
            }
            else
            {
                introductionLan = introduction.LanAddress ?? UdpAddress.Any;
                introductionWan = address;
            }
        }

        var introNewStyle = introduction?.NewStyleIntro ?? false;
        var lan = MyEstimatedLan;
        var wan = MyEstimatedWan;
        int length;
        if (newStyle || !AllIPv4(socketAddress, lan, wan, introductionLan, introductionWan))
        {
            length = Packet.Write(buffer, packetPrefix, Key, new GlobalTime(globalTime), new NewIntroductionResponsePayload
            {
                DestinationAddress = socketAddress,
                SourceLanAddress = lan,
                SourceWanAddress = MyPreferredAddress(),
                LanIntroductionAddress = introductionLan,
                WanIntroductionAddress = introductionWan,
                Identifier = identifier,
                Flags = NewIntroductionResponsePayload.MakeFlags(introNewStyle),
                ExtraBytes = extraBytes,
            });
        }
        else
        {
            var peerLimitReached = MaxPeers >= 0 && MaxPeers <= PeerCount;
            length = Packet.Write(buffer, packetPrefix, Key, new GlobalTime(globalTime), new IntroductionResponsePayload
            {
                DestinationAddress = socketAddress,
                SourceLanAddress = lan,
                SourceWanAddress = wan,
                LanIntroductionAddress = introductionLan,
                WanIntroductionAddress = introductionWan,
                Flags = IntroductionResponsePayload.MakeFlags(ConnectionType.Unknown, supportsNewStyle: true, introNewStyle, peerLimitReached),
                Identifier = identifier,
                ExtraBytes = extraBytes,
            });
        }

        Counters.Signed();
        if (introduction is not null)
        {
            Span<byte> punctureRequest = stackalloc byte[MaxDiscoveryPacketSize];
            var n = CreatePunctureRequest(punctureRequest, lanSocketAddress, socketAddress, identifier, prefix, newStyle);
            SendPacket(introduction.Address, punctureRequest[..n]);
        }

        return length;
    }

    /// <summary>
    /// Builds a signed puncture into <paramref name="buffer"/> and returns its length (py-ipv8 <c>create_puncture</c>):
    /// new-style (231) when asked or when an address is IPv6, otherwise 249.
    /// </summary>
    public int CreatePuncture(Span<byte> buffer, UdpAddress lanWalker, UdpAddress wanWalker, ushort identifier, bool newStyle = false)
    {
        var globalTime = ClaimGlobalTime();
        if (newStyle || !AllIPv4(lanWalker, wanWalker))
        {
            return Signed(Packet.Write(buffer, _prefix, Key, new GlobalTime(globalTime), new NewPuncturePayload { SourceLanAddress = lanWalker, SourceWanAddress = wanWalker, Identifier = identifier }));
        }

        return Signed(Packet.Write(buffer, _prefix, Key, new GlobalTime(globalTime), new PuncturePayload { SourceLanAddress = lanWalker, SourceWanAddress = wanWalker, Identifier = identifier }));
    }

    /// <summary>
    /// Builds an unsigned puncture request into <paramref name="buffer"/> and returns its length (py-ipv8
    /// <c>create_puncture_request</c>): new-style (232) when asked or when an address is IPv6, otherwise 250.
    /// </summary>
    public int CreatePunctureRequest(Span<byte> buffer, UdpAddress lanWalker, UdpAddress wanWalker, ushort identifier, ReadOnlySpan<byte> prefix = default, bool newStyle = false)
    {
        var globalTime = ClaimGlobalTime();
        var packetPrefix = prefix.IsEmpty ? _prefix : prefix;
        if (newStyle || !AllIPv4(lanWalker, wanWalker))
        {
            return Packet.Write(buffer, packetPrefix, null, new GlobalTime(globalTime), new NewPunctureRequestPayload { LanWalkerAddress = lanWalker, WanWalkerAddress = wanWalker, Identifier = identifier });
        }

        return Packet.Write(buffer, packetPrefix, null, new GlobalTime(globalTime), new PunctureRequestPayload { LanWalkerAddress = lanWalker, WanWalkerAddress = wanWalker, Identifier = identifier });
    }

    // Counts the signature of a signed message just built (whether or not the caller sends it).
    private int Signed(int length)
    {
        Counters.Signed();
        return length;
    }

    private static bool AllIPv4(UdpAddress a, UdpAddress b) => a.IsIPv4 && b.IsIPv4;

    private static bool AllIPv4(UdpAddress a, UdpAddress b, UdpAddress c, UdpAddress d, UdpAddress e) =>
        a.IsIPv4 && b.IsIPv4 && c.IsIPv4 && d.IsIPv4 && e.IsIPv4;
}

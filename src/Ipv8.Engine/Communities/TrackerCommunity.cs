using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Wire;
using Ipv8.Wire.Discovery;

namespace Ipv8.Engine.Communities;

/// <summary>
/// A bootstrap server (py-ipv8's tracker <c>EndpointServer</c>): it answers introduction requests of <b>any</b>
/// community prefix, records each requester as a peer of that community, and introduces it to a random other peer of the
/// same community (who gets a puncture request). It never walks. Register it as the node's fallback sink
/// (<see cref="Ipv8Node.SetFallback"/>) so that it sees every prefix; peers silent for <see cref="PeerTimeout"/> are
/// forgotten.
/// </summary>
public sealed class TrackerCommunity : Community
{
    private readonly TimeSpan _churnInterval;

    /// <summary>Creates a tracker with a random community id of its own.</summary>
    public TrackerCommunity(CommunitySettings settings, TimeSpan? peerTimeout = null, TimeSpan? churnInterval = null)
        : base(CommunityId.FromBytes(System.Security.Cryptography.RandomNumberGenerator.GetBytes(CommunityId.Length)), settings)
    {
        PeerTimeout = peerTimeout ?? TimeSpan.FromSeconds(120);
        _churnInterval = churnInterval ?? TimeSpan.FromSeconds(10);
        MaxPeers = -1;
    }

    /// <summary>How long a silent peer is kept (py-ipv8's tracker: 120 s).</summary>
    public TimeSpan PeerTimeout { get; }

    /// <summary>Introduction requests answered, all communities together.</summary>
    public long RequestsAnswered => Volatile.Read(ref _answered);

    private long _answered;

    /// <summary>Starts forgetting silent peers every 10 s.</summary>
    public void StartChurn() => Tasks.RegisterPeriodicTask("churn", _churnInterval, Churn, _churnInterval);

    /// <summary>A sink that handles datagrams of every prefix: introduction requests get answers, the rest is dropped.</summary>
    public IPacketSink AnyPrefix => new AnyPrefixSink(this);

    private void Churn()
    {
        foreach (var peer in Network.VerifiedPeers)
        {
            if (peer.SecondsSinceLastResponse > PeerTimeout.TotalSeconds)
            {
                Network.RemovePeer(peer);
            }
        }
    }

    private void OnAnyPrefix(UdpAddress source, ReadOnlySpan<byte> datagram)
    {
        Network.GetVerifiedByAddress(source)?.Touch();
        if (datagram.Length <= Packet.PrefixLength)
        {
            Counters.Drop(DropReason.TooShort);
            return;
        }

        var prefix = datagram[..Packet.PrefixLength];
        var service = CommunityId.FromBytes(prefix[2..]);
        try
        {
            switch (datagram[Packet.PrefixLength])
            {
                case DiscoveryMessages.IntroductionRequest:
                    if (Packet.TryDecode(datagram, true, out var p246, out GlobalTime _, out IntroductionRequestPayload m246, out var e246))
                    {
                        Answer(source, prefix, service, p246, IntroductionRequest.From(m246), newStyle: false);
                    }
                    else
                    {
                        CountDecodeFailure(DiscoveryMessages.IntroductionRequest, e246);
                    }

                    break;
                case DiscoveryMessages.NewIntroductionRequest:
                    if (Packet.TryDecode(datagram, true, out var p234, out GlobalTime _, out NewIntroductionRequestPayload m234, out var e234))
                    {
                        Answer(source, prefix, service, p234, IntroductionRequest.From(m234), newStyle: true);
                    }
                    else
                    {
                        CountDecodeFailure(DiscoveryMessages.NewIntroductionRequest, e234);
                    }

                    break;
                default:
                    Counters.Drop(DropReason.UnknownMessage);
                    break;
            }
        }
        catch (Exception ex)
        {
            Counters.Drop(DropReason.HandlerError);
            CommunityLog.TrackerError(RemoteLog, ex, source);
        }
    }

    private void Answer(UdpAddress source, ReadOnlySpan<byte> prefix, CommunityId service, Packet packet, in IntroductionRequest request, bool newStyle)
    {
        var peer = ResolvePeer(Network.GetVerifiedByPublicKeyBin(packet.PublicKeyBin), null, packet.PublicKeyBin, source);
        if (peer is null)
        {
            return;
        }

        peer.NewStyleIntro |= newStyle;
        if (request.SourceLanAddress.IsIPv4)
        {
            Network.UpdateLanAddress(peer, request.SourceLanAddress);
        }

        peer.Touch();
        peer = Network.AddVerifiedPeer(peer) ?? peer;
        Network.DiscoverServices(peer, service);

        // py-ipv8's tracker answers a 246 old-style (245, and a 250 to the introduced peer) whatever its flags say; it
        // ignores 234, which only this tracker answers (new-style, for IPv6 peers).
        var introduction = PickIntroduction(service, peer, newStyle);
        Span<byte> buffer = stackalloc byte[MaxDiscoveryPacketSize];
        var n = CreateIntroductionResponse(buffer, request.DestinationAddress, source, request.Identifier, introduction, prefix: prefix, newStyle: newStyle);
        SendPacket(source, buffer[..n]);
        Interlocked.Increment(ref _answered);
    }

    private Peer? PickIntroduction(CommunityId service, Peer exclude, bool newStyle)
    {
        lock (Random)
        {
            return PickIntroduction(Network.GetPeersForService(service), Random, exclude, newStyle);
        }
    }

    private sealed class AnyPrefixSink(TrackerCommunity tracker) : IPacketSink
    {
        public void OnPacket(UdpAddress source, ReadOnlySpan<byte> datagram) => tracker.OnAnyPrefix(source, datagram);
    }
}

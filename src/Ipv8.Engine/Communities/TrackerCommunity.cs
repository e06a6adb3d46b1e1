using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Engine.Communities;

/// <summary>
/// A bootstrap server (py-ipv8's tracker <c>EndpointServer</c>): it answers introduction requests of <b>any</b>
/// community prefix, records each requester as a peer of that community, and introduces it to a random other peer of the
/// same community (who gets a puncture request). It never walks. Register it as the node's fallback sink
/// (<see cref="Ipv8Node.SetFallback"/>) so that it sees every prefix; peers silent for <see cref="PeerTimeout"/> are
/// forgotten. Requests go through the same verify-and-dispatch path as any community's messages (mid blacklist,
/// per-source verification budget, signature), so a flood costs a tracker no more than a node.
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

        // Only introduction requests, through the same signed path as every community; everything else is dropped.
        ClearHandlers();
        ReplaceHandler(DiscoveryMessages.IntroductionRequest, new RequestEntry<IntroductionRequestPayload>(OnOldIntroductionRequest));
        ReplaceHandler(DiscoveryMessages.NewIntroductionRequest, new RequestEntry<NewIntroductionRequestPayload>(OnNewIntroductionRequest));
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

    /// <summary>
    /// A 246 or 234 of any community, after the shared signed path (blacklist, verification budget, signature): records
    /// the requester as a peer of that community and answers in it (py-ipv8 <c>on_generic_introduction_request</c>).
    /// </summary>
    private void OnIntroductionRequest(Peer peer, UdpAddress source, ReadOnlySpan<byte> prefix, in IntroductionRequest request, bool newStyle)
    {
        var service = CommunityId.FromBytes(prefix[2..]);
        peer.NewStyleIntro |= newStyle;
        peer.Touch();
        var lan = request.SourceLanAddress.IsIPv4 ? request.SourceLanAddress : (UdpAddress?)null;
        if (Network.AddVerifiedPeer(peer, service, lan) is { } verified)
        {
            peer = verified;
        }
        else
        {
            // Refused (a blacklisted address): its service is still remembered, as py-ipv8's tracker does.
            Network.DiscoverServices(peer, service);
        }

        // py-ipv8's tracker answers a 246 old-style (245, and a 250 to the introduced peer) whatever its flags say; it
        // ignores 234, which only this tracker answers (new-style, for IPv6 peers).
        var introduction = PickIntroduction(service, peer, newStyle);
        Span<byte> buffer = stackalloc byte[MaxDiscoveryPacketSize];
        var n = WriteIntroductionResponse(buffer, request.DestinationAddress, source, request.Identifier, requester: peer, introduction, extraBytes: default, prefix, newStyle);
        SendPacket(source, buffer[..n]);
        Interlocked.Increment(ref _answered);
    }

    private void OnOldIntroductionRequest(Peer peer, UdpAddress source, ReadOnlySpan<byte> prefix, in IntroductionRequestPayload payload) =>
        OnIntroductionRequest(peer, source, prefix, IntroductionRequest.From(payload), newStyle: false);

    private void OnNewIntroductionRequest(Peer peer, UdpAddress source, ReadOnlySpan<byte> prefix, in NewIntroductionRequestPayload payload) =>
        OnIntroductionRequest(peer, source, prefix, IntroductionRequest.From(payload), newStyle: true);

    private Peer? PickIntroduction(CommunityId service, Peer exclude, bool newStyle)
    {
        lock (Random)
        {
            return Network.PickPeerForIntroduction(service, Random, exclude, newStyle);
        }
    }

    /// <summary>A tracker's handler: the requester, its address and the datagram's prefix (the community it asked in).</summary>
    private delegate void RequestHandler<T>(Peer peer, UdpAddress source, ReadOnlySpan<byte> prefix, in T payload)
        where T : IMessagePayload<T>, allows ref struct;

    /// <summary>
    /// An introduction request <c>[GlobalTime, T]</c> of any prefix, through the shared signed path. The prefix is read
    /// from the packet on the dispatching thread's stack, so concurrent dispatch threads never share it.
    /// </summary>
    private sealed class RequestEntry<T>(RequestHandler<T> handler) : SignedHandlerEntry
        where T : IMessagePayload<T>, allows ref struct
    {
        public override string Name => handler.Method.Name;

        protected override byte MessageId => T.MessageId;

        protected override bool ReadAndInvoke(Community community, Peer? known, PublicKey? key, Packet packet, UdpAddress source, ref WireReader reader)
        {
            if (!GlobalTime.TryRead(ref reader, out _) || !T.TryRead(ref reader, out var payload) || !reader.TryReadEnd())
            {
                return false;
            }

            if (community.ResolvePeer(known, key, packet.PublicKeyBin, source) is { } peer)
            {
                handler(peer, source, packet.Prefix, in payload);
            }

            return true;
        }
    }

    private sealed class AnyPrefixSink(TrackerCommunity tracker) : IPacketSink
    {
        public void OnPacket(UdpAddress source, ReadOnlySpan<byte> datagram) => tracker.Receive(source, datagram, anyPrefix: true);
    }
}

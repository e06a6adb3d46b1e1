using Ipv8.Engine.Peers;
using Ipv8.Engine.Tasks;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Communities;

/// <summary>
/// py-ipv8's <c>DiscoveryCommunity</c> (<c>ipv8/peerdiscovery/community.py</c>, id
/// <c>7e313685c1912a141279f8248fc8db5899c5df5a</c>), which every deployed py-ipv8 node runs next to its own communities:
/// peers tell each other which communities they run (similarity request and response), ping each other (so that
/// <see cref="Ipv8.Engine.Discovery.RandomChurn"/> can drop the silent ones from the shared <see cref="Peers.Network"/>), and may ask
/// to be introduced to a peer they name (the 2014 introduction request).
/// </summary>
/// <remarks>
/// A node's communities may run under different keys: similarity requests and responses are sent once per key, each
/// listing the communities of that key and signed with it (py-ipv8 <c>get_my_overlays</c>, <c>custom_pack</c>).
/// </remarks>
public class DiscoveryCommunity : Community
{
    /// <summary>The request cache prefix of a ping (py-ipv8 <c>PingRequestCache.name</c>).</summary>
    public const string PingCachePrefix = "discoverypingcache";

    private long _pingsSent;
    private long _pongsReceived;
    private long _pingsTimedOut;
    private long _pongsRefused;
    private long _similarityRequestsSent;
    private long _similarityResponsesReceived;

    /// <summary>Creates the community; add it to a node with <see cref="Ipv8Node.AddCommunity{T}"/>.</summary>
    public DiscoveryCommunity(CommunitySettings settings)
        : base(DiscoveryCommunityMessages.CommunityId, settings)
    {
        ReplaceHandler(DiscoveryMessages.IntroductionRequest, new DiscoveryIntroductionRequestEntry());
        AddMessageHandler<GlobalTime, SimilarityRequestPayload>(OnSimilarityRequest);
        AddMessageHandler<GlobalTime, SimilarityResponsePayload>(OnSimilarityResponse);
        AddMessageHandler<GlobalTime, PingPayload>(OnPing);
        AddMessageHandler<GlobalTime, PongPayload>(OnPong);
    }

    /// <summary>The DiscoveryCommunity id.</summary>
    public static CommunityId Id => DiscoveryCommunityMessages.CommunityId;

    /// <summary>How long a ping waits for its pong (py-ipv8 <c>PingRequestCache.timeout_delay</c>: 5 s).</summary>
    public static TimeSpan PingTimeout { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Pings sent.</summary>
    public long PingsSent => Volatile.Read(ref _pingsSent);

    /// <summary>Pongs that answered one of our pings (each recorded a round trip on its peer).</summary>
    public long PongsReceived => Volatile.Read(ref _pongsReceived);

    /// <summary>Pings that got no pong within <see cref="PingTimeout"/>.</summary>
    public long PingsTimedOut => Volatile.Read(ref _pingsTimedOut);

    /// <summary>Pongs dropped: no ping outstanding with that identifier to that address.</summary>
    public long PongsRefused => Volatile.Read(ref _pongsRefused);

    /// <summary>Similarity requests sent (one per key per destination).</summary>
    public long SimilarityRequestsSent => Volatile.Read(ref _similarityRequestsSent);

    /// <summary>Similarity responses taken in.</summary>
    public long SimilarityResponsesReceived => Volatile.Read(ref _similarityResponsesReceived);

    /// <summary>
    /// The ids of this node's communities that run under <paramref name="key"/> (py-ipv8 <c>get_my_overlays</c>),
    /// this one included when it does.
    /// </summary>
    public IReadOnlyList<CommunityId> GetMyOverlays(PublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return [.. Network.ServiceProviders.Where(p => p.Value.MyPeer.Key.Equals(key)).Select(p => p.Key).Order()];
    }

    /// <summary>
    /// Asks <paramref name="address"/> which of our communities it runs (py-ipv8 <c>send_similarity_request</c>): one
    /// signed similarity request per key our communities run under, listing that key's communities.
    /// </summary>
    public void SendSimilarityRequest(UdpAddress address)
    {
        foreach (var (key, services) in ServicesByKey())
        {
            var globalTime = ClaimGlobalTime();
            var ids = Concatenate(services);
            var payload = new SimilarityRequestPayload
            {
                Identifier = (ushort)(globalTime % 65536),
                LanAddress = Ipv4OrAny(MyEstimatedLan),
                WanAddress = Ipv4OrAny(MyEstimatedWan),
                Flags = ConnectionType.Unknown.ToFlagBits(),
                PreferenceList = ids,
            };
            SendSignedBy(key, address, new GlobalTime(globalTime), payload);
            Interlocked.Increment(ref _similarityRequestsSent);
        }
    }

    /// <summary>
    /// Pings a peer (py-ipv8 <c>send_ping</c>): an unsigned ping whose identifier is our global time mod 65536; the
    /// pong, when it comes from the peer's address within <see cref="PingTimeout"/>, records the round trip on the peer
    /// (<see cref="Peer.AddPing"/>). False when a ping with the same identifier is still waiting.
    /// </summary>
    public bool SendPing(Peer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var globalTime = ClaimGlobalTime();
        var identifier = (ushort)(globalTime % 65536);
        var address = peer.Address;
        if (!RequestCache.TryAdd(new PingCache(this, identifier, peer, address)))
        {
            return false;
        }

        Interlocked.Increment(ref _pingsSent);
        return Send(address, new GlobalTime(globalTime), new PingPayload { Identifier = identifier });
    }

    /// <summary>After an introduction response, ask the peer which communities it runs (py-ipv8 <c>introduction_response_callback</c>).</summary>
    protected override void IntroductionResponseCallback(Peer peer, GlobalTime time, in IntroductionResponse response)
    {
        ArgumentNullException.ThrowIfNull(peer);
        SendSimilarityRequest(peer.Address);
    }

    /// <summary>
    /// Handles message 246 of this community (py-ipv8 <c>DiscoveryCommunity.on_old_introduction_request</c>): at the peer
    /// limit it is dropped unread; otherwise the sender becomes a verified peer of this community and gets an old-style
    /// response introducing a random peer of this community.
    /// </summary>
    /// <remarks>
    /// A 2014 request names a peer to be introduced to (<see cref="IntroductionRequest.IntroduceTo"/>), and it is read,
    /// but, as in py-ipv8, never honored: py-ipv8 compares the named mid with a one-element tuple, which never matches,
    /// so it always introduces a random peer. Doing the same keeps a sender from choosing whom the node sends a puncture
    /// request to. Unlike the base handler it records no LAN address and calls no callback, as py-ipv8's.
    /// </remarks>
    protected virtual void OnDiscoveryIntroductionRequest(Peer peer, UdpAddress source, GlobalTime time, in IntroductionRequest request)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (!IsVerifiedDestination(peer, source) && !Limits.AllowUnverifiedReply(source))
        {
            Counters.Drop(DropReason.RateLimited);
            return;
        }

        var verified = Network.AddVerifiedPeer(peer, CommunityId);
        if (verified is null)
        {
            Counters.Drop(DropReason.Blacklisted);
        }

        // The peer came from the receive path, so once verified it is the one at the source address.
        Span<byte> buffer = stackalloc byte[MaxDiscoveryPacketSize];
        var requester = verified is not null && verified.IsAt(source) ? verified : null;
        var n = WriteIntroductionResponse(buffer, request.DestinationAddress, source, request.Identifier, requester, introduction: null, extraBytes: default, prefix: default, newStyle: false);
        SendPacket(source, buffer[..n]);
    }

    /// <summary>
    /// Handles a similarity request (py-ipv8 <c>on_similarity_request</c>): records the sender's communities and answers
    /// with ours, once per key.
    /// </summary>
    protected virtual void OnSimilarityRequest(Peer peer, in GlobalTime time, in SimilarityRequestPayload payload)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var address = peer.Address;
        if (!IsVerifiedDestination(peer, address) && !Limits.AllowUnverifiedReply(address))
        {
            Counters.Drop(DropReason.RateLimited);
            return;
        }

        DiscoverServices(peer, payload.PreferenceList, payload.CommunityIdCount);
        foreach (var (key, services) in ServicesByKey())
        {
            var response = new SimilarityResponsePayload { Identifier = payload.Identifier, PreferenceList = Concatenate(services) };
            SendSignedBy(key, address, new GlobalTime(ClaimGlobalTime()), response);
        }
    }

    /// <summary>
    /// Handles a similarity response (py-ipv8 <c>on_similarity_response</c>): above the peer limit a stranger's response
    /// is dropped; otherwise the responder becomes a verified peer with the communities it listed.
    /// </summary>
    protected virtual void OnSimilarityResponse(Peer peer, in GlobalTime time, in SimilarityResponsePayload payload)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (MaxPeers >= 0 && MaxPeers < PeerCount && !Network.IsVerified(peer) && Network.GetVerifiedByPublicKeyBin(peer.PublicKeyBin) is null)
        {
            Counters.Drop(DropReason.PeerLimit);
            return;
        }

        var verified = Network.AddVerifiedPeer(peer);
        if (verified is null)
        {
            Counters.Drop(DropReason.Blacklisted);
            return;
        }

        DiscoverServices(verified, payload.PreferenceList, payload.CommunityIdCount);
        Interlocked.Increment(ref _similarityResponsesReceived);
    }

    /// <summary>
    /// Handles a ping (py-ipv8 <c>on_ping</c>): answers with a pong of the same identifier. Pings are unsigned and name
    /// their reply address by their source, so pongs share the puncture budget (per target and in total): a flood of
    /// pings cannot turn the node into a reflector.
    /// </summary>
    protected virtual void OnPing(UdpAddress source, in GlobalTime time, in PingPayload payload)
    {
        if (!Limits.AllowPuncture(source))
        {
            Counters.Drop(DropReason.RateLimited);
            return;
        }

        Send(source, new GlobalTime(ClaimGlobalTime()), new PongPayload { Identifier = payload.Identifier });
    }

    /// <summary>
    /// Handles a pong (py-ipv8 <c>on_pong</c>): unsigned, so it counts only when a ping with that identifier is waiting
    /// for an answer from that very address; then the round trip is recorded on the peer.
    /// </summary>
    protected virtual void OnPong(UdpAddress source, in GlobalTime time, in PongPayload payload)
    {
        if (!Limits.AllowVerification(source))
        {
            Counters.Drop(DropReason.RateLimited);
            return;
        }

        if (RequestCache.Get(PingCachePrefix, payload.Identifier) is not PingCache ping || ping.Address != source
            || RequestCache.Pop(PingCachePrefix, payload.Identifier) is null)
        {
            Interlocked.Increment(ref _pongsRefused);
            return;
        }

        ping.Peer.AddPing(TimeProvider.GetElapsedTime(ping.Started).TotalSeconds);
        Interlocked.Increment(ref _pongsReceived);
    }

    private void DiscoverServices(Peer peer, ReadOnlySpan<byte> preferenceList, int count)
    {
        if (count == 0)
        {
            return;
        }

        var services = new CommunityId[Math.Min(count, Network.Options.MaxServicesPerPeer)];
        for (var i = 0; i < services.Length; i++)
        {
            services[i] = CommunityId.FromBytes(preferenceList.Slice(i * CommunityId.Length, CommunityId.Length));
        }

        Network.DiscoverServices(peer, services);
    }

    // One entry per key our communities run under: its private key and its communities' ids (py-ipv8 my_peer_set).
    private List<(LibNaClPrivateKey Key, List<CommunityId> Services)> ServicesByKey()
    {
        var byKey = new List<(LibNaClPrivateKey Key, List<CommunityId> Services)>();
        foreach (var (service, overlay) in Network.ServiceProviders.OrderBy(p => p.Key))
        {
            var entry = byKey.FindIndex(e => e.Key.PublicKey.Equals(overlay.Key.PublicKey));
            if (entry < 0)
            {
                byKey.Add((overlay.Key, [service]));
            }
            else
            {
                byKey[entry].Services.Add(service);
            }
        }

        return byKey;
    }

    private static byte[] Concatenate(List<CommunityId> services)
    {
        var ids = new byte[services.Count * CommunityId.Length];
        for (var i = 0; i < services.Count; i++)
        {
            services[i].CopyTo(ids.AsSpan(i * CommunityId.Length, CommunityId.Length));
        }

        return ids;
    }

    private static UdpAddress Ipv4OrAny(UdpAddress address) => address.IsIPv4 ? address : UdpAddress.Any;

    /// <summary>A ping waiting for its pong (py-ipv8 <c>PingRequestCache</c>).</summary>
    private sealed class PingCache(DiscoveryCommunity community, ushort identifier, Peer peer, UdpAddress address)
        : NumberCache(PingCachePrefix, identifier)
    {
        public Peer Peer { get; } = peer;

        public UdpAddress Address { get; } = address;

        public long Started { get; } = community.TimeProvider.GetTimestamp();

        public override TimeSpan Timeout => PingTimeout;

        // A lost pong is assumed to be an accidental drop; dropping the peer is left to the churn, as py-ipv8.
        public override void OnTimeout() => Interlocked.Increment(ref community._pingsTimedOut);
    }

    /// <summary>
    /// Message 246 in this community: the peer limit first (py-ipv8 drops it unread), then the shared signed path, then
    /// the payloads read as py-ipv8 reads them: first as the 2014 request that names a peer, else as a plain 246.
    /// </summary>
    private sealed class DiscoveryIntroductionRequestEntry : SignedHandlerEntry
    {
        public override string Name => nameof(OnDiscoveryIntroductionRequest);

        protected override byte MessageId => DiscoveryMessages.IntroductionRequest;

        protected override bool Precheck(Community community)
        {
            if (community.MaxPeers >= 0 && community.MaxPeers < community.PeerCount)
            {
                community.Counters.Drop(DropReason.PeerLimit);
                return false;
            }

            return true;
        }

        protected override bool ReadAndInvoke(Community community, Peer? known, PublicKey? key, Packet packet, UdpAddress source, ref WireReader reader)
        {
            var discovery = (DiscoveryCommunity)community;
            var attempt = reader;
            if (GlobalTime.TryRead(ref attempt, out var time) && DiscoveryIntroductionRequestPayload.TryRead(ref attempt, out var named) && attempt.TryReadEnd())
            {
                if (community.ResolvePeer(known, key, packet.PublicKeyBin, source) is { } peer)
                {
                    discovery.OnDiscoveryIntroductionRequest(peer, source, time, IntroductionRequest.From(named));
                }

                return true;
            }

            if (!GlobalTime.TryRead(ref reader, out time) || !IntroductionRequestPayload.TryRead(ref reader, out var plain) || !reader.TryReadEnd())
            {
                return false;
            }

            if (community.ResolvePeer(known, key, packet.PublicKeyBin, source) is { } sender)
            {
                discovery.OnDiscoveryIntroductionRequest(sender, source, time, IntroductionRequest.From(plain));
            }

            return true;
        }
    }
}

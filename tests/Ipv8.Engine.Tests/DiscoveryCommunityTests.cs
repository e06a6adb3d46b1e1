using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Limits;
using Ipv8.Engine.Peers;
using Ipv8.Engine.Tests.Support;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary>
/// py-ipv8's DiscoveryCommunity (<c>ipv8/peerdiscovery/community.py</c>) rule by rule, on recording endpoints whose
/// packets the test carries between two nodes, with a fake clock.
/// </summary>
public sealed class DiscoveryCommunityTests : IDisposable
{
    private static readonly CommunityId s_x = CommunityId.Parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    private static readonly CommunityId s_y = CommunityId.Parse("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    private readonly FakeTimeProvider _time = new();
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var item in _owned)
        {
            item.Dispose();
        }
    }

    [Fact]
    public void A_similarity_request_is_answered_once_per_key_listing_the_communities_of_that_key()
    {
        var a = NewNode("127.0.0.1:10001");
        var b = NewNode("127.0.0.1:10002");
        a.AddCommunity(s_x);                      // same key as a's DiscoveryCommunity
        var y = a.AddCommunity(s_y, NewKey());    // another key, same network

        b.Discovery.SendSimilarityRequest(a.Address);
        Carry(b, a);

        var responses = a.Endpoint.Sent.Where(s => s.MessageId == DiscoveryCommunityMessages.SimilarityResponse).ToList();
        Assert.Equal(2, responses.Count);
        var lists = new Dictionary<string, CommunityId[]>();
        foreach (var response in responses)
        {
            Assert.True(Packet.TryDecode(response.Data, verify: true, out var packet, out GlobalTime _, out SimilarityResponsePayload payload, out _));
            var ids = new CommunityId[payload.CommunityIdCount];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = payload.GetCommunityId(i);
            }

            lists[Convert.ToHexStringLower(packet.PublicKeyBin)] = ids;
        }

        Assert.Equal([DiscoveryCommunity.Id, s_x], lists[Convert.ToHexStringLower(a.Discovery.Key.PublicKey.Bin)].Order());
        Assert.Equal([s_y], lists[Convert.ToHexStringLower(y.Key.PublicKey.Bin)]);
        Assert.Equal([s_y], a.Discovery.GetMyOverlays(y.Key.PublicKey));
    }

    [Fact]
    public void A_similarity_request_records_the_senders_services_which_apply_once_it_is_verified()
    {
        var a = NewNode("127.0.0.1:10001");
        var b = NewNode("127.0.0.1:10002");
        b.AddCommunity(s_x);

        b.Discovery.SendSimilarityRequest(a.Address);
        Carry(b, a);
        Assert.Null(a.Network.GetVerifiedByAddress(b.Address)); // a request does not verify the sender (py-ipv8)
        Assert.Equal(1, a.Network.PendingServicePeerCount);

        var peer = a.Network.AddVerifiedPeer(new Peer(b.Discovery.Key.PublicKey, b.Address))!;
        Assert.Equal([DiscoveryCommunity.Id, s_x], a.Network.GetServicesForPeer(peer).Order());
        Assert.Contains(peer, a.Network.GetPeersForService(s_x));
        Assert.Equal(0, a.Network.PendingServicePeerCount);
    }

    [Fact]
    public void A_similarity_response_makes_the_responder_a_verified_peer_with_the_communities_it_listed()
    {
        var a = NewNode("127.0.0.1:10001");
        var b = NewNode("127.0.0.1:10002");
        b.AddCommunity(s_x);

        a.Discovery.SendSimilarityRequest(b.Address);
        Carry(a, b);
        Carry(b, a);

        var peer = Assert.Single(a.Network.VerifiedPeers);
        Assert.True(peer.Key.Equals(b.Discovery.Key.PublicKey));
        Assert.Equal([DiscoveryCommunity.Id, s_x], a.Network.GetServicesForPeer(peer).Order());
        Assert.Equal(1, a.Discovery.SimilarityResponsesReceived);
    }

    [Fact]
    public void Above_the_peer_limit_a_strangers_similarity_response_is_dropped_and_a_known_peers_is_taken()
    {
        var a = NewNode("127.0.0.1:10001", maxPeers: 0);
        var b = NewNode("127.0.0.1:10002");
        var known = NewKey();
        var peer = a.Network.AddVerifiedPeer(new Peer(known.PublicKey, UdpAddress.Parse("127.0.0.1:10003")))!;
        a.Network.DiscoverServices(peer, DiscoveryCommunity.Id); // 1 peer > max_peers 0

        a.Discovery.SendSimilarityRequest(b.Address);
        Carry(a, b);
        Carry(b, a);
        Assert.Null(a.Network.GetVerifiedByAddress(b.Address));
        Assert.Equal(1, a.Discovery.Counters.Drops(DropReason.PeerLimit));

        // The same response from a peer we already verified is taken.
        a.Network.AddVerifiedPeer(new Peer(b.Discovery.Key.PublicKey, b.Address));
        a.Discovery.SendSimilarityRequest(b.Address);
        Carry(a, b);
        Carry(b, a);
        Assert.Equal(1, a.Discovery.SimilarityResponsesReceived);
    }

    [Fact]
    public void An_introduction_response_is_followed_by_a_similarity_request_to_the_responder()
    {
        var a = NewNode("127.0.0.1:10001");
        var b = NewNode("127.0.0.1:10002");

        a.Discovery.WalkTo(b.Address);
        Carry(a, b);
        a.Endpoint.Clear();
        Carry(b, a);

        var request = Assert.Single(a.Endpoint.Sent, s => s.MessageId == DiscoveryCommunityMessages.SimilarityRequest);
        Assert.Equal(b.Address, request.Destination);
        Assert.True(Packet.TryDecode(request.Data, verify: true, out _, out GlobalTime _, out SimilarityRequestPayload payload, out _));
        Assert.Equal(a.Discovery.MyEstimatedLan, payload.LanAddress);
        Assert.Equal(DiscoveryCommunity.Id, payload.GetCommunityId(0));
    }

    [Fact]
    public void A_ping_is_answered_by_a_pong_and_the_pong_records_the_round_trip_on_the_peer()
    {
        var a = NewNode("127.0.0.1:10001");
        var b = NewNode("127.0.0.1:10002");
        var peer = a.Network.AddVerifiedPeer(new Peer(b.Discovery.Key.PublicKey, b.Address))!;

        Assert.True(a.Discovery.SendPing(peer));
        var ping = Assert.Single(a.Endpoint.Sent);
        Assert.True(Packet.TryDecode(ping.Data, verify: false, out var framed, out GlobalTime time, out PingPayload sent, out _));
        Assert.False(framed.IsSigned);
        Assert.Equal(time.Value % 65536, sent.Identifier);

        Carry(a, b);
        var pong = Assert.Single(b.Endpoint.Sent);
        Assert.True(Packet.TryDecode(pong.Data, verify: false, out _, out GlobalTime _, out PongPayload answered, out _));
        Assert.Equal(sent.Identifier, answered.Identifier);

        _time.Advance(TimeSpan.FromMilliseconds(40));
        Carry(b, a);
        Assert.Equal(1, peer.PingCount);
        Assert.Equal(0.040, peer.GetMedianPing()!.Value, 6);
        Assert.Equal(1, a.Discovery.PongsReceived);
    }

    [Fact]
    public void A_pong_counts_only_for_an_outstanding_ping_to_that_address_with_that_identifier()
    {
        var a = NewNode("127.0.0.1:10001");
        var b = NewNode("127.0.0.1:10002");
        var peer = a.Network.AddVerifiedPeer(new Peer(b.Discovery.Key.PublicKey, b.Address))!;
        a.Discovery.SendPing(peer);
        Carry(a, b);
        var pong = Assert.Single(b.Endpoint.Sent).Data;

        a.Discovery.OnPacket(UdpAddress.Parse("127.0.0.1:10099"), pong); // right identifier, wrong address
        Assert.True(Packet.TryDecode(pong, false, out _, out GlobalTime _, out PongPayload p, out _));
        a.Discovery.OnPacket(b.Address, PacketBuilder.Discovery(a.Discovery.GetPrefix(), null, 5, new PongPayload { Identifier = (ushort)(p.Identifier + 1) }));
        Assert.Equal(0, peer.PingCount);
        Assert.Equal(2, a.Discovery.PongsRefused);

        a.Discovery.OnPacket(b.Address, pong);
        a.Discovery.OnPacket(b.Address, pong); // a replay: the ping is answered already
        Assert.Equal(1, peer.PingCount);
        Assert.Equal(3, a.Discovery.PongsRefused);
    }

    [Fact]
    public void A_ping_without_a_pong_times_out_after_five_seconds_and_leaves_the_peer_to_the_churn()
    {
        var a = NewNode("127.0.0.1:10001");
        var peer = a.Network.AddVerifiedPeer(new Peer(NewKey().PublicKey, UdpAddress.Parse("127.0.0.1:10002")))!;
        a.Discovery.SendPing(peer);

        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(0, a.Discovery.PingsTimedOut);
        _time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(SpinWait.SpinUntil(() => a.Discovery.PingsTimedOut == 1, TimeSpan.FromSeconds(20)));
        Assert.Same(peer, Assert.Single(a.Network.VerifiedPeers));
    }

    [Fact]
    public void The_peer_a_2014_introduction_request_names_is_not_honored_a_random_peer_of_the_community_is_introduced_as_in_py_ipv8()
    {
        var a = NewNode("127.0.0.1:10001");
        var requester = NewKey();
        var named = a.Network.AddVerifiedPeer(new Peer(NewKey().PublicKey, UdpAddress.Parse("127.0.0.1:10003")))!;
        a.Network.DiscoverServices(named, s_x); // a peer of another community: only honoring the name would introduce it
        var others = new List<UdpAddress>();
        for (var i = 0; i < 5; i++)
        {
            var other = a.Network.AddVerifiedPeer(new Peer(NewKey().PublicKey, UdpAddress.Parse($"127.0.0.1:{10010 + i}")))!;
            a.Network.DiscoverServices(other, DiscoveryCommunity.Id);
            others.Add(other.Address);
        }

        var from = UdpAddress.Parse("127.0.0.1:10002");
        for (ushort identifier = 1; identifier <= 20; identifier++)
        {
            a.Discovery.OnPacket(from, PacketBuilder.Discovery(a.Discovery.GetPrefix(), requester, identifier, new DiscoveryIntroductionRequestPayload
            {
                IntroduceToField = DiscoveryIntroductionRequestPayload.MakeIntroduceTo(named.Mid),
                DestinationAddress = a.Address, SourceLanAddress = from, SourceWanAddress = from, Identifier = identifier,
            }));
        }

        var responses = a.Endpoint.Sent.Where(s => s.MessageId == DiscoveryMessages.IntroductionResponse).ToList();
        Assert.Equal(20, responses.Count);
        foreach (var response in responses)
        {
            Assert.True(Packet.TryDecode(response.Data, true, out _, out GlobalTime _, out IntroductionResponsePayload payload, out _));
            Assert.Contains(payload.WanIntroductionAddress, others);
        }

        Assert.Equal(0, a.Endpoint.Count(DiscoveryMessages.PunctureRequest, named.Address));
        Assert.Contains(a.Discovery.GetPeers(), p => p.Key.Equals(requester.PublicKey));
    }

    [Fact]
    public void A_plain_246_in_the_discovery_community_is_answered_old_style_even_when_it_supports_new_style()
    {
        var a = NewNode("127.0.0.1:10001");
        var from = UdpAddress.Parse("127.0.0.1:10002");
        a.Discovery.OnPacket(from, PacketBuilder.Discovery(a.Discovery.GetPrefix(), NewKey(), 7, new IntroductionRequestPayload
        {
            DestinationAddress = a.Address, SourceLanAddress = from, SourceWanAddress = from, Identifier = 7,
            Flags = IntroductionRequestPayload.MakeFlags(ConnectionType.Unknown, supportsNewStyle: true, advice: true),
        }));

        Assert.Equal(1, a.Endpoint.Count(DiscoveryMessages.IntroductionResponse, from));
        Assert.Equal(0, a.Endpoint.Count(DiscoveryMessages.NewIntroductionResponse));
        Assert.Single(a.Discovery.GetPeers());
    }

    [Fact]
    public void At_the_peer_limit_a_246_is_dropped_before_its_signature_is_checked()
    {
        var a = NewNode("127.0.0.1:10001", maxPeers: 0);
        var known = a.Network.AddVerifiedPeer(new Peer(NewKey().PublicKey, UdpAddress.Parse("127.0.0.1:10003")))!;
        a.Network.DiscoverServices(known, DiscoveryCommunity.Id);
        var from = UdpAddress.Parse("127.0.0.1:10002");
        var request = PacketBuilder.IntroductionRequest(DiscoveryCommunity.Id, NewKey(), a.Address, from, 7);
        request[^1] ^= 1; // a bad signature would be BadSignature, were it checked

        a.Discovery.OnPacket(from, request);

        Assert.Equal(1, a.Discovery.Counters.Drops(DropReason.PeerLimit));
        Assert.Equal(0, a.Discovery.Counters.Drops(DropReason.BadSignature));
        Assert.Empty(a.Endpoint.Sent);
    }

    [Fact]
    public void A_ping_flood_from_one_source_gets_no_more_pongs_than_the_puncture_budget()
    {
        var a = NewNode("127.0.0.1:10001");
        var flooder = UdpAddress.Parse("127.0.0.1:10066");
        for (ushort i = 0; i < 1_000; i++)
        {
            a.Discovery.OnPacket(flooder, PacketBuilder.Discovery(a.Discovery.GetPrefix(), null, i, new PingPayload { Identifier = i }));
        }

        var defaults = new RateLimitOptions();
        Assert.Equal((int)defaults.PunctureTargetBurst, a.Endpoint.Count(DiscoveryCommunityMessages.Pong));
        Assert.Equal(1_000 - (int)defaults.PunctureTargetBurst, a.Discovery.Counters.Drops(DropReason.RateLimited));
    }

    [Fact]
    public void A_ping_flood_naming_many_sources_gets_no_more_pongs_than_the_total_puncture_budget()
    {
        var a = NewNode("127.0.0.1:10001");
        for (var i = 0; i < 2_000; i++)
        {
            a.Discovery.OnPacket(UdpAddress.FromIPv4((uint)(0x7F000000 + 1000 + i), 7), PacketBuilder.Discovery(a.Discovery.GetPrefix(), null, 1, new PingPayload { Identifier = 1 }));
        }

        Assert.Equal((int)new RateLimitOptions().PunctureBurst, a.Endpoint.Count(DiscoveryCommunityMessages.Pong));
    }

    [Fact]
    public void A_flood_of_similarity_requests_from_new_keys_keeps_the_remembered_services_bounded()
    {
        var a = NewNode("127.0.0.1:10001", network: new NetworkOptions { MaxPendingServicePeers = 50 });
        for (var i = 0; i < 300; i++)
        {
            using var stranger = LibNaClPrivateKey.Generate();
            a.Discovery.OnPacket(UdpAddress.FromIPv4((uint)(0x7F000000 + 2000 + i), 7), PacketBuilder.Discovery(a.Discovery.GetPrefix(), stranger, 1, new SimilarityRequestPayload
            {
                Identifier = 1, LanAddress = UdpAddress.Parse("127.0.0.1:1"), WanAddress = UdpAddress.Parse("127.0.0.1:1"),
                PreferenceList = Enumerable.Repeat((byte)i, 20 * 30).ToArray(),
            }));
        }

        Assert.Equal(50, a.Network.PendingServicePeerCount);
        Assert.Empty(a.Network.VerifiedPeers);
    }

    [Fact]
    public void Similarity_requests_from_a_sender_that_is_not_a_verified_peer_are_answered_within_the_unverified_reply_budget()
    {
        // A spoofed source cannot make the node send it (or a victim) signed responses without bound.
        var a = NewNode("127.0.0.1:10001");
        var victim = UdpAddress.Parse("127.0.0.9:9");
        var stranger = NewKey();
        for (ushort i = 1; i <= 100; i++)
        {
            a.Discovery.OnPacket(victim, PacketBuilder.Discovery(a.Discovery.GetPrefix(), stranger, i, new SimilarityRequestPayload
            {
                Identifier = i, LanAddress = UdpAddress.Parse("127.0.0.1:1"), WanAddress = UdpAddress.Parse("127.0.0.1:1"),
                PreferenceList = s_x.ToArray(),
            }));
        }

        Assert.Equal(10, a.Endpoint.Count(DiscoveryCommunityMessages.SimilarityResponse, victim)); // ReplyBurst
        Assert.Equal(90, a.Discovery.Counters.Drops(DropReason.RateLimited));
    }

    [Fact]
    public void Pongs_are_charged_to_the_verification_budget_of_their_source()
    {
        var a = NewNode("127.0.0.1:10001");
        var source = UdpAddress.Parse("127.0.0.9:9");
        for (ushort i = 1; i <= 300; i++)
        {
            a.Discovery.OnPacket(source, PacketBuilder.Discovery(a.Discovery.GetPrefix(), null, i, new PongPayload { Identifier = i }));
        }

        Assert.Equal(200, a.Discovery.PongsRefused);                       // VerificationBurst looked up, none waited for
        Assert.Equal(100, a.Discovery.Counters.Drops(DropReason.RateLimited));
    }

    private static void Carry(Node from, Node to)
    {
        foreach (var packet in from.Endpoint.Sent.Where(s => s.Destination == to.Address).ToList())
        {
            to.OnPacket(from.Address, packet.Data);
        }

        from.Endpoint.Clear();
    }

    private LibNaClPrivateKey NewKey()
    {
        var key = LibNaClPrivateKey.Generate();
        _owned.Add(key);
        return key;
    }

    private Node NewNode(string address, int maxPeers = 30, NetworkOptions? network = null)
    {
        var here = UdpAddress.Parse(address);
        var endpoint = new RecordingEndpoint(here);
        var settings = Offline.Settings(NewKey(), endpoint, _time, new Network(network));
        settings.MaxPeers = maxPeers;
        return new Node(here, endpoint, new DiscoveryCommunity(settings), this);
    }

    private sealed class Node(UdpAddress address, RecordingEndpoint endpoint, DiscoveryCommunity discovery, DiscoveryCommunityTests test)
    {
        private readonly List<Community> _communities = [discovery];

        public UdpAddress Address { get; } = address;

        public RecordingEndpoint Endpoint { get; } = endpoint;

        public DiscoveryCommunity Discovery { get; } = discovery;

        public Network Network => Discovery.Network;

        public Community AddCommunity(CommunityId id, LibNaClPrivateKey? key = null)
        {
            var settings = Offline.Settings(key ?? Discovery.Key, Endpoint, Discovery.TimeProvider, Network);
            if (key is null)
            {
                settings.MyPeer = Discovery.MyPeer;
            }

            var community = new TestCommunity(id, settings);
            _communities.Add(community);
            _ = test;
            return community;
        }

        // The node's routing: by prefix.
        public void OnPacket(UdpAddress source, byte[] datagram) =>
            _communities.First(c => datagram.AsSpan(0, Packet.PrefixLength).SequenceEqual(c.GetPrefix())).OnPacket(source, datagram);
    }
}

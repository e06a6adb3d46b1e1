using Ipv8.Engine.Communities;
using Ipv8.Engine.Peers;
using Ipv8.Engine.Tests.Support;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Engine.Tests;

/// <summary>PROTOCOL.md §5 step by step, on a recording endpoint (no sockets): requests, responses, punctures, the tracker.</summary>
public sealed class CommunityDiscoveryTests : IDisposable
{
    private static readonly UdpAddress s_here = UdpAddress.Parse("127.0.0.5:30000");

    private readonly List<LibNaClPrivateKey> _keys = [];
    private readonly LibNaClPrivateKey _key = LibNaClPrivateKey.Generate();
    private readonly RecordingEndpoint _endpoint = new(s_here);

    public void Dispose()
    {
        _key.Dispose();
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    [Theory]
    [InlineData(0, 1)] // 0 < 0 is false: the first request is answered; then 0 < 1 drops
    [InlineData(1, 2)]
    [InlineData(30, 31)] // the default: answered until there are 31 peers
    [InlineData(-1, 40)] // unlimited
    public void A_request_is_dropped_only_when_max_peers_is_below_the_number_of_peers(int maxPeers, int answered)
    {
        var settings = Offline.Settings(_key, _endpoint);
        settings.MaxPeers = maxPeers;
        var community = new TestCommunity(settings);

        for (var i = 0; i < 40; i++)
        {
            var requester = NewKey();
            var address = UdpAddress.Parse($"127.0.0.1:{10000 + i}");
            community.OnPacket(address, PacketBuilder.IntroductionRequest(community.CommunityId, requester, s_here, address, (ushort)i));
        }

        Assert.Equal(answered, _endpoint.Count(DiscoveryMessages.IntroductionResponse));
        Assert.Equal(answered, community.GetPeers().Length);
        Assert.Equal(40 - answered, community.Counters.Drops(DropReason.PeerLimit));
    }

    [Fact]
    public void A_response_introduces_another_peer_and_sends_it_a_puncture_request()
    {
        var community = new TestCommunity(Offline.Settings(_key, _endpoint));
        var other = NewKey();
        var otherAddress = UdpAddress.Parse("127.0.0.1:10001");
        community.OnPacket(otherAddress, PacketBuilder.IntroductionRequest(community.CommunityId, other, s_here, otherAddress, 1));
        Assert.Equal(UdpAddress.Any, Decode245(_endpoint.Sent[^1]).WanIntroductionAddress); // nobody to introduce yet
        _endpoint.Clear();

        var requester = NewKey();
        var requesterAddress = UdpAddress.Parse("127.0.0.1:10002");
        var seenAs = UdpAddress.Parse("127.0.0.9:30000");
        community.OnPacket(requesterAddress, PacketBuilder.IntroductionRequest(community.CommunityId, requester, seenAs, requesterAddress, 77));

        var punctureRequest = Assert.Single(_endpoint.Sent, s => s.MessageId == DiscoveryMessages.PunctureRequest);
        Assert.Equal(otherAddress, punctureRequest.Destination);
        Assert.True(Packet.TryDecode(punctureRequest.Data, false, out _, out GlobalTime time1, out PunctureRequestPayload puncture, out _));
        Assert.Equal(seenAs, puncture.LanWalkerAddress); // quirk: our own address as the requester saw it
        Assert.Equal(requesterAddress, puncture.WanWalkerAddress);
        Assert.Equal(77, puncture.Identifier);

        var response = Assert.Single(_endpoint.Sent, s => s.MessageId == DiscoveryMessages.IntroductionResponse);
        Assert.Equal(requesterAddress, response.Destination);
        var payload = Decode245(response);
        Assert.Equal(requesterAddress, payload.DestinationAddress);
        Assert.Equal(s_here, payload.SourceLanAddress);
        Assert.Equal(77, payload.Identifier);

        // 127.0.0.1 is not one of our own addresses in py-ipv8's sense: lan = the LAN address the peer reported, wan = its address.
        Assert.Equal(otherAddress, payload.LanIntroductionAddress);
        Assert.Equal(otherAddress, payload.WanIntroductionAddress);
        Assert.True(payload.SupportsNewStyle);
    }

    [Fact]
    public void An_introduced_peer_is_introduced_by_the_lan_address_it_reported_and_the_address_it_sent_from()
    {
        // py-ipv8: B sends a 246 with source_lan 192.168.1.5:6000, then A sends a 246; A hears lan 192.168.1.5:6000 and
        // wan B's address.
        var community = new TestCommunity(Offline.Settings(_key, _endpoint));
        var b = UdpAddress.Parse("127.0.0.1:10001");
        community.OnPacket(b, PacketBuilder.Discovery(community.GetPrefix(), NewKey(), 1, new IntroductionRequestPayload
        {
            DestinationAddress = s_here, SourceLanAddress = Parse("192.168.1.5:6000"), SourceWanAddress = b, Identifier = 1,
        }));
        _endpoint.Clear();

        var a = UdpAddress.Parse("127.0.0.1:10002");
        community.OnPacket(a, PacketBuilder.IntroductionRequest(community.CommunityId, NewKey(), s_here, a, 2));

        var payload = Decode245(Assert.Single(_endpoint.Sent, s => s.MessageId == DiscoveryMessages.IntroductionResponse));
        Assert.Equal(Parse("192.168.1.5:6000"), payload.LanIntroductionAddress);
        Assert.Equal(b, payload.WanIntroductionAddress);
    }

    [Fact]
    public void A_peer_on_one_of_our_own_addresses_is_introduced_by_that_address_and_our_wan_host()
    {
        // py-ipv8 address_is_lan: the introduced peer's host is one of this machine's interface addresses.
        var community = new TestCommunity(Offline.Settings(_key, _endpoint));
        community.OwnAddresses = new LocalNetworks([Parse("10.0.0.7:0").IPv4Value]);
        var sameHost = Parse("10.0.0.7:5000");
        community.OnPacket(sameHost, PacketBuilder.IntroductionRequest(community.CommunityId, NewKey(), s_here, Parse("10.0.0.7:5999"), 1));
        _endpoint.Clear();

        var a = UdpAddress.Parse("127.0.0.1:10002");
        community.OnPacket(a, PacketBuilder.IntroductionRequest(community.CommunityId, NewKey(), s_here, a, 2));

        var payload = Decode245(Assert.Single(_endpoint.Sent, s => s.MessageId == DiscoveryMessages.IntroductionResponse));
        Assert.Equal(sameHost, payload.LanIntroductionAddress);
        Assert.Equal(community.MyEstimatedWan.WithPort(5000), payload.WanIntroductionAddress);
        Assert.False(community.AddressIsLan(Parse("127.0.0.1:1"))); // py-ipv8 never counts 127.0.0.1
    }

    [Fact]
    public void After_learning_a_public_wan_a_loopback_peer_is_still_introduced_under_its_own_address()
    {
        var community = new TestCommunity(Offline.Settings(_key, _endpoint));
        var responder = UdpAddress.Parse("127.0.0.1:10009");
        Respond(community, NewKey(), responder, Parse("8.8.4.4:40002"), lan: "0.0.0.0:0", wan: "0.0.0.0:0");
        Assert.Equal(Parse("8.8.4.4:40002"), community.MyEstimatedWan);

        var b = UdpAddress.Parse("127.0.0.1:10001");
        community.OnPacket(b, PacketBuilder.IntroductionRequest(community.CommunityId, NewKey(), s_here, b, 1));
        community.Network.RemovePeer(community.Network.GetVerifiedByAddress(responder)!);
        _endpoint.Clear();
        var a = UdpAddress.Parse("127.0.0.1:10002");
        community.OnPacket(a, PacketBuilder.IntroductionRequest(community.CommunityId, NewKey(), s_here, a, 2));

        var payload = Decode245(Assert.Single(_endpoint.Sent, s => s.MessageId == DiscoveryMessages.IntroductionResponse));
        Assert.Equal(b, payload.WanIntroductionAddress);
        Assert.Equal(Parse("8.8.4.4:40002"), payload.SourceWanAddress);
    }

    [Theory]
    [InlineData("10.1.2.3:40001")]
    [InlineData("8.8.4.4:40002")]
    public void A_new_style_message_advertises_our_interface_address_never_what_a_response_told_us(string destination)
    {
        // py-ipv8 (its IPv8 service's DispatcherEndpoint) guesses its interface address again for every new-style message.
        var community = new TestCommunity(Offline.Settings(_key, _endpoint));
        Respond(community, NewKey(), Parse("127.0.0.1:10009"), Parse(destination), lan: "0.0.0.0:0", wan: "0.0.0.0:0");
        Assert.Equal(Parse(destination), community.MyPeer.Address); // the response's destination is recorded, as py-ipv8 does
        _endpoint.Clear();

        community.WalkTo(Parse("[::1]:10004"));
        var request = Assert.Single(_endpoint.Sent);
        Assert.True(Packet.TryDecode(request.Data, true, out _, out GlobalTime _, out NewIntroductionRequestPayload sent, out _));
        Assert.Equal(s_here, sent.SourceWanAddress);

        _endpoint.Clear();
        var a = UdpAddress.Parse("127.0.0.1:10002");
        community.OnPacket(a, PacketBuilder.Discovery(community.GetPrefix(), NewKey(), 6, new NewIntroductionRequestPayload
        {
            DestinationAddress = s_here, SourceLanAddress = a, SourceWanAddress = a, Identifier = 6,
        }));
        var response = Assert.Single(_endpoint.Sent, s => s.MessageId == DiscoveryMessages.NewIntroductionResponse);
        Assert.True(Packet.TryDecode(response.Data, true, out _, out GlobalTime _, out NewIntroductionResponsePayload answer, out _));
        Assert.Equal(s_here, answer.SourceWanAddress);
    }

    [Fact]
    public void The_requester_is_never_introduced_to_itself()
    {
        var community = new TestCommunity(Offline.Settings(_key, _endpoint));
        var requester = NewKey();
        var address = UdpAddress.Parse("127.0.0.1:10002");

        for (ushort i = 0; i < 20; i++)
        {
            community.OnPacket(address, PacketBuilder.IntroductionRequest(community.CommunityId, requester, s_here, address, i));
        }

        Assert.Equal(20, _endpoint.Count(DiscoveryMessages.IntroductionResponse));
        Assert.All(_endpoint.Sent, s => Assert.Equal(UdpAddress.Any, Decode245(s).WanIntroductionAddress));
        Assert.Equal(0, _endpoint.Count(DiscoveryMessages.PunctureRequest));
    }

    [Fact]
    public void An_old_style_requester_is_never_introduced_to_an_ipv6_peer()
    {
        var community = new TestCommunity(Offline.Settings(_key, _endpoint));
        var ipv6Peer = community.Network.AddVerifiedPeer(new Peer(NewKey().PublicKey, UdpAddress.Parse("[::1]:10001")))!;
        community.Network.DiscoverServices(ipv6Peer, community.CommunityId);

        var requesterAddress = UdpAddress.Parse("127.0.0.1:10002");
        community.OnPacket(requesterAddress, PacketBuilder.IntroductionRequest(community.CommunityId, NewKey(), s_here, requesterAddress, 5));

        var response = Assert.Single(_endpoint.Sent);
        Assert.Equal(DiscoveryMessages.IntroductionResponse, response.MessageId);
        Assert.Equal(UdpAddress.Any, Decode245(response).WanIntroductionAddress);

        // A new-style requester may be (the old-style requester is a peer now: forget it).
        community.Network.RemovePeer(community.Network.GetVerifiedByAddress(requesterAddress)!);
        _endpoint.Clear();
        var newStyleAddress = UdpAddress.Parse("127.0.0.1:10003");
        community.OnPacket(newStyleAddress, PacketBuilder.Discovery(community.GetPrefix(), NewKey(), 6, new NewIntroductionRequestPayload
        {
            DestinationAddress = s_here, SourceLanAddress = newStyleAddress, SourceWanAddress = newStyleAddress, Identifier = 6,
        }));
        var newResponse = Assert.Single(_endpoint.Sent, s => s.MessageId == DiscoveryMessages.NewIntroductionResponse);
        Assert.True(Packet.TryDecode(newResponse.Data, true, out _, out GlobalTime time2, out NewIntroductionResponsePayload payload, out _));
        Assert.Equal(ipv6Peer.Address, payload.WanIntroductionAddress);
        Assert.Equal(1, _endpoint.Count(DiscoveryMessages.NewPunctureRequest, ipv6Peer.Address));
    }

    [Fact]
    public void A_response_teaches_walkable_addresses_in_py_ipv8s_three_cases()
    {
        var community = new TestCommunity(Offline.Settings(_key, _endpoint));
        var responder = NewKey();
        var responderAddress = UdpAddress.Parse("127.0.0.1:10001");
        var ourWan = UdpAddress.Parse("127.0.0.1:30000");

        // 1. wan set, on another IP than our WAN: learn lan and wan.
        Respond(community, responder, responderAddress, ourWan, lan: "127.0.0.2:9001", wan: "127.0.0.2:9000");
        Assert.Equal(ourWan, community.MyEstimatedWan); // a non-private destination becomes our WAN estimate
        Assert.Equal(ourWan, community.MyPeer.Address);
        Assert.Equal([Parse("127.0.0.2:9001"), Parse("127.0.0.2:9000")], community.GetWalkableAddresses());

        // 2. lan set and wan on our WAN IP (behind the same NAT): learn lan only.
        Respond(community, responder, responderAddress, ourWan, lan: "127.0.0.3:9101", wan: "127.0.0.1:9100");
        Assert.Contains(Parse("127.0.0.3:9101"), community.GetWalkableAddresses());
        Assert.DoesNotContain(Parse("127.0.0.1:9100"), community.GetWalkableAddresses());

        // 3. only wan, on our WAN IP: learn wan and (our LAN ip, wan port).
        Respond(community, responder, responderAddress, ourWan, lan: "0.0.0.0:0", wan: "127.0.0.1:9200");
        Assert.Contains(Parse("127.0.0.1:9200"), community.GetWalkableAddresses());
        Assert.Contains(Parse("127.0.0.5:9200"), community.GetWalkableAddresses());

        // Nothing introduced: nothing learned. The responder itself is a peer, not a walkable address.
        var before = community.GetWalkableAddresses().Count;
        Respond(community, responder, responderAddress, ourWan, lan: "0.0.0.0:0", wan: "0.0.0.0:0");
        Assert.Equal(before, community.GetWalkableAddresses().Count);
        Assert.Equal(responderAddress, Assert.Single(community.GetPeers()).Address);
        Assert.Equal(4, community.ResponsesSeen);

        // A private destination is not a WAN address, but our peer still takes it.
        Respond(community, responder, responderAddress, Parse("192.168.1.20:30000"), lan: "0.0.0.0:0", wan: "0.0.0.0:0");
        Assert.Equal(ourWan, community.MyEstimatedWan);
        Assert.Equal(Parse("192.168.1.20:30000"), community.MyPeer.Address);
    }

    [Fact]
    public void A_puncture_request_is_answered_with_a_puncture_to_the_wan_walker_or_to_the_lan_walker_behind_our_nat()
    {
        var community = new TestCommunity(Offline.Settings(_key, _endpoint));
        var lanWalker = Parse("127.0.0.7:7000");
        var farWalker = Parse("127.0.0.8:8000");

        community.OnPacket(Parse("127.0.0.1:1"), PacketBuilder.Discovery(community.GetPrefix(), null, 100, new PunctureRequestPayload { LanWalkerAddress = lanWalker, WanWalkerAddress = farWalker, Identifier = 3 }));
        var puncture = Assert.Single(_endpoint.Sent);
        Assert.Equal(DiscoveryMessages.Puncture, puncture.MessageId);
        Assert.Equal(farWalker, puncture.Destination);
        Assert.True(Packet.TryDecode(puncture.Data, true, out _, out GlobalTime time3, out PuncturePayload payload, out _));
        Assert.Equal(community.MyEstimatedLan, payload.SourceLanAddress);
        Assert.Equal(farWalker, payload.SourceWanAddress);
        Assert.Equal(3, payload.Identifier);

        // The walker shares our WAN IP: puncture its LAN address instead (new-style in, new-style out).
        _endpoint.Clear();
        var nearWalker = community.MyEstimatedWan.WithPort(9000);
        community.OnPacket(Parse("127.0.0.1:1"), PacketBuilder.Discovery(community.GetPrefix(), null, 101, new NewPunctureRequestPayload { LanWalkerAddress = lanWalker, WanWalkerAddress = nearWalker, Identifier = 4 }));
        var newPuncture = Assert.Single(_endpoint.Sent);
        Assert.Equal(DiscoveryMessages.NewPuncture, newPuncture.MessageId);
        Assert.Equal(lanWalker, newPuncture.Destination);
    }

    [Fact]
    public void Walking_to_an_address_known_as_new_style_sends_a_new_style_request()
    {
        var community = new TestCommunity(Offline.Settings(_key, _endpoint));
        var introducer = new Peer(NewKey().PublicKey, Parse("127.0.0.1:10001"));
        community.Network.DiscoverAddress(introducer, Parse("127.0.0.1:10002"), community.CommunityId, newStyle: true);
        community.Network.DiscoverAddress(introducer, Parse("127.0.0.1:10003"), community.CommunityId, newStyle: false);

        community.WalkTo(Parse("127.0.0.1:10002"));
        community.WalkTo(Parse("127.0.0.1:10003"));
        community.WalkTo(Parse("[::1]:10004"));

        Assert.Equal([DiscoveryMessages.NewIntroductionRequest, DiscoveryMessages.IntroductionRequest, DiscoveryMessages.NewIntroductionRequest], _endpoint.Sent.Select(s => s.MessageId));
        Assert.True(Packet.TryDecode(_endpoint.Sent[1].Data, true, out _, out GlobalTime time, out IntroductionRequestPayload old, out _));
        Assert.Equal(Parse("127.0.0.1:10003"), old.DestinationAddress);
        Assert.Equal(s_here, old.SourceLanAddress);
        Assert.Equal(0x01, old.Flags); // advice written as 1, as py-ipv8 does
        Assert.Equal(time.Value % 65536, old.Identifier);
    }

    [Fact]
    public void The_tracker_answers_every_prefix_and_introduces_only_peers_of_the_same_community()
    {
        var tracker = new TrackerCommunity(Offline.Settings(_key, _endpoint, seed: 3));
        var sink = tracker.AnyPrefix;
        var early = Parse("127.0.0.1:10001");
        var stranger = Parse("127.0.0.1:10002");
        var late = Parse("127.0.0.1:10003");

        sink.OnPacket(early, PacketBuilder.IntroductionRequest(TestIds.Discovery, NewKey(), s_here, early, 1));
        sink.OnPacket(stranger, PacketBuilder.IntroductionRequest(TestIds.Other, NewKey(), s_here, stranger, 2));
        _endpoint.Clear();
        sink.OnPacket(late, PacketBuilder.IntroductionRequest(TestIds.Discovery, NewKey(), s_here, late, 3));

        var response = Assert.Single(_endpoint.Sent, s => s.MessageId == DiscoveryMessages.IntroductionResponse);
        Assert.Equal(late, response.Destination);
        Assert.Equal(TestIds.Discovery.ToPrefix(), response.Data[..Packet.PrefixLength]); // answered in the requester's community
        Assert.Equal(early, Decode245(response).LanIntroductionAddress);
        Assert.Equal(1, _endpoint.Count(DiscoveryMessages.PunctureRequest, early));
        Assert.Equal(3, tracker.RequestsAnswered);
        Assert.Equal(-1, tracker.MaxPeers);
        Assert.Equal(2, tracker.Network.GetPeersForService(TestIds.Discovery).Length);


        // A 246 that says it supports new-style messages still gets py-ipv8's tracker answer: 245, and a 250 to the introduced peer.
        _endpoint.Clear();
        var newStyle = Parse("127.0.0.1:10004");
        sink.OnPacket(newStyle, PacketBuilder.Discovery(TestIds.Discovery.ToPrefix(), NewKey(), 5, new IntroductionRequestPayload
        {
            DestinationAddress = s_here, SourceLanAddress = newStyle, SourceWanAddress = newStyle, Identifier = 5,
            Flags = IntroductionRequestPayload.MakeFlags(ConnectionType.Unknown, supportsNewStyle: true, advice: true),
        }));
        Assert.Equal([DiscoveryMessages.IntroductionResponse, DiscoveryMessages.PunctureRequest], _endpoint.Sent.Select(s => s.MessageId).Order());

        // Anything but an introduction request is dropped.
        sink.OnPacket(late, PacketBuilder.Discovery(TestIds.Discovery.ToPrefix(), null, 4, new PunctureRequestPayload { LanWalkerAddress = early, WanWalkerAddress = early, Identifier = 4 }));
        sink.OnPacket(late, TestIds.Discovery.ToPrefix());
        Assert.Equal(1, tracker.Counters.Drops(DropReason.UnknownMessage));
        Assert.Equal(1, tracker.Counters.Drops(DropReason.TooShort));
    }

    private static UdpAddress Parse(string text) => UdpAddress.Parse(text);

    private static IntroductionResponsePayload Decode245(SentDatagram sent)
    {
        Assert.Equal(DiscoveryMessages.IntroductionResponse, sent.MessageId);
        Assert.True(Packet.TryDecode(sent.Data, true, out _, out GlobalTime time4, out IntroductionResponsePayload payload, out var error), error.ToString());
        return payload;
    }

    private static void Respond(Community community, LibNaClPrivateKey responder, UdpAddress from, UdpAddress destination, string lan, string wan) =>
        community.OnPacket(from, PacketBuilder.Discovery(community.GetPrefix(), responder, 50, new IntroductionResponsePayload
        {
            DestinationAddress = destination,
            SourceLanAddress = from,
            SourceWanAddress = from,
            LanIntroductionAddress = Parse(lan),
            WanIntroductionAddress = Parse(wan),
            Flags = IntroductionResponsePayload.MakeFlags(ConnectionType.Unknown, supportsNewStyle: false, introSupportsNewStyle: false, peerLimitReached: false),
            Identifier = 1,
        }));

    private LibNaClPrivateKey NewKey()
    {
        var key = LibNaClPrivateKey.Generate();
        _keys.Add(key);
        return key;
    }
}

using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Discovery;

namespace Ipv8.Engine.Tests;

/// <summary>Nodes on real UDP sockets bound to 127.0.0.1 (and ::1) discovering each other.</summary>
public class MultiNodeDiscoveryTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(25);

    [Theory]
    [InlineData(ReceiveMode.DedicatedThread)]
    [InlineData(ReceiveMode.Async)]
    public async Task Two_nodes_find_each_other_when_one_walks_to_the_other(ReceiveMode mode)
    {
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { ReceiveMode = mode, Seed = 1 });
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { ReceiveMode = mode, Seed = 2 });

        await Conversation.RepeatUntilAsync(
            () => b.Community.WalkTo(a.Address),
            // The peer is added before its message's handler runs (and counts it, and learns our address from it):
            // wait for the handlers too, or the asserts below race them.
            () => a.Community.HasPeer(b.PublicKey) && b.Community.HasPeer(a.PublicKey)
                && a.Community.RequestsSeen >= 1 && b.Community.ResponsesSeen >= 1 && b.Community.MyPeer.Address == b.Address,
            "A and B to have each other as verified peers, and their handlers to have run",
            s_deadline);

        var bAtA = Assert.Single(a.Community.GetPeers());
        var aAtB = Assert.Single(b.Community.GetPeers());
        Assert.Equal(b.Address, bAtA.Address);
        Assert.Equal(a.Address, aAtB.Address);
        Assert.True(a.Community.RequestsSeen >= 1);
        Assert.True(b.Community.ResponsesSeen >= 1);

        // B learned its own address from A's answer.
        Assert.Equal(b.Address, b.Community.MyPeer.Address);
        Assert.Equal(0, a.Community.Counters.Drops(DropReason.BadSignature) + a.Community.Counters.Drops(DropReason.Malformed));
        Assert.Equal(0, b.Community.Counters.Drops(DropReason.BadSignature) + b.Community.Counters.Drops(DropReason.Malformed));
    }

    [Fact]
    public async Task A_tracker_introduces_nodes_that_only_know_the_tracker_to_each_other()
    {
        await using var tracker = TestNode<TrackerCommunity>.Start(
            s => new TrackerCommunity(s),
            new() { Name = "tracker", Seed = 10 },
            t => t.Node.SetFallback(t.Community.AnyPrefix));

        var nodes = new List<TestNode<TestCommunity>>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                nodes.Add(TestNode<TestCommunity>.Start(
                    s => new TestCommunity(s),
                    new() { Seed = 100 + i },
                    n =>
                    {
                        n.Community.AddBootstrapper(new AddressListBootstrapper([tracker.Address]));
                        n.Node.AddStrategy(n.Community, new RandomWalk(n.Community, randomSeed: 200 + i));
                    }));
            }

            await Eventually.AssertAsync(
                () => nodes.All(n => nodes.Where(o => o != n).All(o => n.Community.HasPeer(o.PublicKey))),
                "every node to have the two others as peers",
                s_deadline);

            foreach (var node in nodes)
            {
                Assert.False(node.Community.HasPeer(tracker.PublicKey), "a bootstrap server is blacklisted and never becomes a peer");
                Assert.Null(node.Community.Network.GetVerifiedByPublicKeyBin(tracker.PublicKey.Bin));
                Assert.True(node.Community.Network.IsBlacklisted(tracker.Address));
                Assert.True(node.Community.Counters.Drops(DropReason.Blacklisted) >= 1, "the tracker's answers are refused as peers");
            }

            // The tracker knows every node as a peer of their community, and answered each of them.
            Assert.Equal(3, tracker.Node.Network.GetPeersForService(TestIds.Discovery).Length);
            Assert.True(tracker.Community.RequestsAnswered >= 3);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task At_max_peers_a_node_stops_answering_introduction_requests()
    {
        // py-ipv8 drops a request when 0 <= max_peers < len(peers): with max_peers = 1 the hub still answers while
        // it has one peer (and so ends up with two), then drops.
        await using var hub = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { MaxPeers = 1, Seed = 1 });
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 2 });
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 3 });
        await using var c = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 4 });

        await Conversation.RepeatUntilAsync(() => a.Community.WalkTo(hub.Address), () => a.Community.HasPeer(hub.PublicKey), "A to be answered by the hub");
        Assert.Single(hub.Community.GetPeers());

        await Conversation.RepeatUntilAsync(() => b.Community.WalkTo(hub.Address), () => b.Community.HasPeer(hub.PublicKey), "B to be answered by the hub (1 peer is not above max_peers = 1)");
        Assert.Equal(2, hub.Community.GetPeers().Length);
        Assert.True(b.Community.ResponsesAtPeerLimit >= 1, "the answer to B says the peer limit is reached (max_peers <= len(peers))");
        Assert.Equal(0, hub.Community.Counters.Drops(DropReason.PeerLimit));

        var answeredBefore = hub.Community.Counters.PacketsOut(DiscoveryMessages.IntroductionResponse) + hub.Community.Counters.PacketsOut(DiscoveryMessages.NewIntroductionResponse);
        await Conversation.RepeatUntilAsync(
            () => c.Community.WalkTo(hub.Address),
            () => hub.Community.Counters.Drops(DropReason.PeerLimit) >= 3,
            "the hub to drop three requests from C at its peer limit",
            every: TimeSpan.FromMilliseconds(300));

        // Nothing was answered, and C never heard back.
        var answeredAfter = hub.Community.Counters.PacketsOut(DiscoveryMessages.IntroductionResponse) + hub.Community.Counters.PacketsOut(DiscoveryMessages.NewIntroductionResponse);
        Assert.Equal(answeredBefore, answeredAfter);
        await Task.Delay(300);
        Assert.Equal(0, c.Community.Counters.PacketsIn(DiscoveryMessages.IntroductionResponse) + c.Community.Counters.PacketsIn(DiscoveryMessages.NewIntroductionResponse));
        Assert.Empty(c.Community.GetPeers());
        Assert.False(hub.Community.HasPeer(c.PublicKey));
        Assert.Equal(2, hub.Community.GetPeers().Length);
    }

    [Fact]
    public async Task A_blacklisted_address_never_becomes_a_peer()
    {
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 1 });
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 2 });
        a.Community.EnsureBlacklisted(b.Address);

        // B walks to A: A still answers (as py-ipv8 does), but does not take B as a peer.
        await Conversation.RepeatUntilAsync(() => b.Community.WalkTo(a.Address), () => b.Community.HasPeer(a.PublicKey), "B to hear from A");

        // A walks to B and hears back, but B's answer does not make B a peer either.
        await Conversation.RepeatUntilAsync(
            () => a.Community.WalkTo(b.Address),
            () => a.Community.ResponsesSeen >= 1,
            "A to receive B's introduction response");

        Assert.Empty(a.Community.GetPeers());
        Assert.Null(a.Community.Network.GetVerifiedByPublicKeyBin(b.PublicKey.Bin));
        Assert.Null(a.Community.Network.GetVerifiedByAddress(b.Address));
        Assert.True(a.Community.Counters.Drops(DropReason.Blacklisted) >= 2);
    }

    [Fact]
    public async Task A_blacklisted_mid_never_becomes_a_peer()
    {
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 1 });
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 2 });
        a.Community.Network.BlacklistMid(b.PublicKey.Mid);

        // Messages signed by a blacklisted mid are dropped before their signature is checked (cheap rejection first):
        // B's answers to A's walks and B's own requests to A.
        await Conversation.RepeatUntilAsync(() => a.Community.WalkTo(b.Address), () => a.Community.Counters.Drops(DropReason.Blacklisted) >= 1, "A to drop B's introduction response");
        await Conversation.RepeatUntilAsync(() => b.Community.WalkTo(a.Address), () => a.Community.Counters.Drops(DropReason.Blacklisted) >= 2, "A to drop B's introduction request");

        Assert.Empty(a.Community.GetPeers());
        Assert.Null(a.Community.Network.GetVerifiedByPublicKeyBin(b.PublicKey.Bin));
        Assert.Equal(0, a.Community.ResponsesSeen);
        Assert.Equal(0, a.Community.Counters.Drops(DropReason.BadSignature));

        // A community blacklists its own mid: a node never becomes its own peer.
        Assert.True(a.Community.Network.IsMidBlacklisted(a.PublicKey.Mid));
    }

    [Fact]
    public async Task New_style_discovery_over_ipv6_loopback_works()
    {
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Ipv6 = true, Seed = 1 });
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Ipv6 = true, Seed = 2 });
        Assert.True(a.Address.IsIPv6 && a.Address.IsLoopback);
        Assert.Null(a.Node.Endpoint.Ipv4Address);

        await Conversation.RepeatUntilAsync(
            () => b.Community.WalkTo(a.Address),
            () => a.Community.HasPeer(b.PublicKey) && b.Community.HasPeer(a.PublicKey),
            "A and B to find each other over ::1",
            s_deadline);

        // Only the new-style messages went over the wire: 234 requests, 233 responses.
        Assert.True(a.Community.Counters.PacketsIn(DiscoveryMessages.NewIntroductionRequest) >= 1);
        Assert.True(b.Community.Counters.PacketsIn(DiscoveryMessages.NewIntroductionResponse) >= 1);
        Assert.True(b.Community.Counters.PacketsOut(DiscoveryMessages.NewIntroductionRequest) >= 1);
        Assert.True(a.Community.Counters.PacketsOut(DiscoveryMessages.NewIntroductionResponse) >= 1);
        foreach (var node in new[] { a, b })
        {
            Assert.Equal(0, node.Community.Counters.PacketsIn(DiscoveryMessages.IntroductionRequest));
            Assert.Equal(0, node.Community.Counters.PacketsIn(DiscoveryMessages.IntroductionResponse));
            Assert.Equal(0, node.Community.Counters.PacketsOut(DiscoveryMessages.IntroductionRequest));
            Assert.Equal(0, node.Community.Counters.PacketsOut(DiscoveryMessages.IntroductionResponse));
        }

        var bAtA = Assert.Single(a.Community.GetPeers());
        var aAtB = Assert.Single(b.Community.GetPeers());
        Assert.Equal(b.Address, bAtA.Address);
        Assert.Equal(a.Address, aAtB.Address);
        Assert.True(bAtA.NewStyleIntro);
        Assert.True(aAtB.NewStyleIntro);
    }

    [Fact]
    public async Task A_tracker_introduces_ipv6_nodes_to_each_other_new_style()
    {
        await using var tracker = TestNode<TrackerCommunity>.Start(
            s => new TrackerCommunity(s),
            new() { Ipv6 = true, Name = "tracker6", Seed = 10 },
            t => t.Node.SetFallback(t.Community.AnyPrefix));
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Ipv6 = true, Seed = 1 });
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Ipv6 = true, Seed = 2 });

        // A registers with the tracker first; then the tracker introduces A to B, and B walks to the introduced address.
        await Conversation.RepeatUntilAsync(() => a.Community.WalkTo(tracker.Address), () => tracker.Community.RequestsAnswered >= 1, "the tracker to answer A");
        await Conversation.RepeatUntilAsync(() => b.Community.WalkTo(tracker.Address), () => b.Community.GetWalkableAddresses().Contains(a.Address), "the tracker to introduce A to B");
        await Conversation.RepeatUntilAsync(
            () => b.Community.WalkTo(a.Address),
            () => a.Community.HasPeer(b.PublicKey) && b.Community.HasPeer(a.PublicKey),
            "B to walk to A and both to have each other");

        Assert.True(b.Community.Network.IsNewStyle(a.Address));
        Assert.Equal(0, tracker.Community.Counters.PacketsOut(DiscoveryMessages.IntroductionResponse));
    }
    [Fact]
    public async Task A_node_built_before_its_endpoint_opened_announces_its_bound_address()
    {
        // Communities are built before Start, while the endpoint has no address yet (port 0 is only chosen when it
        // opens); the requests they send must still carry the bound address as source_lan, not 0.0.0.0:0.
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s));
        using var raw = new RawUdp();

        a.Community.WalkTo(raw.Address);
        var request = raw.Receive(s_deadline);

        Assert.NotNull(request);
        Assert.Equal(a.Address, request.Value.Source);
        Assert.True(Wire.Packet.TryDecode(request.Value.Data, true, out _, out Wire.GlobalTime time1, out IntroductionRequestPayload payload, out _));
        Assert.Equal(raw.Address, payload.DestinationAddress);
        Assert.Equal(a.Address, payload.SourceLanAddress);
        Assert.Equal(a.Address, a.Community.MyEstimatedLan);
    }
}

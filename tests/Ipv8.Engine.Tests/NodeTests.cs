using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Tests;

/// <summary>The node: strategy stepping, prefix routing, and a small swarm on the in-memory network.</summary>
public sealed class NodeTests : IDisposable
{
    private readonly List<LibNaClPrivateKey> _keys = [];

    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    [Fact]
    public async Task A_strategy_steps_only_while_its_community_has_fewer_peers_than_its_target()
    {
        var logs = new CapturingLoggerFactory();
        var network = new InMemoryNetwork(21_000);
        await using var node = new Ipv8Node(NewKey(), network.CreateEndpoint(), new Ipv8NodeOptions { LoggerFactory = logs, EnableMetrics = false });
        var community = node.AddCommunity(new TestCommunity(node.CreateSettings()));
        var limited = new CountingStrategy();
        var unlimited = new CountingStrategy();
        var broken = new CountingStrategy { Throws = true };
        node.AddStrategy(community, limited, targetPeers: 1);
        node.AddStrategy(community, broken);
        node.AddStrategy(community, unlimited);

        node.Tick();
        Assert.Equal(1, limited.Steps);
        Assert.Equal(1, unlimited.Steps);

        var peer = community.Network.AddVerifiedPeer(new Peer(NewKey().PublicKey, UdpAddress.Parse("127.0.0.1:21999")))!;
        community.Network.DiscoverServices(peer, community.CommunityId);
        node.Tick();
        Assert.Equal(1, limited.Steps);
        Assert.Equal(2, unlimited.Steps);

        // A failing strategy is logged, and the others still step.
        Assert.Equal(2, broken.Steps);
        Assert.Equal(2, logs.Find(LogLevel.Error, "failed").Count);
        Assert.Equal(1, community.PeerCount);
        Assert.Equal(community.GetPeers().Length, community.PeerCount);

        // A peer lost: below its target again, the strategy steps again.
        community.Network.RemovePeer(peer);
        Assert.Equal(0, community.PeerCount);
        node.Tick();
        Assert.Equal(2, limited.Steps);
        Assert.Equal(3, unlimited.Steps);

        // An unloaded community's strategies stop.
        await community.UnloadAsync();
        node.Tick();
        Assert.Equal(3, unlimited.Steps);
        Assert.Equal(2, limited.Steps);
    }

    [Fact]
    public async Task An_introduction_in_one_community_to_a_peer_known_only_in_another_makes_it_a_peer_of_the_first_as_in_py_ipv8()
    {
        // A knows B in community Y only. C, a peer of A and B in community X, introduces B to A in X: A walks to B's
        // address in X (py-ipv8 leaves out only the addresses of peers known for the community walking) and B becomes
        // A's peer in X too, one peer object in the shared network with both services.
        // Sequential delivery: every walk below is answered, and everything it causes has happened, when it returns.
        var network = new InMemoryNetwork(new InMemoryNetworkOptions { FirstPort = 25_000, Delivery = InMemoryDelivery.Sequential });
        var options = new Ipv8NodeOptions { EnableMetrics = false, WalkInterval = Timeout.InfiniteTimeSpan };
        await using var a = new Ipv8Node(NewKey(), network.CreateEndpoint(), options);
        await using var b = new Ipv8Node(NewKey(), network.CreateEndpoint(), options);
        await using var c = new Ipv8Node(NewKey(), network.CreateEndpoint(), options);
        var ax = a.AddCommunity(new TestCommunity(TestIds.Discovery, a.CreateSettings(s => s.RandomSeed = 1)));
        var ay = a.AddCommunity(new TestCommunity(TestIds.Other, a.CreateSettings(s => s.RandomSeed = 2)));
        var bx = b.AddCommunity(new TestCommunity(TestIds.Discovery, b.CreateSettings(s => s.RandomSeed = 3)));
        var by = b.AddCommunity(new TestCommunity(TestIds.Other, b.CreateSettings(s => s.RandomSeed = 4)));
        var cx = c.AddCommunity(new TestCommunity(TestIds.Discovery, c.CreateSettings(s => s.RandomSeed = 5)));
        var walk = new RandomWalk(ax, resetChance: 0, randomSeed: 6);
        a.Start();
        b.Start();
        c.Start();

        ay.WalkTo(b.Endpoint.Ipv4Address!.Value);
        Assert.True(ay.HasPeer(b.Key.PublicKey));
        bx.WalkTo(c.Endpoint.Ipv4Address!.Value);
        Assert.True(cx.HasPeer(b.Key.PublicKey));
        Assert.False(ax.HasPeer(b.Key.PublicKey));

        // A asks C in X; C's only other peer in X is B, so C introduces B. A's walker then walks to B in X.
        ax.WalkTo(c.Endpoint.Ipv4Address!.Value);
        Assert.Contains(b.Endpoint.Ipv4Address!.Value, ax.GetWalkableAddresses());
        walk.TakeStep();
        Assert.True(ax.HasPeer(b.Key.PublicKey));

        var shared = a.Network.GetVerifiedByPublicKeyBin(b.Key.PublicKey.Bin)!;
        Assert.Same(shared, ax.GetPeers().Single(p => p.Key.Equals(b.Key.PublicKey)));
        Assert.Same(shared, ay.GetPeers().Single(p => p.Key.Equals(b.Key.PublicKey)));
        Assert.Equal([TestIds.Other, TestIds.Discovery], a.Network.GetServicesForPeer(shared).Order());
        Assert.True(bx.HasPeer(a.Key.PublicKey));
        Assert.True(by.HasPeer(a.Key.PublicKey));
    }

    [Fact]
    public async Task Packets_are_routed_by_prefix_and_unclaimed_ones_go_to_the_fallback_or_are_counted()
    {
        var network = new InMemoryNetwork(22_000);
        await using var node = new Ipv8Node(NewKey(), network.CreateEndpoint(), new Ipv8NodeOptions { EnableMetrics = false });
        var first = node.AddCommunity(new TestCommunity(TestIds.Discovery, node.CreateSettings()));
        var second = node.AddCommunity(new ChatCommunity(node.CreateSettings()));
        var from = UdpAddress.Parse("127.0.0.1:22999");

        node.OnPacket(from, [.. first.GetPrefix(), 200, 1]);
        node.OnPacket(from, [.. second.GetPrefix(), 200, 1]);
        node.OnPacket(from, [.. second.GetPrefix(), 200, 2]);
        Assert.Equal(1, first.Counters.PacketsIn(200));
        Assert.Equal(2, second.Counters.PacketsIn(200));

        node.OnPacket(from, [.. TestIds.Other.ToPrefix(), 200]);
        node.OnPacket(from, [1, 2, 3]);
        Assert.Equal(1, node.DroppedUnknownPrefix);
        Assert.Equal(1, node.DroppedTooShort);

        var fallback = new RecordingSink();
        node.SetFallback(fallback);
        node.OnPacket(from, [.. TestIds.Other.ToPrefix(), 201]);
        Assert.Single(fallback.Received);
        Assert.Equal(1, node.DroppedUnknownPrefix);
        Assert.Equal(2, node.Communities.Count);
        Assert.Contains(first, node.Communities);
        Assert.Contains(second, node.Communities);

        // The communities of a node share its peer and its Lamport clock.
        Assert.Same(first.MyPeer, second.MyPeer);
        var t1 = first.ClaimGlobalTime();
        Assert.Equal(t1 + 1, second.ClaimGlobalTime());
    }

    [Fact]
    public async Task An_in_memory_swarm_converges_through_a_tracker()
    {
        var network = new InMemoryNetwork(23_000);
        var nodes = new List<(Ipv8Node Node, TestCommunity Community)>();
        var options = new Ipv8NodeOptions { WalkInterval = TimeSpan.FromMilliseconds(50), EnableMetrics = false };
        var trackerNode = new Ipv8Node(NewKey(), network.CreateEndpoint(), options);
        var tracker = trackerNode.AddCommunity(new TrackerCommunity(trackerNode.CreateSettings(s => s.RandomSeed = 1)));
        trackerNode.SetFallback(tracker.AnyPrefix);
        trackerNode.Start();
        var trackerAddress = trackerNode.Endpoint.Ipv4Address!.Value;
        try
        {
            for (var i = 0; i < 8; i++)
            {
                var node = new Ipv8Node(NewKey(), network.CreateEndpoint(), options);
                var community = node.AddCommunity(new TestCommunity(node.CreateSettings(s => s.RandomSeed = 10 + i)));
                community.AddBootstrapper(new AddressListBootstrapper([trackerAddress]));
                node.AddStrategy(community, new RandomWalk(community, randomSeed: 100 + i));
                node.Start();
                nodes.Add((node, community));
            }

            await Eventually.AssertAsync(
                () => nodes.All(n => n.Community.GetPeers().Length == nodes.Count - 1),
                "every in-memory node to know all 7 others",
                TimeSpan.FromSeconds(30));

            Assert.All(nodes, n => Assert.Null(n.Community.Network.GetVerifiedByAddress(trackerAddress)));
            Assert.Equal(nodes.Count, tracker.Network.GetPeersForService(TestIds.Discovery).Length);
            Assert.True(network.Delivered > 0);
            Assert.Equal("in-memory", trackerNode.Endpoint.Kind);
        }
        finally
        {
            foreach (var (node, _) in nodes)
            {
                await node.DisposeAsync();
            }

            await trackerNode.DisposeAsync();
        }
    }

    [Fact]
    public void In_memory_endpoints_refuse_a_taken_address_and_drop_datagrams_to_nobody()
    {
        var network = new InMemoryNetwork(24_000);
        var endpoint = network.CreateEndpoint(UdpAddress.Parse("127.0.0.1:24500"));
        Assert.Throws<InvalidOperationException>(() => network.CreateEndpoint(UdpAddress.Parse("127.0.0.1:24500")));

        endpoint.Open(new RecordingSink());
        Assert.False(endpoint.Send(UdpAddress.Parse("127.0.0.1:24501"), [1, 2, 3]));
        Assert.Equal(1, network.Dropped);
        Assert.Equal(1, endpoint.Counters.SendFailures);
    }

    private LibNaClPrivateKey NewKey()
    {
        var key = LibNaClPrivateKey.Generate();
        _keys.Add(key);
        return key;
    }

    private sealed class CountingStrategy : IDiscoveryStrategy
    {
        private int _steps;

        public bool Throws { get; init; }

        public int Steps => Volatile.Read(ref _steps);

        public void TakeStep()
        {
            Interlocked.Increment(ref _steps);
            if (Throws)
            {
                throw new InvalidOperationException("strategy failed on purpose");
            }
        }
    }
}

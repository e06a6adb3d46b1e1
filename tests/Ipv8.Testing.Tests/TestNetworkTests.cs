using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Wire;

namespace Ipv8.Testing.Tests;

/// <summary>py-ipv8's TestBase for .NET: nodes, introductions, delivery on the fake clock, fragile handlers.</summary>
public sealed class TestNetworkTests
{
    [Fact]
    public async Task Two_communities_exchange_messages_over_a_link_with_latency_as_the_fake_clock_moves()
    {
        await using var network = new TestNetwork<EchoCommunity>(2, s => new EchoCommunity(s), new TestNetworkOptions { Conditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(30) } });
        network.IntroduceAll();
        var peer = network[0].PeerOf(network[1])!;
        var start = network.Time.GetUtcNow();

        network[0].Community.Send(peer, new Echo { Number = 5, Hops = 3 });
        network.Advance(TimeSpan.FromMilliseconds(29));
        Assert.Empty(network[1].Community.Seen);
        network.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([5u], network[1].Community.Seen);

        // The rest of the exchange: 1 → 0 → 1 → 0, 30 ms each.
        Assert.Equal(3, network.DeliverMessages());
        Assert.Equal([5u, 5u], network[0].Community.Seen);
        Assert.Equal([5u, 5u], network[1].Community.Seen);
        Assert.Equal(TimeSpan.FromMilliseconds(120), network.Time.GetUtcNow() - start);
        Assert.Equal(network[0].PublicKey, network[1].Community.Senders[0].Key);
    }

    [Fact]
    public async Task Delivering_an_exchange_that_never_ends_stops_at_the_count_limit()
    {
        await using var network = new TestNetwork<EchoCommunity>(2, s => new EchoCommunity(s), new TestNetworkOptions { Conditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(1) }, DeliveryCountLimit = 500 });
        network.IntroduceAll();

        network[0].Community.Send(network[0].PeerOf(network[1])!, new Echo { Number = EchoCommunity.Forever, Hops = 1 });
        var delivered = network.DeliverMessages();

        Assert.Equal(500, delivered);
        Assert.Equal(1, network.Links.InFlightCount);
    }

    [Fact]
    public async Task IntroduceAll_makes_every_node_a_verified_peer_of_every_other_without_sending()
    {
        await using var network = new TestNetwork<EchoCommunity>(4, s => new EchoCommunity(s));

        network.IntroduceAll();

        Assert.All(network.Nodes, node => Assert.All(network.Nodes.Where(o => o != node), other => Assert.True(node.Knows(other))));
        Assert.Equal(0, network.Links.Delivered);
        Assert.Equal(network[1].Address, network[0].PeerOf(network[1])!.Address);
    }

    [Fact]
    public async Task Walking_to_each_other_makes_the_nodes_peers_through_introduction_requests_and_responses()
    {
        await using var network = new TestNetwork<EchoCommunity>(3, s => new EchoCommunity(s), new TestNetworkOptions { Conditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(5) } });

        var delivered = network.WalkToAll();

        Assert.All(network.Nodes, node => Assert.Equal(2, node.Community.GetPeers().Length));
        Assert.True(delivered >= 12, $"{delivered} datagrams: 6 requests and 6 responses at least");
        Assert.True(network[0].Community.Counters.PacketsIn(245) >= 2);
    }

    [Fact]
    public async Task A_link_set_down_loses_one_direction_until_it_is_healed()
    {
        await using var network = new TestNetwork<EchoCommunity>(3, s => new EchoCommunity(s));
        network.IntroduceAll();
        network.Links.SetLinkConditions(network[0].Address, network[2].Address, LinkConditions.Down);

        foreach (var peer in network[0].Community.GetPeers())
        {
            network[0].Community.Send(peer, new Echo { Number = 1, Hops = 1 });
        }

        network.DeliverMessages();
        Assert.Equal((1, 2), (network.Links.Lost, network.Links.Delivered)); // docs/testing.md says so
        Assert.Empty(network[2].Community.Seen);
        Assert.Equal([1u], network[1].Community.Seen);

        network.Links.SetLinkConditions(network[0].Address, network[2].Address, null);
        network[0].Community.Send(network[0].PeerOf(network[2])!, new Echo { Number = 2 });
        Assert.Equal([2u], network[2].Community.Seen);
    }

    [Fact]
    public async Task A_node_added_later_is_introduced_one_way_at_a_time()
    {
        await using var network = new TestNetwork<EchoCommunity>(1, s => new EchoCommunity(s));
        var late = network.AddNode();

        network.Introduce(late, network[0]);

        Assert.True(late.Knows(network[0]));
        Assert.False(network[0].Knows(late));
        Assert.Equal(1, late.Index);
    }

    [Fact]
    public async Task A_handler_that_throws_fails_the_delivery_with_its_exception()
    {
        await using var network = new TestNetwork<EchoCommunity>(2, s => new EchoCommunity(s), new TestNetworkOptions { Conditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(1) } });
        network.IntroduceAll();

        network[0].Community.Send(network[0].PeerOf(network[1])!, new Echo { Number = EchoCommunity.Explode });

        var failure = Assert.Throws<HandlerFailedException>(() => network.DeliverMessages());
        Assert.IsType<InvalidOperationException>(failure.InnerException);
        Assert.Contains("exploded", failure.InnerException.Message, StringComparison.Ordinal);
        network.ThrowIfHandlersFailed();                  // reported once
    }

    [Fact]
    public async Task Without_ThrowOnHandlerError_a_throwing_handler_is_only_counted_as_in_production()
    {
        await using var network = new TestNetwork<EchoCommunity>(2, s => new EchoCommunity(s), new TestNetworkOptions { ThrowOnHandlerError = false });
        network.IntroduceAll();

        network[0].Community.Send(network[0].PeerOf(network[1])!, new Echo { Number = EchoCommunity.Explode });
        network.DeliverMessages();

        Assert.Equal(1, network[1].Community.Counters.Drops(DropReason.HandlerError));
    }

    [Fact]
    public async Task Strategies_step_only_when_the_test_ticks()
    {
        await using var network = new TestNetwork<EchoCommunity>(2, s => new EchoCommunity(s));
        foreach (var node in network.Nodes)
        {
            node.Node.AddStrategy(node.Community, new RandomWalk(node.Community, randomSeed: node.Index));
        }

        network.Introduce(network[0], network[1]);
        network.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, network.Links.Delivered);

        network.Tick();

        Assert.True(network[1].Community.Counters.PacketsIn(246) + network[1].Community.Counters.PacketsIn(234) >= 1);
        Assert.True(network[1].Knows(network[0]));
    }

    [Fact]
    public async Task The_same_seed_loses_the_same_messages_and_delivers_the_rest_in_the_same_order()
    {
        static async Task<List<uint>> RunAsync(int seed)
        {
            await using var network = new TestNetwork<EchoCommunity>(
                3,
                s => new EchoCommunity(s),
                new TestNetworkOptions { Seed = seed, Conditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(10), Jitter = TimeSpan.FromMilliseconds(15), LossRate = 0.25, ReorderRate = 0.2 } });
            network.IntroduceAll();
            for (uint i = 0; i < 40; i++)
            {
                network[0].Community.Send(network[0].PeerOf(network[2])!, new Echo { Number = i });
                network[1].Community.Send(network[1].PeerOf(network[2])!, new Echo { Number = 1000 + i });
                network.Advance(TimeSpan.FromMilliseconds(2));
            }

            network.DeliverMessages();
            return [.. network[2].Community.Seen];
        }

        var first = await RunAsync(11);

        Assert.Equal(first, await RunAsync(11));
        Assert.NotEqual(first, await RunAsync(12));
        Assert.InRange(first.Count, 40, 75);
        Assert.NotEqual(first.Where(n => n < 1000).Order(), first.Where(n => n < 1000));
    }

    [Fact]
    public async Task Disposing_the_network_stops_every_node()
    {
        var network = new TestNetwork<EchoCommunity>(2, s => new EchoCommunity(s));
        var nodes = network.Nodes.ToList();

        await network.DisposeAsync();

        Assert.All(nodes, node => Assert.False(node.Node.IsRunning));
        Assert.All(nodes, node => Assert.True(node.Community.IsUnloaded));
        Assert.All(nodes, node => Assert.False(node.Endpoint.IsOpen));
    }
}

/// <summary>A payload that a node sends back until its hop count runs out.</summary>
[Payload(MessageId = 1)]
public partial struct Echo
{
    [Field(Format.UInt32)] public uint Number { get; init; }

    [Field(Format.UInt8)] public byte Hops { get; init; }
}

/// <summary>
/// Sends every echo back with one hop less; the number <see cref="Explode"/> makes the handler throw, and
/// <see cref="Forever"/> is sent back forever.
/// </summary>
public sealed class EchoCommunity : Community
{
    public const uint Explode = 666;

    public const uint Forever = 777;

    private readonly Lock _lock = new();
    private readonly List<uint> _seen = [];
    private readonly List<Peer> _senders = [];

    public EchoCommunity(CommunitySettings settings)
        : base(CommunityId.Parse("ec40ec40ec40ec40ec40ec40ec40ec40ec40ec40"), settings) =>
        AddMessageHandler<Echo>(OnEcho);

    public IReadOnlyList<uint> Seen
    {
        get
        {
            lock (_lock)
            {
                return [.. _seen];
            }
        }
    }

    public IReadOnlyList<Peer> Senders
    {
        get
        {
            lock (_lock)
            {
                return [.. _senders];
            }
        }
    }

    private void OnEcho(Peer peer, in Echo echo)
    {
        if (echo.Number == Explode)
        {
            throw new InvalidOperationException("the handler exploded");
        }

        lock (_lock)
        {
            _seen.Add(echo.Number);
            _senders.Add(peer);
        }

        if (echo.Hops > 0 || echo.Number == Forever)
        {
            Send(peer, new Echo { Number = echo.Number, Hops = (byte)(echo.Hops - 1) });
        }
    }
}

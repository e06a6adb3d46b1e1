using System.Diagnostics;
using Ipv8.Cli.Commands;
using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Testing;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Cli.Tests;

/// <summary>The swarm's one walk thread: every node stepped once per interval, in turn; nothing while paused.</summary>
public sealed class SwarmWalksTests : IDisposable
{
    private static readonly CommunityId s_id = CommunityId.Parse("5757575757575757575757575757575757575757");
    private readonly List<(Ipv8Node Node, CountingStrategy Strategy)> _nodes = [];

    [Fact]
    public async Task Every_node_is_stepped_right_away_and_then_once_per_interval()
    {
        var interval = TimeSpan.FromMilliseconds(200);
        var clock = Stopwatch.StartNew();
        using (var walks = new SwarmWalks(interval))
        {
            for (var i = 0; i < 5; i++)
            {
                walks.Add(NewNode().Node);
            }

            await Eventually.AssertAsync(() => _nodes.All(n => n.Strategy.Steps >= 3), "every node stepped three times");
        }

        // Never more often than once per interval (the first step comes at once): an upper bound that a loaded machine
        // cannot break, since a late thread only steps less.
        var most = (int)(clock.Elapsed / interval) + 1;
        Assert.All(_nodes, n => Assert.InRange(n.Strategy.Steps, 3, most));
    }

    [Fact]
    public async Task Nothing_is_stepped_while_paused_and_the_waiting_steps_come_after()
    {
        var paused = 1;
        var asked = 0;
        using var walks = new SwarmWalks(TimeSpan.FromMilliseconds(50), () =>
        {
            Interlocked.Increment(ref asked);
            return Volatile.Read(ref paused) == 1;
        });
        for (var i = 0; i < 3; i++)
        {
            walks.Add(NewNode().Node);
        }

        // The thread asks again and again (every 10 ms) while paused, and steps nobody.
        await Eventually.AssertAsync(() => Volatile.Read(ref asked) >= 10, "the pause asked ten times");
        Assert.Equal(0, walks.Steps);
        Assert.All(_nodes, n => Assert.Equal(0, n.Strategy.Steps));

        Volatile.Write(ref paused, 0);
        await Eventually.AssertAsync(() => _nodes.All(n => n.Strategy.Steps >= 2), "every node stepped twice after the pause");
    }

    [Fact]
    public async Task A_node_added_later_is_stepped_too_and_disposing_stops_the_steps()
    {
        var walks = new SwarmWalks(TimeSpan.FromMilliseconds(50));
        var first = NewNode();
        walks.Add(first.Node);
        await Eventually.AssertAsync(() => first.Strategy.Steps >= 2, "the first node stepped");

        var later = NewNode();
        walks.Add(later.Node);
        await Eventually.AssertAsync(() => later.Strategy.Steps >= 2, "the node added later stepped");

        walks.Dispose();
        var (a, b) = (first.Strategy.Steps, later.Strategy.Steps);
        walks.Dispose(); // twice is harmless
        Assert.Equal(a + b, walks.Steps);
        Assert.Equal((a, b), (first.Strategy.Steps, later.Strategy.Steps));
    }

    [Fact]
    public void An_interval_of_zero_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SwarmWalks(TimeSpan.Zero));

    public void Dispose()
    {
        foreach (var (node, _) in _nodes)
        {
            node.Key.Dispose();
        }
    }

    private (Ipv8Node Node, CountingStrategy Strategy) NewNode()
    {
        var key = LibNaClPrivateKey.Generate();
        var node = new Ipv8Node(key, new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:1").WithPort((ushort)(40_000 + _nodes.Count))), new Ipv8NodeOptions { WalkInterval = Timeout.InfiniteTimeSpan });
        var community = node.AddCommunity(new PlainCommunity(node.CreateSettings()));
        var strategy = new CountingStrategy();
        node.AddStrategy(community, strategy);
        _nodes.Add((node, strategy));
        return (node, strategy);
    }

    private sealed class PlainCommunity(CommunitySettings settings) : Community(s_id, settings);

    private sealed class CountingStrategy : IDiscoveryStrategy
    {
        private int _steps;

        public int Steps => Volatile.Read(ref _steps);

        public void TakeStep() => Interlocked.Increment(ref _steps);
    }
}

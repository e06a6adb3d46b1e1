using BenchmarkDotNet.Attributes;
using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Bench;

/// <summary>
/// One walk step of a node (<see cref="Ipv8Node.Tick"/> with a <see cref="RandomWalk"/> at py-ipv8's defaults): 30
/// verified peers of the community and 300 walkable addresses they introduced. Every walk goes unanswered and times out
/// (the clock advances 1 s per step of a node, the timeout is 3 s), so that about 3 walks are in flight, one expires
/// per step and its address is forgotten; the benchmark introduces it again (<see cref="Network.DiscoverAddress"/>) so
/// the tables stay the same size. Sends go to an endpoint that only counts them; every step signs one introduction
/// request (Ed25519, a fixed cost in every row).
/// </summary>
/// <remarks>
/// <see cref="Nodes"/> = 1 steps one node again and again (its objects stay in cache); 1,000 steps 1,000 such nodes
/// round-robin, as the swarm's walk thread does, so that each step finds its node's objects cold.
/// </remarks>
[MemoryDiagnoser]
public class WalkStepBenchmarks
{
    private const int Peers = 30;
    private const int Walkable = 300;
    private static readonly CommunityId s_id = CommunityId.Parse("7777777777777777777777777777777777777777");
    private static readonly UdpAddress s_destination = UdpAddress.Parse("127.0.2.1:30000");

    private readonly ManualClock _clock = new();
    private readonly List<LibNaClPrivateKey> _keys = [];
    private WalkNode[] _nodes = [];
    private int _next;

    /// <summary>How many nodes are stepped round-robin.</summary>
    [Params(1, 1000)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _nodes = new WalkNode[Nodes];
        for (var n = 0; n < Nodes; n++)
        {
            var key = LibNaClPrivateKey.Generate();
            _keys.Add(key);
            var endpoint = new CountingEndpoint(UdpAddress.Parse($"127.0.0.1:{10000 + n}"));
            var node = new Ipv8Node(key, endpoint, new Ipv8NodeOptions
            {
                EnableMetrics = false,
                WalkInterval = Timeout.InfiniteTimeSpan,
                SummaryInterval = TimeSpan.Zero,
                TimeProvider = _clock,
            });
            var community = node.AddCommunity(new WalkCommunity(node.CreateSettings(s => s.RandomSeed = n)));
            node.AddStrategy(community, new RandomWalk(community, randomSeed: n), targetPeers: -1);

            var peers = new Peer[Peers];
            for (var i = 0; i < Peers; i++)
            {
                using var peerKey = LibNaClPrivateKey.Generate();
                var address = UdpAddress.Parse($"127.0.1.{1 + (i % 200)}:{20000 + i}");
                peers[i] = node.Network.AddVerifiedPeer(new Peer(peerKey.PublicKey, address))!;
                node.Network.DiscoverServices(peers[i], s_id);
            }

            for (var i = 0; i < Walkable; i++)
            {
                var address = UdpAddress.Parse($"127.0.2.{1 + (i % 250)}:{30000 + i}");
                node.Network.DiscoverAddress(peers[random.Next(Peers)], address, s_id);
            }

            node.Start();
            _nodes[n] = new WalkNode(node, community, endpoint, peers[0]);
        }

        // Into the steady state: every node's walks in flight, expiring and introduced again.
        for (var i = 0; i < 20 * Nodes; i++)
        {
            Step();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var node in _nodes)
        {
            node.Node.StopAsync().GetAwaiter().GetResult();
        }

        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    [Benchmark(Description = "walk step (Tick + RandomWalk.TakeStep), 30 peers, 300 walkable addresses")]
    public void Step()
    {
        if (_next == _nodes.Length)
        {
            _next = 0;
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var walk = _nodes[_next++];
        walk.Node.Tick();

        // The walk went out to a walkable address: introduce the one walked to 5 steps ago again (it has timed out and
        // been forgotten by now).
        var sent = walk.Endpoint.LastDestination;
        walk.Endpoint.LastDestination = default;
        if (sent.Port >= 30000)
        {
            var slot = walk.Walked++ % walk.Recent.Length;
            if (walk.Recent[slot] is { Port: not 0 } old)
            {
                walk.Node.Network.DiscoverAddress(walk.Introducer, old, s_id);
            }

            walk.Recent[slot] = sent;
        }
    }

    /// <summary>
    /// What every step costs besides choosing: one signed introduction request built by the next node in turn (to a
    /// walkable address), not sent. The step's own cost is the difference.
    /// </summary>
    [Benchmark(Description = "reference: build and sign one introduction request")]
    public int IntroductionRequest()
    {
        if (_next == _nodes.Length)
        {
            _next = 0;
        }

        var walk = _nodes[_next++];
        Span<byte> buffer = stackalloc byte[1024];
        return walk.Community.CreateIntroductionRequest(buffer, s_destination);
    }

    private sealed class WalkNode(Ipv8Node node, WalkCommunity community, CountingEndpoint endpoint, Peer introducer)
    {
        public Ipv8Node Node { get; } = node;

        public WalkCommunity Community { get; } = community;

        public CountingEndpoint Endpoint { get; } = endpoint;

        public Peer Introducer { get; } = introducer;

        public UdpAddress[] Recent { get; } = new UdpAddress[5];

        public int Walked { get; set; }
    }

    private sealed class WalkCommunity(CommunitySettings settings) : Community(s_id, settings);

    /// <summary>A clock the benchmark moves by hand (no timers).</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1_000_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Volatile.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    /// <summary>Counts sends and remembers the last destination; keeps nothing else.</summary>
    private sealed class CountingEndpoint(UdpAddress address) : IEndpoint
    {
        private IPacketSink? _sink;

        public UdpAddress? Ipv4Address { get; } = address;

        public UdpAddress? Ipv6Address => null;

        public bool IsOpen => _sink is not null;

        public EndpointCounters Counters { get; } = new();

        public string Kind => "counting";

        public UdpAddress LastDestination { get; set; }

        public void Open(IPacketSink sink) => _sink = sink;

        public bool Send(UdpAddress destination, ReadOnlySpan<byte> datagram)
        {
            LastDestination = destination;
            return true;
        }

        public ValueTask CloseAsync()
        {
            _sink = null;
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => CloseAsync();
    }
}

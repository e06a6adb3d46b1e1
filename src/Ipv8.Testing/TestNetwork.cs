using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Testing;

/// <summary>
/// Nodes that run one community each on a deterministic in-memory network, on a fake clock: py-ipv8's <c>TestBase</c>
/// for .NET. Build it with a node count and the community's constructor, introduce the nodes
/// (<see cref="IntroduceAll"/>, or let them walk with <see cref="WalkToAll"/>), send, then
/// <see cref="DeliverMessages"/> and assert.
/// </summary>
/// <remarks>
/// <para>
/// The network delivers sequentially (<see cref="InMemoryDelivery.Sequential"/>) on <see cref="Time"/>: a datagram
/// over a link without latency is handled before the send that caused it returns, together with everything it causes
/// without delay; one with latency waits until the test moves the clock (<see cref="DeliverMessages"/> does it step by
/// step). Loss, jitter and reordering come from <see cref="TestNetworkOptions.Seed"/>: the same test with the same seed
/// sees the same datagrams arrive, in the same order, every run.
/// </para>
/// <para>
/// The nodes' discovery strategies step only when the test calls <see cref="Tick"/> (the nodes have no walk loop).
/// Everything runs on the test's thread unless the test itself starts other threads.
/// </para>
/// </remarks>
/// <typeparam name="TCommunity">The community every node runs.</typeparam>
public sealed class TestNetwork<TCommunity> : IAsyncDisposable where TCommunity : Community
{
    private readonly Func<CommunitySettings, TCommunity> _create;
    private readonly TestNetworkOptions _options;
    private readonly ErrorLog _errors;
    private readonly List<TestNetworkNode<TCommunity>> _nodes = [];
    private long _handlerErrorsSeen;

    /// <summary>Creates <paramref name="nodeCount"/> started nodes, each running the community <paramref name="create"/> builds.</summary>
    /// <param name="nodeCount">How many nodes to start with (more with <see cref="AddNode"/>).</param>
    /// <param name="create">Builds a node's community from the settings the node made for it (key, endpoint, network, clock, seed).</param>
    /// <param name="options">Seed, link conditions, ports, logging; defaults when null.</param>
    public TestNetwork(int nodeCount, Func<CommunitySettings, TCommunity> create, TestNetworkOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeCount);
        ArgumentNullException.ThrowIfNull(create);
        _create = create;
        _options = options ?? new TestNetworkOptions();
        _errors = new ErrorLog(_options.LoggerFactory);
        Time = new FakeTimeProvider();
        Links = new InMemoryNetwork(new InMemoryNetworkOptions
        {
            FirstPort = _options.FirstPort,
            Delivery = InMemoryDelivery.Sequential,
            Conditions = _options.Conditions,
            Seed = _options.Seed,
            TimeProvider = Time,
        });
        for (var i = 0; i < nodeCount; i++)
        {
            AddNode();
        }
    }

    /// <summary>The clock of every node and link. Advance it with <see cref="Advance"/> or <see cref="DeliverMessages"/>.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>The in-memory network the nodes' endpoints are on: per-link conditions, counters, datagrams in flight.</summary>
    public InMemoryNetwork Links { get; }

    /// <summary>The nodes, in the order they were created.</summary>
    public IReadOnlyList<TestNetworkNode<TCommunity>> Nodes => _nodes;

    /// <summary>Node <paramref name="index"/>.</summary>
    public TestNetworkNode<TCommunity> this[int index] => _nodes[index];

    /// <summary>
    /// Creates and starts one more node running the community; it knows nobody yet (py-ipv8
    /// <c>create_node</c>; introduce it with <see cref="Introduce"/>).
    /// </summary>
    public TestNetworkNode<TCommunity> AddNode()
    {
        var index = _nodes.Count;
        var key = LibNaClPrivateKey.Generate();
        var endpoint = Links.CreateEndpoint();
        var node = new Ipv8Node(key, endpoint, new Ipv8NodeOptions
        {
            TimeProvider = Time,
            LoggerFactory = _errors,
            HandlerErrorObserver = _errors.Record,
            EnableMetrics = false,
            WalkInterval = Timeout.InfiniteTimeSpan,
            Name = $"node{index}",
        });
        var community = node.AddCommunity(_create(node.CreateSettings(s => s.RandomSeed = unchecked(_options.Seed + index))));
        node.Start();
        var added = new TestNetworkNode<TCommunity>(index, key, node, endpoint, community, Time);
        _nodes.Add(added);
        return added;
    }

    /// <summary>
    /// Makes every node a verified peer of every other in the community, without sending anything (py-ipv8
    /// <c>TestBase.initialize</c>): fast, but the introduction logic does not run; <see cref="WalkToAll"/> runs it.
    /// </summary>
    public void IntroduceAll()
    {
        foreach (var node in _nodes)
        {
            foreach (var other in _nodes)
            {
                if (!ReferenceEquals(node, other))
                {
                    Introduce(node, other);
                }
            }
        }
    }

    /// <summary>Makes <paramref name="other"/> a verified peer of <paramref name="node"/> in the community (one way), without sending anything.</summary>
    public void Introduce(TestNetworkNode<TCommunity> node, TestNetworkNode<TCommunity> other)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(other);
        var peer = node.Network.AddVerifiedPeer(other.ToPeer()) ?? throw new InvalidOperationException($"node {node.Index} refused node {other.Index} as a peer (full, or blacklisted).");
        node.Network.DiscoverServices(peer, node.Community.CommunityId);
    }

    /// <summary>
    /// Has every node walk to every other (an introduction request each, py-ipv8 <c>introduce_nodes</c>), then delivers
    /// the messages. Returns the datagrams delivered.
    /// </summary>
    public long WalkToAll()
    {
        var before = Links.Delivered;
        foreach (var node in _nodes)
        {
            foreach (var other in _nodes)
            {
                if (!ReferenceEquals(node, other))
                {
                    node.Community.WalkTo(other.Address);
                }
            }
        }

        DeliverMessages();
        return Links.Delivered - before;
    }

    /// <summary>
    /// Moves the clock from one arrival to the next until no datagram is in flight, or the clock has moved
    /// <paramref name="limit"/> (default <see cref="TestNetworkOptions.DeliveryLimit"/>), or
    /// <see cref="TestNetworkOptions.DeliveryCountLimit"/> datagrams were delivered; timers that fall due on the way
    /// run too (py-ipv8 <c>deliver_messages</c>). Returns the datagrams delivered meanwhile. Throws
    /// <see cref="HandlerFailedException"/> when a handler threw.
    /// </summary>
    public long DeliverMessages(TimeSpan? limit = null)
    {
        var before = Links.Delivered;
        var deadline = Time.GetUtcNow() + (limit ?? _options.DeliveryLimit);
        ThrowIfHandlersFailed();
        while (Links.TimeUntilNextArrival is { } wait)
        {
            // Timers run on whole milliseconds of a fake clock: step at least one, rounded up.
            var step = TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(wait.TotalMilliseconds)));
            var remaining = deadline - Time.GetUtcNow();
            if (remaining <= TimeSpan.Zero || Links.Delivered - before >= _options.DeliveryCountLimit)
            {
                break;
            }

            Time.Advance(step < remaining ? step : remaining);
            ThrowIfHandlersFailed();
        }

        return Links.Delivered - before;
    }

    /// <summary>Moves the clock by <paramref name="delta"/>: datagrams and timers due meanwhile run, in time order. Throws <see cref="HandlerFailedException"/> when a handler threw.</summary>
    public void Advance(TimeSpan delta)
    {
        Time.Advance(delta);
        ThrowIfHandlersFailed();
    }

    /// <summary>
    /// Steps every node's discovery strategies once (py-ipv8's walk loop does it every 0.5 s; here only the test does
    /// it). Throws <see cref="HandlerFailedException"/> when a handler or strategy threw.
    /// </summary>
    public void Tick()
    {
        foreach (var node in _nodes)
        {
            node.Node.Tick();
        }

        ThrowIfHandlersFailed();
    }

    /// <summary>
    /// Throws <see cref="HandlerFailedException"/>, once per failure, when a message handler of any node threw since the
    /// last check (or a strategy did: it is logged as an error too); does nothing when
    /// <see cref="TestNetworkOptions.ThrowOnHandlerError"/> is off.
    /// </summary>
    public void ThrowIfHandlersFailed()
    {
        if (!_options.ThrowOnHandlerError)
        {
            return;
        }

        long handlerErrors = 0;
        foreach (var node in _nodes)
        {
            foreach (var community in node.Node.Communities)
            {
                handlerErrors += community.Counters.Drops(DropReason.HandlerError);
            }
        }

        var logged = _errors.TakeFirst();
        var newErrors = handlerErrors - _handlerErrorsSeen;
        _handlerErrorsSeen = handlerErrors;
        if (newErrors > 0 || logged is not null)
        {
            throw new HandlerFailedException(
                newErrors > 0 ? $"{newErrors} message handler call(s) threw; the first exception logged is inside." : "A node logged an exception: " + logged!.Message,
                logged);
        }
    }

    /// <summary>Stops every node (unloading its communities and closing its endpoint) and disposes its key.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.Node.DisposeAsync().ConfigureAwait(false);
            node.Key.Dispose();
        }

        _nodes.Clear();
    }
}

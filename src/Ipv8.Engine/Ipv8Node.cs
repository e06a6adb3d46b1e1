using System.Collections.Frozen;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Diagnostics;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Wire;
using Ipv8.Shared;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Engine;

/// <summary>
/// One IPv8 node (py-ipv8 <c>IPv8</c>): a key, an endpoint, a shared <see cref="Peers.Network"/>, the communities
/// routed by prefix, and the loop that steps their discovery strategies every <see cref="Ipv8NodeOptions.WalkInterval"/>.
/// </summary>
/// <remarks>
/// Incoming datagrams are routed through a lock-free table from 22-byte prefix to community: an immutable snapshot that
/// registration and unregistration swap. A datagram with an unknown prefix is dropped and counted.
/// </remarks>
public sealed partial class Ipv8Node : IPacketSink, IAsyncDisposable
{
    private readonly Lock _registration = new();
    private readonly Ipv8NodeOptions _options;
    private readonly ILogger _logger;
    private readonly List<(Community Community, IDiscoveryStrategy Strategy, int TargetPeers)> _strategies = [];
    private StrategyStep[]? _strategySnapshot; // what Tick steps; null after a change
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Community> _communities = [];
    private FrozenDictionary<PrefixKey, Community> _routes = FrozenDictionary<PrefixKey, Community>.Empty;
    private IPacketSink? _fallback;
    private Task? _walker;
    private readonly Ipv8Metrics? _metrics;
    private long _unknownPrefix;
    private long _tooShort;
    private int _state; // 0 new, 1 started, 2 stopped

    /// <summary>Creates a node; nothing runs until <see cref="Start"/>.</summary>
    public Ipv8Node(LibNaClPrivateKey key, IEndpoint endpoint, Ipv8NodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(endpoint);
        _options = options ?? new Ipv8NodeOptions();
        if (_options.WalkInterval != Timeout.InfiniteTimeSpan)
        {
            SettingRanges.Interval.ThrowIfOutside(_options.WalkInterval, "options.WalkInterval");
        }

        if (_options.SummaryInterval > TimeSpan.Zero)
        {
            SettingRanges.Interval.ThrowIfOutside(_options.SummaryInterval, "options.SummaryInterval");
        }

        Key = key;
        Endpoint = endpoint;
        Network = new Network(_options.Network);
        MyPeer = new Peer(key.PublicKey, UdpAddress.Any, timeProvider: _options.TimeProvider);
        Name = string.IsNullOrWhiteSpace(_options.Name) ? Convert.ToHexStringLower(key.PublicKey.Mid[..4]) : _options.Name;
        _logger = _options.LoggerFactory?.CreateLogger<Ipv8Node>() ?? NullLogger<Ipv8Node>.Instance;
        _metrics = _options.EnableMetrics ? new Ipv8Metrics(this, _options.MeterFactory) : null;
    }

    /// <summary>The node's metrics (meter <c>Ipv8</c>); null when <see cref="Ipv8NodeOptions.EnableMetrics"/> is off.</summary>
    public Ipv8Metrics? Metrics => _metrics;

    /// <summary>The node's private key.</summary>
    public LibNaClPrivateKey Key { get; }

    /// <summary>The node's own peer, shared by its communities (one Lamport clock).</summary>
    public Peer MyPeer { get; }

    /// <summary>The endpoint.</summary>
    public IEndpoint Endpoint { get; }

    /// <summary>The peer table shared by the communities.</summary>
    public Network Network { get; }

    /// <summary>The node's name in logs and metrics.</summary>
    public string Name { get; }

    /// <summary>The communities, in the order they were added.</summary>
    public IReadOnlyList<Community> Communities
    {
        get
        {
            lock (_registration)
            {
                return [.. _communities];
            }
        }
    }

    /// <summary>The discovery strategies in the order they were added, with their community and target peer count.</summary>
    public IReadOnlyList<(Community Community, IDiscoveryStrategy Strategy, int TargetPeers)> Strategies
    {
        get
        {
            lock (_registration)
            {
                return [.. _strategies];
            }
        }
    }

    /// <summary>Datagrams dropped because no community has their prefix.</summary>
    public long DroppedUnknownPrefix => Volatile.Read(ref _unknownPrefix);

    /// <summary>Datagrams dropped because they were shorter than a prefix.</summary>
    public long DroppedTooShort => Volatile.Read(ref _tooShort);

    /// <summary>True between <see cref="Start"/> and <see cref="StopAsync"/>.</summary>
    public bool IsRunning => Volatile.Read(ref _state) == 1;

    /// <summary>Settings for a community of this node: its key, endpoint, network, peer, logging and clock.</summary>
    public CommunitySettings CreateSettings(Action<CommunitySettings>? configure = null)
    {
        var settings = new CommunitySettings
        {
            Key = Key,
            Endpoint = Endpoint,
            Network = Network,
            MyPeer = MyPeer,
            LoggerFactory = _options.LoggerFactory,
            HandlerErrorObserver = _options.HandlerErrorObserver,
            TimeProvider = _options.TimeProvider,
        };
        configure?.Invoke(settings);
        return settings;
    }

    /// <summary>Routes the community's prefix to it. Two communities cannot share a prefix.</summary>
    public T AddCommunity<T>(T community) where T : Community
    {
        ArgumentNullException.ThrowIfNull(community);
        if (!ReferenceEquals(community.Endpoint, Endpoint) || !ReferenceEquals(community.Network, Network))
        {
            throw new ArgumentException("The community was not built with this node's settings (use CreateSettings).", nameof(community));
        }

        var key = PrefixKey.From(community.GetPrefix());
        lock (_registration)
        {
            if (_routes.ContainsKey(key))
            {
                throw new InvalidOperationException($"A community with prefix {Convert.ToHexStringLower(community.GetPrefix())} is already registered.");
            }

            var routes = new Dictionary<PrefixKey, Community>(_routes) { [key] = community };
            Volatile.Write(ref _routes, routes.ToFrozenDictionary());
            _communities.Add(community);
        }

        community.Unloading += Unregister;
        _metrics?.Add(community);
        return community;
    }

    /// <summary>
    /// Adds a discovery strategy for a community, stepped every tick while the community has fewer than
    /// <paramref name="targetPeers"/> peers (-1: always), as py-ipv8's <c>strategies</c> list.
    /// </summary>
    public void AddStrategy(Community community, IDiscoveryStrategy strategy, int targetPeers = -1)
    {
        ArgumentNullException.ThrowIfNull(community);
        ArgumentNullException.ThrowIfNull(strategy);
        Shared.SettingRanges.TargetPeers.ThrowIfOutside(targetPeers, nameof(targetPeers));
        lock (_registration)
        {
            _strategies.Add((community, strategy, targetPeers));
            Volatile.Write(ref _strategySnapshot, null);
        }
    }

    /// <summary>
    /// Adds py-ipv8's DiscoveryCommunity as its default configuration runs it (<c>ipv8/configuration.py</c>): with a
    /// <see cref="RandomWalk"/> that pauses at 20 peers, a <see cref="RandomChurn"/> and a
    /// <see cref="PeriodicSimilarity"/>, under the node's key, sharing the node's network with its other communities.
    /// Give it bootstrappers (<see cref="Community.Bootstrappers"/>) as for any community.
    /// </summary>
    /// <param name="configure">Changes to its settings (for example <see cref="CommunitySettings.MaxPeers"/>).</param>
    /// <param name="randomSeed">A seed for the strategies' random choices; random when null.</param>
    public DiscoveryCommunity AddDiscoveryCommunity(Action<CommunitySettings>? configure = null, int? randomSeed = null)
    {
        var community = AddCommunity(new DiscoveryCommunity(CreateSettings(configure)));
        AddStrategy(community, new RandomWalk(community, randomSeed: randomSeed), targetPeers: 20);
        AddStrategy(community, new RandomChurn(community, randomSeed: randomSeed));
        AddStrategy(community, new PeriodicSimilarity(community, randomSeed: randomSeed));
        return community;
    }

    /// <summary>Receives datagrams whose prefix no community claims (for example a tracker serving every community).</summary>
    public void SetFallback(IPacketSink? sink) => Volatile.Write(ref _fallback, sink);

    /// <summary>Opens the endpoint and starts the strategy loop.</summary>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The node was already started.");
        }

        try
        {
            Endpoint.Open(this);
        }
        catch
        {
            // Never started (a port in use): StopAsync has nothing to stop and logs no "stopped".
            Volatile.Write(ref _state, 0);
            throw;
        }

        foreach (var community in Communities)
        {
            // A UDP endpoint knows its bound address (and the real port for port 0) only once it is open.
            community.RefreshAddressEstimates();
        }

        if (_options.WalkInterval != Timeout.InfiniteTimeSpan)
        {
            _walker = Task.Run(WalkLoopAsync);
        }

        _summary = StartSummary();
        NodeLog.Started(_logger, Name, EndpointLog.Describe(Endpoint.Ipv4Address, Endpoint.Ipv6Address), Communities.Count);
    }

    /// <summary>Steps every strategy once (the body of the walk loop; tests call it directly).</summary>
    public void Tick()
    {
        // The snapshot is read without the lock (a change replaces it with null, under the lock); only after a change
        // does a tick take the lock to build the next one.
        var strategies = Volatile.Read(ref _strategySnapshot) ?? SnapshotStrategies();
        foreach (var step in strategies)
        {
            // The peer count first, from the community's peer list held in the snapshot: a node whose walks are done (most
            // of a large swarm, most of the time) reads two objects a tick, not three.
            if ((step.TargetPeers >= 0 && step.Peers.Count >= step.TargetPeers) || step.Community.IsUnloaded)
            {
                continue;
            }

            try
            {
                step.Strategy.TakeStep();
            }
            catch (Exception ex)
            {
                NodeLog.StrategyFailed(_logger, ex, step.Strategy.GetType().Name, step.Community.GetType().Name);
            }
        }
    }

    private StrategyStep[] SnapshotStrategies()
    {
        lock (_registration)
        {
            var snapshot = _strategySnapshot ?? [.. _strategies.Select(s => new StrategyStep(s.Community, s.Strategy, s.TargetPeers, s.Community.ServicePeers))];
            Volatile.Write(ref _strategySnapshot, snapshot);
            return snapshot;
        }
    }

    // A strategy as Tick steps it: with its community's peer list (Community.ServicePeers, never replaced), whose count
    // decides whether the strategy has anything to do.
    private readonly record struct StrategyStep(Community Community, IDiscoveryStrategy Strategy, int TargetPeers, Network.ServicePeers Peers);

    /// <summary>Stops the strategies, unloads every community (bootstrappers, routing, tasks) and closes the endpoint.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_walker is not null)
        {
            await _walker.ConfigureAwait(false);
        }

        if (_summary is not null)
        {
            await _summary.ConfigureAwait(false);
        }

        foreach (var community in Communities)
        {
            await community.UnloadAsync().ConfigureAwait(false);
        }

        await Endpoint.CloseAsync().ConfigureAwait(false);
        _metrics?.Dispose();
        NodeLog.Stopped(_logger, Name);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await Endpoint.DisposeAsync().ConfigureAwait(false);
        _metrics?.Dispose();
        _stop.Dispose();
    }

    /// <summary>Routes a datagram by its 22-byte prefix, without locks. Never throws.</summary>
    public void OnPacket(UdpAddress source, ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < Packet.PrefixLength)
        {
            Interlocked.Increment(ref _tooShort);
            return;
        }

        if (Volatile.Read(ref _routes).TryGetValue(PrefixKey.From(datagram), out var community))
        {
            community.OnPacket(source, datagram);
            return;
        }

        if (Volatile.Read(ref _fallback) is { } fallback)
        {
            fallback.OnPacket(source, datagram);
            return;
        }

        Interlocked.Increment(ref _unknownPrefix);
    }

    private void Unregister(Community community)
    {
        var key = PrefixKey.From(community.GetPrefix());
        lock (_registration)
        {
            if (_routes.TryGetValue(key, out var registered) && ReferenceEquals(registered, community))
            {
                var routes = new Dictionary<PrefixKey, Community>(_routes);
                routes.Remove(key);
                Volatile.Write(ref _routes, routes.ToFrozenDictionary());
                _communities.Remove(community);
            }

            _strategies.RemoveAll(s => ReferenceEquals(s.Community, community));
            Volatile.Write(ref _strategySnapshot, null);
        }
    }

    private async Task WalkLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.WalkInterval, _options.TimeProvider);
        try
        {
            do
            {
                Tick();
            }
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }
}

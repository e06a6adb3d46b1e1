using Ipv8.Engine.Limits;
using Ipv8.Engine.Peers;

namespace Ipv8.Hosting;

/// <summary>
/// A hosted node's settings, bound from configuration (by convention the <c>Ipv8</c> section of appsettings.json).
/// Every property has a default that gives a working node on port 8090 of every IPv4 interface, with a new key per
/// run and no bootstrap servers.
/// </summary>
/// <remarks>
/// py-ipv8 configuration names: <c>port</c> → <see cref="Port"/>, <c>interfaces</c> → <see cref="Interfaces"/>,
/// <c>keys[].file</c> → <see cref="KeyFile"/>, <c>bootstrappers</c> → <see cref="Bootstrap"/>, <c>walk_to</c> calls → <see cref="Peers"/>, <c>max_peers</c> →
/// <see cref="MaxPeers"/> (and <see cref="Ipv8CommunityOptions.MaxPeers"/>), <c>walkers</c> → <see cref="Walkers"/>
/// (and <see cref="Ipv8CommunityOptions.Walkers"/>), <c>walker_interval</c> → <see cref="WalkInterval"/>.
/// </remarks>
public sealed class Ipv8Options
{
    /// <summary>The configuration section <see cref="Ipv8ServiceCollectionExtensions.AddIpv8(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration, Action{Ipv8Options}?)"/> is usually given.</summary>
    public const string SectionName = "Ipv8";

    /// <summary>The UDP port, shared by the IPv4 and IPv6 sockets; 0 picks a free one. Default 8090 (py-ipv8's).</summary>
    public int Port { get; set; } = 8090;

    /// <summary>How many following ports to try when <see cref="Port"/> is taken. Default 0: fail instead.</summary>
    public int PortRetries { get; set; }

    /// <summary>
    /// The IP addresses to bind, at most one IPv4 and one IPv6 (for example <c>["0.0.0.0", "::"]</c>). Default (unset or
    /// empty): <c>0.0.0.0</c> only.
    /// </summary>
    public IList<string> Interfaces { get; set; } = [];

    /// <summary>Send only to loopback addresses (127.0.0.0/8, ::1); anything else is dropped and counted. Default false.</summary>
    public bool LoopbackOnly { get; set; }

    /// <summary>
    /// The private key file: the 74-byte <c>LibNaCLSK:</c> key bin, as py-ipv8 and <c>ipv8 keygen</c> write it. Default
    /// (unset): a new key for every run, so the node's identity changes on restart.
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>Create <see cref="KeyFile"/> with a new key (mode 0600) when it does not exist. Default true.</summary>
    public bool CreateKeyFile { get; set; } = true;

    /// <summary>Where new nodes find their first peers.</summary>
    public Ipv8BootstrapOptions Bootstrap { get; set; } = new();

    /// <summary>
    /// Peers every community walks to (py-ipv8 <c>walk_to(address)</c>), as <c>host:port</c>, <c>[v6]:port</c> or
    /// <c>dns-name:port</c>: walked to again every 5 s until they answer, and again if they go away. Unlike bootstrap
    /// servers they are not blacklisted: they become normal peers. Default: none.
    /// </summary>
    public IList<string> Peers { get; set; } = [];

    /// <summary>How often the walkers step (py-ipv8 <c>walker_interval</c>). Default 0.5 s.</summary>
    public TimeSpan WalkInterval { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The default peer limit of every community (py-ipv8 <c>max_peers</c>); -1 is unlimited. Default 30.</summary>
    public int MaxPeers { get; set; } = 30;

    /// <summary>
    /// The default walkers of every community (py-ipv8 <c>walkers</c>). Default (unset or empty): one
    /// <c>RandomWalk</c> that stops at 20 peers, as py-ipv8's default configuration.
    /// </summary>
    public IList<Ipv8WalkerOptions> Walkers { get; set; } = [];

    /// <summary>
    /// Run py-ipv8's <c>DiscoveryCommunity</c> next to the registered communities, as py-ipv8's default configuration
    /// does: it lets peers learn which communities a node serves (similarity requests), pings its peers and drops the
    /// silent ones (<c>RandomChurn</c>). Its settings are <see cref="Communities"/><c>["DiscoveryCommunity"]</c>; its
    /// walkers default to the node-wide ones (one <c>RandomWalk</c> to 20 peers) plus <c>RandomChurn</c> and
    /// <c>PeriodicSimilarity</c>. It is a singleton <see cref="Engine.Communities.DiscoveryCommunity"/> service. Default true.
    /// </summary>
    public bool DiscoveryCommunity { get; set; } = true;

    /// <summary>Per-community settings, by the name the community was registered with (its type name by default).</summary>
    public IDictionary<string, Ipv8CommunityOptions> Communities { get; set; } = new Dictionary<string, Ipv8CommunityOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Caps of the node's peer table.</summary>
    public NetworkOptions Network { get; set; } = new();

    /// <summary>Per-source rate limits applied before expensive work (signature checks, replies, punctures).</summary>
    public RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>Receive threads: one SO_REUSEPORT socket per worker. Default (0): one per core.</summary>
    public int Workers { get; set; }

    /// <summary>A name for the node in logs and metric tags. Default (also for an empty or blank name): the start of its mid in hex.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// How often the node logs its one-line summary at Information (peers, traffic, drops by reason, whether the
    /// bootstrap servers answer; docs/logging.md). Zero turns it off. Default 60 s.
    /// </summary>
    public TimeSpan SummaryInterval { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>Where a hosted node finds its first peers (py-ipv8 <c>bootstrappers</c>).</summary>
public sealed class Ipv8BootstrapOptions
{
    /// <summary>Bootstrap servers as <c>host:port</c>, <c>[v6]:port</c> or <c>dns-name:port</c>. Default: none.</summary>
    public IList<string> Addresses { get; set; } = [];

    /// <summary>
    /// Also use py-ipv8's public trackers (DNS names on the internet). Default false: a hosted node joins the public IPv8
    /// network only when asked to.
    /// </summary>
    public bool PublicTrackers { get; set; }

    /// <summary>The least time between two bootstraps (py-ipv8 <c>bootstrap_timeout</c>). Default 30 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Settings of one registered community.</summary>
public sealed class Ipv8CommunityOptions
{
    /// <summary>The peer limit; unset: <see cref="Ipv8Options.MaxPeers"/>.</summary>
    public int? MaxPeers { get; set; }

    /// <summary>The walkers; unset or empty: <see cref="Ipv8Options.Walkers"/>.</summary>
    public IList<Ipv8WalkerOptions> Walkers { get; set; } = [];

    /// <summary>Do not use the bootstrap servers for this community. Default false.</summary>
    public bool NoBootstrap { get; set; }
}

/// <summary>One discovery strategy (py-ipv8 <c>walkers[]</c>: <c>strategy</c>, <c>peers</c>, <c>init</c>).</summary>
public sealed class Ipv8WalkerOptions
{
    /// <summary>
    /// <c>RandomWalk</c> or <c>EdgeWalk</c>; for the DiscoveryCommunity also <c>RandomChurn</c> and <c>PeriodicSimilarity</c>
    /// (with their py-ipv8 defaults: ping 8 peers every 10 s, drop after 57.5 s of silence; one similarity request per second).
    /// </summary>
    public string Strategy { get; set; } = "RandomWalk";

    /// <summary>Step only while the community has fewer peers (py-ipv8 <c>peers</c>); -1 always. Default 20.</summary>
    public int TargetPeers { get; set; } = 20;

    /// <summary>RandomWalk: how long an introduction request may stay unanswered. Default 3 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>RandomWalk: introduction requests in flight at once; 0 is unlimited (py-ipv8 <c>window_size</c>). Default 5.</summary>
    public int WindowSize { get; set; } = 5;

    /// <summary>
    /// RandomWalk: out of 256, the chance of asking for a new introduction instead of walking (py-ipv8 <c>reset_chance</c>):
    /// 0 never, 256 always. Default 50.
    /// </summary>
    public int ResetChance { get; set; } = 50;

    /// <summary>EdgeWalk: the length of an edge. Default 4.</summary>
    public int EdgeLength { get; set; } = 4;

    /// <summary>EdgeWalk: the number of edge roots. Default 6.</summary>
    public int NeighborhoodSize { get; set; } = 6;
}

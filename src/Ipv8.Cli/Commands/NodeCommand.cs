using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ipv8.Cli.Hosting;
using Ipv8.Engine;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Limits;
using Ipv8.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.Logging;

namespace Ipv8.Cli.Commands;

/// <summary>What <c>ipv8 node</c> runs.</summary>
internal sealed record NodeConfig
{
    public IPAddress Host { get; init; } = IPAddress.Any;

    public required int Port { get; init; }

    public required CommunityId Community { get; init; }

    /// <summary>Bootstrap servers (py-ipv8's <c>DispersyBootstrapper</c> addresses and DNS names).</summary>
    public IReadOnlyList<HostPort> Bootstrap { get; init; } = [];

    /// <summary>Also bootstrap from py-ipv8's public trackers (<c>--bootstrap public</c>).</summary>
    public bool PublicTrackers { get; init; }

    /// <summary>Peers to walk to (py-ipv8 <c>walk_to</c>), retried until they answer; never blacklisted.</summary>
    public IReadOnlyList<HostPort> Peers { get; init; } = [];

    public FileInfo? KeyFile { get; init; }

    public int MaxPeers { get; init; } = Engine.Communities.CommunitySettings.DefaultMaxPeers;

    /// <summary>How long to run; null runs until cancelled.</summary>
    public TimeSpan? Duration { get; init; }

    public FileInfo? Report { get; init; }

    /// <summary>Refuse to send anywhere but 127.0.0.0/8 and ::1.</summary>
    public bool LoopbackOnly { get; init; }

    /// <summary>The walker pauses at this many verified peers (py-ipv8's <c>target_peers</c>); -1 walks always.</summary>
    public int WalkTarget { get; init; } = SwarmConfig.DefaultWalkTarget;

    /// <summary>Run py-ipv8's DiscoveryCommunity (RandomWalk, RandomChurn, PeriodicSimilarity) next to the community, as py-ipv8's default configuration.</summary>
    public bool Discovery { get; init; } = true;

    /// <summary>Apply the per-source rate limits (docs/security.md); false runs without any, as py-ipv8 (<c>--rate-limits off</c>, for benchmarks).</summary>
    public bool RateLimits { get; init; } = true;
}

/// <summary>
/// <c>ipv8 node --port P [--host H] --community HEX [--bootstrap HOST:PORT]... [--peer HOST:PORT]... [--key FILE]
/// [--max-peers N] [--duration S] [--report FILE] [--no-discovery]</c>: one node (UDP), a community with the given id
/// and RandomWalk, py-ipv8's DiscoveryCommunity next to it (RandomWalk, RandomChurn, PeriodicSimilarity) as py-ipv8's
/// default configuration runs it, an address-list bootstrapper and the peers to walk to; at the end it writes the node
/// report.
/// </summary>
internal static class NodeCommand
{
    /// <summary>The suffix of every usage error (exit code 2) of the command.</summary>
    private const string Help = "(see 'ipv8 node --help')";

    public static Command Create()
    {
        var port = CliArguments.Port("UDP port to bind (0: any free port).", required: true);
        var host = CliArguments.Host("Address to bind. Default 0.0.0.0 (all IPv4 interfaces), as py-ipv8; an IPv6 address binds IPv6 only.");
        var community = new Option<CommunityId>("--community")
        {
            Description = "The community id: 40 hex digits (20 bytes).",
            Required = true,
            HelpName = "hex",
            CustomParser = result => CliArguments.ParseCommunity(result) ?? default,
        };
        var bootstrap = CliArguments.HostPorts(
            "--bootstrap",
            "A bootstrap server, HOST:PORT (HOST may be a DNS name); repeatable. 'public' adds py-ipv8's public trackers. None is contacted unless given.",
            allowPublic: true);
        var peer = CliArguments.HostPorts("--peer", "A peer to walk to, HOST:PORT (py-ipv8's walk_to); repeatable. Walked to again every 5 s until it answers; unlike --bootstrap, it becomes a normal peer.");
        var key = new Option<FileInfo?>("--key")
        {
            Description = "A private key file (the LibNaCLSK: bin, as written by 'ipv8 keygen'). Default: a new key for this run.",
            HelpName = "file",
        };
        key.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo?>() is { Exists: false } file)
            {
                result.AddError(Directory.Exists(file.FullName) ? $"--key {file.FullName} is a directory, not a key file." : $"--key {file.FullName}: no such file.");
            }
        });
        var maxPeers = CliArguments.MaxPeers();
        var duration = CliArguments.Duration("Stop after this many seconds. Default: run until Ctrl+C.");
        var report = CliArguments.Report("Write the report JSON to this file instead of standard output.");
        var loopbackOnly = new Option<bool>("--loopback-only")
        {
            Description = "Send only to 127.0.0.0/8 and ::1 (for tests and demos).",
        };
        var walkTarget = CliArguments.WalkTarget("The walker pauses while the community has this many verified peers (py-ipv8's target_peers); -1: always walk.");
        var noDiscovery = new Option<bool>("--no-discovery")
        {
            Description = "Do not run py-ipv8's DiscoveryCommunity (with RandomWalk, RandomChurn and PeriodicSimilarity) next to the community.",
        };
        var rateLimits = new Option<string>("--rate-limits")
        {
            Description = "on (default) or off: off turns off every per-source limit (docs/security.md), as py-ipv8 has none; for benchmarks only.",
            DefaultValueFactory = _ => "on",
            HelpName = "on|off",
        }.Check(value => value is "on" or "off", value => $"--rate-limits must be on or off, got '{value}'.");
        var logLevel = CliArguments.LogLevel(LogLevel.Information);

        var command = new Command("node", "Run one IPv8 node: a community with RandomWalk, py-ipv8's DiscoveryCommunity next to it (unless --no-discovery), the bootstrap servers and peers given; writes a report at the end.")
        {
            port, host, community, bootstrap, peer, key, maxPeers, duration, report, loopbackOnly, walkTarget, noDiscovery, rateLimits, logLevel,
        };
        command.SetAction(async (result, token) =>
        {
            var (servers, publicTrackers) = CliArguments.ParseHostPorts(result.GetValue(bootstrap) ?? []);
            var config = new NodeConfig
            {
                Host = result.GetValue(host)!,
                Port = result.GetValue(port),
                Community = result.GetValue(community),
                Bootstrap = servers,
                PublicTrackers = publicTrackers,
                Peers = CliArguments.ParseHostPorts(result.GetValue(peer) ?? []).Servers,
                KeyFile = result.GetValue(key),
                MaxPeers = result.GetValue(maxPeers),
                Duration = result.GetValue(duration) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                Report = result.GetValue(report),
                LoopbackOnly = result.GetValue(loopbackOnly),
                WalkTarget = result.GetValue(walkTarget),
                Discovery = !result.GetValue(noDiscovery),
                RateLimits = result.GetValue(rateLimits) != "off",
            };
            using var shutdown = new Shutdown(token);
            using var logs = Logs.ToStandardError(result.GetValue(logLevel));
            var io = result.InvocationConfiguration;
            return await RunAsync(config, io.Output, io.Error, logs, shutdown.Token).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// Runs the node until <see cref="NodeConfig.Duration"/> passes or <paramref name="cancel"/> fires, then writes the
    /// report. Returns the exit code: 0 done, 1 could not run (port in use, unreadable key file, or one another node
    /// runs under), 2 bad key file.
    /// </summary>
    /// <remarks><paramref name="started"/> is called with the node and its community once they run (tests use it).</remarks>
    public static async Task<int> RunAsync(NodeConfig config, TextWriter output, TextWriter error, ILoggerFactory logs, CancellationToken cancel, Action<Ipv8Node, Engine.Communities.Community>? started = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(logs);
        var logger = logs.CreateLogger("ipv8.node");

        if (config.Discovery && config.Community == DiscoveryCommunity.Id)
        {
            error.WriteLine($"error: --community {config.Community} is py-ipv8's DiscoveryCommunity, which the node runs already; give another id or --no-discovery. {Help}");
            return 2;
        }

        // The key file stays locked while the node runs: a second node on the same file is refused.
        KeyFile? keyFile = null;
        if (config.KeyFile is { } path)
        {
            try
            {
                keyFile = KeyFile.Open(path.FullName);
            }
            catch (InvalidDataException ex)
            {
                error.WriteLine($"error: --key {ex.Message.TrimEnd('.')}. {Help}");
                return 2;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: --key {ex.Message.TrimEnd('.')}.");
                return 1;
            }
        }

        using var keyFileLock = keyFile;
        using var key = keyFile?.Key ?? LibNaClPrivateKey.Generate();
        var endpoint = CliEndpoint.Create(config.Host, config.Port, config.LoopbackOnly, logs);
        await using var node = new Ipv8Node(key, endpoint, new Ipv8NodeOptions { LoggerFactory = logs });
        var community = node.AddCommunity(new CliCommunity(config.Community, node.CreateSettings(s =>
        {
            s.MaxPeers = config.MaxPeers;
            s.RateLimits = RateLimitsOf(config);
        })));
        node.AddStrategy(community, new RandomWalk(community), config.WalkTarget);
        var discovery = config.Discovery ? node.AddDiscoveryCommunity(s => s.RateLimits = RateLimitsOf(config)) : null;
        foreach (var overlay in (ReadOnlySpan<Community?>)[community, discovery])
        {
            if (overlay is null)
            {
                continue;
            }

            // py-ipv8's default configuration gives every overlay a copy of the same bootstrapper.
            if (config.Bootstrap.Count > 0 || config.PublicTrackers)
            {
                overlay.AddBootstrapper(AddressListBootstrapper.Create(config.Bootstrap, config.PublicTrackers, logger: logger));
            }

            if (config.Peers.Count > 0)
            {
                node.AddStrategy(overlay, new WalkToPeers(overlay, config.Peers, logger: logger));
            }
        }

        try
        {
            node.Start();
        }
        catch (SocketException ex)
        {
            error.WriteLine($"error: cannot bind UDP {config.Host}:{config.Port}: {ex.Message.TrimEnd('.')}.");
            return 1;
        }

        WarnAboutUnreachableTargets(config, endpoint, error);
        var bound = endpoint.Ipv4Address ?? endpoint.Ipv6Address ?? UdpAddress.Any;
        CliLog.NodeRunning(
            logger,
            node.Name,
            bound.ToString(),
            config.Community.ToString(),
            BootstrapLabels(config) is { Count: > 0 } servers ? string.Join(", ", servers) : "none",
            config.Peers.Count == 0 ? "none" : string.Join(", ", config.Peers));
        started?.Invoke(node, community);

        var clock = Stopwatch.StartNew();
        try
        {
            await Task.Delay(config.Duration ?? Timeout.InfiniteTimeSpan, cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: stop and report.
        }

        // The address others see: the bound one, or our estimate when bound to every interface.
        var address = bound.IsUnspecifiedHost && !community.MyEstimatedWan.IsAny ? community.MyEstimatedWan : bound;
        var report = NodeReport.Build(node, community, discovery, address, clock.Elapsed);
        await node.StopAsync().ConfigureAwait(false);
        try
        {
            Json.Emit(report, config.Report, output);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine(OutputFiles.CannotWrite("--report", config.Report, ex));
            return 1;
        }

        return 0;
    }

    /// <summary>
    /// Warns, one line per address family, about the <c>--peer</c> and <c>--bootstrap</c> hosts the node can never
    /// reach because it has no socket of their family (an IPv4 peer of a node bound to <c>::1</c>): the endpoint would
    /// only count their sends as failures.
    /// </summary>
    internal static void WarnAboutUnreachableTargets(NodeConfig config, IEndpoint endpoint, TextWriter error)
    {
        var targets = config.Peers.Select(p => (Label: $"--peer {p}", p.Family, Dns: p.IsDnsName))
            .Concat(config.Bootstrap.Select(b => (Label: $"--bootstrap {b}", b.Family, Dns: b.IsDnsName)))
            .Concat(config.PublicTrackers ? [(Label: "--bootstrap public", Family: AddressFamily.InterNetwork, Dns: true)] : [])
            .ToList();
        foreach (var (family, bound) in (ReadOnlySpan<(AddressFamily, UdpAddress?)>)[(AddressFamily.InterNetwork, endpoint.Ipv4Address), (AddressFamily.InterNetworkV6, endpoint.Ipv6Address)])
        {
            var unreachable = targets.Where(t => t.Family == family).ToList();
            if (bound is not null || unreachable.Count == 0)
            {
                continue;
            }

            var name = family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
            var other = family == AddressFamily.InterNetwork ? "IPv6" : "IPv4";
            var dns = unreachable.Any(t => t.Dns) ? " (DNS names and 'public' resolve to IPv4 only)" : string.Empty;
            var anyHost = family == AddressFamily.InterNetwork ? "0.0.0.0" : "::";
            error.WriteLine(
                $"warning: the node has no {name} socket (--host {config.Host} binds {other} only), so nothing can be sent to {string.Join(", ", unreachable.Select(t => t.Label))}{dns}; " +
                $"they count as send failures. Bind an {name} --host (such as {anyHost}) to reach them.");
        }

        if (config.LoopbackOnly)
        {
            var outside = config.Peers.Where(p => p.Address is { IsLoopback: false }).Select(p => $"--peer {p}")
                .Concat(config.Bootstrap.Where(b => b.Address is { IsLoopback: false }).Select(b => $"--bootstrap {b}"))
                .Concat(config.PublicTrackers ? ["--bootstrap public"] : [])
                .ToList();
            if (outside.Count > 0)
            {
                error.WriteLine(
                    $"warning: --loopback-only sends nothing outside 127.0.0.0/8 and ::1, so nothing can be sent to {string.Join(", ", outside)}; " +
                    "they count as send failures.");
            }
        }
    }

    private static RateLimitOptions RateLimitsOf(NodeConfig config) => new() { Enabled = config.RateLimits };

    private static List<string> BootstrapLabels(NodeConfig config) =>
        [.. config.Bootstrap.Select(b => b.ToString()), .. config.PublicTrackers ? ["public"] : Array.Empty<string>()];
}

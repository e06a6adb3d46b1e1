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

    public IReadOnlyList<BootstrapTarget> Bootstrap { get; init; } = [];

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
    public static Command Create()
    {
        var port = CliArguments.Port("UDP port to bind (0: any free port).", required: true);
        var host = CliArguments.Host("Address to bind. Default 0.0.0.0 (all IPv4 interfaces), as py-ipv8; an IPv6 address binds IPv6 only.");
        var community = new Option<CommunityId>("--community")
        {
            Description = "The community id: 40 hex digits (20 bytes).",
            Required = true,
            HelpName = "hex",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (CommunityId.TryParse(text, out var id) && id != default)
                {
                    return id;
                }

                result.AddError($"--community must be 40 hex digits (20 bytes, not all zero), not '{text}'.");
                return default;
            },
        };
        var bootstrap = new Option<string[]>("--bootstrap")
        {
            Description = "A bootstrap server, HOST:PORT (HOST may be a DNS name); repeatable. 'public' adds py-ipv8's public trackers. None is contacted unless given.",
            HelpName = "host:port",
            Arity = ArgumentArity.OneOrMore,
            DefaultValueFactory = _ => [],
        };
        bootstrap.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!CliArguments.TryParseBootstrap(value, out _, out var error))
                {
                    result.AddError(error);
                }
            }
        });
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
                result.AddError($"--key {file.FullName}: no such file.");
            }
        });
        var maxPeers = CliArguments.MaxPeers();
        var duration = CliArguments.Duration("Stop after this many seconds. Default: run until Ctrl+C.");
        var report = CliArguments.Report("Write the report JSON to this file instead of standard output.");
        var loopbackOnly = new Option<bool>("--loopback-only")
        {
            Description = "Send only to 127.0.0.0/8 and ::1 (for tests and demos).",
        };
        var walkTarget = new Option<int>("--walk-target")
        {
            Description = "The walker pauses while the community has this many verified peers (py-ipv8's target_peers); -1: always walk.",
            DefaultValueFactory = _ => SwarmConfig.DefaultWalkTarget,
        }.Check(value => value >= -1, _ => "--walk-target must be -1 (always walk) or at least 0.");
        var noDiscovery = new Option<bool>("--no-discovery")
        {
            Description = "Do not run py-ipv8's DiscoveryCommunity (with RandomWalk, RandomChurn and PeriodicSimilarity) next to the community.",
        };
        var logLevel = CliArguments.LogLevel(LogLevel.Information);

        var command = new Command("node", "Run one IPv8 node: a community, RandomWalk and the bootstrap servers given; writes a report at the end.")
        {
            port, host, community, bootstrap, peer, key, maxPeers, duration, report, loopbackOnly, walkTarget, noDiscovery, logLevel,
        };
        command.SetAction(async (result, token) =>
        {
            var config = new NodeConfig
            {
                Host = result.GetValue(host)!,
                Port = result.GetValue(port),
                Community = result.GetValue(community),
                Bootstrap = [.. (result.GetValue(bootstrap) ?? []).Select(ParseBootstrap)],
                Peers = [.. (result.GetValue(peer) ?? []).Select(ParsePeer)],
                KeyFile = result.GetValue(key),
                MaxPeers = result.GetValue(maxPeers),
                Duration = result.GetValue(duration) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                Report = result.GetValue(report),
                LoopbackOnly = result.GetValue(loopbackOnly),
                WalkTarget = result.GetValue(walkTarget),
                Discovery = !result.GetValue(noDiscovery),
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
    /// report. Returns the exit code: 0 done, 1 could not run (port in use, unreadable key), 2 bad key file.
    /// </summary>
    /// <remarks><paramref name="started"/> is called with the node and its community once they run (tests use it).</remarks>
    public static async Task<int> RunAsync(NodeConfig config, TextWriter output, TextWriter error, ILoggerFactory logs, CancellationToken cancel, Action<Ipv8Node, Engine.Communities.Community>? started = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(logs);
        var logger = logs.CreateLogger("ipv8.node");

        LibNaClPrivateKey key;
        if (config.KeyFile is { } keyFile)
        {
            byte[] bin;
            try
            {
                bin = await File.ReadAllBytesAsync(keyFile.FullName, cancel).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: cannot read --key {keyFile.FullName}: {ex.Message}");
                return 1;
            }

            if (!LibNaClPrivateKey.TryParse(bin, out var loaded, out var keyError))
            {
                error.WriteLine($"error: --key {keyFile.FullName} is not a LibNaCLSK private key: {keyError.Describe()}");
                return 2;
            }

            key = loaded;
        }
        else
        {
            key = LibNaClPrivateKey.Generate();
        }

        using var keyLifetime = key;
        var bootstrap = await ResolveBootstrapAsync(config.Bootstrap, logger, cancel).ConfigureAwait(false);
        var ipv6 = config.Host.AddressFamily == AddressFamily.InterNetworkV6;
        var endpoint = new UdpEndpoint(
            new UdpEndpointOptions
            {
                Ipv4Host = ipv6 ? null : config.Host,
                Ipv6Host = ipv6 ? config.Host : null,
                Port = config.Port,
                LoopbackOnly = config.LoopbackOnly,
            },
            logs.CreateLogger<UdpEndpoint>());
        await using var node = new Ipv8Node(key, endpoint, new Ipv8NodeOptions { LoggerFactory = logs });
        if (config.Discovery && config.Community == DiscoveryCommunity.Id)
        {
            error.WriteLine($"error: --community {config.Community} is py-ipv8's DiscoveryCommunity, which the node runs already; give another id or --no-discovery.");
            return 2;
        }

        var community = node.AddCommunity(new CliCommunity(config.Community, node.CreateSettings(s => s.MaxPeers = config.MaxPeers)));
        node.AddStrategy(community, new RandomWalk(community), config.WalkTarget);
        var discovery = config.Discovery ? node.AddDiscoveryCommunity() : null;
        foreach (var overlay in (ReadOnlySpan<Community?>)[community, discovery])
        {
            if (overlay is null)
            {
                continue;
            }

            // py-ipv8's default configuration gives every overlay a copy of the same bootstrapper.
            if (bootstrap is { } servers)
            {
                overlay.Bootstrappers.Add(new AddressListBootstrapper(servers.Addresses, servers.Names, logger: logger));
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
            error.WriteLine($"error: cannot bind UDP {config.Host}:{config.Port}: {ex.Message}");
            return 1;
        }

        WarnAboutMissingFamilies(config, endpoint, error);
        var bound = endpoint.Ipv4Address ?? endpoint.Ipv6Address ?? UdpAddress.Any;
        CliLog.NodeRunning(
            logger,
            key.PublicKey.ToString(),
            Convert.ToHexStringLower(key.PublicKey.Mid),
            bound.ToString(),
            config.Community.ToString(),
            config.Bootstrap.Count == 0 ? "none" : string.Join(", ", config.Bootstrap),
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
            error.WriteLine($"error: cannot write --report {config.Report?.FullName}: {ex.Message}");
            return 1;
        }

        return 0;
    }

    /// <summary>
    /// Warns, one line per address family, about the <c>--peer</c> and <c>--bootstrap</c> hosts the node can never
    /// reach because it has no socket of their family (an IPv4 peer of a node bound to <c>::1</c>): the endpoint would
    /// only count their sends as failures.
    /// </summary>
    internal static void WarnAboutMissingFamilies(NodeConfig config, IEndpoint endpoint, TextWriter error)
    {
        var targets = config.Peers.Select(p => (Label: $"--peer {p}", p.Family, Dns: p.IsDnsName))
            .Concat(config.Bootstrap.Select(b => (Label: $"--bootstrap {b}", Family: b.IsPublic ? AddressFamily.InterNetwork : b.Server.Family, Dns: b.IsPublic || b.Server.IsDnsName)))
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
    }

    private static BootstrapTarget ParseBootstrap(string text) =>
        CliArguments.TryParseBootstrap(text, out var target, out var error) ? target : throw new ArgumentException(error, nameof(text));

    private static HostPort ParsePeer(string text) =>
        HostPort.TryParse(text, out var peer, out var error) ? peer : throw new ArgumentException($"--peer {text} {error}.", nameof(text));

    /// <summary>
    /// The bootstrap servers' addresses, and the names that do not resolve now (left to the bootstrapper, which tries
    /// again when it initializes). Names (and the public trackers' names) are resolved here, before the node starts, so
    /// that the first bootstrap already reaches them. Null when no server is given.
    /// </summary>
    internal static async Task<(List<UdpAddress> Addresses, List<(string Host, ushort Port)> Names)?> ResolveBootstrapAsync(IReadOnlyList<BootstrapTarget> targets, ILogger logger, CancellationToken cancel)
    {
        if (targets.Count == 0)
        {
            return null;
        }

        var addresses = new List<UdpAddress>();
        var servers = new List<HostPort>();
        foreach (var target in targets)
        {
            if (target.IsPublic)
            {
                addresses.AddRange(AddressListBootstrapper.PublicTrackerAddresses);
                servers.AddRange(AddressListBootstrapper.PublicTrackerNames.Select(n => new HostPort(null, n.Host, n.Port)));
            }
            else
            {
                servers.Add(target.Server);
            }
        }

        var (resolved, unresolved) = await HostPort.ResolveAsync(servers, TimeSpan.FromSeconds(10), logger, cancel).ConfigureAwait(false);
        addresses.AddRange(resolved);
        return ([.. addresses.Distinct()], [.. unresolved.Select(n => (n.DnsName!, n.Port))]);
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ipv8.Cli.Hosting;
using Ipv8.Cli.Plotting;
using Ipv8.Engine;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.Logging;

namespace Ipv8.Cli.Commands;

/// <summary>What <c>ipv8 swarm</c> runs.</summary>
internal sealed record SwarmConfig
{
    public const int MaxNodes = 10_000;

    public int Nodes { get; init; } = 20;

    /// <summary>The run's time limit.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(DefaultDurationSeconds);

    /// <summary>
    /// The default time limit. The default 20 nodes need 19 verified peers each, every other node: about 190 pairs found
    /// by random walks, 2 steps a second a node, a coupon collector that takes ~30 s on average (measured
    /// 23-42 s in memory on the shared 2-core machine, UDP alike), so a limit of 30 s failed about half the runs.
    /// </summary>
    public const int DefaultDurationSeconds = 60;

    /// <summary>Seconds of time limit per node in the default for large swarms: 10,000 nodes get 300 s.</summary>
    public const double DefaultSecondsPerNode = 0.03;

    /// <summary>
    /// The time limit when <c>--duration</c> is not given: <see cref="DefaultDurationSeconds"/>, or
    /// <see cref="DefaultSecondsPerNode"/> per node once that is more (from 2,000 nodes). 10,000 nodes converged in
    /// 38–64 s on a quiet 2-core machine but 71–140 s in 4 of 30 runs (a node whose only peer is full waits for a
    /// keep-alive to the tracker), so 60 s would fail them.
    /// </summary>
    public static TimeSpan DefaultDuration(int nodes) => TimeSpan.FromSeconds(Math.Max(DefaultDurationSeconds, nodes * DefaultSecondsPerNode));

    public FileInfo? Report { get; init; }

    /// <summary>Draw verified peers per node over time into this SVG file (<c>--plot</c>); null for no picture.</summary>
    public FileInfo? Plot { get; init; }

    /// <summary>Use the in-memory network instead of UDP sockets.</summary>
    public bool InMemory { get; init; }

    /// <summary>The tracker's port; node i gets BasePort + 1 + i. 0: any free ports (UDP), 20000 (in-memory).</summary>
    public int BasePort { get; init; }

    public int MaxPeers { get; init; } = CommunitySettings.DefaultMaxPeers;

    /// <summary>Seeds the walks' and communities' random choices (keys stay random).</summary>
    public int? Seed { get; init; }

    /// <summary>Keep running after convergence until the duration is over.</summary>
    public bool RunFull { get; init; }

    /// <summary>Nodes started together before a pause of <see cref="BatchDelay"/>.</summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>
    /// The pause between batches; null: none when the nodes share receive threads (their walks pause while those threads
    /// are behind; measured: 10,000 nodes started in 8.6 s without a datagram lost), 100 ms otherwise (in-memory,
    /// <c>--no-sharing</c>, where the per-socket receive loops of the first nodes need the time).
    /// </summary>
    public TimeSpan? BatchDelay { get; init; }

    /// <summary>The receive mode of the nodes' sockets; null picks Async above 16 nodes.</summary>
    public ReceiveMode? ReceiveMode { get; init; }

    /// <summary>
    /// Nodes in Async mode share the process's receive threads (a <see cref="UdpEndpointGroup"/>) and one timer wheel
    /// (<see cref="Engine.Tasks.TimerWheel"/>) instead of loops and timers of their own (issue 13). False: every node on
    /// its own, as before, for comparison.
    /// </summary>
    public bool Share { get; init; } = true;

    /// <summary>
    /// A node stops walking at this many peers (py-ipv8's walker <c>target_peers</c>, 20 in its default configurations);
    /// -1 walks always.
    /// </summary>
    public int WalkTarget { get; init; } = DefaultWalkTarget;

    public const int DefaultWalkTarget = 20;

    /// <summary>
    /// The least time between two bootstraps of a node (py-ipv8's <c>bootstrap_timeout</c>, 30 s). A node with no peer
    /// at all asks the tracker again only after this; the demo's tracker is local, so the default is shorter.
    /// </summary>
    public TimeSpan BootstrapInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a progress line goes to standard error; null for none.</summary>
    public TimeSpan? ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the probe thread (<see cref="LibsodiumProbeThread"/>) measures a batch of libsodium operations during
    /// the run; not a command-line option (tests shorten or lengthen it).
    /// </summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Verified peers every node needs for the swarm to have converged: min(N − 1, 20).</summary>
    public int ConvergenceTarget => Math.Min(Nodes - 1, 20);
}

/// <summary>The outcome of a swarm run, as written in the report (<c>StartupSeconds</c>: null when not every node started).</summary>
internal sealed record SwarmResult(
    int Nodes,
    string Transport,
    bool Converged,
    double? SecondsToConverge,
    int PeersMin,
    double PeersMedian,
    int PeersMax,
    long PacketsSent,
    long PacketsReceived,
    int TargetPeers,
    int MaxPeers,
    int WalkTarget,
    double? StartupSeconds,
    double SecondsRunning,
    string Tracker,
    SwarmCosts Costs)
{
    /// <summary>
    /// Nodes started before the run ended: fewer than <see cref="Nodes"/> when Ctrl+C, SIGTERM or the time limit came
    /// during the startup. The per-node figures are over these.
    /// </summary>
    public int NodesStarted { get; init; }

    /// <summary>Ctrl+C or SIGTERM ended the run (not convergence, not the time limit).</summary>
    public bool Interrupted { get; init; }

    /// <summary>The nodes' UDP receive mode; null in memory (no sockets).</summary>
    public string? ReceiveMode { get; init; }

    /// <summary>Whether the nodes shared the timer wheel and (Async UDP) the receive threads: false with <c>--no-sharing</c>.</summary>
    public bool Sharing { get; init; } = true;

    /// <summary>Nodes started together.</summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>The pause between batches of started nodes in force, in milliseconds.</summary>
    public double BatchDelayMs { get; init; }

    /// <summary>The time limit the run had (<c>--duration</c>), in seconds; not in the report.</summary>
    public double TimeLimitSeconds { get; init; }

    /// <summary>
    /// The process's working set just before the tracker and the nodes started (the runtime, the CLI, libsodium); the
    /// summary's memory per node counts above it. Null: not measured. Not in the report.
    /// </summary>
    public long? BaselineWorkingSetBytes { get; init; }

    public string ToJson() => Json.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("nodes", Nodes);
        writer.WriteBoolean("converged", Converged);
        if (SecondsToConverge is { } seconds)
        {
            writer.WriteNumber("seconds_to_converge", Math.Round(seconds, 3));
        }
        else
        {
            writer.WriteNull("seconds_to_converge");
        }

        writer.WriteStartObject("peers_per_node");
        if (NodesStarted > 0)
        {
            writer.WriteNumber("min", PeersMin);
            writer.WriteNumber("median", PeersMedian);
            writer.WriteNumber("max", PeersMax);
        }
        else
        {
            // No node to count: null, not the 0 peers of nodes that found none.
            writer.WriteNull("min");
            writer.WriteNull("median");
            writer.WriteNull("max");
        }

        writer.WriteEndObject();
        writer.WriteNumber("packets_sent", PacketsSent);
        writer.WriteNumber("packets_received", PacketsReceived);
        writer.WriteNumber("nodes_started", NodesStarted);
        writer.WriteBoolean("interrupted", Interrupted);
        writer.WriteString("transport", Transport);
        writer.WriteNumber("target_peers", TargetPeers);
        writer.WriteNumber("max_peers", MaxPeers);
        writer.WriteNumber("walk_target", WalkTarget);
        if (ReceiveMode is { } mode)
        {
            writer.WriteString("receive_mode", mode);
        }
        else
        {
            writer.WriteNull("receive_mode");
        }

        writer.WriteBoolean("sharing", Sharing);
        writer.WriteNumber("batch_size", BatchSize);
        writer.WriteNumber("batch_delay_ms", Math.Round(BatchDelayMs, 3));
        if (StartupSeconds is { } startup)
        {
            writer.WriteNumber("startup_seconds", Math.Round(startup, 3));
        }
        else
        {
            writer.WriteNull("startup_seconds");
        }

        writer.WriteNumber("seconds_running", Math.Round(SecondsRunning, 3));
        writer.WriteString("tracker", Tracker);
        Costs.Write(writer);
        writer.WriteEndObject();
    });
}

/// <summary>
/// <c>ipv8 swarm [--nodes N] [--duration S] [--report FILE]</c>: N nodes and a tracker on 127.0.0.1 in one process,
/// with live progress on standard error, then a summary and the report JSON.
/// </summary>
internal static class SwarmCommand
{
    private const int DefaultNodes = 20;

    public static Command Create()
    {
        var nodes = new Option<int>("--nodes")
        {
            Description = $"Number of nodes (1-{SwarmConfig.MaxNodes}).",
            DefaultValueFactory = _ => DefaultNodes,
        }.Check(new IntRange(1, SwarmConfig.MaxNodes, $"from 1 to {SwarmConfig.MaxNodes}"));
        var duration = new Option<double>("--duration")
        {
            Description = "Time limit of the run, in seconds. The swarm stops earlier once it has converged, unless --run-full. Default: 60, or 0.03 s a node from 2,000 nodes (10,000 nodes: 300).",
            HelpName = "seconds",
        }.CheckAsGiven(value => value is > 0 and <= 3600 && TimeSpan.FromSeconds(value) > TimeSpan.Zero, "--duration must be more than 0 and at most 3600 seconds"); // 1e-300 would be a zero limit
        var report = CliArguments.Report("Write the report JSON to this file instead of standard output.");
        var plot = CliArguments.SvgFile("--plot", "Draw verified peers per node over time, the target and the moment of convergence into this SVG file.");
        var inMemory = new Option<bool>("--in-memory")
        {
            Description = "Use a simulated in-process network instead of UDP sockets (the report says \"transport\":\"in-memory\").",
        };
        var basePort = new Option<int>("--base-port")
        {
            Description = "The tracker's port on 127.0.0.1; node i gets base+1+i. Default 0: free ports chosen by the system.",
            HelpName = "port",
        };
        var maxPeers = CliArguments.MaxPeers();
        var seed = new Option<int?>("--seed") { Description = "Seed for the walks' random choices (keys stay random)." };
        var runFull = new Option<bool>("--run-full") { Description = "Keep running until --duration even after convergence." };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "Nodes started together before a pause of --batch-delay.",
            DefaultValueFactory = _ => 50,
        }.Check(new IntRange(1, int.MaxValue, "at least 1"));
        var batchDelay = new Option<int?>("--batch-delay")
        {
            Description = "Milliseconds between batches of started nodes. Default: 0 with shared receive threads, 100 otherwise.",
            HelpName = "ms",
        }.Check(value => value is null or (>= 0 and <= 10_000), value => string.Create(CultureInfo.InvariantCulture, $"--batch-delay must be 0-10000 ms, got '{value}'."));
        var walkTarget = CliArguments.WalkTarget("A node stops walking once it has this many verified peers (py-ipv8's target_peers); -1: always walk.");
        var receiveMode = new Option<ReceiveMode?>("--receive-mode")
        {
            Description = "UDP receive mode of the nodes: Async or DedicatedThread. Default: Async above 16 nodes.",
        };
        var bootstrapInterval = CliArguments.Seconds("--bootstrap-interval", "Least seconds between two bootstraps of a node (py-ipv8: 30); a node without peers asks the tracker again after this.", 5, 0.1, 3600);
        var noSharing = new Option<bool>("--no-sharing")
        {
            Description = "Give every Async node receive loops, buffers and timers of its own instead of the process's shared receive threads and timer wheel (for comparison).",
        };
        var quiet = new Option<bool>("--quiet") { Description = "No first line and no progress lines: only warnings, the summary and errors on standard error." };
        var logLevel = CliArguments.LogLevel(LogLevel.Warning);

        var command = new Command("swarm", "Run N nodes and a tracker on 127.0.0.1 in this process until every node has min(N-1, 20) verified peers.")
        {
            nodes, duration, report, plot, inMemory, basePort, maxPeers, seed, runFull, batchSize, batchDelay, walkTarget, bootstrapInterval, receiveMode, noSharing, quiet, logLevel,
        };
        command.Validators.Add(result =>
        {
            int port, count;
            try
            {
                port = result.GetValue(basePort);
                count = result.GetResult(nodes) is null ? DefaultNodes : result.GetValue(nodes);
            }
            catch (InvalidOperationException)
            {
                return; // a value that does not convert is its own parse error
            }

            if (port != 0 && (port < 1024 || port + count > 65535))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"--base-port must be 0, or 1024-{65535 - count} for {count} nodes, got '{port}'."));
            }

            if (CliArguments.SameFile(result, report, plot) is { } same)
            {
                result.AddError(same);
            }

            if (result.GetResult(receiveMode) is { Implicit: false } && result.GetValue(inMemory))
            {
                result.AddError("--receive-mode sets how UDP sockets are read, and --in-memory has none: give one of the two.");
            }
        });
        command.SetAction(async (result, token) =>
        {
            var config = new SwarmConfig
            {
                Nodes = result.GetValue(nodes),
                Duration = DurationOf(result),
                Report = result.GetValue(report),
                Plot = result.GetValue(plot),
                InMemory = result.GetValue(inMemory),
                BasePort = result.GetValue(basePort),
                MaxPeers = result.GetValue(maxPeers),
                Seed = result.GetValue(seed),
                RunFull = result.GetValue(runFull),
                BatchSize = result.GetValue(batchSize),
                BatchDelay = result.GetValue(batchDelay) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                WalkTarget = result.GetValue(walkTarget),
                BootstrapInterval = TimeSpan.FromSeconds(result.GetValue(bootstrapInterval)),
                ReceiveMode = result.GetValue(receiveMode),
                Share = !result.GetValue(noSharing),
                ProgressInterval = result.GetValue(quiet) ? null : TimeSpan.FromSeconds(1),
            };
            using var shutdown = new Shutdown(token);
            using var logs = Logs.ToStandardError(result.GetValue(logLevel));
            var io = result.InvocationConfiguration;
            return await RunAsync(config, io.Output, io.Error, logs, shutdown.Token).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The run's time limit: <c>--duration</c> as given, or <see cref="SwarmConfig.DefaultDuration"/> for <c>--nodes</c>.</summary>
    internal static TimeSpan DurationOf(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.CommandResult.Children.OfType<OptionResult>().Any(o => o.Option.Name == "--duration" && !o.Implicit)
            ? TimeSpan.FromSeconds(result.GetValue<double>("--duration"))
            : SwarmConfig.DefaultDuration(result.GetValue<int>("--nodes"));
    }

    /// <summary>The exit code of a run that Ctrl+C or SIGTERM stopped: 130, as <c>ipv8 bench</c> (128 + SIGINT).</summary>
    public const int Interrupted = BenchCommand.Interrupted;

    /// <summary>
    /// Runs the swarm, prints progress and the summary to <paramref name="error"/> and the report to the report file or
    /// <paramref name="output"/>. Returns, the first that applies: 1 when it could not start or the report or plot could
    /// not be written, 130 when Ctrl+C or SIGTERM (<paramref name="cancel"/>) stopped it, 0 when it converged, 1 when it did not.
    /// </summary>
    public static async Task<int> RunAsync(SwarmConfig config, TextWriter output, TextWriter error, ILoggerFactory logs, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (MaxPeersWarning(config) is { } warning)
        {
            error.WriteLine(warning);
        }

        if (WalkTargetWarning(config) is { } walkWarning)
        {
            error.WriteLine(walkWarning);
        }

        await using var swarm = new Swarm(config, logs);
        SwarmResult result;
        try
        {
            result = await swarm.RunAsync(error, cancel).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            error.WriteLine($"error: cannot bind a UDP socket on 127.0.0.1: {ex.Message}");
            return 1;
        }

        WriteSummary(result, error);
        try
        {
            Json.Emit(result.ToJson(), config.Report, output);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine(OutputFiles.CannotWrite("--report", config.Report, ex));
            return 1;
        }

        if (config.Plot is not null && swarm.Series is not null)
        {
            try
            {
                SwarmPlot.Save(swarm.Series, config.Plot);
                error.WriteLine($"swarm: plot written to '{config.Plot.FullName}'");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error.WriteLine(OutputFiles.CannotWrite("--plot", config.Plot, ex));
                return 1;
            }
        }

        return result.Interrupted ? Interrupted : result.Converged ? 0 : 1;
    }

    /// <summary>
    /// A warning when <c>--max-peers</c> is below the convergence target: a node above max_peers peers stops answering
    /// introduction requests, so the nodes can hardly all reach the target; null otherwise (-1 is unlimited).
    /// </summary>
    internal static string? MaxPeersWarning(SwarmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return BelowTarget(config, "--max-peers", config.MaxPeers, $"a node with more than {Counted.Of(config.MaxPeers, "peer")} stops answering introduction requests");
    }

    /// <summary>
    /// A warning when <c>--walk-target</c> is below the convergence target: every node stops walking with fewer verified
    /// peers than it needs (at 0, none walks at all), and only other nodes' walks could bring it more. Null otherwise.
    /// </summary>
    internal static string? WalkTargetWarning(SwarmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return BelowTarget(config, "--walk-target", config.WalkTarget, $"a node with {Counted.Of(config.WalkTarget, "verified peer")} stops walking");
    }

    /// <summary>CPU seconds with two decimals, or up to five below 1 (a few nodes' signatures: "0.00852", not "0.00").</summary>
    internal static string CpuSeconds(double seconds) =>
        seconds.ToString(seconds >= 1 ? "F2" : "0.00###", CultureInfo.InvariantCulture);

    /// <summary>"swarm: warning: OPTION V is below the T verified peers every node needs to converge; WHY, so …" when 0 ≤ V &lt; T.</summary>
    private static string? BelowTarget(SwarmConfig config, string option, int value, string why)
    {
        var target = config.ConvergenceTarget;
        return value >= 0 && value < target
            ? string.Create(CultureInfo.InvariantCulture, $"swarm: warning: {option} {value} is below the {Counted.Of(target, "verified peer")} every node needs to converge; {why}, so the swarm will most likely not converge")
            : null;
    }

    /// <summary>
    /// What follows the peak working set in the summary: " (B MiB before the start; ~N KiB per node above it)", the
    /// working set measured before the tracker and the nodes started (the runtime's own ~50 MiB) and, from 100 nodes up,
    /// the growth over it per node started (rounded; below 100 the few nodes' share is lost in the runtime's own
    /// growth). Without a baseline: " (~N KiB per node, runtime included)" from 100 nodes up, empty below.
    /// </summary>
    internal static string PerNode(long peakWorkingSetBytes, long? baselineBytes, int nodes)
    {
        var c = CultureInfo.InvariantCulture;
        if (baselineBytes is not { } baseline)
        {
            return nodes >= 100 ? string.Create(c, $" (~{KiB(peakWorkingSetBytes / (double)nodes)} KiB per node, runtime included)") : string.Empty;
        }

        var perNode = nodes >= 100 ? string.Create(c, $"; ~{KiB(Math.Max(0, peakWorkingSetBytes - baseline) / (double)nodes)} KiB per node above it") : string.Empty;
        return string.Create(c, $" ({Mib(baseline)} before the start{perNode})");

        static string KiB(double bytes) => Math.Round(bytes / 1024, MidpointRounding.AwayFromZero).ToString("F0", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Seconds as given, without trailing zeros and down to the clock's 100 ns: "30", "2.5", "0.0001"; below that in exponent form ("1E-08").
    /// </summary>
    internal static string Limit(double seconds)
    {
        var text = seconds.ToString("0.#######", CultureInfo.InvariantCulture);
        return text == "0" && seconds > 0 ? seconds.ToString("R", CultureInfo.InvariantCulture) : text; // 1E-08, not 0
    }

    /// <summary>Bytes as MiB with one decimal, rounded: "8.6 MiB".</summary>
    internal static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F1} MiB");

    /// <summary>"UDP on 127.0.0.1" or "an in-memory network": what the nodes talk over.</summary>
    internal static string Over(string transport) => transport == "in-memory" ? "a simulated in-memory network" : "UDP on 127.0.0.1";

    /// <summary>
    /// Whether a progress line is due, <paramref name="sinceLast"/> after the last one, on a poll every
    /// <paramref name="poll"/>: within half a poll of <paramref name="interval"/> counts, so that a poll as long as the
    /// interval (10,000 nodes: both 1 s) does not skip every other line when a tick comes a hair early.
    /// </summary>
    internal static bool ProgressDue(TimeSpan sinceLast, TimeSpan interval, TimeSpan poll) => sinceLast >= interval - (poll / 2);

    /// <summary>
    /// How often the run looks at every node's peer count: 100 ms up to 1,000 nodes, then 0.1 ms per node (1 s at
    /// 10,000), so that watching stays a small share of the work (at 10 Hz it was 4.5% of a 10,000-node run's CPU).
    /// </summary>
    internal static TimeSpan PollInterval(int nodes) => TimeSpan.FromMilliseconds(Math.Clamp(nodes / 10, 100, 1_000));

    /// <summary>The summary lines (standard error) of a finished run.</summary>
    internal static void WriteSummary(SwarmResult result, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(error);
        var c = CultureInfo.InvariantCulture;
        var costs = result.Costs;
        var all = result.NodesStarted == result.Nodes;
        var stopped = result.Interrupted ? "interrupted" : "the time limit came";
        error.WriteLine(all
            ? string.Create(c, $"swarm: {Counted.Of(result.Nodes, "node")} and a tracker ({result.Tracker}) over {Over(result.Transport)}, started in {result.StartupSeconds:F1} s")
            : string.Create(c, $"swarm: {result.NodesStarted} of {Counted.Of(result.Nodes, "node")} started ({stopped} during the startup) and a tracker ({result.Tracker}) over {Over(result.Transport)}"));
        var target = Counted.Of(result.TargetPeers, "verified peer");
        error.WriteLine((result.Converged, result.Interrupted) switch
        {
            (true, false) when result.TargetPeers == 0 => string.Create(c, $"converged in {result.SecondsToConverge:F1} s: a single node needs no peer (target min(N − 1, 20) = 0)"),
            (true, false) => string.Create(c, $"converged in {result.SecondsToConverge:F1} s: every node has at least {target}"),
            (true, true) => string.Create(c, $"converged in {result.SecondsToConverge:F1} s: every node has at least {target}; interrupted after {result.SecondsRunning:F1} s (Ctrl+C or SIGTERM)"),
            (false, true) => string.Create(c, $"interrupted after {result.SecondsRunning:F1} s (Ctrl+C or SIGTERM), before converging (target: {target} per node)"),
            (false, false) => string.Create(c, $"did NOT converge within the time limit of {Limit(result.TimeLimitSeconds)} s (--duration; stopped after {result.SecondsRunning:F1} s; target: {target} per node)"),
        });
        var over = all ? string.Empty : string.Create(c, $" (over the {result.NodesStarted} started)");
        error.WriteLine(result.NodesStarted == 0
            ? string.Create(c, $"peers per node: none, no node started (max_peers {result.MaxPeers}, walk target {result.WalkTarget})")
            : string.Create(c, $"peers per node{over}: min {result.PeersMin}, median {result.PeersMedian}, max {result.PeersMax} (max_peers {result.MaxPeers}, walk target {result.WalkTarget})"));
        error.WriteLine(string.Create(c, $"packets: {result.PacketsSent} sent, {result.PacketsReceived} received (every node and the tracker)"));
        error.WriteLine(string.Create(c, $"process: {costs.CpuSeconds:F1} s CPU (user+sys) over the run, peak working set {Mib(costs.PeakWorkingSetBytes)}{PerNode(costs.PeakWorkingSetBytes, result.BaselineWorkingSetBytes, result.NodesStarted)}, {result.SecondsRunning:F1} s running, {Mib(costs.AllocatedBytes)} allocated ({Counted.Of(costs.GarbageCollections, "collection")})"));
        error.WriteLine(string.Create(c, $"signatures: {costs.SignaturesCreated} made, {costs.SignaturesVerified} checked; libsodium on one core {costs.SignPerSecond:F0} signs/s, {costs.VerifyPerSecond:F0} verifies/s ({PerCpu(costs.RateProbes)}; probes at start {Rates(costs.StartProbe)}, {During(costs.DuringProbe)}, end {Rates(costs.EndProbe)}; {(costs.RatesFromDuring ? "the rates are the batches' during the run" : "all together, each by its work")})"));
        if (costs.DuringProbe.Failure is { } failure)
        {
            error.WriteLine($"swarm: warning: the probe thread stopped early: {failure}");
        }

        error.WriteLine(costs.CryptoRatio is { } ratio
            ? string.Create(c, $"crypto ratio: {ratio:F2} (process CPU over the {CpuSeconds(costs.CryptoSeconds)} CPU-s the signatures cost at those rates)")
            : "crypto ratio: none (no signature made or checked)");
        error.WriteLine(costs.DatagramsDroppedByKernel switch
        {
            null => "kernel: UDP receive drops unknown (no /proc/net/snmp, or no sockets)",
            > 0 when result.PacketsSent > 0 && result.PacketsSent == result.PacketsReceived => string.Create(
                c,
                $"kernel: {costs.DatagramsDroppedByKernel} UDP datagrams dropped for a full receive buffer during the run (RcvbufErrors, machine-wide); the swarm's nodes received as many datagrams as they sent, so these were most likely other processes'"),
            { } drops => string.Create(c, $"kernel: {drops} UDP datagrams dropped for a full receive buffer during the run (RcvbufErrors, machine-wide)"),
        });
        error.Flush();
    }

    /// <summary>"SIGNS/VERIFIES" per second of a probe (the mean of its CPUs'), as the summary prints them: "53889/17321".</summary>
    private static string Rates(ProbeSet probe) => Rates(probe.Rates);

    private static string Rates(CryptoRates rates) =>
        string.Create(CultureInfo.InvariantCulture, $"{rates.SignPerSecond:F0}/{rates.VerifyPerSecond:F0}");

    /// <summary>
    /// Where the rates come from, CPU by CPU: "the mean of cpu0 58867/19612 and cpu1 43396/14068", "cpu0 58867/19612" for
    /// one CPU, "probes not pinned to a CPU" where no CPU could be pinned; batches that could not be pinned among pinned
    /// ones follow as " (batches not pinned 58867/19612, left out)": the mean is of the CPUs measured as such.
    /// </summary>
    internal static string PerCpu(ProbeSet probes)
    {
        var cpus = probes.Cpus;
        if (cpus.Length == 1 && cpus[0].Cpu < 0)
        {
            return "probes not pinned to a CPU";
        }

        var parts = new List<string>(cpus.Length);
        string? unpinned = null;
        foreach (var cpu in cpus)
        {
            if (cpu.Cpu >= 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"cpu{cpu.Cpu} {Rates(cpu.Work.Rates)}"));
            }
            else
            {
                unpinned = $" (batches not pinned {Rates(cpu.Work.Rates)}, left out)";
            }
        }

        var mean = parts.Count switch
        {
            0 => "no probe",
            1 => parts[0],
            _ => $"the mean of {string.Join(", ", parts[..^1])} and {parts[^1]}",
        };
        return mean + unpinned;
    }

    /// <summary>The probe thread's part of the summary: "during 58012/18870 over 15 batches", or "none during the run".</summary>
    internal static string During(DuringProbes during) => during.Batches > 0
        ? string.Create(CultureInfo.InvariantCulture, $"during {Rates(during.Work)} over {Counted.Of(during.Batches, "batch", "batches")}")
        : "none during the run";

    /// <summary>The nodes and the tracker of one run.</summary>
    private sealed class Swarm(SwarmConfig config, ILoggerFactory logs) : IAsyncDisposable
    {
        private readonly List<(Ipv8Node Node, Community Community)> _nodes = new(config.Nodes);
        private readonly Lock _nodesLock = new();
        private int _started; // nodes whose Start returned (a node runs from then until the swarm is disposed)
        private readonly InMemoryNetwork? _network = config.InMemory ? new InMemoryNetwork(config.BasePort == 0 ? 20_000 : config.BasePort) : null;

        // What the nodes share (issue 13): one set of receive threads for every Async socket, one timer wheel for every
        // node's walk loop and tasks. The tracker keeps its own dedicated threads and the system timers.
        private readonly UdpEndpointGroup? _group = config.Share && !config.InMemory && NodeMode(config) == Engine.Endpoints.ReceiveMode.Async ? new UdpEndpointGroup() : null;
        private readonly Engine.Tasks.TimerWheel? _wheel = config.Share ? new Engine.Tasks.TimerWheel() : null;

        // With sharing, one thread steps every node's walk (the nodes have no walk loop of their own); it waits while the
        // shared receive threads are more than MaxWalkLag behind.
        private SwarmWalks? _walks;

        /// <summary>
        /// How far the shared receive threads may fall behind (<see cref="UdpEndpointGroup.Lag"/>) before the walks wait.
        /// Thousands of nodes in one process can send introduction requests faster than the same process can verify and
        /// answer them: without waiting, a loaded machine queues ever more requests in the sockets, every answer comes
        /// after its walk timed out, and the swarm never converges (measured with 5,000 nodes, docs/benchmarks.md issue
        /// 13). py-ipv8 runs the same walk and the same receives on one event loop, which paces it the same way.
        /// </summary>
        private static readonly TimeSpan MaxWalkLag = TimeSpan.FromMilliseconds(200);
        private Tracker? _tracker;

        /// <summary>The samples for <c>--plot</c>; null without it.</summary>
        public SwarmSeries? Series { get; private set; }

        private string Transport => config.InMemory ? "in-memory" : "udp";

        public async Task<SwarmResult> RunAsync(TextWriter error, CancellationToken cancel)
        {
            // libsodium's rates in this process, before anything runs; the run's CPU and kernel drops count from here.
            var startProbe = LibsodiumProbe.Run();
            var dropsBefore = _network is null ? ProcessStats.UdpReceiveBufferErrors() : null;
            var cpuBefore = ProcessStats.ProcessCpuSeconds();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var collectionsBefore = GC.CollectionCount(0);

            // libsodium during the run, on a thread of its own, inside the CPU span: its CPU is taken out of the run's below.
            using var probes = new LibsodiumProbeThread(config.ProbeInterval);
            probes.Start();
            var clock = Stopwatch.StartNew();
            if (config.Plot is not null)
            {
                Series = new SwarmSeries(config.Nodes, Transport, config.ConvergenceTarget, SwarmSeries.IntervalFor(config.Duration));
            }

            using var until = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            until.CancelAfter(config.Duration);

            var baseline = Environment.WorkingSet; // the runtime's own, before the tracker and the nodes: the summary's per node counts above it
            _tracker = Tracker.Create(CreateEndpoint(config.BasePort, isTracker: true), logs, Math.Max(2_000, 2 * config.Nodes), enableMetrics: false);
            _tracker.Start();
            var trackerAddress = _tracker.Address;
            if (config.ProgressInterval is not null)
            {
                error.WriteLine($"swarm: {Counted.Of(config.Nodes, "node")} over {Over(Transport)}, tracker on {trackerAddress}; converged when every node has {Counted.Of(config.ConvergenceTarget, "verified peer")}");
            }

            var startup = StartNodesAsync(trackerAddress, clock, until.Token);
            var interrupted = false;
            double? converged = null;
            var lastProgress = TimeSpan.Zero;
            var target = config.ConvergenceTarget;
            using var timer = new PeriodicTimer(PollInterval(config.Nodes));
            try
            {
                while (await timer.WaitForNextTickAsync(until.Token).ConfigureAwait(false))
                {
                    if (startup.IsCompleted)
                    {
                        await startup.ConfigureAwait(false); // surfaces bind errors
                    }

                    var (started, counts) = PeerCounts();
                    var done = counts.Count(c => c >= target);
                    var convergedNow = converged is null && started == config.Nodes && done == config.Nodes;
                    var now = clock.Elapsed.TotalSeconds; // one reading: the convergence line and its sample at the same x
                    if (convergedNow)
                    {
                        converged = now;
                    }

                    if (Series is not null && (convergedNow || Series.IsDue(now)))
                    {
                        Series.Add(now, counts); // the moment of convergence is always a sample
                        Series.ConvergedSeconds = converged;
                    }

                    if (config.ProgressInterval is { } interval && (ProgressDue(clock.Elapsed - lastProgress, interval, PollInterval(config.Nodes)) || converged is not null))
                    {
                        lastProgress = clock.Elapsed;
                        error.WriteLine(Progress(clock.Elapsed, started, counts, done));
                    }

                    if (converged is not null && !config.RunFull)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The time limit, Ctrl+C or SIGTERM.
                interrupted = cancel.IsCancellationRequested;
            }

            await until.CancelAsync().ConfigureAwait(false); // stops a startup still in progress
            var startupSeconds = await startup.ConfigureAwait(false);
            if (Series is not null)
            {
                Series.Interrupted = interrupted;
            }

            var running = clock.Elapsed.TotalSeconds;
            var during = probes.Stop();
            var cpuSeconds = SwarmCosts.RunCpuSeconds(ProcessStats.ProcessCpuSeconds() - cpuBefore, during.ThreadCpuSeconds);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore - during.AllocatedBytes;
            var collections = GC.CollectionCount(0) - collectionsBefore;
            var (created, verified) = SignatureTotals();
            var dropsAfter = _network is null ? ProcessStats.UdpReceiveBufferErrors() : null;
            var costs = new SwarmCosts(
                cpuSeconds,
                ProcessStats.PeakWorkingSetBytes(),
                created,
                verified,
                startProbe,
                LibsodiumProbe.Run(), // the nodes still up, as they were during the run
                dropsBefore is { } before && dropsAfter is { } after ? Math.Max(0, after - before) : null)
            {
                AllocatedBytes = allocated,
                GarbageCollections = collections,
                DuringProbe = during,
            };
            var (_, final) = PeerCounts(); // the started nodes' counts
            if (Series is not null && (converged is null || config.RunFull) && (Series.Samples.Count == 0 || Series.Samples[^1].Seconds < running))
            {
                Series.Add(running, final); // the end of a run that did not converge, or of --run-full
            }

            Array.Sort(final);
            var (sent, received) = PacketTotals();
            return new SwarmResult(
                config.Nodes,
                Transport,
                converged is not null,
                converged,
                final.Length == 0 ? 0 : final[0],
                Median(final),
                final.Length == 0 ? 0 : final[^1],
                sent,
                received,
                target,
                config.MaxPeers,
                config.WalkTarget,
                startupSeconds,
                running,
                trackerAddress.ToString(),
                costs)
            {
                NodesStarted = final.Length,
                Interrupted = interrupted,
                ReceiveMode = config.InMemory ? null : NodeMode(config).ToString(),
                Sharing = config.Share,
                BatchSize = config.BatchSize,
                BatchDelayMs = BatchDelay.TotalMilliseconds,
                TimeLimitSeconds = config.Duration.TotalSeconds,
                BaselineWorkingSetBytes = baseline,
            };
        }

        /// <summary>The pause between batches of started nodes: --batch-delay, or none with shared receive threads, 100 ms otherwise.</summary>
        private TimeSpan BatchDelay => config.BatchDelay ?? (_group is null ? TimeSpan.FromMilliseconds(100) : TimeSpan.Zero);

        public async ValueTask DisposeAsync()
        {
            (Ipv8Node Node, Community Community)[] nodes;
            lock (_nodesLock)
            {
                nodes = [.. _nodes];
            }

            _walks?.Dispose(); // no step may start on a node being stopped
            await Task.WhenAll(nodes.Select(n => n.Node.DisposeAsync().AsTask())).ConfigureAwait(false);
            foreach (var (node, _) in nodes)
            {
                node.Key.Dispose();
            }

            if (_tracker is not null)
            {
                await _tracker.DisposeAsync().ConfigureAwait(false);
                _tracker.Node.Key.Dispose();
            }

            _group?.Dispose();
            _wheel?.Dispose();
        }

        private static Engine.Endpoints.ReceiveMode NodeMode(SwarmConfig config) =>
            config.ReceiveMode ?? (config.Nodes > 16 ? Engine.Endpoints.ReceiveMode.Async : Engine.Endpoints.ReceiveMode.DedicatedThread);

        /// <summary>Starts the nodes in batches; returns the seconds on <paramref name="clock"/> when the last one started, null when stopped before.</summary>
        private async Task<double?> StartNodesAsync(UdpAddress tracker, Stopwatch clock, CancellationToken cancel)
        {
            try
            {
                var delay = BatchDelay;
                for (var i = 0; i < config.Nodes; i++)
                {
                    if (i > 0 && i % config.BatchSize == 0)
                    {
                        if (delay > TimeSpan.Zero)
                        {
                            await Task.Delay(delay, cancel).ConfigureAwait(false);
                        }
                        else
                        {
                            await Task.Yield(); // the receive threads and the walks get the cores between batches
                        }
                    }

                    cancel.ThrowIfCancellationRequested();
                    StartNode(i, tracker);
                }

                return clock.Elapsed.TotalSeconds;
            }
            catch (OperationCanceledException)
            {
                return null; // stopped before every node was up
            }
        }

        private void StartNode(int index, UdpAddress tracker)
        {
            var port = config.BasePort == 0 ? 0 : config.BasePort + 1 + index;
            var endpoint = CreateEndpoint(port, isTracker: false);
            var node = new Ipv8Node(LibNaClPrivateKey.Generate(), endpoint, new Ipv8NodeOptions
            {
                LoggerFactory = logs,
                EnableMetrics = false,
                Name = string.Create(CultureInfo.InvariantCulture, $"node{index}"),
                // The swarm reports progress itself; a summary line per node per minute would bury it.
                SummaryInterval = TimeSpan.Zero,
                TimeProvider = (TimeProvider?)_wheel ?? TimeProvider.System,
                WalkInterval = _wheel is null ? new Ipv8NodeOptions().WalkInterval : Timeout.InfiniteTimeSpan,
            });
            int? seed = config.Seed is { } s ? unchecked((s * 7919) + index) : null;
            var community = node.AddCommunity(new CliCommunity(CliCommunity.SwarmDemoId, node.CreateSettings(settings =>
            {
                settings.MaxPeers = config.MaxPeers;
                settings.RandomSeed = seed;
            })));
            community.AddBootstrapper(new AddressListBootstrapper([tracker], bootstrapInterval: config.BootstrapInterval));
            node.AddStrategy(community, new RandomWalk(community, randomSeed: seed), config.WalkTarget);
            lock (_nodesLock)
            {
                _nodes.Add((node, community)); // added before Start, so that a failed start is still disposed
                if (_wheel is not null)
                {
                    _walks ??= new SwarmWalks(new Ipv8NodeOptions().WalkInterval, _group is { } group ? () => group.Lag > MaxWalkLag : null);
                }
            }

            node.Start();
            Interlocked.Increment(ref _started);
            _walks?.Add(node);
        }

        private IEndpoint CreateEndpoint(int port, bool isTracker)
        {
            if (_network is not null)
            {
                return port == 0 ? _network.CreateEndpoint() : _network.CreateEndpoint(UdpAddress.FromIPAddress(IPAddress.Loopback, (ushort)port));
            }

            var mode = isTracker ? Engine.Endpoints.ReceiveMode.DedicatedThread : NodeMode(config);
            return new UdpEndpoint(
                new UdpEndpointOptions
                {
                    Ipv4Host = IPAddress.Loopback,
                    Port = port,
                    LoopbackOnly = true,
                    ReceiveMode = mode,
                    Group = isTracker ? null : _group,
                },
                logs.CreateLogger<UdpEndpoint>());
        }

        private (int Started, int[] Counts) PeerCounts()
        {
            // Counted under the list's lock, without a copy of the list every poll (the counts themselves take no lock).
            // Community.PeerCount reads two objects a node: polled every second over 10,000 nodes, the look-up by service
            // id through the network (~6 objects a node) took 0.7% of a core.
            lock (_nodesLock)
            {
                var counts = new int[_nodes.Count];
                for (var i = 0; i < counts.Length; i++)
                {
                    counts[i] = _nodes[i].Community.PeerCount;
                }

                return (Volatile.Read(ref _started), counts);
            }
        }

        private (long Sent, long Received) PacketTotals()
        {
            long sent = 0;
            long received = 0;
            lock (_nodesLock)
            {
                foreach (var (node, _) in _nodes)
                {
                    sent += node.Endpoint.Counters.PacketsSent;
                    received += node.Endpoint.Counters.PacketsReceived;
                }
            }

            if (_tracker is not null)
            {
                sent += _tracker.Node.Endpoint.Counters.PacketsSent;
                received += _tracker.Node.Endpoint.Counters.PacketsReceived;
            }

            return (sent, received);
        }

        /// <summary>Signatures made and checked by every node's and the tracker's communities.</summary>
        private (long Created, long Verified) SignatureTotals()
        {
            long created = 0;
            long verified = 0;
            List<Ipv8Node> nodes;
            lock (_nodesLock)
            {
                nodes = [.. _nodes.Select(n => n.Node)];
            }

            if (_tracker is not null)
            {
                nodes.Add(_tracker.Node);
            }

            foreach (var node in nodes)
            {
                foreach (var community in node.Communities)
                {
                    created += community.Counters.SignaturesCreated;
                    verified += community.Counters.SignaturesVerified;
                }
            }

            return (created, verified);
        }

        private string Progress(TimeSpan elapsed, int started, int[] counts, int done)
        {
            var sorted = counts.ToArray();
            Array.Sort(sorted);
            var (sent, received) = PacketTotals();
            return string.Create(
                CultureInfo.InvariantCulture,
                $"[{elapsed.TotalSeconds,6:F1}s] {started}/{config.Nodes} up; verified peers min {(sorted.Length == 0 ? 0 : sorted[0])} / median {Median(sorted)} / max {(sorted.Length == 0 ? 0 : sorted[^1])}; converged {done}/{config.Nodes}; packets {sent} sent, {received} received");
        }

        private static double Median(int[] sorted) => SwarmSeries.Median(sorted);
    }
}

using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Ipv8.Cli.Bench;
using Ipv8.Cli.Hosting;
using Ipv8.Cli.Plotting;
using Ipv8.Shared;
using Ipv8.Wire;

namespace Ipv8.Cli.Commands;

/// <summary>
/// One step of <c>--find-max</c> (or the one run), as reported: <paramref name="Refused"/> why the generator's numbers
/// are not a result (schedule), <paramref name="Untrusted"/> why the target's answers cannot be trusted (bad
/// signatures), <paramref name="Interrupted"/> whether Ctrl+C cut it short, <paramref name="DuringWarmup"/> whether it
/// came during the warm-up, before the step started (<paramref name="Result"/> is then empty: nothing was measured).
/// </summary>
internal sealed record BenchStepReport(BenchResult Result, string? Refused, bool Passed, IReadOnlyList<string> Findings, string? Untrusted = null, bool Interrupted = false, bool DuringWarmup = false);

/// <summary>
/// <c>ipv8 bench --target HOST:PORT --community HEX [--rate R] [--duration S] [--identities K] [--message KIND]
/// [--find-max] [--report FILE] [--plot FILE.svg]</c>: an open-loop load generator aimed at any IPv8 node over UDP.
/// </summary>
internal static class BenchCommand
{
    public const int MaxSteps = 16;

    /// <summary>py-ipv8's (and our node's) default max_peers.</summary>
    public const int DefaultMaxPeers = 30;

    /// <summary>The exit code of a run (or every --find-max step) with nothing answered: 100% loss.</summary>
    public const int NothingAnswered = 3;

    /// <summary>The exit code of a run (or search) in which a checked answer had a bad signature.</summary>
    public const int BadSignatures = 4;

    /// <summary>The exit code of a single run that completed but lost more than --max-loss of its requests (a failed run).</summary>
    public const int Failed = 5;

    /// <summary>The exit code of a run (or search) cut short by Ctrl+C.</summary>
    public const int Interrupted = 130;

    public static Command Create()
    {
        var target = new Option<IPEndPoint>("--target")
        {
            Description = "The node to load, HOST:PORT with a numeric host (127.0.0.1:8090, [::1]:8090). Only loopback unless --allow-remote.",
            Required = true,
            HelpName = "host:port",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0 && text.Contains(':', StringComparison.Ordinal))
                {
                    return endpoint;
                }

                result.AddError($"--target must be HOST:PORT with a numeric host and a port from 1 to 65535, got '{text}'.");
                return null;
            },
        };
        var community = new Option<CommunityId?>("--community")
        {
            Description = "The target's community id, 40 hex digits (not needed for --message ping, which goes to py-ipv8's DiscoveryCommunity).",
            HelpName = "hex",
            CustomParser = CliArguments.ParseCommunity,
        };
        var rate = new Option<double>("--rate")
        {
            Description = "Requests per second, sent on a fixed schedule whatever the target does (with --find-max: the first step's rate).",
            DefaultValueFactory = _ => 1000,
            HelpName = "per-second",
        }.CheckAsGiven(value => value is >= 1 and <= 1_000_000, "--rate must be 1-1000000 requests per second");
        var duration = new Option<double?>("--duration")
        {
            Description = "Seconds of sending, 0.1-3600 and at least one request interval, 1/--rate (with --find-max: per step). Default 10 (5 with --find-max).",
            HelpName = "seconds",
        }.CheckAsGiven(value => value is >= 0.1 and <= 3600, "--duration must be 0.1-3600 seconds");
        var identities = new Option<int>("--identities")
        {
            Description = "K: senders, each with its own Ed25519 key and UDP source port; requests go round them.",
            DefaultValueFactory = _ => 20,
        }.Check(new IntRange(1, 1000, "from 1 to 1000"));
        var message = new Option<string>("--message")
        {
            Description = $"What to send: {string.Join(", ", BenchMessages.Names)} (introduction-request is message 246).",
            DefaultValueFactory = _ => BenchMessages.Names[0],
            HelpName = "kind",
        }.Check(value => BenchMessages.TryParse(value, out _), value => $"--message must be one of {string.Join(", ", BenchMessages.Names)}, got '{value}'.");
        var findMax = new Option<bool>("--find-max")
        {
            Description = "Step the rate up (doubling, then halving the gap) until p99 exceeds --max-p99 or loss exceeds --max-loss; report the highest rate that met both.",
        };
        var maxP99 = new Option<double>("--max-p99")
        {
            Description = "--find-max: the p99 latency bound in ms.",
            DefaultValueFactory = _ => 50,
            HelpName = "ms",
        }.CheckAsGiven(value => value > 0, "--max-p99 must be a finite number of ms more than 0"); // Infinity: the report cannot write it
        var maxLoss = new Option<double>("--max-loss")
        {
            Description = "The loss bound in percent: a single run that loses more fails (exit 5); a --find-max step must not exceed it.",
            DefaultValueFactory = _ => 1,
            HelpName = "percent",
        }.CheckAsGiven(value => value is >= 0 and <= 100, "--max-loss must be 0-100 percent");
        var maxRate = new Option<double>("--max-rate")
        {
            Description = "--find-max: the highest rate to try.",
            DefaultValueFactory = _ => 1_000_000,
            HelpName = "per-second",
        }.CheckAsGiven(value => value is >= 1 and <= 1_000_000, "--max-rate must be 1-1000000 requests per second");
        var timeout = CliArguments.Seconds("--timeout", "An answer later than this after its request's due time counts as lost.", 2, 0.01, 60);
        var maxScheduleError = new Option<double>("--max-schedule-error")
        {
            Description = "The generator's allowed p99 lateness against its own schedule, in ms; a run that missed it is refused.",
            DefaultValueFactory = _ => 5,
            HelpName = "ms",
        }.CheckAsGiven(value => value > 0, "--max-schedule-error must be a finite number of ms more than 0");
        var report = CliArguments.Report("Write the report JSON to this file instead of standard output.");
        var plot = CliArguments.SvgFile("--plot", "Draw latency percentiles against rate (--find-max) or over time into this SVG file.");
        var allowRemote = new Option<bool>("--allow-remote")
        {
            Description = "Allow a target outside 127.0.0.0/8 and ::1. Load only nodes you run.",
        };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines." };
        var warmup = CliArguments.Seconds("--warmup", "Seconds of load at the first rate before anything is measured (JIT, caches, the target's peer table); not counted. 0: none; else at least 1/--rate.", 1, 0, 60);

        var command = new Command("bench", "Load any IPv8 node (ours, py-ipv8, kotlin-ipv8) over UDP on an open-loop schedule; report throughput, loss and latency percentiles.")
        {
            target, community, rate, duration, identities, message, findMax, maxP99, maxLoss, maxRate, timeout, maxScheduleError, report, plot, allowRemote, quiet, warmup,
        };
        command.Validators.Add(result =>
        {
            if (CliArguments.SameFile(result, report, plot) is { } same)
            {
                result.AddError(same);
            }
        });
        command.SetAction(async (result, token) =>
        {
            BenchMessages.TryParse(result.GetValue(message)!, out var kind);
            var io = result.InvocationConfiguration;
            var find = result.GetValue(findMax);
            var seconds = result.GetValue(duration);
            var config = new BenchConfig
            {
                Target = result.GetValue(target)!,
                Community = result.GetValue(community) ?? default,
                Message = kind,
                Rate = result.GetValue(rate),
                DurationSeconds = seconds ?? (find ? 5 : 10),
                Identities = result.GetValue(identities),
                FindMax = find,
                MaxP99Ms = result.GetValue(maxP99),
                MaxLoss = result.GetValue(maxLoss) / 100,
                MaxRate = result.GetValue(maxRate),
                Timeout = TimeSpan.FromSeconds(result.GetValue(timeout)),
                MaxScheduleErrorMs = result.GetValue(maxScheduleError),
                Report = result.GetValue(report),
                Plot = result.GetValue(plot),
                AllowRemote = result.GetValue(allowRemote),
                Quiet = result.GetValue(quiet),
                WarmupSeconds = result.GetValue(warmup),
            };
            if (Check(config) is { } problem)
            {
                io.Error.WriteLine($"error: {problem} (see 'ipv8 bench --help')");
                return 2;
            }

            using var shutdown = new Shutdown(token);
            return await Task.Run(() => Run(config, io.Output, io.Error, shutdown.Token)).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>What is wrong with the combination of options, or null.</summary>
    internal static string? Check(BenchConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!IPAddress.IsLoopback(config.Target.Address) && !config.AllowRemote)
        {
            return $"--target {config.Target} is not a loopback address; loading another machine needs --allow-remote (only nodes you run).";
        }

        if (config.Message != BenchMessage.Ping && config.Community == default)
        {
            return $"--message {BenchMessages.Name(config.Message)} needs --community (the target's community id).";
        }

        if (config.Target.AddressFamily == AddressFamily.InterNetworkV6 && BenchMessages.IsIpv4Only(config.Message))
        {
            return $"--message {BenchMessages.Name(config.Message)} carries IPv4 addresses only; for an IPv6 target use new-{BenchMessages.Name(config.Message)}.";
        }

        if (config.FindMax && config.MaxRate < config.Rate)
        {
            return string.Create(CultureInfo.InvariantCulture, $"--max-rate must not be below --rate, got --max-rate {config.MaxRate} and --rate {config.Rate}.");
        }

        // A run sends a whole number of requests, at least one, so a span shorter than one request interval would be
        // stretched to one interval (--rate 1 --duration 0.5 ran 1 s). --find-max steps never go below the first rate
        // but to 10/s, which fills any allowed --duration (0.1 s).
        if (ShorterThanOneInterval("--duration", config.DurationSeconds, config.Rate) is { } duration)
        {
            return duration;
        }

        if (config.WarmupSeconds > 0 && ShorterThanOneInterval("--warmup", config.WarmupSeconds, config.Rate) is { } warmup)
        {
            return warmup;
        }

        // Identifiers are 16-bit per identity: above this rate one would come round within the cycle (twice the
        // timeout, at least 4 s), and a late answer could be credited to the newer request. --find-max stops there.
        var limit = BenchRunner.MaxRateFor(config.Identities, config.Timeout);
        if (config.Rate > limit)
        {
            var needed = (int)Math.Ceiling(config.Rate * BenchRunner.CycleSeconds(config.Timeout) / BenchRunner.MaxPoolSize);
            var peers = needed > DefaultMaxPeers
                ? string.Create(CultureInfo.InvariantCulture, $" (and a target whose max_peers is above {needed}: py-ipv8's and our node's default is {DefaultMaxPeers}, and a node with more peers drops every introduction request)")
                : string.Empty;
            // The cycle is max(4 s, 2 × timeout): a shorter timeout helps only while twice it is above 4 s.
            var shorter = config.Timeout.TotalSeconds * 2 > BenchRunner.MinimumCycleSeconds
                ? string.Create(CultureInfo.InvariantCulture, $", or a shorter --timeout (the cycle is twice it, at least {BenchRunner.MinimumCycleSeconds:0.#} s)")
                : string.Empty;
            return string.Create(
                CultureInfo.InvariantCulture,
                $"--rate {config.Rate:0.#}/s from {Counted.Of(config.Identities, "identity", "identities")} would reuse a request identifier within {BenchRunner.CycleSeconds(config.Timeout):0.#} s (65,536 per identity, at most {limit:0.#}/s); use --identities {needed} or more{peers}{shorter}.");
        }

        return null;
    }

    /// <summary>
    /// "--name S s is shorter than one request interval at --rate R/s (I s); ..." when <paramref name="seconds"/> at
    /// <paramref name="rate"/> holds less than one request; otherwise null.
    /// </summary>
    private static string? ShorterThanOneInterval(string name, double seconds, double rate)
    {
        if (seconds * rate >= 1)
        {
            return null;
        }

        // The interval rounded up to the ms, so that the value suggested is enough.
        var interval = Math.Ceiling(1000 / rate) / 1000;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{name} {seconds} s is shorter than one request interval at --rate {rate}/s ({interval} s): at least one request is sent, so it would be stretched to one interval; give {name} {interval} or more, or a higher --rate.");
    }

    /// <summary>Runs the benchmark (one rate, or the --find-max steps), writes the report; returns the exit code.</summary>
    public static int Run(BenchConfig config, TextWriter output, TextWriter error, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        BenchRunner runner;
        try
        {
            runner = new BenchRunner(config, error);
        }
        catch (SocketException ex)
        {
            error.WriteLine($"error: cannot open the bench sockets towards {config.Target}: {ex.Message}");
            return 1;
        }

        using (runner)
        {
            var target = TargetLabel(config);
            error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"bench: {BenchMessages.Name(config.Message)} to {target} from {Counted.Of(config.Identities, "identity", "identities")}, {(config.FindMax ? "finding the max rate from" : "at")} {config.Rate:0.#}/s, {config.DurationSeconds:0.#} s{(config.FindMax ? " per step" : string.Empty)}"));
            var steps = new List<BenchStepReport>();
            double? maxRate = null;
            string? stopReason = null;
            if (config.WarmupSeconds > 0)
            {
                Prepare(runner, config, config.Rate, error); // the run's pool (or the first step's): the warm-up uses it too
                var warmup = runner.Run(config.Rate, config.WarmupSeconds, cancel, progress: false);
                if (!config.Quiet)
                {
                    error.WriteLine(WarmupLine(config, warmup));
                }

                if (warmup.Generator.Interrupted)
                {
                    // Ctrl+C during the warm-up: no measured run (or step) starts.
                    steps.Add(WarmupInterrupted(warmup, config, error));
                    stopReason = config.FindMax ? "cancelled during the warm-up, before the first step" : null;
                }
            }

            // Interrupted during the warm-up (a step already): nothing more to run.
            if (steps.Count == 0 && !config.FindMax)
            {
                steps.Add(RunStep(runner, config, config.Rate, error, cancel));
            }
            else if (steps.Count == 0)
            {
                (maxRate, stopReason) = FindMax(runner, config, steps, error, cancel);
            }

            var json = config.FindMax ? FindMaxJson(config, steps, maxRate, stopReason) : SingleJson(config, steps[0]);
            try
            {
                Json.Emit(json, config.Report, output);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error.WriteLine(OutputFiles.CannotWrite("--report", config.Report, ex));
                return 1;
            }

            if (config.Plot is { } plot)
            {
                try
                {
                    BenchPlot.Save(config, steps, maxRate, plot);
                    error.WriteLine($"bench: plot written to '{plot.FullName}'");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    error.WriteLine(OutputFiles.CannotWrite("--plot", plot, ex));
                    return 1;
                }
            }

            if (config.FindMax)
            {
                WriteTable(steps, error);
                var why = stopReason ?? LimitRange(steps, maxRate);
                error.WriteLine(maxRate is { } max
                    ? string.Create(CultureInfo.InvariantCulture, $"bench: max rate {max:0.#}/s with p99 <= {config.MaxP99Ms:0.###} ms and loss <= {config.MaxLoss * 100:0.##}%{(why is null ? string.Empty : $" ({why})")}")
                    : $"bench: no rate met p99 <= {config.MaxP99Ms.ToString("0.###", CultureInfo.InvariantCulture)} ms and loss <= {(config.MaxLoss * 100).ToString("0.##", CultureInfo.InvariantCulture)}%{(why is null ? string.Empty : $" ({why})")}");
            }

            var code = ExitCode(steps, config.FindMax ? null : config.MaxLoss);
            if (code == Failed)
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench: RUN FAILED: lost {steps[0].Result.LossFraction * 100:0.##}% of the requests, more than --max-loss {config.MaxLoss * 100:0.##}% (see the findings above)"));
            }

            return code;
        }
    }

    /// <summary>
    /// The exit code of a run or search, the first that applies (docs/cli.md): 130 when Ctrl+C cut it short; 4 when
    /// the answers cannot be trusted (a checked answer had a bad signature, or answers came under more than one key),
    /// also in a refused step; 1 when no step produced a result (the one run, or every step of the search, refused);
    /// 3 when nothing was answered in any step that was not refused (100% loss, a target that is not there); 5 when
    /// the single run lost more than <paramref name="maxLoss"/> (not for --find-max, whose failed steps are part of
    /// the search); else 0, also when a refused step's retry produced a result.
    /// </summary>
    internal static int ExitCode(IReadOnlyList<BenchStepReport> steps, double? maxLoss = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Any(s => s.Interrupted))
        {
            return Interrupted;
        }

        if (steps.Any(s => s.Untrusted is not null))
        {
            return BadSignatures;
        }

        var results = steps.Where(s => s.Refused is null).ToList();
        if (results.Count == 0)
        {
            return 1;
        }

        if (results.All(s => s.Result.Answered == 0))
        {
            return NothingAnswered;
        }

        return maxLoss is { } bound && results.Any(s => s.Result.LossFraction > bound) ? Failed : 0;
    }

    /// <summary>The lowest rate above <paramref name="maxRate"/> whose step failed (kept its schedule, missed a bound), or 0.</summary>
    private static double LowestFailedRate(IReadOnlyList<BenchStepReport> steps, double? maxRate) =>
        steps.Where(s => s.Refused is null && !s.Passed && !s.Interrupted && s.Result.Rate > (maxRate ?? 0)).Select(s => s.Result.Rate).DefaultIfEmpty().Min();

    /// <summary>Where the target's limit lies after a search that converged: between the max rate and the lowest failed rate above it; null without one.</summary>
    internal static string? LimitRange(IReadOnlyList<BenchStepReport> steps, double? maxRate)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var failed = LowestFailedRate(steps, maxRate);
        return maxRate is { } max && failed > 0
            ? string.Create(CultureInfo.InvariantCulture, $"the target's limit is between {max:0.#}/s and {failed:0.#}/s")
            : null;
    }

    /// <summary>
    /// Prepares the pool of requests a run at <paramref name="rate"/> needs; when it had to grow (before the warm-up, a
    /// run without one, or a <c>--find-max</c> step at a higher rate), says how many and how long signing them took,
    /// unless <c>--quiet</c>.
    /// </summary>
    private static void Prepare(BenchRunner runner, BenchConfig config, double rate, TextWriter error)
    {
        var poolBefore = runner.PoolSize;
        runner.Prepare(runner.PoolSizeFor(rate, config.DurationSeconds));
        if (runner.PoolSize > poolBefore && !config.Quiet)
        {
            error.WriteLine(PreparedLine(runner.PoolSize, runner.LastPrepareSeconds));
        }
    }

    /// <summary>"bench: prepared N requests per identity in S s (before the clock starts)".</summary>
    internal static string PreparedLine(int poolSize, double seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"bench: prepared {Counted.Of(poolSize, "request", "requests")} per identity in {seconds:0.##} s (before the clock starts)");

    /// <summary>
    /// "bench: warm-up S s at R/s: A of N answered (not counted)"; of a warm-up that Ctrl+C cut short, how long it ran
    /// of how long: "bench: warm-up at R/s interrupted after T s of S s: A of N answered (not counted)".
    /// </summary>
    internal static string WarmupLine(BenchConfig config, BenchResult warmup)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(warmup);
        return warmup.Generator.Interrupted
            ? string.Create(CultureInfo.InvariantCulture, $"bench: warm-up at {config.Rate:0.#}/s interrupted after {warmup.DurationSeconds:0.##} s of {config.WarmupSeconds:0.##} s: {warmup.Answered} of {warmup.Sent} answered (not counted)")
            : string.Create(CultureInfo.InvariantCulture, $"bench: warm-up {config.WarmupSeconds:0.##} s at {config.Rate:0.#}/s: {warmup.Answered} of {warmup.Sent} answered (not counted)");
    }

    /// <summary>
    /// The step of a run that Ctrl+C stopped during the warm-up, before the measured run (or the first --find-max
    /// step) started: nothing measured (sent 0, duration 0), interrupted, with a finding that says so; writes the
    /// summary line "bench: INTERRUPTED during the warm-up ...".
    /// </summary>
    internal static BenchStepReport WarmupInterrupted(BenchResult warmup, BenchConfig config, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(warmup);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(error);
        var nothing = new BenchResult
        {
            Rate = config.Rate,
            DurationSeconds = 0,
            Sent = 0,
            Answered = 0,
            Late = 0,
            Duplicates = 0,
            Unmatched = 0,
            Other = 0,
            SendFailures = 0,
            AchievedRate = 0,
            Latency = null,
            Generator = new BenchGenerator { Interrupted = true },
            Verification = new BenchVerification(0, 0, 0),
            IdentitiesNeverAnswered = 0,
            LostOnNeverAnswered = 0,
            PerIdentity = [],
            Series = [],
        };
        var when = string.Create(
            CultureInfo.InvariantCulture,
            $"during the warm-up (after {warmup.DurationSeconds:0.##} s of {config.WarmupSeconds:0.##} s), before the measured {(config.FindMax ? "steps" : "run")} started: nothing was measured.");
        error.WriteLine($"bench: INTERRUPTED {when}");
        return new BenchStepReport(nothing, Refused: null, Passed: false, [$"interrupted {when}"], Interrupted: true, DuringWarmup: true);
    }

    private static BenchStepReport RunStep(BenchRunner runner, BenchConfig config, double rate, TextWriter error, CancellationToken cancel)
    {
        Prepare(runner, config, rate, error);
        var result = runner.Run(rate, config.DurationSeconds, cancel);
        return Report(result, config, error);
    }

    /// <summary>Judges one result (refused, untrusted, interrupted, passed) and writes its summary.</summary>
    internal static BenchStepReport Report(BenchResult result, BenchConfig config, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(error);
        var refused = result.ScheduleProblem(config.MaxScheduleErrorMs);
        // Forged answers or a second key are facts about the target or the path whatever the generator's schedule.
        var untrusted = result.TrustProblem();
        var interrupted = result.Generator.Interrupted;
        // A refused result's numbers describe the generator: no findings about the target.
        var findings = refused is null ? BenchFindings.Of(result, config.Message, config.Timeout, config.Target.ToString()) : [];
        var passed = refused is null && untrusted is null && !interrupted && result.Latency is { } latency && latency.P99 <= config.MaxP99Ms && result.LossFraction <= config.MaxLoss;
        if (refused is not null && untrusted is not null)
        {
            findings = [string.Create(CultureInfo.InvariantCulture, $"of {Counted.Of(result.Verification.Checked, "signed answer", "signed answers")} checked, {result.Verification.Bad} had a bad signature and {result.Verification.OtherKeys} another key than the first answer's.")];
        }

        var step = new BenchStepReport(result, refused, passed, findings, untrusted, interrupted);
        WriteSummary(step, config, error);
        return step;
    }

    /// <summary>
    /// Doubles the rate while steps pass, then halves the gap between the best pass and the first failure until they are
    /// within 10%; halves it while the first steps fail. At most <see cref="MaxSteps"/> steps; a step whose schedule
    /// could not be kept is run once more, and if it fails again the search stops there (the generator's limit, not the
    /// target's).
    /// </summary>
    private static (double? MaxRate, string? Reason) FindMax(BenchRunner runner, BenchConfig config, List<BenchStepReport> steps, TextWriter error, CancellationToken cancel) =>
        FindMax(config, rate => RunStep(runner, config, rate, error, cancel), steps, error, () => Thread.Sleep(TimeSpan.FromSeconds(1)), cancel);

    /// <summary>The search of <c>--find-max</c> over <paramref name="runStep"/> (a fake in tests); <paramref name="pause"/> lets a saturated target work off its backlog after a failed step.</summary>
    internal static (double? MaxRate, string? Reason) FindMax(BenchConfig config, Func<double, BenchStepReport> runStep, List<BenchStepReport> steps, TextWriter error, Action pause, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(runStep);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(pause);
        var inv = CultureInfo.InvariantCulture;
        double? pass = null;
        double? fail = null;
        var rate = config.Rate;
        // Above this rate request identifiers would come round within the cycle (see Check).
        var maxRate = Math.Min(config.MaxRate, Math.Floor(BenchRunner.MaxRateFor(config.Identities, config.Timeout)));
        for (var i = 0; i < MaxSteps && !cancel.IsCancellationRequested; i++)
        {
            var step = runStep(rate);
            steps.Add(step);
            if (step.Refused is not null && !cancel.IsCancellationRequested)
            {
                // One retry: on a shared machine one bad second can cost a step its schedule.
                error.WriteLine(string.Create(inv, $"bench: retrying {rate:0.#}/s once"));
                step = runStep(rate);
                steps.Add(step);
            }

            if (step.Refused is not null)
            {
                var known = fail is { } f && pass is { } p
                    ? string.Create(inv, $"the target's limit is between {p:0.#}/s and {f:0.#}/s")
                    : pass is { } p2
                        ? string.Create(inv, $"the target's limit is at least {p2:0.#}/s, not known above")
                        : "the target's limit is not known";
                return (pass, string.Create(inv, $"stopped at {rate:0.#}/s: the generator could not keep its schedule there twice, so {known}"));
            }

            if (step.Interrupted)
            {
                return (pass, "cancelled");
            }

            if (step.Untrusted is not null)
            {
                return (pass, string.Create(inv, $"stopped at {rate:0.#}/s: answers with bad signatures, so no rate can be trusted"));
            }

            if (step.Result.Answered == 0 && step.Result.PortUnreachable > 0)
            {
                return (pass, string.Create(inv, $"nothing answers at {config.Target} (port unreachable)"));
            }

            if (step.Passed)
            {
                pass = Math.Max(pass ?? 0, rate);
            }
            else
            {
                fail = Math.Min(fail ?? double.MaxValue, rate);
                pause();
            }

            double next;
            if (fail is null)
            {
                if (rate >= maxRate)
                {
                    return (pass, maxRate < config.MaxRate
                        ? string.Create(inv, $"{maxRate:0.#}/s reached, the most {Counted.Of(config.Identities, "identity", "identities")} can send without reusing a request identifier within the timeout cycle (more --identities to go higher)")
                        : string.Create(inv, $"--max-rate {config.MaxRate:0.#}/s reached"));
                }

                next = Math.Min(rate * 2, maxRate);
            }
            else if (pass is null)
            {
                if (rate <= 10)
                {
                    return (null, string.Create(inv, $"even {rate:0.#}/s failed"));
                }

                next = Math.Max(10, rate / 2);
            }
            else
            {
                if (fail.Value / pass.Value <= 1.1)
                {
                    // Converged: the search was not cut short (LimitRange says between which rates the limit is).
                    return (pass, null);
                }

                next = (pass.Value + fail.Value) / 2;
            }

            rate = Math.Min(RoundRate(next), maxRate);
        }

        return (pass, cancel.IsCancellationRequested ? "cancelled" : $"{MaxSteps} steps");
    }

    /// <summary>The steps of <c>--find-max</c> as a table, one line each.</summary>
    internal static void WriteTable(IReadOnlyList<BenchStepReport> steps, TextWriter error)
    {
        var inv = CultureInfo.InvariantCulture;
        error.WriteLine("bench: steps");
        error.WriteLine("bench:      rate/s      sent  answered   loss %     p50 ms     p99 ms  result");
        foreach (var step in steps)
        {
            var r = step.Result;
            // A refused step's numbers describe the generator, not the target: only what it sent.
            var shown = step.Refused is null;
            var answered = shown ? r.Answered.ToString(inv) : "-";
            var loss = shown ? (r.LossFraction * 100).ToString("0.##", inv) : "-";
            var p50 = shown && r.Latency is { } l ? l.P50.ToString("0.###", inv) : "-";
            var p99 = shown && r.Latency is { } l2 ? l2.P99.ToString("0.###", inv) : "-";
            var result = step.Refused is not null ? "refused (schedule)"
                : step.Untrusted is not null ? "untrusted (bad signatures)"
                : step.DuringWarmup ? "interrupted (warm-up)"
                : step.Interrupted ? "interrupted"
                : step.Passed ? "passed" : "failed";
            error.WriteLine(string.Create(inv, $"bench: {r.Rate,11:0.#} {r.Sent,9} {answered,9} {loss,8} {p50,10} {p99,10}  {result}"));
        }
    }

    /// <summary>Two significant digits (1000, 1500, 2300...), so that steps are easy to read and repeat.</summary>
    internal static double RoundRate(double rate)
    {
        if (rate < 100)
        {
            return Math.Max(1, Math.Round(rate));
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rate)) - 1);
        return Math.Round(rate / magnitude) * magnitude;
    }

    private static string TargetLabel(BenchConfig config) => config.Message == BenchMessage.Ping
        ? $"{config.Target} (DiscoveryCommunity)"
        : $"{config.Target} (community {config.Community})";

    private static void WriteSummary(BenchStepReport step, BenchConfig config, TextWriter error)
    {
        var r = step.Result;
        var inv = CultureInfo.InvariantCulture;
        var latency = r.Latency is { } l
            ? string.Create(inv, $"latency p50 {l.P50:0.###} / p90 {l.P90:0.###} / p99 {l.P99:0.###} / p99.9 {l.P999:0.###} / max {l.Max:0.###} ms")
            : "no latency (nothing answered)";
        var failures = r.SendFailures > 0 ? string.Create(inv, $", send failures {r.SendFailures}") : string.Empty;
        var unsettled = r.Unsettled > 0 ? string.Create(inv, $", still waiting when interrupted {r.Unsettled}") : string.Empty;
        error.WriteLine(step.Refused is null
            ? string.Create(inv, $"bench: {r.Rate:0.#}/s for {r.DurationSeconds:0.##} s: sent {r.Sent}{failures}, answered {r.Answered} ({RoundRate1(r.AchievedRate).ToString("0.#", inv)}/s), lost {r.Lost} ({r.LossFraction * 100:0.##}%){unsettled}, duplicates {r.Duplicates}; {latency}")
            : string.Create(inv, $"bench: {r.Rate:0.#}/s for {r.DurationSeconds:0.##} s: sent {r.Sent}{failures} (the target's numbers are left out: see below)"));
        error.WriteLine(string.Create(inv, $"bench: generator {r.Generator.CpuSeconds:0.##} s CPU, schedule error p99 {r.Generator.ScheduleErrorMsP99:0.###} ms (max {r.Generator.ScheduleErrorMsMax:0.###}), send-rate error {r.Generator.SendRateError * 100:0.##}%; signatures checked {r.Verification.Checked}, bad {r.Verification.Bad}"));
        if (step.Interrupted)
        {
            error.WriteLine(string.Create(inv, $"bench: INTERRUPTED after {Counted.Of(r.Sent, "request", "requests")} ({r.DurationSeconds:0.##} s of the schedule): the numbers above cover only that part."));
        }
        else if (step.Refused is { } refused)
        {
            error.WriteLine(r.NotSent > 0
                ? $"bench: RESULT REFUSED: {refused}."
                : $"bench: RESULT REFUSED: the generator did not keep its schedule ({refused}); its numbers would describe the generator, not the target. Lower --rate, or free the machine.");
        }

        if (step.Untrusted is { } untrusted)
        {
            error.WriteLine($"bench: RESULT UNTRUSTWORTHY: {untrusted}.");
        }
        else if (config.FindMax && !step.Interrupted && step.Refused is null)
        {
            error.WriteLine($"bench: step {(step.Passed ? "passed" : "failed")}");
        }

        foreach (var finding in step.Findings)
        {
            error.WriteLine($"bench: {finding}");
        }
    }

    internal static string SingleJson(BenchConfig config, BenchStepReport step) => Json.Write(writer =>
    {
        writer.WriteStartObject();
        WriteHeader(writer, config);
        WriteStep(writer, step, config);
        writer.WriteEndObject();
    });

    internal static string FindMaxJson(BenchConfig config, IReadOnlyList<BenchStepReport> steps, double? maxRate, string? stopReason) => Json.Write(writer =>
    {
        writer.WriteStartObject();
        WriteHeader(writer, config);
        if (maxRate is { } max)
        {
            writer.WriteNumber("max_rate", max);
        }
        else
        {
            writer.WriteNull("max_rate");
        }

        if (maxRate is not null && LowestFailedRate(steps, maxRate) is > 0 and var failed)
        {
            writer.WriteNumber("lowest_failed_rate", failed);
        }
        else
        {
            writer.WriteNull("lowest_failed_rate");
        }

        writer.WriteNumber("max_p99_ms", config.MaxP99Ms);
        writer.WriteNumber("max_loss", config.MaxLoss);
        if (stopReason is null)
        {
            writer.WriteNull("stopped");
        }
        else
        {
            writer.WriteString("stopped", stopReason);
        }

        writer.WriteStartArray("steps");
        foreach (var step in steps)
        {
            writer.WriteStartObject();
            WriteStep(writer, step, config);
            writer.WriteBoolean("passed", step.Passed);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private static void WriteHeader(Utf8JsonWriter writer, BenchConfig config)
    {
        writer.WriteString("target", config.Target.ToString());
        writer.WriteString("message", BenchMessages.Name(config.Message));
        writer.WriteString("community_id", config.Message == BenchMessage.Ping ? Wire.Discovery.DiscoveryCommunityMessages.CommunityId.ToString() : config.Community.ToString());
        writer.WriteNumber("identities", config.Identities);
    }

    private static void WriteStep(Utf8JsonWriter writer, BenchStepReport step, BenchConfig config)
    {
        var r = step.Result;
        writer.WriteNumber("rate", r.Rate);
        writer.WriteNumber("duration_s", Math.Round(r.DurationSeconds, 3));
        writer.WriteNumber("sent", r.Sent);
        writer.WriteNumber("send_failures", r.SendFailures);
        // A refused result reports only what the generator did: the target's numbers would be the generator's.
        if (step.Refused is null)
        {
            writer.WriteNumber("answered", r.Answered);
            writer.WriteNumber("lost", r.Lost);
            writer.WriteNumber("late", r.Late);
            writer.WriteNumber("duplicates", r.Duplicates);
            writer.WriteNumber("unmatched", r.Unmatched);
            if (r.Unsettled > 0)
            {
                writer.WriteNumber("unsettled", r.Unsettled);
            }

            writer.WriteNumber("achieved_rate", RoundRate1(r.AchievedRate));
            if (r.Latency is { } l)
            {
                writer.WriteStartObject("latency_ms");
                writer.WriteNumber("p50", l.P50);
                writer.WriteNumber("p90", l.P90);
                writer.WriteNumber("p99", l.P99);
                writer.WriteNumber("p999", l.P999);
                writer.WriteNumber("max", l.Max);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("latency_ms");
            }

            writer.WriteNumber("identities_never_answered", r.IdentitiesNeverAnswered);
            writer.WriteStartObject("verification");
            writer.WriteNumber("checked", r.Verification.Checked);
            writer.WriteNumber("bad_signatures", r.Verification.Bad);
            writer.WriteNumber("other_keys", r.Verification.OtherKeys);
            writer.WriteEndObject();
        }

        writer.WriteStartObject("generator");
        writer.WriteNumber("cpu_seconds", Math.Round(r.Generator.CpuSeconds, 3));
        writer.WriteNumber("schedule_error_ms_p99", r.Generator.ScheduleErrorMsP99);
        writer.WriteNumber("schedule_error_ms_max", r.Generator.ScheduleErrorMsMax);
        writer.WriteNumber("send_rate_error", Math.Round(r.Generator.SendRateError, 5));
        writer.WriteBoolean("schedule_kept", step.Refused is null);
        writer.WriteEndObject();
        if (step.Refused is { } refused)
        {
            writer.WriteString("refused", refused);
        }

        if (step.Untrusted is { } untrusted)
        {
            writer.WriteString("untrusted", untrusted);
        }

        if (step.Interrupted)
        {
            writer.WriteBoolean("interrupted", true);
        }

        if (step.DuringWarmup)
        {
            writer.WriteString("interrupted_during", "warm-up");
        }

        writer.WriteStartArray("findings");
        foreach (var finding in step.Findings)
        {
            writer.WriteStringValue(finding);
        }

        writer.WriteEndArray();
        if (!config.FindMax && step.Refused is null)
        {
            writer.WriteStartArray("per_second");
            foreach (var s in r.Series)
            {
                writer.WriteStartObject();
                writer.WriteNumber("second", s.Second);
                writer.WriteNumber("answered", s.Answered);
                WriteNullable(writer, "p50_ms", s.P50Ms);
                WriteNullable(writer, "p99_ms", s.P99Ms);
                WriteNullable(writer, "max_ms", s.MaxMs);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }

    /// <summary>A rate to one decimal, halves away from zero, as standard error's "0.#" prints it (429.25 → 429.3 in both).</summary>
    internal static double RoundRate1(double rate) => Math.Round(rate, 1, MidpointRounding.AwayFromZero);

    private static void WriteNullable(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}

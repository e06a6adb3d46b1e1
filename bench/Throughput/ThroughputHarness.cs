using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ipv8.Shared;
using Ipv8.Wire.Crypto;

namespace Ipv8.Bench.Throughput;

/// <summary>
/// <c>dotnet run -c Release --project bench -- throughput --scenario S --seconds N [--workers W] [--json FILE]</c>.
/// Runs one end-to-end scenario on W threads for N seconds, prints a table and writes the JSON report. For the
/// scenarios whose cost is libsodium's (an introduction request is one verify and one sign, a puncture request one
/// sign), it measures libsodium's raw rates on one core in the same run and prints the ratio to that bound (so the
/// ratios compare like with like on a noisy machine); the others get no ratio, since none would mean anything.
/// </summary>
public static class ThroughputHarness
{
    public static readonly IReadOnlyList<Scenario> Scenarios =
    [
        new("decode", "the py-ipv8 vector mix, decoded without signature checks", CryptoBound.None, InProcessScenarios.Decode),
        new("introduction-request", "signed introduction requests, each verified and answered with a signed response", CryptoBound.VerifyAndSign, InProcessScenarios.IntroductionRequests),
        new("puncture-request", "unsigned puncture requests, each answered with a signed puncture", CryptoBound.Sign, InProcessScenarios.PunctureRequests),
        new("udp-ingest", "185-byte datagrams from a sendmmsg sender process through a whole node on 127.0.0.1", CryptoBound.None, UdpScenarios.Ingest),
        new("udp-baseline", "the same datagrams into a bare recvmmsg loop", CryptoBound.None, UdpScenarios.Baseline),
        new("libsodium", "one Ed25519 verify and one sign per packet, nothing else: the ceiling for introduction-request on W cores", CryptoBound.VerifyAndSign, CryptoScenarios.Libsodium)
        {
            SignRatio = false, // its packets are verify+sign: a ratio to the sign rate alone means nothing
        },
        new("swarm-floor", "C, no node: a 10,000-node swarm's sockets, walk steps (3,500/s) and signatures on 127.0.0.1, 2 receive threads and a walk thread of its own (no --workers); its crypto_ratio is what the swarm report's would be with no node work at all", CryptoBound.None, FloorScenario.Run),
        new("verify-ec", "py-ipv8's legacy EC keys: verifications and key parses per second, per curve, on one core (no --workers; --seconds is divided among the four curves)", CryptoBound.None, CryptoScenarios.VerifyEc),
    ];

    /// <summary>
    /// The scenarios that run on the harness's own worker threads: the ones <c>--paired</c> (one against W of them)
    /// and <c>--no-interleave</c> (how libsodium is measured next to them) apply to.
    /// </summary>
    public static readonly IReadOnlyList<string> PairedScenarios = ["decode", "introduction-request", "puncture-request", "libsodium"];

    /// <summary>The scenarios that take <c>--workers</c>: the worker-thread ones, and udp-ingest (its node's receive workers).</summary>
    public static readonly IReadOnlyList<string> WorkerScenarios = [.. PairedScenarios, "udp-ingest"];

    /// <summary>The scenarios that take <c>--metrics</c>.</summary>
    public static readonly IReadOnlyList<string> MetricsScenarios = ["introduction-request"];

    /// <summary>Runs <c>throughput ...</c> (<paramref name="args"/> starts with <c>throughput</c>); returns the exit code.</summary>
    public static int Run(string[] args)
    {
        var parsed = CreateCommand().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine(ErrorLine(parsed));
            return 2;
        }

        return parsed.Invoke();
    }

    /// <summary>
    /// Bad arguments as one line, the way the <c>ipv8</c> command says them (docs/cli.md, "Exit codes and errors"):
    /// every error, separated by semicolons, then where the help is.
    /// </summary>
    public static string ErrorLine(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var options = parsed.CommandResult.Command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).ToList();
        // The word after an unknown option (the 2 of "--worker 2") is most likely its value, not an error of its own.
        var tokens = parsed.Tokens.Select(t => t.Value).ToList();
        var valuesOfUnknown = tokens.Skip(1).Where((value, i) => tokens[i].StartsWith('-') && !value.StartsWith('-')
            && parsed.UnmatchedTokens.Contains(tokens[i]) && parsed.UnmatchedTokens.Contains(value)).ToHashSet(StringComparer.Ordinal);
        var messages = parsed.Errors.Select(e => e.Message.ReplaceLineEndings(" ").Replace("\t", string.Empty, StringComparison.Ordinal).Trim().TrimEnd('.'))
            .Where(m => !valuesOfUnknown.Any(v => m.Contains($"'{v}'", StringComparison.Ordinal)))
            .Select(m => Regex.Match(m, @"^Cannot parse argument '(.*)' for option '(.+)' as expected type 'System\.(Int32|Double)'$") is { Success: true } bad
                ? $"{bad.Groups[2].Value} must be {(bad.Groups[3].Value == "Int32" ? "a whole number" : "a number")}, got '{bad.Groups[1].Value}'"
                : m)
            .Select(m => Regex.Match(m, "^Option '(.+)' is required$") is { Success: true } required ? $"{required.Groups[1].Value} is required" : m)
            .Select(m => parsed.UnmatchedTokens.FirstOrDefault(t => t.StartsWith('-') && m.Contains($"'{t}'", StringComparison.Ordinal)) is { } unknown
                ? $"unknown option '{unknown}'{Suggest.DidYouMean(unknown, options)}"
                : m)
            .Distinct(StringComparer.Ordinal);
        return $"error: {string.Join("; ", messages)}. (see 'throughput --help')";
    }

    /// <summary>The command line: a root with the <c>throughput</c> command, so that <c>throughput --help</c> is its help.</summary>
    public static RootCommand CreateCommand()
    {
        var scenario = new Option<string>("--scenario")
        {
            Description = "What to run (the scenarios are described above).",
            Required = true,
        };
        var seconds = new Option<double>("--seconds")
        {
            Description = "How long the scenario runs, 0.1-600 (with --paired, see there). verify-ec divides it among its four curves, after an untimed warm-up of about a second.",
            DefaultValueFactory = _ => 5,

            // '.' for decimals in every locale, as the ipv8 command reads its numbers.
            CustomParser = result =>
            {
                if (InvariantNumber.TryParse(result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty, "--seconds", out var value, out var error))
                {
                    return value;
                }

                result.AddError(error!);
                return 0;
            },
        };
        var workers = new Option<int>("--workers")
        {
            Description = $"Worker threads (1-64), for {string.Join(", ", PairedScenarios)} and udp-ingest (its node's receive workers); the other scenarios take none.",
            DefaultValueFactory = _ => 1,
        };
        var noInterleave = new Option<bool>("--no-interleave")
        {
            Description = $"For {string.Join(", ", PairedScenarios)}, without --paired: measure libsodium before and after the run instead of between the scenario's own 100 ms slices (one worker) or phases (W workers).",
        };
        var metrics = new Option<bool>("--metrics") { Description = "introduction-request only: run the community inside a node with its Ipv8 meter and a listener on every instrument." };
        var paired = new Option<bool>("--paired") { Description = "With --workers W > 1 (decode, introduction-request, puncture-request, libsodium): alternate 100 ms phases of one worker and of W workers, for the scenario and for libsodium alone (the scenario's own libsodium work: verify+sign, or sign; verify+sign as a CPU-bound reference for decode), and report both scalings (W-worker rate / one-worker rate) from the same stretch of machine time. --seconds is the scenario's time over both phases; libsodium's phases take as long again." };
        var json = new Option<FileInfo?>("--json")
        {
            Description = "Write the JSON report to this file instead of standard output.",
            HelpName = "file",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (string.IsNullOrWhiteSpace(text))
                {
                    result.AddError($"--json needs a file name, got '{text}'.");
                    return null;
                }

                // Checked before the run, not after minutes of it, in the ipv8 command's words.
                var file = new FileInfo(text);
                if (OutputFiles.Problem("--json", file) is { } problem)
                {
                    result.AddError(problem);
                }

                return file;
            },
        };
        var description = "Run one end-to-end scenario and report packets per second, allocation per packet and, for the scenarios that sign or verify, the ratio to libsodium's one-core rate in the same run. Scenarios:"
            + string.Concat(Scenarios.Select(s => $"{Environment.NewLine}  {s.Name,-21} {s.Description}{(s.Bound == CryptoBound.None ? string.Empty : $" (ratio to libsodium's {(s.Bound == CryptoBound.Sign ? "sign rate" : "verify+sign bound")})")}"));
        var command = new Command("throughput", description)
        {
            scenario, seconds, workers, noInterleave, metrics, paired, json,
        };
        command.Validators.Add(result =>
        {
            // One validator for every check (System.CommandLine skips an option's validators once the command's
            // found an error). Options a scenario would silently ignore are refused, naming the scenarios they work with.
            T Given<T>(Option<T> option, T fallback)
            {
                try
                {
                    return result.GetResult(option) is { } given ? given.GetValueOrDefault<T>()! : fallback;
                }
                catch (InvalidOperationException)
                {
                    return fallback; // a value that does not parse: its own error says so
                }
            }

            var time = Given(seconds, 5);
            var threads = Given(workers, 1);
            if (!(time >= 0.1 && time <= 600)) // NaN too
            {
                result.AddError("--seconds must be from 0.1 to 600.");
            }

            if (threads is < 1 or > 64)
            {
                result.AddError("--workers must be 1-64.");
            }

            if (Given(scenario, string.Empty) is not { Length: > 0 } name)
            {
                return; // none: its own error says so
            }

            if (!Scenarios.Any(s => s.Name == name))
            {
                var names = Scenarios.Select(s => s.Name).ToList();
                result.AddError($"--scenario must be one of {string.Join(", ", names)}, got '{name}'{Suggest.DidYouMean(name, names)}.");
                return;
            }

            if (threads > 1 && !WorkerScenarios.Contains(name))
            {
                result.AddError($"--workers works with {string.Join(", ", WorkerScenarios)}, not {name}.");
            }

            if (Given(paired, false))
            {
                if (threads < 2)
                {
                    result.AddError("--paired needs --workers 2 or more.");
                }

                if (time < 1)
                {
                    result.AddError("--paired needs --seconds 1 or more (five rounds of 100 ms phases; shorter runs measure noise).");
                }

                if (!PairedScenarios.Contains(name))
                {
                    result.AddError($"--paired works with the in-process scenarios ({string.Join(", ", PairedScenarios)}), not {name}.");
                }
            }

            if (Given(noInterleave, false) && !PairedScenarios.Contains(name))
            {
                result.AddError($"--no-interleave works with {string.Join(", ", PairedScenarios)}, not {name}.");
            }
            else if (Given(noInterleave, false) && Given(paired, false))
            {
                result.AddError("--no-interleave does not work with --paired (a paired run measures libsodium in phases of its own).");
            }

            if (Given(metrics, false) && !MetricsScenarios.Contains(name))
            {
                result.AddError($"--metrics works with {string.Join(", ", MetricsScenarios)} only, not {name}.");
            }
        });
        command.SetAction(result => Execute(new ThroughputOptions
        {
            Scenario = result.GetValue(scenario)!,
            Seconds = result.GetValue(seconds),
            Workers = result.GetValue(workers),
            Interleave = !result.GetValue(noInterleave),
            Metrics = result.GetValue(metrics),
            Paired = result.GetValue(paired),
            JsonPath = result.GetValue(json)?.FullName,
        }));
        return new RootCommand("Ipv8 for .NET benchmarks: the throughput harness (BenchmarkDotNet suites run without a harness name).") { command };
    }

    private static int Execute(ThroughputOptions options)
    {
        var scenario = Scenarios.Single(s => s.Name == options.Scenario);
        options.Bound = scenario.Bound;

        // libsodium's rates are measured before and after the scenario and averaged: on a shared machine the load can
        // change during a run, and the ratios should compare like with like.
        var probe = TimeSpan.FromSeconds(Math.Min(2, options.Seconds));
        var (verifyBefore, signBefore) = (0.0, 0.0);
        var probeAround = scenario.Bound != CryptoBound.None && !options.Paired; // a paired run measures libsodium in its own phases
        if (probeAround)
        {
            Console.Error.WriteLine($"measuring libsodium on one core ({RateProbe.MessageSize}-byte messages)...");
            (verifyBefore, signBefore) = RateProbe.Measure(probe);
        }

        // The scenarios without --workers run on threads of their own: the line does not count them as workers.
        Console.Error.WriteLine(WorkerScenarios.Contains(options.Scenario)
            ? $"running {options.Scenario} on {options.Workers} worker(s) for {options.Seconds} s..."
            : $"running {options.Scenario} for {options.Seconds} s...");
        using var tracer = AllocationTracer.StartIfRequested();
        ScenarioResult result;
        try
        {
            result = scenario.Run(options);
        }
        catch (ScenarioUnavailableException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }

        var report = new Dictionary<string, object>
        {
            ["scenario"] = options.Scenario,
            ["workers"] = options.Workers,
            ["seconds"] = Math.Round(result.Seconds, 3),
            ["packets"] = result.Packets,
            ["packets_per_second"] = Math.Round(result.Packets / result.Seconds, 1),
        };
        if (result.AllocatedBytes >= 0)
        {
            report["allocated_bytes_per_packet"] = result.Packets == 0 ? 0 : Math.Round((double)result.AllocatedBytes / result.Packets, 4);
        }

        var bound = (Verify: 0.0, Sign: 0.0);
        if (scenario.Bound != CryptoBound.None)
        {
            var (verifyAfter, signAfter) = probeAround ? RateProbe.Measure(probe) : (0.0, 0.0);
            bound = ((verifyBefore + verifyAfter) / 2, (signBefore + signAfter) / 2);
            if (result.Extra.TryGetValue("interleaved_verify_per_second", out var v) && result.Extra.TryGetValue("interleaved_sign_per_second", out var g))
            {
                // One worker: libsodium was measured in 100 ms slices between the scenario's own slices, on the same
                // thread, so both saw the same machine. Those are the rates to compare with.
                bound = (Convert.ToDouble(v, CultureInfo.InvariantCulture), Convert.ToDouble(g, CultureInfo.InvariantCulture));
            }

            report["libsodium_verify_per_second"] = Math.Round(bound.Verify, 1);
            report["libsodium_sign_per_second"] = Math.Round(bound.Sign, 1);
            if (probeAround)
            {
                report["libsodium_verify_per_second_before_after"] = new[] { Math.Round(verifyBefore), Math.Round(verifyAfter) };
                report["libsodium_sign_per_second_before_after"] = new[] { Math.Round(signBefore), Math.Round(signAfter) };
            }
        }

        foreach (var (key, value) in result.Extra)
        {
            report[key] = value;
        }

        PrintTable(report, scenario, bound.Verify, bound.Sign);
        tracer?.Report();
        return WriteReport(JsonSerializer.Serialize(report), options.JsonPath, Console.Out, Console.Error);
    }

    /// <summary>
    /// Writes the JSON report to <paramref name="path"/>, or to <paramref name="output"/> when there is none; returns the
    /// exit code. A write that fails is one line in the <c>ipv8</c> command's words ("error: cannot write --json 'PATH':
    /// REASON."), exit 1, and the report goes to <paramref name="output"/> so that the run's result is not lost.
    /// </summary>
    public static int WriteReport(string json, string? path, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (path is not null)
        {
            try
            {
                File.WriteAllText(path, json + Environment.NewLine);
                return 0;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error.WriteLine(OutputFiles.CannotWrite("--json", new FileInfo(path), ex));
            }
        }

        output.WriteLine(json);
        return path is null ? 0 : 1;
    }

    private static void PrintTable(Dictionary<string, object> report, Scenario scenario, double verifyRate, double signRate)
    {
        var rate = Convert.ToDouble(report["packets_per_second"], CultureInfo.InvariantCulture);
        Console.Error.WriteLine();
        foreach (var (key, value) in report)
        {
            var text = value is double[] pair ? string.Join(" / ", pair.Select(v => v.ToString(CultureInfo.InvariantCulture))) : Convert.ToString(value, CultureInfo.InvariantCulture);
            Console.Error.WriteLine($"  {key,-30} {text}");
        }

        foreach (var line in RatioLines(scenario, rate, verifyRate, signRate))
        {
            Console.Error.WriteLine(line);
        }

        Console.Error.WriteLine();
    }

    /// <summary>
    /// The ratio lines of the table: to the verify+sign bound and (unless <see cref="Scenario.SignRatio"/> is off) the
    /// sign rate, to the sign rate, or none.
    /// </summary>
    public static IEnumerable<string> RatioLines(Scenario scenario, double rate, double verifyRate, double signRate)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var bound = scenario.Bound;
        if (bound == CryptoBound.VerifyAndSign)
        {
            var both = 1 / ((1 / verifyRate) + (1 / signRate));
            yield return $"  {"ratio to verify+sign bound",-30} {(rate / both).ToString("0.000", CultureInfo.InvariantCulture)}  (bound {both.ToString("0", CultureInfo.InvariantCulture)} /s per core)";
        }

        if (bound != CryptoBound.None && scenario.SignRatio)
        {
            yield return $"  {"ratio to sign rate",-30} {(rate / signRate).ToString("0.000", CultureInfo.InvariantCulture)}";
        }
    }
}

/// <summary>What bounds a scenario's rate on one core: the libsodium work each packet costs.</summary>
public enum CryptoBound
{
    /// <summary>No libsodium work per packet (decoding, receiving, EC keys): no ratio is printed.</summary>
    None,

    /// <summary>One signature per packet (a puncture request answered with a signed puncture).</summary>
    Sign,

    /// <summary>One verification and one signature per packet (an introduction request and its signed response).</summary>
    VerifyAndSign,
}

/// <summary>One harness scenario.</summary>
public sealed record Scenario(string Name, string Description, CryptoBound Bound, Func<ThroughputOptions, ScenarioResult> Run)
{
    /// <summary>Whether the table shows the ratio to libsodium's sign rate (for a scenario with a <see cref="Bound"/>; default on).</summary>
    public bool SignRatio { get; init; } = true;
}

/// <summary>Harness settings.</summary>
public sealed class ThroughputOptions
{
    public string Scenario { get; set; } = string.Empty;

    public double Seconds { get; set; } = 5;

    public int Workers { get; set; } = 1;

    public string? JsonPath { get; set; }

    /// <summary>With one worker, measure libsodium in slices between the scenario's own (default on).</summary>
    public bool Interleave { get; set; } = true;

    /// <summary>
    /// introduction-request: run the community inside a node with its "Ipv8" meter and a listener on every
    /// instrument, so the histograms record on the packet path (default off: no meter).
    /// </summary>
    public bool Metrics { get; set; }

    /// <summary>
    /// With more than one worker: alternate 100 ms phases of one worker and of all workers, for the scenario and for
    /// libsodium alone, so that both scalings come from the same stretch of machine time (default off).
    /// </summary>
    public bool Paired { get; set; }

    /// <summary>The scenario's libsodium work per packet (set by the harness): what a paired run's ceiling is made of.</summary>
    public CryptoBound Bound { get; set; }
}

/// <summary>What a scenario measured.</summary>
/// <summary>What a scenario measured. <paramref name="AllocatedBytes"/> is -1 where the harness cannot see them (a C program).</summary>
public sealed record ScenarioResult(long Packets, double Seconds, long AllocatedBytes, IReadOnlyDictionary<string, object> Extra);

/// <summary>libsodium's raw Ed25519 rates on one core, over messages the size of a signed discovery packet.</summary>
internal static class RateProbe
{
    public const int MessageSize = 200;

    public static (double Verify, double Sign) Measure(TimeSpan duration)
    {
        var (verify, sign, key) = Steps();
        using (key)
        {
            var verifies = Loop(duration, () => verify() > 0);
            var signs = Loop(duration, () => sign() > 0);
            return (verifies, signs);
        }
    }

    /// <summary>A verify step and a sign step (one operation each, over a 200-byte message), for interleaving.</summary>
    public static (Func<long> Verify, Func<long> Sign, LibNaClPrivateKey Key) Steps()
    {
        var key = LibNaClPrivateKey.Generate();
        var message = new byte[MessageSize];
        new Random(1).NextBytes(message);
        var signature = new byte[Ed25519.SignatureLength];
        key.Sign(message, signature);
        var verifyKey = key.PublicKey.VerifyKey.ToArray();
        var scratch = new byte[Ed25519.SignatureLength];
        return (
            () => Ed25519.Verify(signature, message, verifyKey) ? 1 : 0,
            () =>
            {
                key.Sign(message, scratch);
                return 1;
            },
            key);
    }

    private static double Loop(TimeSpan duration, Func<bool> work)
    {
        for (var i = 0; i < 200; i++)
        {
            work();
        }

        var clock = Stopwatch.StartNew();
        long count = 0;
        while (clock.Elapsed < duration)
        {
            for (var i = 0; i < 64; i++)
            {
                work();
            }

            count += 64;
        }

        return count / clock.Elapsed.TotalSeconds;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ipv8.Wire.Crypto;

namespace Ipv8.Bench.Throughput;

/// <summary>
/// <c>dotnet run -c Release --project bench -- throughput --scenario S --seconds N [--workers W] [--json FILE]</c>.
/// Runs one end-to-end scenario on W threads for N seconds, measures libsodium's raw verify and sign rates on one core
/// in the same run (so the ratios compare like with like on a noisy machine), prints a table and writes the JSON report.
/// </summary>
internal static class ThroughputHarness
{
    public static readonly string[] Scenarios = ["decode", "introduction-request", "puncture-request", "udp-ingest", "udp-baseline", "verify-ec"];

    public static int Run(string[] args)
    {
        if (!TryParse(args, out var options, out var error))
        {
            Console.Error.WriteLine($"error: {error}");
            Console.Error.WriteLine("usage: throughput --scenario {" + string.Join('|', Scenarios) + "} --seconds N [--workers W] [--json FILE]");
            return 2;
        }

        // libsodium's rates are measured before and after the scenario and averaged: on a shared machine the load can
        // change during a run, and the ratios should compare like with like.
        var probe = TimeSpan.FromSeconds(Math.Min(2, options.Seconds));
        Console.Error.WriteLine($"measuring libsodium on one core ({RateProbe.MessageSize}-byte messages)...");
        var (verifyBefore, signBefore) = RateProbe.Measure(probe);

        Console.Error.WriteLine($"running {options.Scenario} on {options.Workers} worker(s) for {options.Seconds} s...");
        using var tracer = AllocationTracer.StartIfRequested();
        var result = options.Scenario switch
        {
            "decode" => InProcessScenarios.Decode(options),
            "introduction-request" => InProcessScenarios.IntroductionRequests(options),
            "puncture-request" => InProcessScenarios.PunctureRequests(options),
            "udp-ingest" => UdpScenarios.Ingest(options),
            "udp-baseline" => UdpScenarios.Baseline(options),
            "verify-ec" => CryptoScenarios.VerifyEc(options),
            _ => throw new UnreachableException(),
        };

        var (verifyAfter, signAfter) = RateProbe.Measure(probe);
        var verifyRate = (verifyBefore + verifyAfter) / 2;
        var signRate = (signBefore + signAfter) / 2;
        if (result.Extra.TryGetValue("interleaved_verify_per_second", out var v) && result.Extra.TryGetValue("interleaved_sign_per_second", out var g))
        {
            // One worker: libsodium was measured in 100 ms slices between the scenario's own slices, on the same
            // thread, so both saw the same machine. Those are the rates to compare with.
            verifyRate = Convert.ToDouble(v, CultureInfo.InvariantCulture);
            signRate = Convert.ToDouble(g, CultureInfo.InvariantCulture);
        }
        var report = new Dictionary<string, object>
        {
            ["scenario"] = options.Scenario,
            ["workers"] = options.Workers,
            ["seconds"] = Math.Round(result.Seconds, 3),
            ["packets"] = result.Packets,
            ["packets_per_second"] = Math.Round(result.Packets / result.Seconds, 1),
            ["allocated_bytes_per_packet"] = result.Packets == 0 ? 0 : Math.Round((double)result.AllocatedBytes / result.Packets, 4),
            ["libsodium_verify_per_second"] = Math.Round(verifyRate, 1),
            ["libsodium_sign_per_second"] = Math.Round(signRate, 1),
        };
        report["libsodium_verify_per_second_before_after"] = new[] { Math.Round(verifyBefore), Math.Round(verifyAfter) };
        report["libsodium_sign_per_second_before_after"] = new[] { Math.Round(signBefore), Math.Round(signAfter) };
        foreach (var (key, value) in result.Extra)
        {
            report[key] = value;
        }

        PrintTable(report, verifyRate, signRate);
        tracer?.Report();
        var json = JsonSerializer.Serialize(report);
        if (options.JsonPath is { } path)
        {
            File.WriteAllText(path, json + Environment.NewLine);
        }
        else
        {
            Console.WriteLine(json);
        }

        return 0;
    }

    private static void PrintTable(Dictionary<string, object> report, double verifyRate, double signRate)
    {
        var rate = Convert.ToDouble(report["packets_per_second"], CultureInfo.InvariantCulture);
        var bound = 1 / ((1 / verifyRate) + (1 / signRate));
        Console.Error.WriteLine();
        foreach (var (key, value) in report)
        {
            var text = value is double[] pair ? string.Join(" / ", pair.Select(v => v.ToString(CultureInfo.InvariantCulture))) : Convert.ToString(value, CultureInfo.InvariantCulture);
            Console.Error.WriteLine($"  {key,-30} {text}");
        }

        Console.Error.WriteLine($"  {"ratio to verify+sign bound",-30} {rate / bound:0.000}  (bound {bound:0} /s per core)");
        Console.Error.WriteLine($"  {"ratio to sign rate",-30} {rate / signRate:0.000}");
        Console.Error.WriteLine();
    }

    private static bool TryParse(string[] args, out ThroughputOptions options, out string error)
    {
        options = new ThroughputOptions();
        error = string.Empty;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--scenario" when value is not null:
                    options.Scenario = value;
                    i++;
                    break;
                case "--seconds" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 600:
                    options.Seconds = seconds;
                    i++;
                    break;
                case "--workers" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var workers) && workers is > 0 and <= 64:
                    options.Workers = workers;
                    i++;
                    break;
                case "--no-interleave":
                    options.Interleave = false;
                    break;
                case "--metrics":
                    options.Metrics = true;
                    break;
                case "--json" when value is not null:
                    options.JsonPath = value;
                    i++;
                    break;
                default:
                    error = $"unknown or invalid argument '{args[i]}'";
                    return false;
            }
        }

        if (!Scenarios.Contains(options.Scenario))
        {
            error = $"--scenario must be one of {string.Join(", ", Scenarios)}";
            return false;
        }

        return true;
    }
}

/// <summary>Harness settings.</summary>
internal sealed class ThroughputOptions
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
}

/// <summary>What a scenario measured.</summary>
internal sealed record ScenarioResult(long Packets, double Seconds, long AllocatedBytes, IReadOnlyDictionary<string, object> Extra);

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

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Ipv8.Bench.Throughput;

/// <summary>
/// <c>swarm-floor</c>: bench/native/swarm_floor.c, a C program that gives a 10,000-node swarm's traffic to the kernel
/// and to libsodium and does nothing else (no peers, no tables, no parsing, no runtime): 10,000 UDP sockets on
/// 127.0.0.1 read by two threads through epoll and recvmmsg, and a walk thread starting the swarm's walk steps at its
/// pace, each the discovery exchange's four datagrams (signed introduction request, signed response, unsigned puncture
/// request, signed puncture: three signatures made and three checked per four datagrams). Its <c>crypto_ratio</c> is
/// the swarm report's (process CPU over signatures made / one-core sign rate + signatures checked / one-core verify
/// rate, probed the same way): what that traffic alone costs on this machine, the floor for a node that uses UDP sockets
/// and libsodium this way.
/// </summary>
public static class FloorScenario
{
    /// <summary>Sockets: one per node of the swarm the floor stands for.</summary>
    public const int Sockets = 10_000;

    /// <summary>
    /// Walk steps started per second: a 10,000-node swarm's average pace (2026-11-30: 743,772 datagrams, four per step,
    /// over ~53 s of walking).
    /// </summary>
    public const int WalksPerSecond = 3_500;

    /// <summary>Bytes per datagram: about a signed introduction request or response.</summary>
    public const int Size = 180;

    public static ScenarioResult Run(ThroughputOptions options)
    {
        var tool = NativeTool.FloorPath
            ?? throw new ScenarioUnavailableException("swarm-floor needs a C compiler (cc, gcc or clang) to build bench/native/swarm_floor.c.");
        var libsodium = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libsodium.so");
        if (!File.Exists(libsodium))
        {
            throw new ScenarioUnavailableException($"swarm-floor loads the libsodium that Sodium.Core ships, and {libsodium} does not exist (linux-x64 only).");
        }

        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new object[] { libsodium, Sockets, options.Seconds, WalksPerSecond, Size })
        {
            start.ArgumentList.Add(Convert.ToString(argument, CultureInfo.InvariantCulture)!);
        }

        using var process = Process.Start(start) ?? throw new ScenarioUnavailableException("could not start swarm_floor.");
        var errors = process.StandardError.ReadToEndAsync();
        var reading = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(options.Seconds + 120))) // its own waits are bounded: never, in practice
        {
            process.Kill();
            throw new ScenarioUnavailableException("swarm_floor did not finish in time.");
        }

        var output = reading.Result;

        if (process.ExitCode != 0 || output.Trim().Length == 0)
        {
            var reason = errors.Result.Trim().ReplaceLineEndings(" ");
            throw new ScenarioUnavailableException($"swarm_floor exited {process.ExitCode}: {(reason.Length > 0 ? reason : "no report")}");
        }

        using var report = JsonDocument.Parse(output);
        var extra = new Dictionary<string, object>();
        foreach (var field in report.RootElement.EnumerateObject())
        {
            extra[field.Name] = field.Value.GetDouble();
        }

        extra["workers"] = 2; // its receive threads (the walk thread is the third)

        return new ScenarioResult(
            report.RootElement.GetProperty("datagrams").GetInt64(),
            report.RootElement.GetProperty("seconds").GetDouble(),
            -1, // a C program: the harness's allocation counter does not see it
            extra);
    }
}

/// <summary>A scenario that cannot run on this machine; the harness prints the message and exits 1.</summary>
internal sealed class ScenarioUnavailableException(string message) : Exception(message);

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Ipv8.Bench.Throughput;

/// <summary>
/// <c>swarm-floor</c>: bench/native/swarm_floor.c, a C program that gives a 10,000-node swarm's traffic to the kernel
/// and to libsodium and does nothing else (no peers, no tables, no parsing, no runtime): 10,000 UDP sockets on
/// 127.0.0.1 read by two threads through epoll and recvmmsg, each datagram answered with one signed datagram from the
/// receiving socket to a random other one, with the signs and verifies per datagram that a 10,000-node <c>ipv8 swarm</c>
/// run made. Its <c>crypto_ratio</c> is the swarm report's (process CPU over signatures made / one-core sign rate +
/// signatures checked / one-core verify rate, probed the same way): the least that ratio can be on this machine.
/// </summary>
public static class FloorScenario
{
    /// <summary>Sockets: one per node of the swarm the floor stands for.</summary>
    public const int Sockets = 10_000;

    /// <summary>Datagrams circulating at once: enough to keep both threads busy, few enough not to batch much.</summary>
    public const int InFlight = 64;

    /// <summary>Bytes per datagram: about a signed introduction request or response.</summary>
    public const int Size = 180;

    /// <summary>Signatures made per datagram by a 10,000-node swarm (2026-11-30: 562,021 over 743,772 datagrams).</summary>
    public const double SignsPerDatagram = 0.756;

    /// <summary>Signatures checked per datagram by the same run (549,042 over 743,772 datagrams).</summary>
    public const double VerifiesPerDatagram = 0.738;

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
        foreach (var argument in new object[] { libsodium, Sockets, InFlight, options.Seconds, Size, SignsPerDatagram, VerifiesPerDatagram })
        {
            start.ArgumentList.Add(Convert.ToString(argument, CultureInfo.InvariantCulture)!);
        }

        using var process = Process.Start(start) ?? throw new ScenarioUnavailableException("could not start swarm_floor.");
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(options.Seconds + 120)))
        {
            process.Kill();
            throw new ScenarioUnavailableException("swarm_floor did not finish in time.");
        }

        if (process.ExitCode != 0 || output.Trim().Length == 0)
        {
            throw new ScenarioUnavailableException($"swarm_floor failed (exit {process.ExitCode}): {errors.Result.Trim()} {output.Trim()}".Trim());
        }

        using var report = JsonDocument.Parse(output);
        var extra = new Dictionary<string, object>();
        foreach (var field in report.RootElement.EnumerateObject())
        {
            extra[field.Name] = field.Value.GetDouble();
        }

        extra["signs_per_datagram"] = SignsPerDatagram;
        extra["verifies_per_datagram"] = VerifiesPerDatagram;
        return new ScenarioResult(
            report.RootElement.GetProperty("datagrams").GetInt64(),
            report.RootElement.GetProperty("seconds").GetDouble(),
            -1, // a C program: the harness's allocation counter does not see it
            extra);
    }
}

/// <summary>A scenario that cannot run on this machine; the harness prints the message and exits 1.</summary>
internal sealed class ScenarioUnavailableException(string message) : Exception(message);

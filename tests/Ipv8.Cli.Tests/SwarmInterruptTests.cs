using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ipv8.Cli.Commands;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Cli.Tests;

/// <summary>
/// <c>ipv8 swarm</c> stopped by Ctrl+C or SIGTERM: the report and the summary say it was interrupted and how many nodes
/// had started, the per-node figures cover those, and the exit code is 130 (as <c>ipv8 bench</c>).
/// </summary>
public class SwarmInterruptTests
{
    /// <summary>
    /// 20 nodes in batches of 5, 60 s apart: after the first batch the startup waits, so a cancellation seen after
    /// "5/20 up" always finds exactly 5 nodes started.
    /// </summary>
    private static SwarmConfig FirstBatchOnly(bool inMemory = true) => new()
    {
        Nodes = 20,
        Duration = TimeSpan.FromSeconds(120),
        InMemory = inMemory,
        BatchSize = 5,
        BatchDelay = TimeSpan.FromSeconds(60),
    };

    [Fact]
    public async Task An_interrupted_startup_reports_interrupted_the_nodes_started_and_no_startup_time_and_exits_130()
    {
        using var cancel = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new LineWatcher(line => line.Contains(" 5/20 up;", StringComparison.Ordinal), cancel);

        var run = SwarmCommand.RunAsync(FirstBatchOnly(), output, error, NullLoggerFactory.Instance, cancel.Token);
        var code = await run.WaitAsync(TimeSpan.FromSeconds(60));

        var log = error.ToString();
        Assert.True(code == SwarmCommand.Interrupted, log);
        Assert.Equal(130, SwarmCommand.Interrupted);
        var json = CliHarness.ParseObject(output.ToString());
        Assert.True((bool)json["interrupted"]!);
        Assert.Equal(20, (int)json["nodes"]!);
        Assert.Equal(5, (int)json["nodes_started"]!);
        Assert.False((bool)json["converged"]!);
        Assert.Equal(JsonValueKind.Null, json["startup_seconds"]?.GetValueKind() ?? JsonValueKind.Null);
        Assert.True(json.ContainsKey("startup_seconds"));
        Assert.InRange((int)json["peers_per_node"]!["max"]!, 0, 4); // over the 5 started nodes: at most 4 peers each
        Assert.Contains("swarm: 5 of 20 nodes started (interrupted during the startup)", log, StringComparison.Ordinal);
        Assert.Contains("interrupted after ", log, StringComparison.Ordinal);
        Assert.Contains("peers per node (over the 5 started):", log, StringComparison.Ordinal);
        Assert.DoesNotContain("did NOT converge", log, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_swarm_process_stopped_by_SIGTERM_writes_its_report_marked_interrupted_and_exits_130()
    {
        Skip.If(OperatingSystem.IsWindows(), "SIGTERM");
        var report = CliHarness.TempPath("interrupted.json");
        try
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in new[] { typeof(CliApp).Assembly.Location, "swarm", "--nodes", "20", "--in-memory", "--batch-size", "5", "--batch-delay", "10000", "--duration", "120", "--report", report })
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var errors = new ConcurrentQueue<string>();
            var firstBatch = new TaskCompletionSource();
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    errors.Enqueue(e.Data);
                    if (e.Data.Contains(" 5/20 up;", StringComparison.Ordinal))
                    {
                        firstBatch.TrySetResult();
                    }
                }
            };
            process.BeginErrorReadLine();
            try
            {
                await firstBatch.Task.WaitAsync(TimeSpan.FromSeconds(60));
                using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                    Assert.Equal(0, kill.ExitCode);
                }

                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
            }

            Assert.True(process.ExitCode == 130, string.Join('\n', errors));
            var json = CliHarness.ParseObject(File.ReadAllText(report));
            Assert.True((bool)json["interrupted"]!);
            Assert.Equal(5, (int)json["nodes_started"]!);
            Assert.Contains(errors, line => line.StartsWith("interrupted after ", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Fact]
    public async Task A_run_that_converged_is_not_interrupted_and_says_every_node_started()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new SwarmConfig { Nodes = 3, Duration = TimeSpan.FromSeconds(60), InMemory = true };

        var code = await SwarmCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.True(code == 0, error.ToString());
        var json = CliHarness.ParseObject(output.ToString());
        Assert.False((bool)json["interrupted"]!);
        Assert.Equal(3, (int)json["nodes_started"]!);
        Assert.Contains("swarm: 3 nodes and a tracker (", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("interrupted", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(99, 99, "")]
    [InlineData(200, 100, " (~1024 KiB per node, runtime included)")] // 100 MiB over the 100 started, not over 200; no baseline measured
    public void Memory_per_node_divides_by_the_nodes_started(int nodes, int started, string perNode)
    {
        using var error = new StringWriter();

        SwarmCommand.WriteSummary(Result(nodes, started, interrupted: true, peakBytes: started * 1024L * 1024), error);

        var process = Assert.Single(CliHarness.Lines(error.ToString()), l => l.StartsWith("process:", StringComparison.Ordinal));
        Assert.Contains($"peak working set {started}.0 MiB{perNode},", process, StringComparison.Ordinal);
    }

    /// <summary>A finished run's result with made-up figures.</summary>
    internal static SwarmResult Result(
        int nodes, int started, bool interrupted, long peakBytes = 80L << 20, long allocated = 9_035_512, long sent = 100, long received = 100, long? drops = 0, bool converged = false) =>
        new(
            nodes,
            "udp",
            converged,
            converged ? 4.2 : null,
            0,
            1,
            2,
            sent,
            received,
            Math.Min(nodes - 1, 20),
            30,
            20,
            started == nodes ? 0.5 : null,
            4.4,
            "127.0.0.1:5000",
            new SwarmCosts(1, peakBytes, 10, 10, ProbeSet.Of(new ProbeWork(1000, 1, 1000, 1)), ProbeSet.Of(new ProbeWork(1000, 1, 1000, 1)), drops) { AllocatedBytes = allocated })
        {
            NodesStarted = started,
            Interrupted = interrupted,
        };

    /// <summary>A writer that cancels when a line it is given matches.</summary>
    private sealed class LineWatcher(Func<string, bool> match, CancellationTokenSource cancel) : StringWriter(CultureInfo.InvariantCulture)
    {
        private readonly Lock _lock = new();

        public override void WriteLine(string? value)
        {
            lock (_lock)
            {
                base.WriteLine(value);
            }

            if (value is not null && match(value))
            {
                cancel.Cancel();
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return base.ToString();
            }
        }
    }
}

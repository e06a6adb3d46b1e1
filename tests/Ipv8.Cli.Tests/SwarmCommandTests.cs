using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ipv8.Cli.Commands;
using Ipv8.Cli.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Cli.Tests;

/// <summary><c>ipv8 swarm</c>: small swarms, on 127.0.0.1 only, converge and report.</summary>
public class SwarmCommandTests
{
    private static readonly string[] s_required = ["nodes", "converged", "seconds_to_converge", "peers_per_node", "packets_sent", "packets_received"];

    // The documented extras (docs/cli.md); everything else would be a contract change.
    private static readonly string[] s_extras =
    [
        "nodes_started", "interrupted", "transport", "target_peers", "max_peers", "walk_target", "receive_mode", "sharing", "batch_size", "batch_delay_ms",
        "startup_seconds", "seconds_running", "tracker",
    ];

    // What the run cost (issue 13).
    private static readonly string[] s_costs =
    [
        "cpu_seconds", "peak_working_set_bytes", "allocated_bytes", "gc_collections", "signatures_created", "signatures_verified", "libsodium_sign_per_second",
        "libsodium_verify_per_second", "libsodium_probes", "crypto_ratio", "datagrams_dropped_by_kernel",
    ];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_Async_swarm_converges_on_the_shared_receive_threads_and_timer_wheel_and_without_them(bool share)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new SwarmConfig { Nodes = 6, Duration = TimeSpan.FromSeconds(45), ReceiveMode = Engine.Endpoints.ReceiveMode.Async, Share = share };

        var code = await SwarmCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.True(code == 0, error.ToString());
        var json = CliHarness.ParseObject(output.ToString());
        Assert.True((bool)json["converged"]!);
        Assert.Equal(5, (int)json["peers_per_node"]!["min"]!);
        Assert.True((long)json["packets_received"]! > 0);
    }

    [Theory]
    [InlineData(false, "udp")]
    [InlineData(true, "in-memory")]
    public async Task A_small_swarm_converges_and_reports_the_required_fields(bool inMemory, string transport)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new SwarmConfig { Nodes = 5, Duration = TimeSpan.FromSeconds(45), InMemory = inMemory };

        var code = await SwarmCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.True(code == 0, error.ToString());
        var json = CliHarness.ParseObject(output.ToString());
        CliHarness.AssertKeys(json, [.. s_required, .. s_extras, .. s_costs]);
        Assert.Equal(5, (int)json["nodes"]!);
        Assert.True((bool)json["converged"]!);
        Assert.Equal(JsonValueKind.Number, json["seconds_to_converge"]!.GetValueKind());
        Assert.InRange((double)json["seconds_to_converge"]!, 0.0, 45.0);
        var peers = json["peers_per_node"]!.AsObject();
        CliHarness.AssertKeys(peers, ["min", "median", "max"]);
        Assert.Equal(4, (int)peers["min"]!); // min(N - 1, 20)
        Assert.Equal(4, (int)peers["max"]!);
        Assert.True((long)json["packets_sent"]! > 0);
        Assert.True((long)json["packets_received"]! > 0);
        Assert.Equal(transport, (string)json["transport"]!);
        Assert.StartsWith("127.0.0.1:", (string)json["tracker"]!, StringComparison.Ordinal);
        Assert.Equal(5, (int)json["nodes_started"]!);
        Assert.False((bool)json["interrupted"]!);
        Assert.Equal(JsonValueKind.Number, json["startup_seconds"]!.GetValueKind());
        Assert.True((bool)json["sharing"]!);
        Assert.Equal(50, (int)json["batch_size"]!);
        Assert.Equal(100, (double)json["batch_delay_ms"]!); // no shared receive threads: 5 nodes use DedicatedThread, in memory none
        if (inMemory)
        {
            Assert.Null(json["receive_mode"]); // no sockets
        }
        else
        {
            Assert.Equal("DedicatedThread", (string)json["receive_mode"]!); // the default up to 16 nodes
        }

        var log = error.ToString();
        Assert.Contains("verified peers min", log, StringComparison.Ordinal); // live progress
        Assert.Contains("converged in", log, StringComparison.Ordinal); // the summary

        // The costs: five nodes that found four peers each made and checked signatures, and nothing else did.
        var created = (long)json["signatures_created"]!;
        var verified = (long)json["signatures_verified"]!;
        Assert.True(created >= 5 * 4, $"{created} signatures made");
        Assert.True(verified >= 5 * 4, $"{verified} signatures checked");
        if (inMemory)
        {
            Assert.True(verified <= created, "in one process without loss, every signature checked was made here, and checked once");
            Assert.Null(json["datagrams_dropped_by_kernel"]); // no sockets
        }
        else if (OperatingSystem.IsLinux())
        {
            Assert.True((long)json["datagrams_dropped_by_kernel"]! >= 0);
        }

        Assert.True((double)json["cpu_seconds"]! > 0);
        Assert.True((long)json["peak_working_set_bytes"]! > 1024 * 1024);
        AssertProbes(json);
        var expectedRatio = (double)json["cpu_seconds"]! / ((created / (double)json["libsodium_sign_per_second"]!) + (verified / (double)json["libsodium_verify_per_second"]!));
        Assert.Equal(expectedRatio, (double)json["crypto_ratio"]!, expectedRatio * 0.01);
        Assert.Contains("signatures: ", log, StringComparison.Ordinal);
        Assert.Contains("crypto ratio: ", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_of_a_few_seconds_probes_libsodium_during_it_and_weighs_those_batches_in()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new SwarmConfig { Nodes = 5, Duration = TimeSpan.FromSeconds(4), InMemory = true, RunFull = true };

        await SwarmCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None);

        var json = CliHarness.ParseObject(output.ToString());
        Assert.True((double)json["seconds_running"]! >= 3.9, error.ToString()); // --run-full: the whole duration
        var during = json["libsodium_probes"]!["during"]!.AsObject();
        Assert.True((int)during["batches"]! > 0, json.ToJsonString()); // one a second, the first after one second
        Assert.True((int)during["batches"]! <= 4, json.ToJsonString()); // at most one an interval
        AssertProbes(json);
        Assert.Matches(@"probes at start \d+/\d+, during \d+/\d+ over \d+ batch(es)?, end \d+/\d+", error.ToString());
    }

    [Fact]
    public async Task The_probe_thread_stops_when_the_run_ends_without_waiting_out_its_interval()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new SwarmConfig { Nodes = 5, Duration = TimeSpan.FromSeconds(45), InMemory = true, ProbeInterval = TimeSpan.FromMinutes(10) };
        var clock = Stopwatch.StartNew();

        var code = await SwarmCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(code == 0, error.ToString());
        var json = CliHarness.ParseObject(output.ToString());
        var after = clock.Elapsed.TotalSeconds - (double)json["seconds_running"]!; // the start and end probes, stopping the nodes
        Assert.True(after < 5, $"{after:F1} s beyond the run; a probe thread waiting out its 10-minute interval would take 10 s (Stop's limit)");
        var during = json["libsodium_probes"]!["during"]!.AsObject();
        Assert.Equal(0, (int)during["batches"]!); // the run was shorter than the interval
        Assert.Null(during["sign_per_second"]);
        AssertProbes(json); // the start and end probes alone
        Assert.Contains("none during the run", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The report's rates are the mean of the CPUs' rates in <c>per_cpu</c>, whose CPUs are every CPU the process may run
    /// on (the start and end probes measure each; the batches during the run take them in turn).
    /// </summary>
    private static void AssertProbes(JsonObject json)
    {
        var probes = json["libsodium_probes"]!.AsObject();
        CliHarness.AssertKeys(probes, ["start", "during", "end", "rates_from", "per_cpu"]);
        foreach (var probe in new[] { probes["start"]!.AsObject(), probes["end"]!.AsObject() })
        {
            CliHarness.AssertKeys(probe, ["sign_per_second", "verify_per_second"]);
            Assert.True((double)probe["sign_per_second"]! > 0);
            Assert.True((double)probe["verify_per_second"]! > 0);
        }

        var during = probes["during"]!.AsObject();
        CliHarness.AssertKeys(during, ["sign_per_second", "verify_per_second", "batches"]);
        var batches = (int)during["batches"]!;
        Assert.True(batches >= 0);
        var allowed = CliHarness.PinnableCpus();

        // A slow machine may stretch these short runs past ten batches; round robin reaches every CPU from as many batches.
        var fromDuring = batches >= SwarmCosts.MinDuringBatches && batches >= allowed.Length;
        Assert.Equal(fromDuring ? "during" : "all", (string)probes["rates_from"]!);
        Assert.Equal(batches > 0, during["sign_per_second"] is not null);

        var perCpu = probes["per_cpu"]!.AsArray().Select(n => n!.AsObject()).ToList();
        if (allowed.Length > 0 && !fromDuring)
        {
            Assert.Equal(allowed, perCpu.Select(c => (int)c["cpu"]!)); // the start and end probes measured every CPU
        }

        foreach (var kind in new[] { "sign", "verify" })
        {
            var field = kind + "_per_second";
            Assert.All(perCpu, c => Assert.True((double)c[field]! > 0, c.ToJsonString()));
            var mean = perCpu.Average(c => (double)c[field]!);
            Assert.Equal(mean, (double)json["libsodium_" + field]!, 0.11); // each rate rounded to 0.1
        }
    }

    [Fact]
    public async Task A_swarm_that_cannot_converge_in_time_says_so_and_exits_non_zero()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new SwarmConfig { Nodes = 3, Duration = TimeSpan.FromSeconds(1), InMemory = true, MaxPeers = 0 };

        var code = await SwarmCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Equal(1, code);
        var json = CliHarness.ParseObject(output.ToString());
        Assert.False((bool)json["converged"]!);
        Assert.False((bool)json["interrupted"]!); // the time limit is not an interruption
        Assert.Equal(3, (int)json["nodes_started"]!);
        Assert.True(json.ContainsKey("seconds_to_converge"));
        Assert.Null(json["seconds_to_converge"]); // JSON null
        Assert.Contains("did NOT converge", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, 100)]
    [InlineData(1_000, 100)]
    [InlineData(5_000, 500)]
    [InlineData(10_000, 1_000)]
    [InlineData(50_000, 1_000)]
    public void The_peer_poll_slows_down_with_the_swarm_size_to_at_most_a_second(int nodes, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), SwarmCommand.PollInterval(nodes));
}

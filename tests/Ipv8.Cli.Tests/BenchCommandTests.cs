using System.Net;
using System.Text.Json.Nodes;
using Ipv8.Cli.Bench;
using Ipv8.Cli.Commands;
using Ipv8.Cli.Hosting;
using Ipv8.Engine;
using Ipv8.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Cli.Tests;

/// <summary><c>ipv8 bench</c> against our own node (an in-process <c>ipv8 node</c> on 127.0.0.1), and its argument checks.</summary>
public sealed class BenchCommandTests
{
    private const string CommunityHex = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";

    [Fact]
    public async Task A_run_against_our_node_counts_as_answered_exactly_the_responses_the_node_reports_it_sent()
    {
        await using var node = await RunningNode.StartAsync(new NodeConfig { Host = IPAddress.Loopback, Port = 0, Community = CommunityId.Parse(CommunityHex), LoopbackOnly = true, Discovery = false });
        var config = BenchConfigFor(node.Port, BenchMessage.IntroductionRequest, identities: 5);
        BenchResult result;
        using (var runner = new BenchRunner(config, TextWriter.Null))
        {
            result = runner.Run(rate: 250, seconds: 2, CancellationToken.None);
        }

        var report = await node.StopAsync();
        var responses = (long)report["stats"]!["messages_out"]!["introduction-response"]!["packets"]!;
        Assert.Equal(500, result.Sent);
        Assert.Equal(responses, result.Answered);
        Assert.Equal(result.Sent, result.Answered);
        Assert.Equal(0, result.Duplicates);
        Assert.Equal(0, result.Unmatched);
        Assert.Equal(0, result.IdentitiesNeverAnswered);
        Assert.True(result.Verification.Checked > 0, "no answer's signature was checked");
        Assert.Equal(0, result.Verification.Bad);
        Assert.Equal(0, result.Verification.OtherKeys);
        // Every identity became a verified peer of the node.
        Assert.Equal(5, report["peers"]!.AsArray().Count);
    }

    [Fact]
    public async Task Identities_beyond_our_nodes_max_peers_are_never_answered_and_the_bench_says_the_target_is_at_capacity()
    {
        // max_peers 2: like py-ipv8, the node answers while it has at most 2 peers, and once it has more it drops every
        // introduction request (py-ipv8: 0 <= max_peers < len(get_peers())). The first requests of identities 0, 1 and 2
        // are answered and make 3 peers; identities 3 and 4 are never answered.
        await using var node = await RunningNode.StartAsync(new NodeConfig { Host = IPAddress.Loopback, Port = 0, Community = CommunityId.Parse(CommunityHex), LoopbackOnly = true, Discovery = false, MaxPeers = 2 });
        var config = BenchConfigFor(node.Port, BenchMessage.IntroductionRequest, identities: 5);
        BenchResult result;
        using (var runner = new BenchRunner(config, TextWriter.Null))
        {
            result = runner.Run(rate: 100, seconds: 1, CancellationToken.None);
        }

        var report = await node.StopAsync();
        Assert.Equal(2, result.IdentitiesNeverAnswered);
        Assert.Equal(40, result.LostOnNeverAnswered);
        Assert.Equal(3, result.Answered);
        Assert.Equal((long)report["stats"]!["messages_out"]!["introduction-response"]!["packets"]!, result.Answered);
        Assert.Equal(result.Lost, (long)report["stats"]!["drops"]!["peer_limit"]!);
        Assert.Contains(BenchFindings.Of(result, config.Message, config.Timeout), f => f.StartsWith("2 of 5 identities were never answered", StringComparison.Ordinal) && f.Contains("peer capacity", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Pings_to_our_node_are_capped_per_source_by_its_rate_limits_and_all_answered_with_rate_limits_off(bool rateLimits)
    {
        await using var node = await RunningNode.StartAsync(new NodeConfig { Host = IPAddress.Loopback, Port = 0, Community = CommunityId.Parse(CommunityHex), LoopbackOnly = true, RateLimits = rateLimits });
        var config = BenchConfigFor(node.Port, BenchMessage.Ping, identities: 4);
        BenchResult result;
        using (var runner = new BenchRunner(config, TextWriter.Null))
        {
            result = runner.Run(rate: 200, seconds: 3, CancellationToken.None);
        }

        var report = await node.StopAsync();
        var discovery = report["discovery"]!;
        Assert.Equal((long)discovery["pongs_sent"]!, result.Answered);
        if (rateLimits)
        {
            // Pongs share the puncture budget: 5/s per source, burst 10: at most 10 + 5 × 3.2 s per identity.
            Assert.InRange(result.Answered, 4 * 10, 4 * 27);
            Assert.Equal(result.Sent - result.Answered, (long)discovery["drops"]!["rate_limited"]!);
            Assert.Contains(BenchFindings.Of(result, config.Message, config.Timeout), f => f.Contains("the target limits each source", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(result.Sent, result.Answered);
            Assert.Equal(0, (long)discovery["drops"]!["rate_limited"]!);
        }
    }

    [Fact]
    public void A_target_outside_loopback_is_refused_without_allow_remote()
    {
        var (code, output, error) = CliHarness.Run("bench", "--target", "192.0.2.1:8090", "--community", CommunityHex);
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(CliHarness.Lines(error));
        Assert.StartsWith("error: --target 192.0.2.1:8090 is not a loopback address; loading another machine needs --allow-remote", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("error: --message introduction-request needs --community", "--target", "127.0.0.1:8090")]
    [InlineData("error: --message introduction-request carries IPv4 addresses only", "--target", "[::1]:8090", "--community", CommunityHex)]
    [InlineData("error: --target must be HOST:PORT", "--target", "localhost:8090", "--community", CommunityHex)]
    [InlineData("error: --message must be one of introduction-request, new-introduction-request, puncture-request, new-puncture-request, ping, got 'pong'", "--target", "127.0.0.1:8090", "--message", "pong")]
    [InlineData("error: --rate must be 1-1000000", "--target", "127.0.0.1:8090", "--community", CommunityHex, "--rate", "0")]
    public void Bad_arguments_give_one_error_line_and_exit_2(string expected, params string[] args)
    {
        var (code, output, error) = CliHarness.Run(["bench", .. args]);
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith(expected, Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1000, 1000)]
    [InlineData(1499, 1500)]
    [InlineData(23456, 23000)]
    [InlineData(47.4, 47)]
    public void Find_max_rates_are_rounded_to_two_significant_digits(double rate, double expected) =>
        Assert.Equal(expected, BenchCommand.RoundRate(rate));

    [Fact]
    public void The_report_of_a_run_has_the_contract_fields_and_a_refused_run_leaves_out_the_targets_numbers()
    {
        var config = BenchConfigFor(8090, BenchMessage.IntroductionRequest, identities: 2);
        var kept = FakeRun(lateBy: 0);
        var json = CliHarness.ParseObject(BenchCommand.SingleJson(config, new BenchStepReport(kept, kept.ScheduleProblem(5), false, [])));
        foreach (var key in new[] { "target", "rate", "duration_s", "sent", "answered", "lost", "achieved_rate", "latency_ms", "generator" })
        {
            Assert.True(json.ContainsKey(key), key);
        }

        Assert.Equal("127.0.0.1:8090", (string)json["target"]!);
        Assert.Equal(100, (long)json["sent"]!);
        Assert.Equal(100, (long)json["answered"]!);
        CliHarness.AssertKeys(json["latency_ms"]!.AsObject(), ["p50", "p90", "p99", "p999", "max"]);
        Assert.Equal(2.0, (double)json["latency_ms"]!["p50"]!, 2);
        Assert.True((bool)json["generator"]!["schedule_kept"]!);
        Assert.True(json["generator"]!.AsObject().ContainsKey("cpu_seconds"));
        Assert.True(json["generator"]!.AsObject().ContainsKey("schedule_error_ms_p99"));

        var late = FakeRun(lateBy: 20_000);
        var problem = late.ScheduleProblem(5);
        Assert.NotNull(problem);
        var refused = CliHarness.ParseObject(BenchCommand.SingleJson(config, new BenchStepReport(late, problem, false, [])));
        Assert.False((bool)refused["generator"]!["schedule_kept"]!);
        Assert.Equal(problem, (string)refused["refused"]!);
        Assert.False(refused.ContainsKey("answered"));
        Assert.False(refused.ContainsKey("latency_ms"));
        Assert.False(refused.ContainsKey("per_second"));
    }

    [Fact]
    public void The_find_max_plot_draws_the_percentiles_of_each_step_the_bound_the_max_rate_and_the_refused_steps_with_a_complete_legend()
    {
        var config = BenchConfigFor(8090, BenchMessage.IntroductionRequest, identities: 2) with { FindMax = true };
        var steps = new[] { 100.0, 200.0, 400.0 }.Select(rate => new BenchStepReport(FakeRun(lateBy: 0, rate: rate), null, rate < 400, [])).ToList();
        steps.Add(new BenchStepReport(FakeRun(lateBy: 0, rate: 800), "schedule", false, []));
        using var svg = new StringWriter();
        Plotting.BenchPlot.Write(config, steps, 200, svg);
        var document = System.Xml.Linq.XDocument.Parse(svg.ToString());
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(3, document.Descendants(ns + "circle").Count(c => (string?)c.Attribute("class") == "p99-point"));
        Assert.Single(document.Descendants(ns + "line"), l => (string?)l.Attribute("class") == "bound");
        Assert.Single(document.Descendants(ns + "line"), l => (string?)l.Attribute("class") == "max-rate");
        Assert.Contains("max rate 200/s", (string)document.Root!.Element(ns + "title")!, StringComparison.Ordinal);
        // The legend names every mark: the dashed bound (with its swatch), the max-rate line, the refused steps.
        Assert.Single(document.Descendants(ns + "line"), l => (string?)l.Attribute("class") == "bound-key" && (string?)l.Attribute("stroke-dasharray") == "6 4");
        Assert.Single(document.Descendants(ns + "line"), l => (string?)l.Attribute("class") == "max-rate-key");
        Assert.Single(document.Descendants(ns + "path"), p => (string?)p.Attribute("class") == "refused-point");
        var texts = document.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Contains("max rate 200/s", texts);
        Assert.Contains("refused (schedule): 1", texts);
    }

    /// <summary>A run of 100 requests answered 2 ms after they were due; each sent <paramref name="lateBy"/> µs late.</summary>
    private static BenchResult FakeRun(long lateBy, double rate = 100)
    {
        var step = new BenchStep(rate, 100, identities: 2, poolSize: 50, TimeSpan.FromSeconds(1), start: 0, frequency: 1_000_000);
        for (long i = 0; i < step.Count; i++)
        {
            var due = step.IntendedTimestamp(i);
            step.RecordSent(i, due + lateBy);
            step.RecordAnswer(step.IdentityOf(i), step.IdentifierOf(i), due + 2000);
        }

        return step.Finish(2_000_000, new BenchGenerator(), new BenchVerification(0, 0, 0));
    }

    [Fact]
    public void Bench_report_and_plot_naming_the_same_file_is_a_usage_error()
    {
        var path = CliHarness.TempPath("same.svg");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path); // the same file, spelt another way

        var (code, output, error) = CliHarness.Run("bench", "--target", "127.0.0.1:9", "--community", CommunityHex, "--report", path, "--plot", relative);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"error: --report and --plot name the same file '{path}'; give each its own file. (see 'ipv8 bench --help')", Assert.Single(CliHarness.Lines(error)));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Bench_report_and_plot_on_different_files_is_no_usage_error()
    {
        var parsed = CliApp.CreateRoot().Parse(["bench", "--target", "127.0.0.1:9", "--community", CommunityHex, "--report", CliHarness.TempPath("r.json"), "--plot", CliHarness.TempPath("p.svg")]);

        Assert.Empty(parsed.Errors);
    }

    [SkippableTheory]
    [InlineData("--report")]
    [InlineData("--plot")]
    public async Task Bench_report_or_plot_that_cannot_be_written_exits_1_with_one_clean_error_line(string option)
    {
        Skip.IfNot(File.Exists("/dev/full"), "needs /dev/full");
        await using var node = await RunningNode.StartAsync(new NodeConfig { Host = IPAddress.Loopback, Port = 0, Community = CommunityId.Parse(CommunityHex), LoopbackOnly = true, Discovery = false });
        var full = new FileInfo("/dev/full");
        var config = BenchConfigFor(node.Port, BenchMessage.Ping, identities: 1) with
        {
            Rate = 20,
            DurationSeconds = 0.5,
            WarmupSeconds = 0,
            Report = option == "--report" ? full : null,
            Plot = option == "--plot" ? full : null,
        };
        using var error = new StringWriter();

        var code = BenchCommand.Run(config, TextWriter.Null, error, CancellationToken.None);

        Assert.Equal(1, code);
        var line = Assert.Single(CliHarness.Lines(error.ToString()), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Equal($"error: cannot write {option} '/dev/full': No space left on device.", line);
    }

    private static BenchConfig BenchConfigFor(int port, BenchMessage message, int identities) => new()
    {
        Target = new IPEndPoint(IPAddress.Loopback, port),
        Community = CommunityId.Parse(CommunityHex),
        Message = message,
        Identities = identities,
        Quiet = true,
        // Generous: the shared test machine may stall; nothing here measures latency. (A run waits this long for answers
        // that never come.)
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>An <c>ipv8 node</c> run in-process on 127.0.0.1; <see cref="StopAsync"/> stops it and returns its report.</summary>
    private sealed class RunningNode : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(120));
        private readonly StringWriter _output = new();
        private Task<int>? _run;

        public int Port { get; private set; }

        public static async Task<RunningNode> StartAsync(NodeConfig config)
        {
            var node = new RunningNode();
            var started = new TaskCompletionSource<Ipv8Node>(TaskCreationOptions.RunContinuationsAsynchronously);
            node._run = NodeCommand.RunAsync(config, node._output, TextWriter.Null, NullLoggerFactory.Instance, node._stop.Token, (n, _) => started.SetResult(n));
            var running = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
            node.Port = running.Endpoint.Ipv4Address!.Value.Port;
            return node;
        }

        public async Task<JsonObject> StopAsync()
        {
            await _stop.CancelAsync();
            Assert.Equal(0, await _run!);
            return CliHarness.ParseObject(_output.ToString());
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (_run is not null)
            {
                await _run;
            }

            _stop.Dispose();
            await _output.DisposeAsync();
        }
    }
}

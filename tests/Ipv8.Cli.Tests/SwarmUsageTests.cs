using Ipv8.Cli.Commands;
using Ipv8.Cli.Hosting;
using Ipv8.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Cli.Tests;

/// <summary>
/// <c>ipv8 swarm</c> from a fresh user's side (review 13): its usage errors, the summary's wording, and what the report
/// records about the run's settings.
/// </summary>
public sealed class SwarmUsageTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ipv8-cli-swarmux-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static string UsageError(params string[] args)
    {
        var (code, output, error) = CliHarness.Run(args);
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        return Assert.Single(CliHarness.Lines(error));
    }

    [Fact]
    public void Swarm_report_and_plot_naming_the_same_file_is_a_usage_error()
    {
        var path = Path.Combine(_directory.FullName, "same.svg");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path); // the same file, spelt another way

        var line = UsageError("swarm", "--nodes", "3", "--in-memory", "--report", path, "--plot", relative);

        Assert.Equal($"error: --report and --plot name the same file '{path}'; give each its own file. (see 'ipv8 swarm --help')", line);
        Assert.Empty(_directory.GetFileSystemInfos());
    }

    [Fact]
    public void Swarm_report_and_plot_naming_one_file_through_a_symbolic_link_is_a_usage_error()
    {
        var target = Path.Combine(_directory.FullName, "p.svg");
        File.WriteAllText(target, "<svg/>");
        var link = Path.Combine(_directory.FullName, "link.svg");
        File.CreateSymbolicLink(link, target);
        var folderLink = Path.Combine(_directory.FullName, "folder");
        Directory.CreateSymbolicLink(folderLink, _directory.FullName);

        Assert.StartsWith("error: --report and --plot name the same file", UsageError("swarm", "--nodes", "3", "--in-memory", "--report", link, "--plot", target), StringComparison.Ordinal);
        Assert.StartsWith("error: --report and --plot name the same file", UsageError("swarm", "--nodes", "3", "--in-memory", "--report", Path.Combine(folderLink, "r.json"), "--plot", Path.Combine(_directory.FullName, "r.json")), StringComparison.Ordinal);
        Assert.Equal("<svg/>", File.ReadAllText(target));
    }

    [Fact]
    public void Swarm_report_and_plot_on_different_files_is_no_usage_error()
    {
        var parsed = CliApp.CreateRoot().Parse(["swarm", "--report", Path.Combine(_directory.FullName, "r.json"), "--plot", Path.Combine(_directory.FullName, "p.svg")]);

        Assert.Empty(parsed.Errors);
    }

    [Fact]
    public void Swarm_plot_given_a_directory_gets_the_reports_message_even_without_svg_in_its_name()
    {
        var plot = UsageError("swarm", "--plot", _directory.FullName);
        var report = UsageError("swarm", "--report", _directory.FullName);

        Assert.Equal($"error: --plot '{_directory.FullName}' is a directory, not a file. (see 'ipv8 swarm --help')", plot);
        Assert.Equal(report.Replace("--report", "--plot", StringComparison.Ordinal), plot);
        Assert.Contains("is a directory, not a file", UsageError("swarm", "--plot", "./"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--plot")]
    [InlineData("--report")]
    public void Swarm_empty_file_name_is_said_in_the_clis_words(string option)
    {
        Assert.Equal($"error: {option} needs a file name, got ''. (see 'ipv8 swarm --help')", UsageError("swarm", option, string.Empty));
    }

    [Theory]
    [InlineData("swarm.txt", "error: --plot 'swarm.txt': the file name must end in .svg. (see 'ipv8 swarm --help')")]
    [InlineData("/no-such-dir-ipv8/../swarm", "error: --plot '/no-such-dir-ipv8/../swarm': the file name must end in .svg. (see 'ipv8 swarm --help')")]
    [InlineData("p.png", "error: --plot 'p.png': only .svg is written (PNG would need a native raster library); convert the SVG, e.g. with rsvg-convert. (see 'ipv8 swarm --help')")]
    [InlineData(".svg", "error: --plot '.svg': the file needs a name before .svg. (see 'ipv8 swarm --help')")]
    public void Swarm_plot_name_errors_quote_the_path_as_given(string path, string expected) =>
        Assert.Equal(expected, UsageError("swarm", "--plot", path));

    [Theory]
    [InlineData(new[] { "--nodes", "0" }, "--nodes must be a whole number from 1 to 10000, got '0'")]
    [InlineData(new[] { "--nodes", "70000" }, "--nodes must be a whole number from 1 to 10000, got '70000'")]
    [InlineData(new[] { "--duration", "0" }, "--duration must be more than 0 and at most 3600 seconds, got '0'")]
    [InlineData(new[] { "--batch-size", "0" }, "--batch-size must be a whole number, at least 1, got '0'")]
    [InlineData(new[] { "--batch-delay", "20000" }, "--batch-delay must be 0-10000 ms, got '20000'")]
    [InlineData(new[] { "--base-port", "80" }, "--base-port must be 0, or 1024-65515 for 20 nodes, got '80'")]
    [InlineData(new[] { "--in-memory", "--receive-mode", "DedicatedThread" }, "--receive-mode sets how UDP sockets are read, and --in-memory has none: give one of the two")]
    public void Swarm_range_errors_echo_the_value_given(string[] args, string expected) =>
        Assert.Equal($"error: {expected}. (see 'ipv8 swarm --help')", UsageError(["swarm", .. args]));

    [Fact]
    public void Swarm_report_write_error_names_the_path_once_without_a_stray_space()
    {
        var file = new FileInfo("/dev/full");
        var message = OutputFiles.CannotWrite("--report", file, new IOException("No space left on device : '/dev/full'"));

        Assert.Equal("error: cannot write --report '/dev/full': No space left on device.", message);
    }

    [SkippableFact]
    public async Task Swarm_report_that_cannot_be_written_exits_1_with_one_clean_error_line()
    {
        Skip.IfNot(File.Exists("/dev/full"), "needs /dev/full");
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new SwarmConfig { Nodes = 2, Duration = TimeSpan.FromSeconds(30), InMemory = true, Report = new FileInfo("/dev/full"), ProgressInterval = null };

        var code = await SwarmCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Equal(1, code);
        var line = Assert.Single(CliHarness.Lines(error.ToString()), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Equal("error: cannot write --report '/dev/full': No space left on device.", line);
    }

    [Theory]
    [InlineData("--max-peers", 50, 0, true)]
    [InlineData("--max-peers", 50, 19, true)]
    [InlineData("--max-peers", 50, 20, false)]
    [InlineData("--max-peers", 50, -1, false)] // unlimited
    [InlineData("--max-peers", 20, 19, false)] // the target of 20 nodes is 19
    [InlineData("--max-peers", 3, 2, false)] // the target of 3 nodes is 2
    [InlineData("--max-peers", 3, 1, true)]
    [InlineData("--walk-target", 50, 0, true)] // no node walks at all
    [InlineData("--walk-target", 50, 5, true)] // 50 nodes stopped at min 5, median 5 peers
    [InlineData("--walk-target", 50, 20, false)]
    [InlineData("--walk-target", 50, -1, false)] // always walk
    [InlineData("--walk-target", 3, 2, false)]
    [InlineData("--walk-target", 3, 1, true)]
    public void Swarm_warns_when_max_peers_or_walk_target_is_below_the_convergence_target(string option, int nodes, int value, bool warns)
    {
        var warning = option == "--max-peers"
            ? SwarmCommand.MaxPeersWarning(new SwarmConfig { Nodes = nodes, MaxPeers = value })
            : SwarmCommand.WalkTargetWarning(new SwarmConfig { Nodes = nodes, WalkTarget = value });

        if (warns)
        {
            Assert.StartsWith($"swarm: warning: {option} {value} is below the ", warning, StringComparison.Ordinal);
            Assert.Contains(option == "--max-peers" ? "stops answering introduction requests, so the swarm will most likely not converge" : "stops walking, so the swarm will most likely not converge", warning, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(warning);
        }
    }

    [Fact]
    public async Task Swarm_with_max_peers_below_the_target_warns_on_standard_error_even_when_quiet()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new SwarmConfig { Nodes = 3, Duration = TimeSpan.FromSeconds(1), InMemory = true, MaxPeers = 0, ProgressInterval = null };

        var code = await SwarmCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.StartsWith("swarm: warning: --max-peers 0 is below the 2 verified peers", CliHarness.Lines(error.ToString())[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swarm_quiet_leaves_out_the_first_line_and_the_progress_but_keeps_the_summary()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new SwarmConfig { Nodes = 2, Duration = TimeSpan.FromSeconds(30), InMemory = true, ProgressInterval = null };

        var code = await SwarmCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.True(code == 0, error.ToString());
        var lines = CliHarness.Lines(error.ToString());
        Assert.DoesNotContain(lines, l => l.Contains("tracker on", StringComparison.Ordinal)); // the first line
        Assert.DoesNotContain(lines, l => l.StartsWith('['));
        Assert.StartsWith("swarm: 2 nodes and a tracker (", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swarm_report_records_the_receive_mode_sharing_and_batches_in_force()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new SwarmConfig { Nodes = 3, Duration = TimeSpan.FromSeconds(30), InMemory = true, Share = false, BatchSize = 2, ProgressInterval = null };

        var code = await SwarmCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.True(code == 0, error.ToString());
        var json = CliHarness.ParseObject(output.ToString());
        Assert.False((bool)json["sharing"]!);
        Assert.Equal(2, (int)json["batch_size"]!);
        Assert.Equal(100, (double)json["batch_delay_ms"]!); // the default without shared receive threads
        Assert.True(json.ContainsKey("receive_mode"));
        Assert.Null(json["receive_mode"]); // in memory: no sockets
    }

    [Theory]
    [InlineData(9_035_512, "8.6 MiB")] // truncated, this was "8 MiB"
    [InlineData(21_562_184, "20.6 MiB")]
    [InlineData(1_048_576, "1.0 MiB")]
    public void Swarm_summary_rounds_mebibytes_to_one_decimal(long bytes, string expected) =>
        Assert.Equal(expected, SwarmCommand.Mib(bytes));

    [Theory]
    [InlineData(150L << 20, 100, " (0.0 MiB before the start; ~1536 KiB per node above it)")] // 1.5 MiB each
    [InlineData(1_024_614_400L, 1000, " (0.0 MiB before the start; ~1001 KiB per node above it)")] // 1000.6 KiB each rounds up
    public void Swarm_summary_rounds_memory_per_node(long bytes, int nodes, string expected) =>
        Assert.Equal(expected, SwarmCommand.PerNode(bytes, 0, nodes));

    [Fact]
    public void Swarm_kernel_drops_next_to_equal_sent_and_received_say_they_were_most_likely_other_processes()
    {
        using var error = new StringWriter();

        SwarmCommand.WriteSummary(SwarmInterruptTests.Result(200, 200, interrupted: false, sent: 14_877, received: 14_877, drops: 209), error);

        var kernel = Assert.Single(CliHarness.Lines(error.ToString()), l => l.StartsWith("kernel:", StringComparison.Ordinal));
        Assert.Equal(
            "kernel: 209 UDP datagrams dropped for a full receive buffer during the run (RcvbufErrors, machine-wide); the swarm's nodes received as many datagrams as they sent, so these were most likely other processes'",
            kernel);
    }

    [Fact]
    public void Swarm_kernel_drops_with_nothing_sent_are_not_explained_away()
    {
        using var error = new StringWriter();

        SwarmCommand.WriteSummary(SwarmInterruptTests.Result(200, 0, interrupted: true, sent: 0, received: 0, drops: 2_439), error);

        var kernel = Assert.Single(CliHarness.Lines(error.ToString()), l => l.StartsWith("kernel:", StringComparison.Ordinal));
        Assert.DoesNotContain("other processes", kernel, StringComparison.Ordinal);
    }

    [Fact]
    public void Swarm_kernel_drops_with_fewer_received_than_sent_are_not_explained_away()
    {
        using var error = new StringWriter();

        SwarmCommand.WriteSummary(SwarmInterruptTests.Result(200, 200, interrupted: false, sent: 14_877, received: 14_700, drops: 209), error);

        var kernel = Assert.Single(CliHarness.Lines(error.ToString()), l => l.StartsWith("kernel:", StringComparison.Ordinal));
        Assert.DoesNotContain("other processes", kernel, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("udp", "over UDP on 127.0.0.1")]
    [InlineData("in-memory", "over a simulated in-memory network")]
    public void Swarm_summary_names_the_transport_in_words(string transport, string expected)
    {
        using var error = new StringWriter();

        SwarmCommand.WriteSummary(SwarmInterruptTests.Result(5, 5, interrupted: false, converged: true) with { Transport = transport }, error);

        var first = CliHarness.Lines(error.ToString())[0];
        Assert.Contains(expected, first, StringComparison.Ordinal);
        Assert.DoesNotContain("in-memory on 127.0.0.1", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Swarm_interrupted_after_converging_says_both()
    {
        using var error = new StringWriter();

        SwarmCommand.WriteSummary(SwarmInterruptTests.Result(5, 5, interrupted: true, converged: true), error);

        Assert.Equal(
            "converged in 4.2 s: every node has at least 4 verified peers; interrupted after 4.4 s (Ctrl+C or SIGTERM)",
            CliHarness.Lines(error.ToString())[1]);
    }

    [Fact]
    public void Swarm_stray_argument_is_said_in_the_clis_words() =>
        Assert.Equal("error: unexpected argument 'extra': ipv8 swarm takes options only. (see 'ipv8 swarm --help')", UsageError("swarm", "extra"));

    [Fact]
    public void Swarm_of_one_node_says_that_a_single_node_needs_no_peer()
    {
        using var error = new StringWriter();

        SwarmCommand.WriteSummary(SwarmInterruptTests.Result(1, 1, interrupted: false, converged: true), error);

        Assert.Equal("converged in 4.2 s: a single node needs no peer (target min(N − 1, 20) = 0)", CliHarness.Lines(error.ToString())[1]);
    }
}

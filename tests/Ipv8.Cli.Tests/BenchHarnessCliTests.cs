using System.CommandLine;
using Ipv8.Bench.Throughput;
using Ipv8.Shared;
using Ipv8.Tests.Shared;

namespace Ipv8.Cli.Tests;

/// <summary><c>dotnet run --project bench -- throughput ...</c>: its help, its usage errors, and which scenarios print ratios.</summary>
public class BenchHarnessCliTests
{
    [Theory]
    [InlineData("thruput", " (did you mean 'throughput'?)")]
    [InlineData("flod", " (did you mean 'flood'?)")]
    [InlineData("xyz", "")]
    public void An_unknown_bench_command_is_one_error_line_with_a_guess_and_exit_2_never_benchmarkdotnets_picker(string word, string guess)
    {
        using var error = new StringWriter();

        var code = Ipv8.Bench.BenchArguments.Refuse([word, "--seconds", "1"], error);

        Assert.Equal(2, code);
        var line = Assert.Single(CliHarness.Lines(error.ToString()));
        Assert.StartsWith($"error: '{word}' is not a bench command{guess}; the harnesses are throughput and flood", line, StringComparison.Ordinal);
    }

    [Fact]
    public void No_bench_arguments_is_an_error_not_benchmarkdotnets_picker_while_options_go_to_benchmarkdotnet()
    {
        using var error = new StringWriter();

        Assert.Equal(2, Ipv8.Bench.BenchArguments.Refuse([], error));
        Assert.StartsWith("error: no harness or benchmark filter given", error.ToString(), StringComparison.Ordinal);
        Assert.Null(Ipv8.Bench.BenchArguments.Refuse(["--filter", "*Decode*"], TextWriter.Null));
        Assert.Null(Ipv8.Bench.BenchArguments.Refuse(["--list", "flat"], TextWriter.Null));
    }

    [Fact]
    public void Throughput_help_prints_the_options_and_every_scenario_and_exits_0()
    {
        using var output = new StringWriter();

        var code = ThroughputHarness.CreateCommand().Parse(["throughput", "--help"]).Invoke(new InvocationConfiguration { Output = output, Error = output });

        Assert.Equal(0, code);
        var help = output.ToString();
        foreach (var option in new[] { "--scenario", "--seconds", "--workers", "--json", "--no-interleave", "--metrics" })
        {
            Assert.Contains(option, help, StringComparison.Ordinal);
        }

        Assert.All(ThroughputHarness.Scenarios, s => Assert.Contains(s.Name, help, StringComparison.Ordinal));
    }

    public static TheoryData<string[]> BadArguments => new()
    {
        new[] { "throughput" },
        new[] { "throughput", "--scenario", "teleport" },
        new[] { "throughput", "--scenario", "decode", "--seconds", "0" },
        new[] { "throughput", "--scenario", "decode", "--seconds", "NaN" },
        new[] { "throughput", "--scenario", "decode", "--seconds", "1e-300" },
        new[] { "throughput", "--scenario", "swarm-floor", "--seconds", "0.05" },
        new[] { "throughput", "--scenario", "decode", "--workers", "65" },
        new[] { "throughput", "--scenario", "decode", "--bogus" },
        new[] { "throughput", "--scenario", "introduction-request", "--paired" },
        new[] { "throughput", "--scenario", "introduction-request", "--workers", "1", "--paired" },
        new[] { "throughput", "--scenario", "udp-ingest", "--workers", "2", "--paired" },
        new[] { "throughput", "--scenario", "decode", "--workers", "2", "--paired", "--seconds", "0.5" },
        new[] { "throughput", "--scenario", "decode", "--json", "/nonexistent-folder-for-ipv8-tests/r.json" },
        new[] { "throughput", "--scenario", "decode", "--json", "" },
        new[] { "throughput", "--scenario", "decode", "--metrics" },
        new[] { "throughput", "--scenario", "libsodium", "--workers", "2", "--paired", "--metrics" },
        new[] { "throughput", "--scenario", "decode", "--workers", "2", "--paired", "--no-interleave" },
        new[] { "throughput", "--scenario", "udp-ingest", "--no-interleave" },
        new[] { "throughput", "--scenario", "verify-ec", "--workers", "2" },
        new[] { "throughput", "--scenario", "swarm-floor", "--workers", "2" },
        new[] { "throughput", "--scenario", "decode", "--seconds", "abc" },
    };

    [Theory]
    [InlineData("--scenario decode --metrics", "--metrics works with introduction-request only, not decode")]
    [InlineData("--scenario udp-ingest --no-interleave", "--no-interleave works with decode, introduction-request, puncture-request, libsodium, not udp-ingest")]
    [InlineData("--scenario decode --workers 2 --paired --no-interleave", "--no-interleave does not work with --paired (a paired run measures libsodium in phases of its own)")]
    [InlineData("--scenario verify-ec --workers 2", "--workers works with decode, introduction-request, puncture-request, libsodium, udp-ingest, not verify-ec")]
    [InlineData("--scenario introduction-request --workers 1 --paired", "--paired needs --workers 2 or more")]
    [InlineData("--scenario decode --seconds abc --worker 2", "unknown option '--worker' (did you mean '--workers'?); --seconds must be a number, got 'abc'")]
    [InlineData("--scenario decode --seconds 0,5", "--seconds must be a number with a '.' for decimals and no ',', got '0,5'")]
    [InlineData("--scenario decod", "--scenario must be one of decode, introduction-request, puncture-request, udp-ingest, udp-baseline, libsodium, swarm-floor, verify-ec, got 'decod' (did you mean 'decode'?)")]
    [InlineData("", "--scenario is required")]
    public void Throughput_usage_errors_are_one_line_in_the_ipv8_commands_form_naming_where_an_option_applies(string args, string expected)
    {
        var parsed = ThroughputHarness.CreateCommand().Parse(["throughput", .. args.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

        Assert.Equal($"error: {expected}. (see 'throughput --help')", ThroughputHarness.ErrorLine(parsed));
    }

    [Fact]
    public void Verify_ec_takes_its_time_from_seconds_per_the_help()
    {
        using var output = new StringWriter();

        ThroughputHarness.CreateCommand().Parse(["throughput", "--help"]).Invoke(new InvocationConfiguration { Output = output, Error = output });

        var help = output.ToString().ReplaceLineEndings(" ");
        Assert.Contains("verify-ec divides it among its four curves", help, StringComparison.Ordinal);
        Assert.Contains("on one core (no --workers", help, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_json_report_that_cannot_be_written_is_one_line_in_the_ipv8_commands_words_and_the_report_still_printed()
    {
        Skip.IfNot(File.Exists("/dev/full"), "needs /dev/full");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = ThroughputHarness.WriteReport("{\"packets\":1}", "/dev/full", output, error);

        Assert.Equal(1, code);
        Assert.Equal("error: cannot write --json '/dev/full': No space left on device.", Assert.Single(CliHarness.Lines(error.ToString())));
        Assert.Equal("{\"packets\":1}", output.ToString().Trim());
        var viaCli = OutputFiles.CannotWrite("--report", new FileInfo("/dev/full"), new IOException("No space left on device : '/dev/full'"));
        Assert.Equal(viaCli.Replace("--report", "--json", StringComparison.Ordinal), error.ToString().Trim());
    }

    [Fact]
    public void A_paired_run_reports_the_scenarios_scaling_next_to_libsodiums_from_the_same_phases()
    {
        var json = Path.Combine(Path.GetTempPath(), $"ipv8-paired-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, ThroughputHarness.Run(["throughput", "--scenario", "puncture-request", "--workers", "2", "--paired", "--seconds", "1", "--json", json]));
            using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
            var root = report.RootElement;
            var one = root.GetProperty("one_worker_packets_per_second").GetDouble();
            var two = root.GetProperty("packets_per_second").GetDouble();
            Assert.True(one > 0 && two > 0, $"{one} and {two} packets/s");
            // The report's ratios come from unrounded rates, and the ones here from the report's rounded ones: they agree
            // to within rounding (0.5%), not to a fixed number of decimals.
            AssertClose(two / one, root.GetProperty("scaling").GetDouble());
            var ceiling = root.GetProperty("libsodium_scaling").GetDouble();
            Assert.True(ceiling > 0, $"libsodium scaling {ceiling}");
            AssertClose(two / one / ceiling, root.GetProperty("scaling_to_libsodium_scaling").GetDouble());
            Assert.StartsWith("paired:", root.GetProperty("rate_measurement").GetString(), StringComparison.Ordinal);

            // A puncture request costs one signature: the ceiling is libsodium's sign rate, not verify+sign.
            Assert.Equal("sign", root.GetProperty("libsodium_ceiling_work").GetString());

            // The scenario's own counters cover both phases, and say so next to the W-worker packet count.
            Assert.Equal(root.GetProperty("packets_all_phases").GetInt64(), root.GetProperty("punctures_sent").GetInt64());
            Assert.True(root.GetProperty("packets_all_phases").GetInt64() > root.GetProperty("packets").GetInt64());

            // No separate probes before and after: the paired phases measured libsodium.
            Assert.False(root.TryGetProperty("libsodium_verify_per_second_before_after", out _));
        }
        finally
        {
            File.Delete(json);
        }
    }

    [SkippableFact]
    public void The_swarm_floor_passes_signed_datagrams_between_ten_thousand_sockets_and_reports_the_swarm_reports_ratio()
    {
        var compiler = new[] { "cc", "gcc", "clang" }.FirstOrDefault(OnPath);
        Prerequisite.Decide("a C compiler", "IPV8_REQUIRE_CC", compiler is null ? "no cc, gcc or clang on the PATH" : null, Prerequisite.IsRequired("IPV8_REQUIRE_CC"));
        var json = Path.Combine(Path.GetTempPath(), $"ipv8-floor-{Guid.NewGuid():N}.json");
        try
        {
            // The harness says why a scenario could not run on standard error: kept for the failure message.
            var said = TextWriter.Synchronized(new StringWriter());
            var stderr = Console.Error;
            Console.SetError(said);
            int code;
            try
            {
                code = ThroughputHarness.Run(["throughput", "--scenario", "swarm-floor", "--seconds", "1", "--json", json]);
            }
            finally
            {
                Console.SetError(stderr);
            }

            Assert.True(code == 0, $"exit {code}: {said}");
            using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
            var root = report.RootElement;
            double Field(string name) => root.GetProperty(name).GetDouble();

            Assert.Equal(FloorScenario.Sockets, Field("sockets"));
            Assert.Equal(0, Field("failures"));
            var datagrams = Field("datagrams");
            Assert.True(datagrams > 1_000, $"{datagrams} datagrams in a second");
            Assert.Equal(datagrams, root.GetProperty("packets").GetInt64());

            // A walk step is four datagrams, three of them signed: three signatures made and three checked per four.
            Assert.Equal(0, Field("walks_unfinished"));
            AssertClose(4 * Field("walks"), datagrams, 0.02);
            AssertClose(0.75 * datagrams, Field("signatures_created"), 0.02);
            AssertClose(0.75 * datagrams, Field("signatures_verified"), 0.02);
            AssertClose(FloorScenario.WalksPerSecond, Field("walks_per_second"), 0.05);

            // The swarm report's ratio: process CPU over the signatures at the one-core probe rates.
            var work = (Field("signatures_created") / Field("libsodium_sign_per_second")) + (Field("signatures_verified") / Field("libsodium_verify_per_second"));
            AssertClose(work, Field("crypto_seconds_at_probe_rates"), 0.01);
            AssertClose(Field("cpu_seconds") / work, Field("crypto_ratio"), 0.01);
            Assert.False(root.TryGetProperty("allocated_bytes_per_packet", out _)); // a C program: not measured, not 0

            // Its probe, like the swarm's, measures each CPU it can pin itself to (one unpinned run where it cannot).
            Assert.Equal(Math.Max(1, CliHarness.PinnableCpus().Length), Field("probe_cpus"));
        }
        finally
        {
            File.Delete(json);
        }
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, program)));

    private static void AssertClose(double expected, double actual, double relative) =>
        Assert.True(Math.Abs(expected - actual) <= (relative * Math.Abs(expected)) + 0.001, $"expected {expected:F4}, the report says {actual:F4}");

    private static void AssertClose(double expected, double actual) => AssertClose(expected, actual, 0.005);

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Throughput_with_bad_arguments_is_a_usage_error_exit_2_without_running(string[] args)
    {
        Assert.NotEmpty(ThroughputHarness.CreateCommand().Parse(args).Errors);
        Assert.Equal(2, ThroughputHarness.Run(args));
    }

    [Theory]
    [InlineData("decode", CryptoBound.None)]
    [InlineData("udp-ingest", CryptoBound.None)]
    [InlineData("udp-baseline", CryptoBound.None)]
    [InlineData("verify-ec", CryptoBound.None)]
    [InlineData("puncture-request", CryptoBound.Sign)]
    [InlineData("introduction-request", CryptoBound.VerifyAndSign)]
    public void Only_scenarios_that_sign_or_verify_with_libsodium_are_compared_with_its_rates(string name, CryptoBound bound) =>
        Assert.Equal(bound, Assert.Single(ThroughputHarness.Scenarios, s => s.Name == name).Bound);

    [Fact]
    public void The_ratio_lines_are_the_verify_and_sign_bound_and_the_sign_rate_or_nothing()
    {
        Scenario Named(string name) => Assert.Single(ThroughputHarness.Scenarios, s => s.Name == name);
        Assert.Empty(ThroughputHarness.RatioLines(Named("decode"), 20_000_000, 10_000, 30_000));

        var sign = Assert.Single(ThroughputHarness.RatioLines(Named("puncture-request"), 30_000, 10_000, 30_000));
        Assert.Contains("ratio to sign rate", sign, StringComparison.Ordinal);
        Assert.EndsWith("1.000", sign, StringComparison.Ordinal);

        var both = ThroughputHarness.RatioLines(Named("introduction-request"), 7_500, 10_000, 30_000).ToList();
        Assert.Equal(2, both.Count);
        Assert.Contains("ratio to verify+sign bound", both[0], StringComparison.Ordinal);
        Assert.Contains("1.000  (bound 7500 /s per core)", both[0], StringComparison.Ordinal);
        Assert.Contains("ratio to sign rate", both[1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_libsodium_scenario_is_compared_with_the_verify_and_sign_bound_only_since_its_packets_are_both()
    {
        var libsodium = Assert.Single(ThroughputHarness.Scenarios, s => s.Name == "libsodium");

        var line = Assert.Single(ThroughputHarness.RatioLines(libsodium, 7_500, 10_000, 30_000));

        Assert.Contains("ratio to verify+sign bound", line, StringComparison.Ordinal);
    }
}

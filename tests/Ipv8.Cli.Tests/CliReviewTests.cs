using System.Net;
using Ipv8.Cli.Bench;
using Ipv8.Cli.Commands;
using Ipv8.Shared;

namespace Ipv8.Cli.Tests;

/// <summary>
/// Small user-facing defects of the command line found in review, across commands: numbers with a space around them,
/// values echoed as given.
/// </summary>
public sealed class CliReviewTests
{
    private const string CommunityHex = "33333333333333333333333333333333333333aa";

    [Theory]
    [InlineData("swarm", "--duration", " 2", "--duration must be a number, got ' 2'")]
    [InlineData("swarm", "--duration", "2 ", "--duration must be a number, got '2 '")]
    [InlineData("swarm", "--bootstrap-interval", "\t1", "--bootstrap-interval must be a number, got '\t1'")]
    [InlineData("swarm", "--base-port", " 5", "--base-port must be a whole number, got ' 5'")]
    [InlineData("swarm", "--seed", "7 ", "--seed must be a whole number, got '7 '")]
    [InlineData("swarm", "--nodes", " 3", "--nodes must be a whole number from 1 to 10000, got ' 3'")]
    [InlineData("node", "--duration", " 2", "--duration must be a number, got ' 2'")]
    [InlineData("tracker", "--duration", "2 ", "--duration must be a number, got '2 '")]
    [InlineData("bench", "--rate", " 100", "--rate must be a number, got ' 100'")]
    [InlineData("fuzz", "--rate", " 100", "--rate must be a whole number, got ' 100'")]
    public void A_number_with_a_space_before_or_after_it_is_refused_by_every_command(string command, string option, string value, string expected)
    {
        string[] args = command switch
        {
            "node" => ["node", "--port", "0", "--community", CommunityHex, option, value],
            "tracker" => ["tracker", "--port", "0", option, value],
            "bench" => ["bench", "--target", "127.0.0.1:8090", "--message", "ping", option, value],
            "fuzz" => ["fuzz", "--target", "127.0.0.1:8090", "--community", CommunityHex, option, value],
            _ => [command, option, value],
        };

        CliHarness.AssertUsageError($"error: {expected}. (see 'ipv8 {command} --help')", args);
    }

    [Theory]
    [InlineData("node", "1e400")] // converts to infinity: was echoed as 'Infinity'
    [InlineData("node", "Infinity")]
    [InlineData("node", "0")]
    [InlineData("node", "2592000.5")] // 30 days and half a second
    [InlineData("node", "1e-300")] // below the clock's 100 ns: a limit of 0
    [InlineData("tracker", "1e400")]
    [InlineData("tracker", "-1")]
    [InlineData("fuzz", "1e400")]
    public void Node_tracker_and_fuzz_duration_errors_echo_the_value_as_given(string command, string value)
    {
        string[] args = command switch
        {
            "node" => ["node", "--port", "0", "--community", CommunityHex, "--duration", value],
            "tracker" => ["tracker", "--port", "0", "--duration", value],
            _ => ["fuzz", "--target", "127.0.0.1:8090", "--community", CommunityHex, "--duration", value],
        };

        CliHarness.AssertUsageError($"error: --duration must be a positive number of seconds (at most 30 days), got '{value}'. (see 'ipv8 {command} --help')", args);
    }

    [Theory]
    [InlineData("--rate", "0", "--rate must be 1-1000000 requests per second")]
    [InlineData("--rate", "1e400", "--rate must be 1-1000000 requests per second")]
    [InlineData("--duration", "0", "--duration must be 0.1-3600 seconds")]
    [InlineData("--duration", "1e400", "--duration must be 0.1-3600 seconds")]
    [InlineData("--identities", "0", "--identities must be a whole number from 1 to 1000")]
    [InlineData("--identities", "1001", "--identities must be a whole number from 1 to 1000")]
    [InlineData("--max-loss", "150", "--max-loss must be 0-100 percent")]
    [InlineData("--max-rate", "0.5", "--max-rate must be 1-1000000 requests per second")]
    [InlineData("--max-p99", "0", "--max-p99 must be a finite number of ms more than 0")]
    [InlineData("--max-p99", "Infinity", "--max-p99 must be a finite number of ms more than 0")]
    [InlineData("--max-schedule-error", "-1", "--max-schedule-error must be a finite number of ms more than 0")]
    public void Bench_range_errors_echo_the_value_as_given(string option, string value, string rule)
    {
        CliHarness.AssertUsageError($"error: {rule}, got '{value}'. (see 'ipv8 bench --help')", "bench", "--target", "127.0.0.1:8090", "--message", "ping", option, value);
    }

    [Theory]
    [InlineData("--duration", "0.5", "1", "1")]
    [InlineData("--duration", "0.2", "3", "0.334")]
    [InlineData("--warmup", "0.5", "1", "1")]
    public void Bench_refuses_a_duration_or_warmup_shorter_than_one_request_interval_naming_both_values(string option, string seconds, string rate, string interval)
    {
        CliHarness.AssertUsageError(
            $"error: {option} {seconds} s is shorter than one request interval at --rate {rate}/s ({interval} s): at least one request is sent, so it would be stretched to one interval; give {option} {interval} or more, or a higher --rate. (see 'ipv8 bench --help')",
            "bench", "--target", "127.0.0.1:8090", "--message", "ping", "--rate", rate, option, seconds);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(10, 0.1, 0.1)]
    [InlineData(3, 0.334, 0)] // --warmup 0: none
    public void Bench_accepts_a_duration_and_warmup_of_at_least_one_request_interval(double rate, double duration, double warmup)
    {
        var config = new BenchConfig
        {
            Target = new IPEndPoint(IPAddress.Loopback, 8090),
            Message = BenchMessage.Ping,
            Rate = rate,
            DurationSeconds = duration,
            WarmupSeconds = warmup,
        };

        Assert.Null(BenchCommand.Check(config));
    }

    [Theory]
    [InlineData("0")] // no warm-up: before the run
    [InlineData("0.1")] // before the warm-up, which uses the run's pool
    public void Bench_says_how_many_requests_it_prepared_in_a_single_run_too(string warmup)
    {
        // Port 9 (discard): nothing answers; the run is short and ends with exit 3.
        var (code, _, error) = CliHarness.Run(
            "bench", "--target", "127.0.0.1:9", "--message", "ping", "--rate", "20", "--duration", "0.1", "--identities", "1", "--timeout", "0.1", "--warmup", warmup);

        Assert.Equal(BenchCommand.NothingAnswered, code);
        var lines = CliHarness.Lines(error);
        var prepared = Assert.Single(lines, l => l.StartsWith("bench: prepared ", StringComparison.Ordinal));
        Assert.Matches(@"^bench: prepared 16 requests per identity in [0-9.]+ s \(before the clock starts\)$", prepared);
        Assert.Equal(1, Array.IndexOf(lines, prepared)); // after the first line, before the warm-up and the run
    }

    [Theory]
    [InlineData(1, "1 request")]
    [InlineData(0, "0 requests")]
    [InlineData(2, "2 requests")]
    public void Bench_counts_agree_with_their_number(long count, string expected)
    {
        Assert.Equal(expected, Counted.Of(count, "request", "requests"));
        Assert.Equal($"bench: prepared {expected} per identity in 0.5 s (before the clock starts)", BenchCommand.PreparedLine((int)count, 0.5));
    }

    [Fact]
    public void Bench_findings_of_one_say_it_in_the_singular()
    {
        var step = new BenchStep(rate: 100, count: 2, identities: 1, poolSize: 16, timeout: TimeSpan.FromSeconds(1), start: 0, frequency: 1_000_000);
        step.RecordSent(0, 0);
        step.RecordSent(1, 10_000);
        Assert.Equal(AnswerKind.Answered, step.RecordAnswer(0, step.IdentifierOf(0), 500));
        Assert.Equal(AnswerKind.Duplicate, step.RecordAnswer(0, step.IdentifierOf(0), 600));
        Assert.Equal(AnswerKind.Late, step.RecordAnswer(0, step.IdentifierOf(1), 10_000 + 1_500_000));

        var findings = BenchFindings.Of(step.Finish(3_000_000, new BenchGenerator(), new BenchVerification(0, 0, 0)), BenchMessage.Ping, TimeSpan.FromSeconds(1));

        Assert.Contains("1 request was answered more than once.", findings);
        Assert.Contains(findings, f => f.StartsWith("1 answer came later than the timeout (1 s) and counts as lost: the target stalled or was overloaded", StringComparison.Ordinal) && f.Contains("it did not refuse that request.", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Contains("1 requests", StringComparison.Ordinal) || f.Contains("1 answers", StringComparison.Ordinal));
    }
}

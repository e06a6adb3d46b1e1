using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ipv8.Cli.Bench;
using Ipv8.Cli.Commands;

namespace Ipv8.Cli.Tests;

/// <summary>
/// What <c>ipv8 bench</c> concludes from a run (review 14c): a target that stops answering, dies or sits behind a lossy
/// path is not a per-source limit; Ctrl+C while waiting for the last answers; answers under two keys; bad signatures in
/// a refused run; the exit codes' precedence; per_second, the progress line, the wording of the identifier refusal and
/// the rounding. BenchStep is driven with fake timestamps (one tick = 1 µs) and model targets.
/// </summary>
public sealed class BenchVerdictTests
{
    private const long Frequency = 1_000_000;
    private static readonly BenchVerification s_noVerification = new(0, 0, 0);
    private static readonly BenchConfig s_config = new() { Target = new IPEndPoint(IPAddress.Loopback, 8104), Message = BenchMessage.Ping, Quiet = true };

    /// <summary>
    /// 500/s from 10 identities for 6 s; <paramref name="answers"/> says, per request index and due time, whether the
    /// model target answers it (then 300 µs after its due time). The run ends after the 2 s wait for the last answers.
    /// </summary>
    private static BenchResult Run(Func<long, long, int, bool> answers, Action<BenchStep>? after = null, long count = 3000, long latency = 300)
    {
        var step = new BenchStep(rate: 500, count: count, identities: 10, poolSize: 1000, timeout: TimeSpan.FromSeconds(2), start: 0, frequency: Frequency);
        for (long i = 0; i < step.Count; i++)
        {
            var due = step.IntendedTimestamp(i);
            var id = step.RecordSent(i, due);
            Assert.True(id >= 0);
            if (answers(i, due, step.IdentityOf(i)))
            {
                Assert.Equal(AnswerKind.Answered, step.RecordAnswer(step.IdentityOf(i), (ushort)id, due + latency));
            }
        }

        after?.Invoke(step);
        return step.Finish(step.IntendedTimestamp(step.Count - 1) + (2 * Frequency), new BenchGenerator(), s_noVerification);
    }

    private static List<string> Findings(BenchResult result) => BenchFindings.Of(result, BenchMessage.Ping, TimeSpan.FromSeconds(2), "127.0.0.1:8104");

    [Fact]
    public void A_target_that_stops_answering_for_the_rest_of_the_run_is_reported_as_stopped_not_as_a_per_source_limit_and_fails()
    {
        var result = Run((_, due, _) => due < 3 * Frequency);
        Assert.Equal(3, result.StoppedAt!.Value, 1);
        var findings = Findings(result);
        Assert.Contains(findings, f => f.StartsWith("the target stopped answering at t≈3 s", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Contains("limits each source", StringComparison.Ordinal));
        using var error = new StringWriter();
        var report = BenchCommand.Report(result, s_config, error);
        Assert.Equal(BenchCommand.Failed, BenchCommand.ExitCode([report], s_config.MaxLoss));
    }

    [Fact]
    public void A_target_killed_mid_run_is_reported_as_stopped_with_its_port_unreachable_not_as_a_per_source_limit()
    {
        var result = Run((_, due, _) => due < 2 * Frequency, step =>
        {
            for (var n = 0; n < 1500; n++)
            {
                step.RecordPortUnreachable();
            }
        });
        var findings = Findings(result);
        Assert.Contains(findings, f => f.StartsWith("the target stopped answering at t≈2 s and its host then answered 1500 times with ICMP port unreachable", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Contains("limits each source", StringComparison.Ordinal));
    }

    [Fact]
    public void An_overloaded_target_that_drops_requests_without_late_answers_gets_a_finding_that_says_so()
    {
        var random = new Random(99);
        var result = Run((_, _, _) => random.NextDouble() >= 0.3, latency: Frequency * 7 / 10); // answers 0.7 s late, within the 2 s timeout
        Assert.Equal(0, result.Late);
        var findings = Findings(result);
        var finding = Assert.Single(findings);
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"{result.Lost} of 3000 requests ("), finding, StringComparison.Ordinal);
        Assert.Contains("were never answered, none late (p50 of the answers 7", finding, StringComparison.Ordinal); // ~700 ms
        Assert.Contains("the target dropped them, an overload or a limit whose pattern the bench cannot identify", finding, StringComparison.Ordinal);
        using var error = new StringWriter();
        Assert.Equal(BenchCommand.Failed, BenchCommand.ExitCode([BenchCommand.Report(result, s_config, error)], s_config.MaxLoss));
    }

    [Fact]
    public void Random_loss_spread_over_identities_and_time_is_reported_as_spread_loss_and_never_as_a_steady_cap()
    {
        var random = new Random(1234);
        var result = Run((_, _, _) => random.NextDouble() >= 0.3);
        Assert.Null(result.StoppedAt);
        Assert.InRange(result.Dispersion!.Value, 0.6, 1.5);
        var findings = Findings(result);
        Assert.Contains(findings, f => f.Contains("loss spread evenly over identities and time (a lossy path, an overload, or a per-source limit whose refusals fall unevenly)", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Contains("limits each source", StringComparison.Ordinal));
        using var error = new StringWriter();
        Assert.Equal(BenchCommand.Failed, BenchCommand.ExitCode([BenchCommand.Report(result, s_config, error)], s_config.MaxLoss));
    }

    [Fact]
    public void A_steady_cap_per_identity_while_answers_keep_coming_until_the_end_is_a_per_source_limit()
    {
        // A token bucket per identity: 5 answers/s, burst 10 (our node's puncture budget).
        var tokens = new double[10];
        var last = new long[10];
        Array.Fill(tokens, 10);
        var result = Run((_, due, identity) =>
        {
            tokens[identity] = Math.Min(10, tokens[identity] + ((due - last[identity]) * 5.0 / Frequency));
            last[identity] = due;
            if (tokens[identity] < 1)
            {
                return false;
            }

            tokens[identity]--;
            return true;
        });
        Assert.Null(result.StoppedAt);
        Assert.True(result.Dispersion < BenchFindings.CappedDispersion, $"dispersion {result.Dispersion}");
        Assert.Contains(Findings(result), f => f.Contains("the target limits each source", StringComparison.Ordinal));
    }

    [Fact]
    public void Per_second_adds_up_to_the_answers_in_time_the_last_partial_second_included()
    {
        // 2.5 s of requests: answers arrive in seconds 1, 2 and the partial third.
        var result = Run((_, _, _) => true, count: 1250);
        Assert.Equal(result.Answered, result.Series.Sum(s => s.Answered));
        Assert.Equal(4, result.Series.Count); // seconds 1-3 and the wait for the last answers
    }

    [Fact]
    public void Ctrl_c_while_waiting_for_the_last_answers_is_interrupted_and_the_requests_still_waiting_are_not_lost()
    {
        // Everything sent; the target answered the first 2 s, then froze; Ctrl+C 1.5 s after the last request.
        var step = new BenchStep(rate: 500, count: 1500, identities: 10, poolSize: 1000, timeout: TimeSpan.FromSeconds(2), start: 0, frequency: Frequency);
        for (long i = 0; i < step.Count; i++)
        {
            var due = step.IntendedTimestamp(i);
            var id = step.RecordSent(i, due);
            if (due < 2 * Frequency)
            {
                step.RecordAnswer(step.IdentityOf(i), (ushort)id, due + 300);
            }
        }

        var end = step.IntendedTimestamp(step.Count - 1) + (3 * Frequency / 2);
        var result = step.Finish(end, new BenchGenerator { Interrupted = true }, s_noVerification);
        Assert.Equal(1000, result.Answered);
        // Due after end − timeout (2.498 s: the last 250) still waited within their timeout: unsettled; the 250 before are lost.
        Assert.Equal(250, result.Unsettled);
        Assert.Equal(250, result.Lost);
        Assert.Null(result.ScheduleProblem(5));
        using var error = new StringWriter();
        var report = BenchCommand.Report(result, s_config, error);
        Assert.True(report.Interrupted);
        Assert.DoesNotContain(report.Findings, f => f.Contains("limits each source", StringComparison.Ordinal) || f.Contains("evenly", StringComparison.Ordinal));
        Assert.Equal(BenchCommand.Interrupted, BenchCommand.ExitCode([report], s_config.MaxLoss));
        var json = CliHarness.ParseObject(BenchCommand.SingleJson(s_config, report));
        Assert.Equal(250, (long)json["unsettled"]!);
        Assert.True((bool)json["interrupted"]!);
    }

    [Fact]
    public void The_runner_reports_ctrl_c_during_the_wait_for_the_last_answers_as_interrupted()
    {
        // A target that never answers, a 30 s timeout, and Ctrl+C 1.5 s in: after the 0.2 s of sending, in the wait.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var config = s_config with { Target = (IPEndPoint)silent.LocalEndPoint!, Identities = 2, Timeout = TimeSpan.FromSeconds(30) };
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        BenchResult result;
        using (var runner = new BenchRunner(config, TextWriter.Null))
        {
            result = runner.Run(rate: 100, seconds: 0.2, cancel.Token, progress: false);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), "the wait for the last answers did not stop on Ctrl+C");
        Assert.True(result.Generator.Interrupted);
        Assert.Equal(result.Sent, result.Unsettled);
        Assert.Equal(0, result.Lost);
    }

    [Fact]
    public void An_interrupted_runs_send_rate_error_is_measured_against_the_time_it_ran()
    {
        var step = new BenchStep(rate: 1000, count: 10_000, identities: 10, poolSize: 1000, timeout: TimeSpan.FromSeconds(2), start: 0, frequency: Frequency);
        for (long i = 0; i < 5000; i++)
        {
            var due = step.IntendedTimestamp(i);
            var id = step.RecordSent(i, due);
            step.RecordAnswer(step.IdentityOf(i), (ushort)id, due + 300);
        }

        var result = step.Finish(5 * Frequency, new BenchGenerator { Interrupted = true }, s_noVerification);
        Assert.True(result.Generator.SendRateError < 0.001, $"send-rate error {result.Generator.SendRateError}");
        Assert.Null(result.ScheduleProblem(5));
        Assert.Equal(0, result.Lost);
    }

    [Fact]
    public void Answers_under_two_keys_make_the_run_untrustworthy_with_exit_4()
    {
        var result = Run((_, _, _) => true) with { Verification = new BenchVerification(283, 0, 155) };
        using var error = new StringWriter();
        var report = BenchCommand.Report(result, s_config, error);
        Assert.Contains("more than one node answered", report.Untrusted, StringComparison.Ordinal);
        Assert.Contains("RESULT UNTRUSTWORTHY", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(BenchCommand.BadSignatures, BenchCommand.ExitCode([report], s_config.MaxLoss));
    }

    [Fact]
    public void Bad_signatures_in_a_refused_run_still_make_it_untrustworthy_and_exit_4_before_the_refusals_1()
    {
        var result = Run((_, _, _) => true) with { Verification = new BenchVerification(261, 261, 0) };
        using var error = new StringWriter();
        var report = BenchCommand.Report(result, s_config, error);
        var refused = report with { Refused = "schedule" };
        Assert.NotNull(refused.Untrusted);
        Assert.Equal(BenchCommand.BadSignatures, BenchCommand.ExitCode([refused], s_config.MaxLoss));
        Assert.Equal(BenchCommand.Interrupted, BenchCommand.ExitCode([refused with { Interrupted = true }], s_config.MaxLoss));
        using var error2 = new StringWriter();
        var slow = result with { Generator = result.Generator with { ScheduleErrorMsP99 = 9 } };
        var both = BenchCommand.Report(slow, s_config, error2);
        Assert.NotNull(both.Refused);
        Assert.NotNull(both.Untrusted);
        Assert.Contains("RESULT REFUSED", error2.ToString(), StringComparison.Ordinal);
        Assert.Contains("RESULT UNTRUSTWORTHY: 261 of the 261", error2.ToString(), StringComparison.Ordinal);
        Assert.Equal(BenchCommand.BadSignatures, BenchCommand.ExitCode([both], s_config.MaxLoss));
        var json = CliHarness.ParseObject(BenchCommand.SingleJson(s_config, both));
        Assert.Equal(both.Untrusted, (string)json["untrusted"]!);
        Assert.False((bool)json["generator"]!["schedule_kept"]!);
    }

    [Fact]
    public void The_progress_line_waits_for_the_receiver_to_close_the_second_and_shows_that_seconds_answers()
    {
        var step = new BenchStep(rate: 100, count: 300, identities: 1, poolSize: 300, timeout: TimeSpan.FromSeconds(2), start: 0, frequency: Frequency);
        for (long i = 0; i < 100; i++)
        {
            var id = step.RecordSent(i, step.IntendedTimestamp(i));
            step.RecordAnswer(0, (ushort)id, step.IntendedTimestamp(i) + 300);
        }

        // Second 1 is due at 1 s; until the receiver closed it (Tick), the line waits (up to 200 ms).
        Assert.False(BenchRunner.ProgressDue(step, Frequency, Frequency + 10_000));
        step.Tick(Frequency + 15_000);
        Assert.True(BenchRunner.ProgressDue(step, Frequency, Frequency + 20_000));
        Assert.Contains("[   1.0s] 100/s: sent 100, answered 100 (100 in second 1,", BenchRunner.ProgressLine(step, Frequency + 20_000), StringComparison.Ordinal);

        // Second 2: sent, nothing answered: the line says 0 in second 2, not second 1's 100.
        for (long i = 100; i < 200; i++)
        {
            step.RecordSent(i, step.IntendedTimestamp(i));
        }

        Assert.False(BenchRunner.ProgressDue(step, 2 * Frequency, (2 * Frequency) + 5_000));
        step.Tick((2 * Frequency) + 6_000);
        Assert.True(BenchRunner.ProgressDue(step, 2 * Frequency, (2 * Frequency) + 7_000));
        Assert.Contains("answered 100 (0 in second 2, p99 -)", BenchRunner.ProgressLine(step, (2 * Frequency) + 7_000), StringComparison.Ordinal);
        Assert.True(BenchRunner.ProgressDue(step, 3 * Frequency, (3 * Frequency) + 250_000), "a stuck receiver must not hold the line back for ever");
    }

    [Fact]
    public void Running_out_of_identifiers_is_worded_as_such_with_advice_that_can_help()
    {
        var step = new BenchStep(rate: 100, count: 100, identities: 1, poolSize: 20, timeout: TimeSpan.FromSeconds(2), start: 0, frequency: Frequency);
        for (long i = 0; i < step.Count; i++)
        {
            step.RecordSent(i, step.IntendedTimestamp(i));
        }

        var result = step.Finish(3 * Frequency, new BenchGenerator(), s_noVerification);
        Assert.Equal(80, result.NotSent);
        var problem = result.ScheduleProblem(5)!;
        Assert.StartsWith("the generator ran out of request identifiers: 80 requests could not be sent because all 20 identifiers", problem, StringComparison.Ordinal);
        Assert.Contains("raise --timeout", problem, StringComparison.Ordinal);
        using var error = new StringWriter();
        BenchCommand.Report(result, s_config, error);
        Assert.DoesNotContain("free the machine", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("did not keep its schedule", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(0.5, false)]
    [InlineData(10, true)]
    public void The_identifier_limit_error_suggests_a_shorter_timeout_only_when_that_shortens_the_cycle(double timeout, bool suggested)
    {
        var problem = BenchCommand.Check(s_config with { Message = BenchMessage.Ping, Rate = 1_000_000, Identities = 20, Timeout = TimeSpan.FromSeconds(timeout) })!;
        Assert.Contains("use --identities", problem, StringComparison.Ordinal);
        Assert.Equal(suggested, problem.Contains("shorter --timeout", StringComparison.Ordinal));
    }

    [Fact]
    public void Standard_error_and_the_report_round_the_achieved_rate_the_same_way()
    {
        Assert.Equal(429.3, BenchCommand.RoundRate1(429.25));
        var result = Run((_, _, _) => true) with { AchievedRate = 429.25 };
        using var error = new StringWriter();
        var report = BenchCommand.Report(result, s_config, error);
        Assert.Contains("(429.3/s)", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(429.3, (double)CliHarness.ParseObject(BenchCommand.SingleJson(s_config, report))["achieved_rate"]!);
    }
}

using Ipv8.Cli.Bench;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Cli.Tests;

/// <summary>
/// The core of <c>ipv8 bench</c> (<see cref="BenchStep"/>) driven by a fake clock: timestamps are microseconds that the
/// test chooses, the "target" is a model whose answer times the test computes, and every request and answer is fed in
/// time order as the sender and receiver threads would.
/// </summary>
public sealed class BenchStepTests
{
    private const long Frequency = 1_000_000; // one tick = 1 µs

    private static readonly BenchGenerator s_generator = new() { CpuSeconds = 0 };
    private static readonly BenchVerification s_noVerification = new(0, 0, 0);

    [Fact]
    public void Latency_of_a_slow_target_is_measured_from_the_intended_send_time_so_its_queue_shows_in_every_percentile()
    {
        // 1000 requests at 1000/s to a target that serves one request per 2 ms, in order: its queue grows by one
        // request per 2 ms, request i (due at i ms) is answered at 2(i + 1) ms, so its latency is i + 2 ms: uniform from
        // 2 to 1001 ms. A closed-loop tool that waited for each answer would have measured 2 ms every time.
        var step = new BenchStep(rate: 1000, count: 1000, identities: 4, poolSize: 250, timeout: TimeSpan.FromSeconds(5), start: 0, frequency: Frequency);
        var events = new List<(long Time, int Order, Action Act)>();
        for (long i = 0; i < step.Count; i++)
        {
            var index = i;
            var due = step.IntendedTimestamp(index);
            Assert.Equal(index * 1000, due);
            events.Add((due, 0, () => step.RecordSent(index, due)));
            var answered = 2000 * (index + 1);
            events.Add((answered, 1, () => Assert.Equal(AnswerKind.Answered, step.RecordAnswer(step.IdentityOf(index), step.IdentifierOf(index), answered))));
        }

        foreach (var (_, _, act) in events.OrderBy(e => e.Time).ThenBy(e => e.Order))
        {
            act();
        }

        var result = step.Finish(2_100_000, s_generator, s_noVerification);
        Assert.Equal(1000, result.Sent);
        Assert.Equal(1000, result.Answered);
        Assert.Equal(0, result.Lost);
        var latency = Assert.IsType<LatencyPercentiles>(result.Latency);
        // Exact values of the uniform 2..1001 ms, within HdrHistogram's 3 significant digits (0.1%).
        AssertNear(501, latency.P50);
        AssertNear(901, latency.P90);
        AssertNear(991, latency.P99);
        AssertNear(1000, latency.P999);
        AssertNear(1001, latency.Max);
        Assert.Equal(0, result.Generator.ScheduleErrorMsP99);
        Assert.True(result.Generator.SendRateError < 1e-9, $"send-rate error {result.Generator.SendRateError}");
        Assert.Null(result.ScheduleProblem(5));
        Assert.Equal(1000, result.AchievedRate, 6);
        // Answers by the second they arrived in: the queue drains at 500/s (the answer at exactly 1 s is the second's).
        Assert.Equal(499, result.Series[0].Answered);
        Assert.Equal(500, result.Series[1].Answered);
    }

    [Theory]
    [InlineData(8, 4, 100, false)] // 4 ms late of a 50 ms interval: send-rate error 1.1%, but only that one send
    [InlineData(8, 60, 100, true)] // more than one interval late: the generator fell behind
    [InlineData(60, 40, 5, true)] // within the interval but over --max-schedule-error, which the p99 of 60 sends does not see
    [InlineData(60, 40, 50, false)] // 40 ms: 1.3% of 2.95 s, within the interval and the allowed lateness
    [InlineData(2, 999, 2000, true)] // --rate 20, 2 requests: 999 ms is far more than one interval
    public void A_short_run_is_refused_for_its_send_rate_unless_it_is_one_last_send_within_an_interval_and_the_allowed_lateness(int count, int lastLateMs, int maxScheduleErrorMs, bool refused)
    {
        // 8 requests at 20/s span 350 ms: the last leaving 4 ms late reads as 19.8/s, over 1% off.
        var step = new BenchStep(rate: 20, count: count, identities: 4, poolSize: 64, timeout: TimeSpan.FromSeconds(1), start: 0, frequency: Frequency);
        for (long i = 0; i < step.Count; i++)
        {
            var due = step.IntendedTimestamp(i);
            step.RecordSent(i, i == step.Count - 1 ? due + (lastLateMs * 1000) : due);
        }

        var result = step.Finish(1_000_000, s_generator, s_noVerification);
        Assert.True(result.Generator.SendRateError > 0.01, $"send-rate error {result.Generator.SendRateError}");
        Assert.Equal(lastLateMs, result.Generator.LastSendLateMs!.Value, 6);
        var problem = result.ScheduleProblem(maxScheduleErrorMs);
        if (refused)
        {
            Assert.NotNull(problem);
            Assert.Contains("send-rate error", problem, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(problem);
        }
    }

    [Fact]
    public void A_sender_that_stalls_is_charged_the_stall_as_latency_and_its_result_is_refused()
    {
        // 1000/s for 1 s to an instant (1 ms) target; the sender stalls 100 ms at request 500, then catches up: requests
        // 500-599 leave at 600 ms. Their latency counts from when they were due.
        var step = new BenchStep(rate: 1000, count: 1000, identities: 2, poolSize: 500, timeout: TimeSpan.FromSeconds(2), start: 0, frequency: Frequency);
        for (long i = 0; i < step.Count; i++)
        {
            var due = step.IntendedTimestamp(i);
            var sent = i is >= 500 and < 600 ? 600_000 : due;
            step.RecordSent(i, sent);
            step.RecordAnswer(step.IdentityOf(i), step.IdentifierOf(i), sent + 1000);
        }

        var result = step.Finish(1_000_000, s_generator, s_noVerification);
        var latency = Assert.IsType<LatencyPercentiles>(result.Latency);
        AssertNear(1, latency.P50);
        AssertNear(101, latency.Max);
        AssertNear(91, latency.P99); // 100 requests 2..101 ms, 900 at 1 ms: the 990th is 91 ms
        AssertNear(90, result.Generator.ScheduleErrorMsP99);
        AssertNear(100, result.Generator.ScheduleErrorMsMax);
        var problem = result.ScheduleProblem(maxScheduleErrorMs: 5);
        Assert.NotNull(problem);
        Assert.Contains("--max-schedule-error", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Losses_are_every_request_not_answered_within_the_timeout_and_identities_never_answered_are_reported_as_capacity()
    {
        // 5 identities, 200 requests each. The target never answers identity 3 (it is "at capacity"), drops every 10th
        // request of the others, and answers request 7 only after the 1 s timeout.
        var step = new BenchStep(rate: 1000, count: 1000, identities: 5, poolSize: 200, timeout: TimeSpan.FromSeconds(1), start: 0, frequency: Frequency);
        for (long i = 0; i < step.Count; i++)
        {
            var due = step.IntendedTimestamp(i);
            step.RecordSent(i, due);
            if (step.IdentityOf(i) == 3 || i % 10 == 0)
            {
                continue;
            }

            var kind = step.RecordAnswer(step.IdentityOf(i), step.IdentifierOf(i), due + (i == 7 ? 1_500_000 : 500));
            Assert.Equal(i == 7 ? AnswerKind.Late : AnswerKind.Answered, kind);
        }

        var result = step.Finish(3_000_000, s_generator, s_noVerification);
        // Identity 3: 200 lost. The others: i % 10 == 0 falls on identities 0 only (i = 0, 10, 20...: i mod 5 = 0), 100 of
        // them. Plus the late one.
        Assert.Equal(1000, result.Sent);
        Assert.Equal(1000 - 200 - 100 - 1, result.Answered);
        Assert.Equal(301, result.Lost);
        Assert.Equal(1, result.Late);
        Assert.Equal(1, result.IdentitiesNeverAnswered);
        Assert.Equal(200, result.LostOnNeverAnswered);
        var findings = BenchFindings.Of(result, BenchMessage.IntroductionRequest, TimeSpan.FromSeconds(1));
        Assert.Contains(findings, f => f.StartsWith("1 of 5 identities was never answered and carries 66% of the losses", StringComparison.Ordinal) && f.Contains("peer capacity", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("1 answer came later than the timeout (1 s) and counts as lost", StringComparison.Ordinal));
    }

    [Fact]
    public void A_per_source_limit_is_recognized_by_even_prompt_answers_far_below_what_each_identity_sent()
    {
        // 4 identities at 50/s each for 10 s; the target answers each source at most 5 times a second, at once.
        var step = new BenchStep(rate: 200, count: 2000, identities: 4, poolSize: 500, timeout: TimeSpan.FromSeconds(1), start: 0, frequency: Frequency);
        var answeredInSecond = new int[4, 10];
        for (long i = 0; i < step.Count; i++)
        {
            var due = step.IntendedTimestamp(i);
            step.RecordSent(i, due);
            var identity = step.IdentityOf(i);
            var second = (int)(due / Frequency);
            if (answeredInSecond[identity, second]++ < 5)
            {
                step.RecordAnswer(identity, step.IdentifierOf(i), due + 300);
            }
        }

        var result = step.Finish(11_000_000, s_generator, s_noVerification);
        Assert.Equal(200, result.Answered);
        var findings = BenchFindings.Of(result, BenchMessage.Ping, TimeSpan.FromSeconds(1));
        Assert.Contains(findings, f => f.StartsWith("every answered identity got about 5 answers/s while sending 50/s", StringComparison.Ordinal) && f.Contains("--rate-limits off", StringComparison.Ordinal));
    }

    [Fact]
    public void Answers_are_matched_by_identity_and_identifier_whatever_their_order()
    {
        var step = new BenchStep(rate: 1000, count: 8, identities: 2, poolSize: 4, timeout: TimeSpan.FromSeconds(1), start: 0, frequency: Frequency);
        for (long i = 0; i < step.Count; i++)
        {
            step.RecordSent(i, step.IntendedTimestamp(i));
        }

        // Request i goes from identity i % 2 with identifier i / 2: answer them newest first, each at 10 ms.
        for (var i = 7; i >= 0; i--)
        {
            Assert.Equal(AnswerKind.Answered, step.RecordAnswer(i % 2, (ushort)(i / 2), 10_000));
        }

        Assert.Equal(AnswerKind.Duplicate, step.RecordAnswer(0, 0, 11_000));
        Assert.Equal(AnswerKind.Unmatched, step.RecordAnswer(0, 4, 11_000)); // beyond the pool: never sent
        Assert.Equal(AnswerKind.Unmatched, step.RecordAnswer(2, 0, 11_000)); // no such identity

        var result = step.Finish(20_000, s_generator, s_noVerification);
        Assert.Equal(8, result.Answered);
        Assert.Equal(1, result.Duplicates);
        Assert.Equal(2, result.Unmatched);
        var latency = Assert.IsType<LatencyPercentiles>(result.Latency);
        // Request i was due at i ms and answered at 10 ms: latencies 3..10 ms; the oldest (request 0) is the max.
        AssertNear(10, latency.Max);
        AssertNear(6, latency.P50);
    }

    [Fact]
    public void An_identifier_not_yet_sent_is_unmatched_and_one_whose_request_was_never_answered_is_skipped_not_reused()
    {
        // Pool of 2 identifiers for 1 identity.
        var step = new BenchStep(rate: 1000, count: 4, identities: 1, poolSize: 2, timeout: TimeSpan.FromSeconds(1), start: 0, frequency: Frequency);
        Assert.Equal(0, step.RecordSent(0, 0));
        Assert.Equal(AnswerKind.Unmatched, step.RecordAnswer(0, 1, 100)); // identifier 1 is not out yet
        Assert.Equal(1, step.RecordSent(1, 1000));
        Assert.Equal(AnswerKind.Answered, step.RecordAnswer(0, 1, 1200)); // request 1: 0.2 ms
        // Identifier 0 still waits for request 0's answer: request 2 takes identifier 1 (answered) instead.
        Assert.Equal(1, step.RecordSent(2, 2000));
        Assert.Equal(AnswerKind.Answered, step.RecordAnswer(0, 0, 2500)); // request 0, late but within the timeout: 2.5 ms
        Assert.Equal(0, step.RecordSent(3, 3000)); // identifier 0 was answered: free again
        Assert.Equal(AnswerKind.Answered, step.RecordAnswer(0, 0, 3200)); // request 3: 0.2 ms

        var result = step.Finish(10_000, s_generator, s_noVerification);
        Assert.Equal(4, result.Sent);
        Assert.Equal(3, result.Answered);
        Assert.Equal(1, result.Lost); // request 2
        Assert.Equal(1, result.Unmatched);
        Assert.Equal(0, result.Duplicates);
        var latency = Assert.IsType<LatencyPercentiles>(result.Latency);
        AssertNear(2.5, latency.Max);
    }

    [Fact]
    public void The_answers_of_each_message_kind_are_read_by_identifier_and_other_traffic_is_not()
    {
        using var key = LibNaClPrivateKey.Generate();
        var community = CommunityId.Parse("33333333333333333333333333333333333333aa");
        var prefix = community.ToPrefix();
        var me = UdpAddress.Parse("127.0.0.1:40000");
        var target = UdpAddress.Parse("127.0.0.1:40001");
        var buffer = new byte[BenchMessages.MaxSize];

        var n = Packet.Write(buffer, prefix, key, new GlobalTime(9), new IntroductionResponsePayload { DestinationAddress = me, SourceLanAddress = target, SourceWanAddress = target, Identifier = 4242 });
        Assert.True(BenchMessages.TryReadAnswer(buffer.AsSpan(0, n), BenchMessage.IntroductionRequest, prefix, out var id, out var signed));
        Assert.Equal((4242, true), (id, signed));
        Assert.True(BenchMessages.TryReadAnswer(buffer.AsSpan(0, n), BenchMessage.NewIntroductionRequest, prefix, out _, out _));
        Assert.False(BenchMessages.TryReadAnswer(buffer.AsSpan(0, n), BenchMessage.PunctureRequest, prefix, out _, out _));
        Assert.False(BenchMessages.TryReadAnswer(buffer.AsSpan(0, n), BenchMessage.IntroductionRequest, DiscoveryCommunityMessages.CommunityId.ToPrefix(), out _, out _));

        n = Packet.Write(buffer, prefix, key, new GlobalTime(9), new NewPuncturePayload { SourceLanAddress = target, SourceWanAddress = me, Identifier = 7 });
        Assert.True(BenchMessages.TryReadAnswer(buffer.AsSpan(0, n), BenchMessage.PunctureRequest, prefix, out id, out signed));
        Assert.Equal((7, true), (id, signed));

        // A puncture request the target sends to introduce one identity to another answers nothing.
        n = Packet.Write(buffer, prefix, null, new GlobalTime(9), new PunctureRequestPayload { LanWalkerAddress = me, WanWalkerAddress = me, Identifier = 7 });
        Assert.False(BenchMessages.TryReadAnswer(buffer.AsSpan(0, n), BenchMessage.IntroductionRequest, prefix, out _, out _));
        Assert.False(BenchMessages.TryReadAnswer(buffer.AsSpan(0, n), BenchMessage.PunctureRequest, prefix, out _, out _));

        var discovery = DiscoveryCommunityMessages.CommunityId.ToPrefix();
        n = Packet.Write(buffer, discovery, null, new GlobalTime(9), new PongPayload { Identifier = 65535 });
        Assert.True(BenchMessages.TryReadAnswer(buffer.AsSpan(0, n), BenchMessage.Ping, discovery, out id, out signed));
        Assert.Equal((65535, false), (id, signed));

        // A request, as written, decodes as what it is: a signed 246 from our key, naming the target and us.
        n = BenchMessages.Write(buffer, BenchMessage.IntroductionRequest, prefix, key, target, me, 321, 322);
        Assert.True(Packet.TryDecode(buffer.AsSpan(0, n), verify: true, out var packet, out GlobalTime time, out IntroductionRequestPayload request, out _));
        Assert.Equal((321, 322UL, target, me, me), (request.Identifier, time.Value, request.DestinationAddress, request.SourceLanAddress, request.SourceWanAddress));
        Assert.True(packet.PublicKeyBin.SequenceEqual(key.PublicKey.Bin));
    }

    private static void AssertNear(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= Math.Max(0.002 * expected, 0.002), $"expected {expected} ms, got {actual} ms");
}

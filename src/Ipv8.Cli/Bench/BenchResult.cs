using System.Globalization;
using Ipv8.Shared;

namespace Ipv8.Cli.Bench;

/// <summary>The outcome of one <see cref="BenchStep"/>.</summary>
internal sealed record BenchResult
{
    public required double Rate { get; init; }

    /// <summary>The scheduled length of the run: the last request's due time plus one interval.</summary>
    public required double DurationSeconds { get; init; }

    public required long Sent { get; init; }

    public required long Answered { get; init; }

    /// <summary>Requests that were never answered within the timeout (<see cref="Late"/> included), <see cref="Unsettled"/> left out.</summary>
    public long Lost => Sent - Answered - Unsettled;

    /// <summary>An interrupted run's requests still within their timeout when it stopped: neither answered nor lost.</summary>
    public long Unsettled { get; init; }

    /// <summary>Identifiers (prepared requests) per identity.</summary>
    public int PoolSize { get; init; }

    /// <summary>When the target's last answer (in time, late or duplicate) arrived, in seconds since the first due time; null when none did.</summary>
    public double? LastReplySeconds { get; init; }

    /// <summary>When the last request left, in seconds since the first due time.</summary>
    public double LastSentSeconds { get; init; }

    /// <summary>Answers per identity and second against binomial variance (BenchStep.Dispersion): about 1 for random loss, near 0 for a per-source cap; null when it cannot tell.</summary>
    public double? Dispersion { get; init; }

    /// <summary>
    /// When the target stopped answering for good (seconds since the start), or null: it answered, requests kept
    /// leaving for more than a second (and more than three rounds of the identities) after its last answer, and none of
    /// them was answered, in time or late, until the run ended.
    /// </summary>
    public double? StoppedAt => LastReplySeconds is { } last && Lost > 0 && LastSentSeconds - last > Math.Max(1.0, 3.0 * PerIdentity.Count / Rate) ? last : null;

    /// <summary>Answers that came after the timeout (their requests count as lost).</summary>
    public required long Late { get; init; }

    public required long Duplicates { get; init; }

    /// <summary>Answers of the right kind with an identifier we had not sent.</summary>
    public required long Unmatched { get; init; }

    /// <summary>Datagrams from the target that answer nothing (puncture requests introducing one identity to another, the target's own walk...).</summary>
    public required long Other { get; init; }

    /// <summary>Requests the socket refused (not sent, not counted in <see cref="Sent"/>): a connected socket reports an earlier ICMP port unreachable on a send and drops the datagram.</summary>
    public required long SendFailures { get; init; }

    /// <summary>Requests not sent because every identifier of their identity still waited for an answer (<see cref="BenchIdentifiers"/>); not in <see cref="Sent"/>.</summary>
    public long NotSent { get; init; }

    /// <summary>ICMP port unreachable reports (nothing listens on the target's port).</summary>
    public long PortUnreachable { get; init; }

    /// <summary>Identities the target answered (in the warm-up or this run) and then stopped answering, or null (<see cref="AnswerHistory"/>).</summary>
    public PeerCapacity? PeerCapacity { get; init; }

    /// <summary>Answers per second of the scheduled duration.</summary>
    public required double AchievedRate { get; init; }

    /// <summary>Null when nothing was answered.</summary>
    public required LatencyPercentiles? Latency { get; init; }

    public required BenchGenerator Generator { get; init; }

    public required BenchVerification Verification { get; init; }

    /// <summary>Identities that sent and were never answered.</summary>
    public required int IdentitiesNeverAnswered { get; init; }

    /// <summary>The requests those identities sent (all lost).</summary>
    public required long LostOnNeverAnswered { get; init; }

    /// <summary>Per identity: sent and answered.</summary>
    public required IReadOnlyList<(long Sent, long Answered)> PerIdentity { get; init; }

    public required IReadOnlyList<SecondSample> Series { get; init; }

    public double LossFraction => Sent == 0 ? 0 : Lost / (double)Sent;

    /// <summary>
    /// Why this result must not be reported (the generator did not keep its schedule), or null when it kept it: the
    /// sender stopped early, its achieved send rate was more than 1% off (unless all of that is the last send of a short
    /// run leaving late by no more than one request interval and no more than <paramref name="maxScheduleErrorMs"/>),
    /// or its p99 lateness against the schedule was above <paramref name="maxScheduleErrorMs"/>.
    /// </summary>
    public string? ScheduleProblem(double maxScheduleErrorMs)
    {
        var g = Generator;
        if (NotSent > 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the generator ran out of request identifiers: {Counted.Of(NotSent, "request", "requests")} could not be sent because all {PoolSize} identifiers of {Counted.Pick(NotSent, "its", "their")} identity (with {Counted.Of(PerIdentity.Count, "identity", "identities")}, {PoolSize * (double)PerIdentity.Count / Rate:0.#} s of requests) still waited for an answer that may yet come, and reusing one would credit that answer to the wrong request. The target stopped answering for longer than that; to measure through such a stall, raise --timeout (the pool holds at least max(4 s, 2 × --timeout) of requests; at most 65,536 per identity, beyond which more --identities)");
        }

        if (g.Aborted is { } aborted && !g.Interrupted)
        {
            return $"the sender stopped early: {aborted}";
        }

        // Of a short run (under 100 requests) a send-rate error over 1% can be one late last send: that is waived when
        // it left within one request interval and within --max-schedule-error (the p99 of under 100 sends may not see it).
        if (g.SendRateError > 0.01 && !(g.LastSendLateMs is { } lastLate && lastLate <= Math.Min(1000.0 / Rate, maxScheduleErrorMs)))
        {
            return string.Create(CultureInfo.InvariantCulture, $"the generator sent at {Rate * (1 - g.SendRateError):0.#}/s or so instead of {Rate:0.#}/s (send-rate error {g.SendRateError * 100:0.#}% > 1%)");
        }

        if (g.ScheduleErrorMsP99 > maxScheduleErrorMs)
        {
            return string.Create(CultureInfo.InvariantCulture, $"99% of the requests left within {g.ScheduleErrorMsP99:0.###} ms of their due time, more than the {maxScheduleErrorMs:0.###} ms allowed (--max-schedule-error)");
        }

        return null;
    }

    /// <summary>
    /// Why the answers cannot be trusted, or null: checked signatures that were bad (forged or corrupted answers), or
    /// answers under more than one key (more than one node answered at the target's address: the numbers mix them).
    /// </summary>
    public string? TrustProblem()
    {
        var inv = CultureInfo.InvariantCulture;
        var bad = Verification.Bad == 0
            ? null
            : string.Create(inv, $"{Verification.Bad} of the {Counted.Of(Verification.Checked, "signed answer", "signed answers")} checked had a bad signature (forged or corrupted answers). Signatures are checked on a sample, so the unchecked answers cannot be trusted either; the checked bad ones do not count as answered");
        var keys = Verification.OtherKeys == 0
            ? null
            : string.Create(inv, $"{Verification.OtherKeys} of the {Counted.Of(Verification.Checked, "signed answer", "signed answers")} checked carried another key than the first answer's: more than one node answered at the target's address, and the numbers mix them");
        return bad is null ? keys : keys is null ? bad : bad + "; " + keys;
    }
}

/// <summary>What a result says about the target, in words: capacity, per-source limits, late and stray answers.</summary>
internal static class BenchFindings
{
    /// <summary>Below this <see cref="BenchResult.Dispersion"/> the answers per identity and second are steady (a cap), not random.</summary>
    public const double CappedDispersion = 0.35;

    /// <param name="result">The run.</param>
    /// <param name="message">What it sent.</param>
    /// <param name="timeout">--timeout.</param>
    /// <param name="target">The target, HOST:PORT, for the port-unreachable finding.</param>
    public static List<string> Of(BenchResult result, BenchMessage message, TimeSpan timeout, string? target = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var findings = new List<string>();
        var inv = CultureInfo.InvariantCulture;
        var k = result.PerIdentity.Count;
        var introductions = message is BenchMessage.IntroductionRequest or BenchMessage.NewIntroductionRequest;
        var stoppedAt = result.PeerCapacity is null ? result.StoppedAt : null;
        if (stoppedAt is { } stopped)
        {
            // Answers stopped altogether, for the rest of the run: a target that froze, died or lost its path. Not a
            // limit: a limit keeps answering something until the end.
            var dueAfter = result.LastSentSeconds - stopped;
            findings.Add(result.PortUnreachable > 0
                ? string.Create(inv, $"the target stopped answering at t≈{stopped:0.#} s and its host then answered {Counted.Of(result.PortUnreachable, "time", "times")} with ICMP port unreachable: nothing listens on its port any more (did the node exit or restart?). The requests of the last {dueAfter:0.#} s are lost.")
                : string.Create(inv, $"the target stopped answering at t≈{stopped:0.#} s: nothing it sent, in time or late, arrived after that, though requests kept leaving for {dueAfter:0.#} s more and the run waited {timeout.TotalSeconds:0.###} s for their answers (a frozen or dead process, or a cut path); not a per-source limit."));
        }
        else if (result.PortUnreachable > 0)
        {
            findings.Add(result.Answered == 0
                ? string.Create(inv, $"nothing answers at {target ?? "the target"} (port unreachable): its host answered {Counted.Of(result.PortUnreachable, "time", "times")} with ICMP port unreachable (is the node running, on that port?).")
                : string.Create(inv, $"the target's host answered {Counted.Of(result.PortUnreachable, "time", "times")} with ICMP port unreachable: for a while nothing listened on the target's port (did the node restart?)."));
        }

        if (result.PeerCapacity is { } capacity)
        {
            findings.Add(capacity.Describe(introductions));
        }
        else if ((result.Sent > 0 || result.SendFailures > 0) && result.Answered == 0 && result.PortUnreachable == 0)
        {
            findings.Add(message == BenchMessage.Ping
                ? "nothing was answered: is the target up, and does it run py-ipv8's DiscoveryCommunity (a ping goes under its prefix)?"
                : introductions
                    ? "nothing was answered: is the target up, is --community the community it runs, and is it below its peer capacity (a node with more than max_peers peers, earlier runs' identities included, drops every introduction request)?"
                    : "nothing was answered: is the target up, and is --community the community it runs?");
        }
        else if (result.IdentitiesNeverAnswered > 0 && result.Lost > 0 && result.Answered > 0)
        {
            var share = result.LostOnNeverAnswered / (double)result.Lost;
            var why = introductions
                ? "the target is at its peer capacity: with more than max_peers peers (py-ipv8's default is 30) a node drops every introduction request, and these identities came after it filled up. Use fewer --identities, or raise the target's max_peers"
                : "the target answers some sources and never others";
            findings.Add(string.Create(inv, $"{result.IdentitiesNeverAnswered} of {Counted.Of(k, "identity", "identities")} {Counted.Pick(result.IdentitiesNeverAnswered, "was", "were")} never answered and {Counted.Pick(result.IdentitiesNeverAnswered, "carries", "carry")} {share * 100:0}% of the losses: {why}."));
        }

        if (result.Unsettled > 0)
        {
            findings.Add(string.Create(inv, $"{Counted.Of(result.Unsettled, "request was", "requests were")} still waiting for an answer (within the timeout) when the run was interrupted: counted neither as answered nor as lost."));
        }

        // Late answers: the target answered, but after the timeout. That is a stall or an overload (a frozen process, a
        // garbage collection, a queue), not a limit: a limit drops requests, it does not answer them late.
        var stalled = result.Late > 0 && result.Late >= 0.1 * result.Lost;
        if (result.Answered > 0 && result.LossFraction > 0.01 && !stalled && stoppedAt is null && !result.Generator.Interrupted)
        {
            // Every answered identity got about the same share, promptly (the tail included: a saturated or stalled
            // target shows growing latency and late answers instead), and the losses are requests never answered at
            // all. That is a per-source limit only if each identity's answers are capped at a steady number per second
            // whatever it sent (Dispersion near 0); losses spread at random over identities and seconds (Dispersion
            // about 1) are a lossy path or an overloaded queue.
            // Each identity must have been answered several times: one answer each is what a full node gives the first
            // identities before it stops (see PeerCapacity), not a rate limit.
            var answeredIdentities = result.PerIdentity.Where(p => p.Answered > 0).ToList();
            if (answeredIdentities.Count >= 2 && answeredIdentities.All(p => p.Answered >= 3) && result.PeerCapacity is null)
            {
                var rates = answeredIdentities.Select(p => p.Answered / result.DurationSeconds).ToList();
                var sentPerIdentity = answeredIdentities.Average(p => p.Sent) / result.DurationSeconds;
                var mean = rates.Average();
                var even = rates.All(r => Math.Abs(r - mean) <= 0.25 * mean);
                var lostOnAnswered = answeredIdentities.Sum(p => p.Sent - p.Answered);
                // Prompt: p50 in milliseconds and no tail near the timeout (a tail of seconds is a stall, not a limit).
                var prompt = result.Latency is { P50: < 10 } l && l.P99 < timeout.TotalMilliseconds / 2;
                if (even && prompt && mean < 0.9 * sentPerIdentity && lostOnAnswered >= 0.5 * result.Lost)
                {
                    var shares = string.Create(inv, $"every answered identity got about {mean:0.#} answers/s while sending {sentPerIdentity:0.#}/s, promptly (p50 {result.Latency!.P50:0.###} ms)");
                    findings.Add(result.Dispersion switch
                    {
                        < CappedDispersion => string.Create(inv, $"{shares}, a steady number each second until the end of the run: the target limits each source.") +
                            " A target with per-source limits (our node's defaults, docs/security.md) does this: run ours with 'ipv8 node --rate-limits off' (hosting: Ipv8:RateLimits:Enabled = false); its report counts the refusals in stats.drops.rate_limited (discovery.drops.rate_limited for pings).",
                        null => string.Create(inv, $"{shares}: a per-source limit or a lossy path; too few requests per identity and second to tell a steady cap from random loss (run longer, or at a higher rate)."),
                        // Measured: a 5/s cap answered at 8/s per identity gave 0.74 and 1.39, random loss 0.58-1.25, so
                        // above the cap threshold the number cannot rule a limit out.
                        _ => string.Create(inv, $"{shares}, with the losses spread over identities and time (dispersion {result.Dispersion:0.##}; a steady cap gives near 0, random loss about 1): loss spread evenly over identities and time (a lossy path, an overload, or a per-source limit whose refusals fall unevenly); the target's own counters tell which (ours: stats.drops.rate_limited, discovery.drops.rate_limited)."),
                    });
                }
            }
        }

        if (stalled)
        {
            var tail = result.Latency is { } l ? string.Create(inv, $" (p99 of the answers in time {l.P99:0.#} ms, max {l.Max:0.#} ms)") : string.Empty;
            findings.Add(string.Create(inv, $"{Counted.Of(result.Late, "answer", "answers")} came later than the timeout ({timeout.TotalSeconds:0.###} s) and {Counted.Pick(result.Late, "counts", "count")} as lost: the target stalled or was overloaded{tail}, it did not refuse {Counted.Pick(result.Late, "that request", "those requests")}. A stall longer than --timeout shows as loss; raise --timeout to measure its length."));
        }
        else if (result.Late > 0)
        {
            findings.Add(string.Create(inv, $"{Counted.Of(result.Late, "answer", "answers")} came later than the timeout ({timeout.TotalSeconds:0.###} s) and {Counted.Pick(result.Late, "counts", "count")} as lost."));
        }

        if (result.Unmatched > 0)
        {
            findings.Add(string.Create(inv, $"{Counted.Of(result.Unmatched, "answer", "answers")} carried an identifier that had not been sent from that identity."));
        }

        if (result.Duplicates > 0)
        {
            findings.Add(string.Create(inv, $"{Counted.Of(result.Duplicates, "request was", "requests were")} answered more than once."));
        }

        if (result.SendFailures > 0)
        {
            findings.Add(string.Create(inv, $"{Counted.Of(result.SendFailures, "request", "requests")} could not be sent (the socket refused {Counted.Pick(result.SendFailures, "it", "them")}, reporting an earlier ICMP port unreachable); {Counted.Pick(result.SendFailures, "it is", "they are")} not counted as sent."));
        }

        if (result.Verification.Bad > 0 || result.Verification.OtherKeys > 0)
        {
            findings.Add(string.Create(inv, $"of {Counted.Of(result.Verification.Checked, "signed answer", "signed answers")} checked, {result.Verification.Bad} had a bad signature and {result.Verification.OtherKeys} another key than the first answer's."));
        }

        // Losses none of the patterns above explain (e.g. an overloaded target that drops requests without answering
        // them late): say what they are rather than leave a failed run without a finding.
        if (findings.Count == 0 && result.Lost > 0 && result.LossFraction > 0.01 && !result.Generator.Interrupted)
        {
            var p50 = result.Latency is { } lat ? string.Create(inv, $" (p50 of the answers {lat.P50:0.###} ms)") : string.Empty;
            findings.Add(string.Create(inv, $"{result.Lost} of {Counted.Of(result.Sent, "request", "requests")} ({result.LossFraction * 100:0.#}%) {Counted.Pick(result.Lost, "was never answered, not late", "were never answered, none late")}{p50}: the target dropped {Counted.Pick(result.Lost, "it", "them")}, an overload or a limit whose pattern the bench cannot identify; the target's own counters tell which."));
        }

        return findings;
    }
}

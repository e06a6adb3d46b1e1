using System.Globalization;

namespace Ipv8.Cli.Bench;

/// <summary>The outcome of one <see cref="BenchStep"/>.</summary>
internal sealed record BenchResult
{
    public required double Rate { get; init; }

    /// <summary>The scheduled length of the run: the last request's due time plus one interval.</summary>
    public required double DurationSeconds { get; init; }

    public required long Sent { get; init; }

    public required long Answered { get; init; }

    /// <summary>Requests that were never answered within the timeout (<see cref="Late"/> included).</summary>
    public long Lost => Sent - Answered;

    /// <summary>Answers that came after the timeout (their requests count as lost).</summary>
    public required long Late { get; init; }

    public required long Duplicates { get; init; }

    /// <summary>Answers of the right kind with an identifier we had not sent.</summary>
    public required long Unmatched { get; init; }

    /// <summary>Datagrams from the target that answer nothing (puncture requests introducing one identity to another, the target's own walk...).</summary>
    public required long Other { get; init; }

    public required long SendFailures { get; init; }

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
    /// sender stopped early, its achieved send rate was more than 1% off, or its p99 lateness against the schedule was
    /// above <paramref name="maxScheduleErrorMs"/>.
    /// </summary>
    public string? ScheduleProblem(double maxScheduleErrorMs)
    {
        var g = Generator;
        if (g.Aborted is { } aborted)
        {
            return $"the sender stopped early: {aborted}";
        }

        if (g.SendRateError > 0.01)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the generator sent at {Rate * (1 - g.SendRateError):0.#}/s or so instead of {Rate:0.#}/s (send-rate error {g.SendRateError * 100:0.#}% > 1%)");
        }

        if (g.ScheduleErrorMsP99 > maxScheduleErrorMs)
        {
            return string.Create(CultureInfo.InvariantCulture, $"99% of the requests left within {g.ScheduleErrorMsP99:0.###} ms of their due time, more than the {maxScheduleErrorMs:0.###} ms allowed (--max-schedule-error)");
        }

        return null;
    }
}

/// <summary>What a result says about the target, in words: capacity, per-source limits, late and stray answers.</summary>
internal static class BenchFindings
{
    public static List<string> Of(BenchResult result, BenchMessage message, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(result);
        var findings = new List<string>();
        var inv = CultureInfo.InvariantCulture;
        var k = result.PerIdentity.Count;
        if (result.Sent > 0 && result.Answered == 0)
        {
            findings.Add(message == BenchMessage.Ping
                ? "nothing was answered: is the target up, and does it run py-ipv8's DiscoveryCommunity (a ping goes under its prefix)?"
                : message is BenchMessage.IntroductionRequest or BenchMessage.NewIntroductionRequest
                    ? "nothing was answered: is the target up, is --community the community it runs, and is it below its peer capacity (a node with more than max_peers peers, earlier runs' identities included, drops every introduction request)?"
                    : "nothing was answered: is the target up, and is --community the community it runs?");
        }
        else if (result.IdentitiesNeverAnswered > 0 && result.Lost > 0)
        {
            var share = result.LostOnNeverAnswered / (double)result.Lost;
            var why = message is BenchMessage.IntroductionRequest or BenchMessage.NewIntroductionRequest
                ? "the target is at its peer capacity: with more than max_peers peers (py-ipv8's default is 30) a node drops every introduction request, and these identities came after it filled up. Use fewer --identities, or raise the target's max_peers"
                : "the target answers some sources and never others";
            findings.Add(string.Create(inv, $"{result.IdentitiesNeverAnswered} of {k} identities were never answered and carry {share * 100:0}% of the losses: {why}."));
        }

        if (result.Answered > 0 && result.LossFraction > 0.01)
        {
            // A per-source limit: every answered identity gets about the same, well below what it sent, and what gets
            // through is answered promptly (a saturated target shows growing latency instead).
            var answeredIdentities = result.PerIdentity.Where(p => p.Answered > 0).ToList();
            if (answeredIdentities.Count >= 2)
            {
                var rates = answeredIdentities.Select(p => p.Answered / result.DurationSeconds).ToList();
                var sentPerIdentity = answeredIdentities.Average(p => p.Sent) / result.DurationSeconds;
                var mean = rates.Average();
                var even = rates.All(r => Math.Abs(r - mean) <= 0.25 * mean);
                var lostOnAnswered = answeredIdentities.Sum(p => p.Sent - p.Answered);
                var prompt = result.Latency is { P50: < 10 };
                if (even && prompt && mean < 0.9 * sentPerIdentity && lostOnAnswered >= 0.5 * result.Lost)
                {
                    findings.Add(string.Create(
                        inv,
                        $"every answered identity got about {mean:0.#} answers/s while sending {sentPerIdentity:0.#}/s, and what was answered was answered promptly (p50 {result.Latency!.P50:0.###} ms): the target limits each source.") +
                        " ipv8-dotnet does (docs/security.md): run it with 'ipv8 node --rate-limits off' (hosting: Ipv8:RateLimits:Enabled = false); its report counts the refusals in stats.drops.rate_limited (discovery.drops.rate_limited for pings).");
                }
            }
        }

        if (result.Late > 0)
        {
            findings.Add(string.Create(inv, $"{result.Late} answers came later than the timeout ({timeout.TotalSeconds:0.###} s) and count as lost."));
        }

        if (result.Unmatched > 0)
        {
            findings.Add(string.Create(inv, $"{result.Unmatched} answers carried an identifier that had not been sent from that identity."));
        }

        if (result.Duplicates > 0)
        {
            findings.Add(string.Create(inv, $"{result.Duplicates} requests were answered more than once."));
        }

        if (result.SendFailures > 0)
        {
            findings.Add(string.Create(inv, $"{result.SendFailures} requests could not be sent (the socket refused them: a target that is down answers with ICMP port unreachable)."));
        }

        if (result.Verification.Bad > 0 || result.Verification.OtherKeys > 0)
        {
            findings.Add(string.Create(inv, $"of {result.Verification.Checked} signed answers checked, {result.Verification.Bad} had a bad signature and {result.Verification.OtherKeys} another key than the first answer's."));
        }

        return findings;
    }
}

namespace Ipv8.Engine.Limits;

/// <summary>
/// Per-source limits, applied before expensive work. py-ipv8 has none; the defaults are far above what normal
/// discovery needs (a walker sends 2 introduction requests per second), and cap what a flood can make a node do. See
/// docs/security.md.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>
    /// Whether the limits apply at all. False turns every per-source and total limit off, as py-ipv8 (which has none)
    /// runs: for benchmarks (<c>ipv8 node --rate-limits off</c>, <c>Ipv8:RateLimits:Enabled = false</c>), never for a
    /// node exposed to the internet. Default true.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Signature verifications per source address per second. Default 100 (burst 200).</summary>
    public double VerificationsPerSource { get; set; } = 100;

    /// <summary>The verification burst per source. Default 200.</summary>
    public double VerificationBurst { get; set; } = 200;

    /// <summary>
    /// Replies (introduction responses, punctures, puncture requests) per second to one address that is not a verified
    /// peer. Default 5 (burst 10).
    /// </summary>
    public double RepliesPerUnverifiedDestination { get; set; } = 5;

    /// <summary>The reply burst per unverified destination. Default 10.</summary>
    public double ReplyBurst { get; set; } = 10;

    /// <summary>Punctures sent because of puncture requests, per second, all targets together. Default 100 (burst 200).</summary>
    public double PuncturesTotal { get; set; } = 100;

    /// <summary>The burst of <see cref="PuncturesTotal"/>. Default 200.</summary>
    public double PunctureBurst { get; set; } = 200;

    /// <summary>Punctures per second to one target. Default 5 (burst 10).</summary>
    public double PuncturesPerTarget { get; set; } = 5;

    /// <summary>The burst of <see cref="PuncturesPerTarget"/>. Default 10.</summary>
    public double PunctureTargetBurst { get; set; } = 10;

    /// <summary>Addresses each per-address limiter tracks at most (its state is bounded). Default 10,000.</summary>
    public int TrackedAddresses { get; set; } = 10_000;

    /// <summary>No limits at all, as py-ipv8 (for benchmarks that measure raw handling).</summary>
    public static RateLimitOptions Unlimited => new()
    {
        VerificationsPerSource = double.PositiveInfinity,
        RepliesPerUnverifiedDestination = double.PositiveInfinity,
        PuncturesTotal = double.PositiveInfinity,
        PuncturesPerTarget = double.PositiveInfinity,
    };
}

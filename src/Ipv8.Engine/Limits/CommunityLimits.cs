using Ipv8.Wire;

namespace Ipv8.Engine.Limits;

/// <summary>The limiters of one community, built from <see cref="RateLimitOptions"/>; an infinite rate means no limiter.</summary>
internal sealed class CommunityLimits
{
    private readonly RateLimiter? _verifications;
    private readonly RateLimiter? _unverifiedReplies;
    private readonly TokenBucket? _puncturesTotal;
    private readonly RateLimiter? _puncturesPerTarget;

    public CommunityLimits(RateLimitOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return;
        }

        _verifications = PerAddress(options.VerificationsPerSource, options.VerificationBurst, options.TrackedAddresses, time);
        _unverifiedReplies = PerAddress(options.RepliesPerUnverifiedDestination, options.ReplyBurst, options.TrackedAddresses, time);
        _puncturesPerTarget = PerAddress(options.PuncturesPerTarget, options.PunctureTargetBurst, options.TrackedAddresses, time);
        _puncturesTotal = double.IsPositiveInfinity(options.PuncturesTotal) ? null : new TokenBucket(options.PuncturesTotal, options.PunctureBurst, time);
    }

    /// <summary>The largest number of addresses any limiter tracks now (for tests and fuzzing).</summary>
    public int TrackedAddresses => Math.Max(_verifications?.Count ?? 0, Math.Max(_unverifiedReplies?.Count ?? 0, _puncturesPerTarget?.Count ?? 0));

    /// <summary>Charges one signature check of <paramref name="cost"/> Ed25519 verifications (<see cref="Wire.Crypto.PublicKey.VerificationCost"/>) to the source.</summary>
    public bool AllowVerification(UdpAddress source, int cost = 1) => _verifications?.TryAcquire(source, cost) ?? true;

    /// <summary>
    /// A signed message from a verified peer at its own address is not charged (py-ipv8 delivers all of them), unless
    /// that address sent bad signatures: those are charged after the fact (<see cref="ChargeBadSignature"/>), and an
    /// address whose budget they emptied is charged for everything until its budget refills.
    /// </summary>
    public bool AllowVerifiedPeer(UdpAddress source) => _verifications?.HasTokens(source) ?? true;

    /// <summary>Charges a bad signature from a verified peer's address, which <see cref="AllowVerifiedPeer"/> let through free.</summary>
    public void ChargeBadSignature(UdpAddress source, int cost) => _verifications?.Charge(source, cost);

    public bool AllowUnverifiedReply(UdpAddress destination) => _unverifiedReplies?.TryAcquire(destination) ?? true;

    // Per target first, so that one hammered target does not drain the total for everyone else.
    public bool AllowPuncture(UdpAddress target) =>
        (_puncturesPerTarget?.TryAcquire(target) ?? true) && (_puncturesTotal?.TryAcquire() ?? true);

    private static RateLimiter? PerAddress(double perSecond, double burst, int capacity, TimeProvider time) =>
        double.IsPositiveInfinity(perSecond) ? null : new RateLimiter(perSecond, burst, capacity, time);
}

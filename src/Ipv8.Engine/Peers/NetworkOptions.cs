namespace Ipv8.Engine.Peers;

/// <summary>
/// Caps for every table of a <see cref="Network"/>. py-ipv8 leaves several of these unbounded; here each one is
/// bounded, and a full table evicts its least recently useful entry.
/// </summary>
public sealed class NetworkOptions
{
    /// <summary>Verified peers kept at most (all communities together). Default 2,000. The least recently heard-from peer goes first.</summary>
    public int MaxVerifiedPeers { get; set; } = 2_000;

    /// <summary>Walkable (introduced but unverified) addresses kept at most. Default 5,000. The oldest introduction goes first.</summary>
    public int MaxWalkableAddresses { get; set; } = 5_000;

    /// <summary>Blacklisted addresses kept at most. Default 1,000.</summary>
    public int MaxBlacklistedAddresses { get; set; } = 1_000;

    /// <summary>
    /// Blacklisted mids (<see cref="Network.BlacklistMid"/>) kept at most. Default 1,000; the oldest goes first. The mids
    /// of the communities' own keys are not among them: they stay blacklisted for good (py-ipv8 <c>blacklist_mids</c>
    /// never forgets), one per community sharing the network.
    /// </summary>
    public int MaxBlacklistedMids { get; set; } = 1_000;

    /// <summary>Services remembered per peer at most. Default 64.</summary>
    public int MaxServicesPerPeer { get; set; } = 64;

    /// <summary>
    /// Peers not verified yet whose announced services are remembered (a similarity request from a stranger), at most.
    /// Default 1,000; the oldest goes first.
    /// </summary>
    public int MaxPendingServicePeers { get; set; } = 1_000;

    internal void Validate()
    {
        if (MaxVerifiedPeers < 1 || MaxWalkableAddresses < 1 || MaxBlacklistedAddresses < 1 || MaxBlacklistedMids < 1 || MaxServicesPerPeer < 1 || MaxPendingServicePeers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(NetworkOptions), "Every network cap must be at least 1.");
        }
    }
}

using Ipv8.Engine.Communities;

namespace Ipv8.Engine.Discovery;

/// <summary>
/// Asks a random verified peer which communities it runs, at most once a second (py-ipv8 <c>PeriodicSimilarity</c>):
/// a similarity request through the DiscoveryCommunity to a peer of any community of the shared network.
/// </summary>
public sealed class PeriodicSimilarity : IDiscoveryStrategy
{
    private readonly DiscoveryCommunity _community;
    private readonly Random _random;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private long _lastStep;

    /// <summary>Creates the strategy.</summary>
    /// <param name="community">The DiscoveryCommunity that asks.</param>
    /// <param name="interval">Least time between two requests (py-ipv8: 1 s).</param>
    /// <param name="randomSeed">A seed for the choice of peer; random when null.</param>
    public PeriodicSimilarity(DiscoveryCommunity community, TimeSpan? interval = null, int? randomSeed = null)
    {
        ArgumentNullException.ThrowIfNull(community);
        _community = community;
        Interval = interval ?? TimeSpan.FromSeconds(1);
        _random = randomSeed is { } seed ? new Random(seed) : new Random();
        _time = community.TimeProvider;
    }

    /// <summary>Least time between two requests.</summary>
    public TimeSpan Interval { get; }

    /// <inheritdoc/>
    public void TakeStep()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (_lastStep != 0 && _time.GetElapsedTime(_lastStep, now) < Interval)
            {
                return;
            }

            var peers = _community.Network.VerifiedPeers;
            if (peers.Count == 0)
            {
                return;
            }

            _lastStep = now;
            _community.SendSimilarityRequest(peers[_random.Next(peers.Count)].Address);
        }
    }
}

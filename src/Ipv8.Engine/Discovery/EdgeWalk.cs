using Ipv8.Engine.Communities;
using Ipv8.Engine.Peers;
using Ipv8.Wire;

namespace Ipv8.Engine.Discovery;

/// <summary>
/// Builds edges of peers away from a neighborhood (py-ipv8 <c>EdgeWalk</c>): first it fills a neighborhood of
/// <see cref="NeighborhoodSize"/> peers; then, from each neighborhood root, it asks the edge's last peer for an
/// introduction and walks to the introduced address, growing the edge until it has <see cref="EdgeLength"/> peers
/// (or the walk times out after <see cref="EdgeTimeout"/>, which resets it).
/// </summary>
public sealed class EdgeWalk : IDiscoveryStrategy
{
    private readonly Community _community;
    private readonly Lock _lock = new();
    private readonly List<Peer> _neighborhood = [];
    private readonly Dictionary<Peer, List<Peer>> _underConstruction = [];
    private readonly Dictionary<Peer, long> _lastEdgeResponse = [];
    private readonly List<List<Peer>> _completeEdges = [];
    private readonly TimeProvider _time;
    private readonly Random _random;

    /// <summary>Creates an edge walker for one community.</summary>
    public EdgeWalk(Community community, int edgeLength = 4, int neighborhoodSize = 6, TimeSpan? edgeTimeout = null, int? randomSeed = null)
    {
        ArgumentNullException.ThrowIfNull(community);
        Shared.SettingRanges.EdgeLength.ThrowIfOutside(edgeLength, nameof(edgeLength));
        Shared.SettingRanges.NeighborhoodSize.ThrowIfOutside(neighborhoodSize, nameof(neighborhoodSize));
        _community = community;
        EdgeLength = edgeLength;
        NeighborhoodSize = neighborhoodSize;
        EdgeTimeout = edgeTimeout ?? TimeSpan.FromSeconds(3);
        _time = community.TimeProvider;
        _random = randomSeed is { } seed ? new Random(seed) : new Random();
    }

    /// <summary>Completed edges kept at most (oldest dropped first).</summary>
    public const int MaxCompleteEdges = 256;

    /// <summary>Peers per edge, the root included.</summary>
    public int EdgeLength { get; }

    /// <summary>The number of roots.</summary>
    public int NeighborhoodSize { get; }

    /// <summary>How long an edge may wait for its next peer.</summary>
    public TimeSpan EdgeTimeout { get; }

    /// <summary>The number of completed edges.</summary>
    public int CompleteEdges
    {
        get
        {
            lock (_lock)
            {
                return _completeEdges.Count;
            }
        }
    }

    /// <inheritdoc/>
    public void TakeStep()
    {
        lock (_lock)
        {
            if (_neighborhood.Count < NeighborhoodSize)
            {
                foreach (var peer in _community.GetPeers())
                {
                    if (_neighborhood.Count >= NeighborhoodSize)
                    {
                        break;
                    }

                    if (!_neighborhood.Contains(peer))
                    {
                        _neighborhood.Add(peer);
                    }
                }

                if (_neighborhood.Count < NeighborhoodSize)
                {
                    var walkable = _community.GetWalkableAddresses();
                    if (walkable.Count > 0)
                    {
                        _community.WalkTo(walkable[_random.Next(walkable.Count)]);
                    }
                    else
                    {
                        _community.GetNewIntroduction();
                    }

                    return;
                }
            }

            var now = _time.GetTimestamp();
            foreach (var root in _neighborhood)
            {
                if (!_underConstruction.TryGetValue(root, out var edge))
                {
                    edge = [root];
                    _underConstruction[root] = edge;
                    _lastEdgeResponse[root] = now;
                }

                var tail = edge[^1];
                var next = FindIntroducedPeer(tail, edge);
                if (next is not null)
                {
                    edge.Add(next);
                    _lastEdgeResponse[root] = now;
                    if (edge.Count >= EdgeLength)
                    {
                        if (_completeEdges.Count >= MaxCompleteEdges)
                        {
                            _completeEdges.RemoveAt(0);
                        }

                        _completeEdges.Add([.. edge]);
                        _underConstruction.Remove(root);
                        continue;
                    }
                }
                else if (_time.GetElapsedTime(_lastEdgeResponse[root], now) > EdgeTimeout)
                {
                    // The edge is stuck: start it again from its root.
                    _underConstruction[root] = [root];
                    _lastEdgeResponse[root] = now;
                }

                _community.SendIntroductionRequest(edge[^1]);
            }
        }
    }

    private Peer? FindIntroducedPeer(Peer introducer, List<Peer> edge)
    {
        foreach (var address in _community.Network.GetIntroductionsFrom(introducer))
        {
            if (_community.Network.GetVerifiedByAddress(address) is { } peer && !edge.Contains(peer) && !_neighborhood.Contains(peer))
            {
                return peer;
            }
        }

        // Walk to an address this peer introduced so it can become verified for the next step.
        foreach (var address in _community.Network.GetIntroductionsFrom(introducer))
        {
            if (_community.Network.GetVerifiedByAddress(address) is null)
            {
                _community.WalkTo(address);
                break;
            }
        }

        return null;
    }
}

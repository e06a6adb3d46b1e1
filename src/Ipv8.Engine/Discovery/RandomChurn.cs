using Ipv8.Engine.Communities;
using Ipv8.Engine.Peers;
using Ipv8.Wire;

namespace Ipv8.Engine.Discovery;

/// <summary>
/// Drops silent peers from the shared <see cref="Network"/> (py-ipv8 <c>RandomChurn</c>): every step it samples up to
/// <see cref="SampleSize"/> verified peers of any community; a peer silent for <see cref="DropTime"/> that we already
/// pinged is removed from the network (so every community's walkers see it gone); a peer silent for
/// <see cref="InactiveTime"/>, or with fewer than five ping times, is pinged through the DiscoveryCommunity, at most once
/// per <see cref="PingInterval"/>. A peer we were introduced to but never heard from is left alone, as in py-ipv8.
/// </summary>
public sealed class RandomChurn : IDiscoveryStrategy
{
    private readonly DiscoveryCommunity _community;
    private readonly Dictionary<UdpAddress, long> _pinged = [];
    private readonly Lock _lock = new();
    private readonly Random _random;
    private readonly TimeProvider _time;
    private long _churned;

    /// <summary>Creates the strategy with py-ipv8's defaults.</summary>
    /// <param name="community">The DiscoveryCommunity that pings; its network is the one churned.</param>
    /// <param name="sampleSize">Peers looked at per step (py-ipv8 <c>sample_size</c>, 8).</param>
    /// <param name="pingInterval">Least time between two pings of one address (<c>ping_interval</c>, 10 s).</param>
    /// <param name="inactiveTime">Silence after which a peer is pinged (<c>inactive_time</c>, 27.5 s).</param>
    /// <param name="dropTime">Silence after which a pinged peer is dropped (<c>drop_time</c>, 57.5 s).</param>
    /// <param name="randomSeed">A seed for the sampling; random when null.</param>
    public RandomChurn(DiscoveryCommunity community, int sampleSize = 8, TimeSpan? pingInterval = null, TimeSpan? inactiveTime = null, TimeSpan? dropTime = null, int? randomSeed = null)
    {
        ArgumentNullException.ThrowIfNull(community);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleSize);
        _community = community;
        SampleSize = sampleSize;
        PingInterval = pingInterval ?? TimeSpan.FromSeconds(10);
        InactiveTime = inactiveTime ?? TimeSpan.FromSeconds(27.5);
        DropTime = dropTime ?? TimeSpan.FromSeconds(57.5);
        _random = randomSeed is { } seed ? new Random(seed) : new Random();
        _time = community.TimeProvider;
    }

    /// <summary>Peers looked at per step.</summary>
    public int SampleSize { get; }

    /// <summary>Least time between two pings of one address.</summary>
    public TimeSpan PingInterval { get; }

    /// <summary>Silence after which a peer is pinged.</summary>
    public TimeSpan InactiveTime { get; }

    /// <summary>Silence after which a pinged peer is dropped.</summary>
    public TimeSpan DropTime { get; }

    /// <summary>Peers removed from the network so far.</summary>
    public long Churned => Volatile.Read(ref _churned);

    /// <inheritdoc/>
    public void TakeStep()
    {
        var peers = _community.Network.VerifiedPeers;
        var sample = Math.Min(SampleSize, peers.Count);
        if (sample == 0)
        {
            return;
        }

        lock (_lock)
        {
            var now = _time.GetTimestamp();
            Span<int> chosen = stackalloc int[sample];
            Pick(peers.Count, chosen);
            foreach (var index in chosen)
            {
                var peer = peers[index];
                var address = peer.Address;
                if (Silent(peer, now, DropTime) && _pinged.ContainsKey(address))
                {
                    _community.Network.RemovePeer(peer);
                    _pinged.Remove(address);
                    Interlocked.Increment(ref _churned);
                }
                else if (Silent(peer, now, InactiveTime) || peer.PingCount < 5)
                {
                    if (_pinged.TryGetValue(address, out var pinged) && _time.GetElapsedTime(pinged, now) > PingInterval)
                    {
                        _pinged.Remove(address);
                    }

                    if (!_pinged.ContainsKey(address))
                    {
                        _pinged[address] = now;
                        _community.SendPing(peer);
                    }
                }
            }

            Prune(peers.Count, now);
        }
    }

    // py-ipv8 should_drop / is_inactive: never for a peer that never answered (last_response 0).
    private bool Silent(Peer peer, long now, TimeSpan limit)
    {
        var last = peer.LastResponseTimestamp;
        return last != 0 && _time.GetElapsedTime(last, now) > limit;
    }

    // A sample without repeats (py-ipv8 random.sample): a partial Fisher–Yates over the indexes.
    private void Pick(int count, Span<int> chosen)
    {
        Span<int> indexes = count <= 512 ? stackalloc int[count] : new int[count];
        for (var i = 0; i < count; i++)
        {
            indexes[i] = i;
        }

        for (var i = 0; i < chosen.Length; i++)
        {
            var j = _random.Next(i, count);
            (indexes[i], indexes[j]) = (indexes[j], indexes[i]);
            chosen[i] = indexes[i];
        }
    }

    // py-ipv8 keeps a pinged address until it is pinged again or dropped; addresses of peers that left would stay
    // forever, so forget entries older than the drop time once the table outgrows the peers.
    private void Prune(int peers, long now)
    {
        if (_pinged.Count <= (2 * peers) + 64)
        {
            return;
        }

        foreach (var (address, pinged) in _pinged.ToArray())
        {
            if (_time.GetElapsedTime(pinged, now) > DropTime + PingInterval)
            {
                _pinged.Remove(address);
            }
        }
    }
}

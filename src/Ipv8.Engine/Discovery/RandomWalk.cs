using Ipv8.Engine.Communities;
using Ipv8.Wire;

namespace Ipv8.Engine.Discovery;

/// <summary>
/// Walks to random walkable addresses (py-ipv8 <c>RandomWalk</c>). Every step: forget in-flight walks that got no
/// answer within <see cref="Timeout"/> (removing their addresses unless they became verified); if
/// <see cref="WindowSize"/> walks are in flight, wait; otherwise walk to a random walkable address not already in
/// flight, or, with probability <see cref="ResetChance"/>/256 or when none is left, ask for a new introduction.
/// </summary>
public sealed class RandomWalk : IDiscoveryStrategy
{
    private readonly Community _community;
    private readonly Lock _lock = new();
    private readonly Random _random;
    private readonly TimeProvider _time;
    private readonly List<UdpAddress> _walkable = []; // scratch for the walkable addresses, reused from step to step

    // The walks in flight (py-ipv8 intro_timeouts): their addresses and when each started, in two arrays rather than a
    // dictionary (a few entries: a step adds at most one, and they expire after the timeout), so that a step touches
    // two small arrays and the addresses are a span to exclude from the choice.
    private UdpAddress[] _inFlight;
    private long[] _started;
    private int _inFlightCount;

    /// <summary>Creates a walker for one community.</summary>
    /// <param name="community">The community to walk for.</param>
    /// <param name="timeout">How long to wait for an answer (py-ipv8 <c>timeout</c>, 3 s).</param>
    /// <param name="windowSize">How many walks may be in flight (py-ipv8 <c>window_size</c>, 5).</param>
    /// <param name="resetChance">Out of 256, the chance of asking for a new introduction instead (py-ipv8 <c>reset_chance</c>, 50): 0 never, 256 always.</param>
    /// <param name="randomSeed">A seed for the walk's random choices; random when null.</param>
    public RandomWalk(Community community, TimeSpan? timeout = null, int windowSize = 5, int resetChance = 50, int? randomSeed = null)
    {
        ArgumentNullException.ThrowIfNull(community);
        Shared.SettingRanges.WindowSize.ThrowIfOutside(windowSize, nameof(windowSize));
        Shared.SettingRanges.ResetChance.ThrowIfOutside(resetChance, nameof(resetChance));
        _community = community;
        Timeout = timeout ?? TimeSpan.FromSeconds(3);
        WindowSize = windowSize;
        ResetChance = resetChance;
        _random = randomSeed is { } seed ? new Random(seed) : new Random();
        _time = community.TimeProvider;
        var capacity = windowSize > 0 ? Math.Min(windowSize, 8) : 8;
        _inFlight = new UdpAddress[capacity];
        _started = new long[capacity];
    }

    /// <summary>How long a walk waits for an answer.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>How many walks may be in flight; 0 is unlimited.</summary>
    public int WindowSize { get; }

    /// <summary>Out of 256, the chance of a new introduction instead of a walk.</summary>
    public int ResetChance { get; }

    /// <summary>The number of walks in flight.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _inFlightCount;
            }
        }
    }

    /// <inheritdoc/>
    public void TakeStep()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (_inFlightCount > 0)
            {
                ForgetFinishedWalks(now);
            }

            if (WindowSize > 0 && _inFlightCount >= WindowSize)
            {
                return;
            }

            // Unless the reset chance asks for a new introduction instead, a uniformly random walkable address not in
            // flight, drawn without filtering every known address (Network.TryPickWalkableAddress; allocation-free: the
            // scratch list is reused from step to step). The reset is drawn first, so that a reset step looks at no
            // address at all; with nothing to walk to it is a new introduction either way, as in py-ipv8.
            var network = _community.Network;
            if (_random.Next(256) >= ResetChance
                && network.TryPickWalkableAddress(_community.CommunityId, _inFlight.AsSpan(0, _inFlightCount), _random, _walkable, out var next, out var newStyle))
            {
                _community.WalkTo(next, newStyle);
                AddInFlight(next, now);
            }
            else
            {
                _community.GetNewIntroduction();
            }
        }
    }

    // Under _lock: drops the walks that were answered (the address is now a peer of this community; a peer of another
    // community only, sharing the network, is not an answer to this walk) and those that got no answer within the
    // timeout, whose addresses are forgotten unless a verified peer uses them. Keeps the others in order.
    private void ForgetFinishedWalks(long now)
    {
        var network = _community.Network;
        var service = _community.CommunityId;
        var kept = 0;
        for (var i = 0; i < _inFlightCount; i++)
        {
            var address = _inFlight[i];
            var started = _started[i];
            if (network.GetVerifiedByAddress(address, service) is not null)
            {
                continue;
            }

            if (_time.GetElapsedTime(started, now) > Timeout)
            {
                if (network.GetVerifiedByAddress(address) is null)
                {
                    network.RemoveByAddress(address);
                }

                continue;
            }

            _inFlight[kept] = address;
            _started[kept] = started;
            kept++;
        }

        _inFlightCount = kept;
    }

    // Under _lock.
    private void AddInFlight(UdpAddress address, long now)
    {
        if (_inFlightCount == _inFlight.Length)
        {
            Array.Resize(ref _inFlight, _inFlight.Length * 2);
            Array.Resize(ref _started, _started.Length * 2);
        }

        _inFlight[_inFlightCount] = address;
        _started[_inFlightCount] = now;
        _inFlightCount++;
    }
}

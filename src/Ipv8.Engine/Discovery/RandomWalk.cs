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
    private readonly Dictionary<UdpAddress, long> _inFlight = [];
    private readonly Lock _lock = new();
    private readonly Random _random;
    private readonly TimeProvider _time;
    private readonly List<UdpAddress> _done = [];
    private readonly List<UdpAddress> _walkable = []; // scratch for the walkable addresses, reused from step to step

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
                return _inFlight.Count;
            }
        }
    }

    /// <inheritdoc/>
    public void TakeStep()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var done = _done;
            foreach (var (address, started) in _inFlight)
            {
                // Answered: the address is now a peer of this community (a peer of another community only, sharing
                // the network, is not an answer to this walk).
                if (_community.Network.GetVerifiedByAddress(address, _community.CommunityId) is not null)
                {
                    done.Add(address);
                }
                else if (_time.GetElapsedTime(started, now) > Timeout)
                {
                    if (_community.Network.GetVerifiedByAddress(address) is null)
                    {
                        _community.Network.RemoveByAddress(address);
                    }

                    done.Add(address);
                }
            }

            foreach (var address in done)
            {
                _inFlight.Remove(address);
            }

            done.Clear();

            if (WindowSize > 0 && _inFlight.Count >= WindowSize)
            {
                return;
            }

            // Unless the reset chance asks for a new introduction instead, a uniformly random walkable address not in
            // flight, drawn without filtering every known address (Network.TryPickWalkableAddress; allocation-free: the
            // scratch list is reused from step to step). The reset is drawn first, so that a reset step looks at no
            // address at all; with nothing to walk to it is a new introduction either way, as in py-ipv8.
            if (_random.Next(256) >= ResetChance
                && _community.Network.TryPickWalkableAddress(_community.CommunityId, _inFlight, _random, _walkable, out var next))
            {
                _community.WalkTo(next);
                _inFlight[next] = now;
            }
            else
            {
                _community.GetNewIntroduction();
            }
        }
    }
}

using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Engine.Discovery;

/// <summary>
/// Walks to fixed peer addresses (py-ipv8 <c>walk_to(address)</c>, called for each of them): every step, each address
/// that is not a verified peer gets an introduction request, at most once per <see cref="RetryInterval"/>, until it
/// answers; an address whose peer goes away is walked to again. Unlike a bootstrap server, a peer address is not
/// blacklisted: it becomes a normal peer. DNS names are resolved in the background (IPv4, as py-ipv8 does), again after
/// each <see cref="RetryInterval"/> while they fail. Add it with <see cref="Ipv8Node.AddStrategy"/> and no peer target
/// (<c>-1</c>), so that it keeps stepping.
/// </summary>
public sealed class WalkToPeers : IDiscoveryStrategy
{
    private readonly Community _community;
    private readonly Target[] _targets;
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the strategy.</summary>
    /// <param name="community">The community that walks.</param>
    /// <param name="peers">The peers' addresses (parse text with <see cref="HostPort.TryParse"/>).</param>
    /// <param name="retryInterval">How long to wait for an answer before walking to an address again. Default 5 s.</param>
    /// <param name="logger">Where failed DNS lookups are logged.</param>
    /// <exception cref="ArgumentException">A peer has no port or an unspecified host.</exception>
    public WalkToPeers(Community community, IEnumerable<HostPort> peers, TimeSpan? retryInterval = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(community);
        ArgumentNullException.ThrowIfNull(peers);
        RetryInterval = retryInterval ?? TimeSpan.FromSeconds(5);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryInterval, TimeSpan.Zero, nameof(retryInterval));
        _targets = [.. peers.Distinct().Select(p => new Target(p))];
        foreach (var target in _targets)
        {
            if (target.Peer.Port == 0 || target.Peer.Address is { IsUnspecifiedHost: true } || (target.Peer.Address is null && target.Peer.DnsName is null))
            {
                throw new ArgumentException($"Cannot walk to {target.Peer}: a peer needs a host and a port.", nameof(peers));
            }
        }

        _community = community;
        _time = community.TimeProvider;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Creates the strategy for IP addresses.</summary>
    public WalkToPeers(Community community, IEnumerable<UdpAddress> addresses, TimeSpan? retryInterval = null)
        : this(community, (addresses ?? throw new ArgumentNullException(nameof(addresses))).Select(a => new HostPort(a, null, a.Port)), retryInterval)
    {
    }

    /// <summary>The peers, as given.</summary>
    public IReadOnlyList<HostPort> Peers => [.. _targets.Select(t => t.Peer)];

    /// <summary>How long an address may stay unanswered before it is walked to again.</summary>
    public TimeSpan RetryInterval { get; }

    /// <inheritdoc/>
    public void TakeStep()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            foreach (var target in _targets)
            {
                if (target.LastAttempt != 0 && _time.GetElapsedTime(target.LastAttempt, now) < RetryInterval)
                {
                    continue;
                }

                if (Resolve(target) is not { } address || _community.Network.GetVerifiedByAddress(address) is not null)
                {
                    continue;
                }

                target.LastAttempt = now;
                _community.WalkTo(address);
            }
        }
    }

    /// <summary>The target's address, or null while its name is being resolved (a lookup is started when none runs).</summary>
    private UdpAddress? Resolve(Target target)
    {
        if (target.Peer.Address is { } literal)
        {
            return literal;
        }

        if (target.Lookup is { IsCompleted: true } lookup)
        {
            target.Lookup = null;
            if (lookup.IsCompletedSuccessfully && lookup.Result is { } resolved)
            {
                target.Resolved = resolved;
            }
            else
            {
                DiscoveryLog.PeerUnresolved(_logger, target.Peer, lookup.Exception?.InnerException?.Message ?? "no IPv4 address", RetryInterval);
                target.LastAttempt = _time.GetTimestamp();
            }
        }
        else if (target.Lookup is null && target.Resolved is null)
        {
            target.Lookup = target.Peer.ResolveAsync(CancellationToken.None);
        }

        return target.Resolved;
    }

    private sealed class Target(HostPort peer)
    {
        public HostPort Peer { get; } = peer;

        public UdpAddress? Resolved { get; set; }

        public Task<UdpAddress?>? Lookup { get; set; }

        public long LastAttempt { get; set; }
    }
}

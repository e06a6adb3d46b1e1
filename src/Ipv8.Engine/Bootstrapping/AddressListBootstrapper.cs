using System.Net.Sockets;
using Ipv8.Engine.Communities;
using Ipv8.Shared;
using Ipv8.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Engine.Bootstrapping;

/// <summary>
/// Bootstraps from a fixed list of tracker addresses and DNS names (py-ipv8 <c>DispersyBootstrapper</c>). The
/// addresses are blacklisted as peers; the community walks to all of them at most once per
/// <see cref="BootstrapInterval"/> (30 s), and <see cref="KeepAlive"/> walks to one at random.
/// </summary>
public sealed class AddressListBootstrapper : IBootstrapper
{
    private readonly Lock _lock = new();
    private readonly List<UdpAddress> _addresses;
    private readonly IReadOnlyList<(string Host, ushort Port)> _dnsNames;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random = new();
    private long _lastBootstrap;
    private bool _hasBootstrapped;
    private Task _initialization = Task.CompletedTask;

    /// <summary>Creates a bootstrapper; nothing is resolved or blacklisted until <see cref="InitializeAsync"/>.</summary>
    public AddressListBootstrapper(
        IEnumerable<UdpAddress> addresses,
        IEnumerable<(string Host, ushort Port)>? dnsNames = null,
        TimeSpan? bootstrapInterval = null,
        TimeProvider? timeProvider = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        _addresses = [.. addresses];
        _dnsNames = dnsNames?.ToArray() ?? [];
        BootstrapInterval = bootstrapInterval ?? TimeSpan.FromSeconds(30);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// py-ipv8's public trackers, the 13 IP addresses of its default configuration (<c>ipv8/configuration.py</c>,
    /// <c>DISPERSY_BOOTSTRAPPER</c> <c>ip_addresses</c>). Used only when asked for explicitly (for example
    /// <c>ipv8 node --bootstrap public</c>); tests and demos never contact them.
    /// </summary>
    public static IReadOnlyList<UdpAddress> PublicTrackerAddresses { get; } =
    [
        UdpAddress.Parse("130.161.119.206:6421"), UdpAddress.Parse("130.161.119.206:6422"),
        UdpAddress.Parse("131.180.27.155:6423"), UdpAddress.Parse("131.180.27.156:6424"),
        UdpAddress.Parse("131.180.27.161:6427"), UdpAddress.Parse("131.180.27.161:6521"),
        UdpAddress.Parse("131.180.27.161:6522"), UdpAddress.Parse("131.180.27.162:6523"),
        UdpAddress.Parse("131.180.27.162:6524"), UdpAddress.Parse("130.161.119.215:6525"),
        UdpAddress.Parse("130.161.119.215:6526"), UdpAddress.Parse("130.161.119.201:6527"),
        UdpAddress.Parse("130.161.119.201:6528"),
    ];

    /// <summary>
    /// py-ipv8's public trackers, the 7 DNS names of its default configuration (<c>DISPERSY_BOOTSTRAPPER</c>
    /// <c>dns_addresses</c>). Used only when asked for explicitly.
    /// </summary>
    public static IReadOnlyList<(string Host, ushort Port)> PublicTrackerNames { get; } =
    [
        ("dispersy1.tribler.org", 6421), ("dispersy1.st.tudelft.nl", 6421),
        ("dispersy2.tribler.org", 6422), ("dispersy2.st.tudelft.nl", 6422),
        ("dispersy3.tribler.org", 6423), ("dispersy3.st.tudelft.nl", 6423),
        ("dispersy4.tribler.org", 6424),
    ];

    /// <summary>
    /// A bootstrapper for servers as people write them (<see cref="HostPort"/>: IP addresses and DNS names), and py-ipv8's
    /// public trackers too when <paramref name="publicTrackers"/> is true. What <c>ipv8 node --bootstrap</c> and the
    /// hosting options (<c>Ipv8:Bootstrap</c>) build.
    /// </summary>
    /// <param name="servers">The bootstrap servers (parse text with <see cref="HostPort.TryParse"/>).</param>
    /// <param name="publicTrackers">Add <see cref="PublicTrackerAddresses"/> and <see cref="PublicTrackerNames"/>.</param>
    /// <param name="bootstrapInterval">The least time between two bootstraps. Default 30 s.</param>
    /// <param name="timeProvider">The clock. Default: the system's.</param>
    /// <param name="logger">Where names that do not resolve are logged.</param>
    public static AddressListBootstrapper Create(
        IEnumerable<HostPort> servers,
        bool publicTrackers = false,
        TimeSpan? bootstrapInterval = null,
        TimeProvider? timeProvider = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var addresses = new List<UdpAddress>();
        var names = new List<(string Host, ushort Port)>();
        foreach (var server in servers)
        {
            if (server.Address is { } address)
            {
                addresses.Add(address);
            }
            else if (server.DnsName is { } name)
            {
                names.Add((name, server.Port));
            }
        }

        if (publicTrackers)
        {
            addresses.AddRange(PublicTrackerAddresses);
            names.AddRange(PublicTrackerNames);
        }

        return new AddressListBootstrapper(addresses.Distinct(), names.Distinct(), bootstrapInterval, timeProvider, logger);
    }

    /// <summary>A bootstrapper for py-ipv8's public trackers, its default list (addresses and names).</summary>
    public static AddressListBootstrapper PublicTrackers(ILogger? logger = null) => new(PublicTrackerAddresses, PublicTrackerNames, logger: logger);

    /// <summary>The minimum time between two bootstraps. Default 30 s.</summary>
    public TimeSpan BootstrapInterval { get; }

    /// <inheritdoc/>
    public bool Initialized { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<UdpAddress> Blacklist
    {
        get
        {
            lock (_lock)
            {
                return [.. _addresses];
            }
        }
    }

    /// <summary>Resolves the DNS names (IPv4) and blacklists every address in the community's network.</summary>
    public Task InitializeAsync(Community community, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(community);
        lock (_lock)
        {
            if (!Initialized)
            {
                Initialized = true;
                _initialization = ResolveAsync(community, cancellationToken);
            }

            return _initialization;
        }
    }

    private async Task ResolveAsync(Community community, CancellationToken cancellationToken)
    {
        foreach (var address in Blacklist)
        {
            community.EnsureBlacklisted(address);
        }

        // In parallel: one name that times out must not hold up the others (py-ipv8's public list has seven).
        await Task.WhenAll(_dnsNames.Select(name => ResolveAsync(community, name.Host, name.Port, cancellationToken))).ConfigureAwait(false);
    }

    private async Task ResolveAsync(Community community, string host, ushort port, CancellationToken cancellationToken)
    {
        try
        {
            if (await new HostPort(null, host, port).ResolveAsync(cancellationToken).ConfigureAwait(false) is not { } address)
            {
                return;
            }

            lock (_lock)
            {
                if (!_addresses.Contains(address))
                {
                    _addresses.Add(address);
                }
            }

            community.EnsureBlacklisted(address);
        }
        catch (SocketException ex)
        {
            BootstrapLog.DnsUnresolved(_logger, host, port, ex.SocketErrorCode);
        }
    }

    /// <summary>
    /// Walks to every address, at most once per <see cref="BootstrapInterval"/>. Waits (up to <paramref name="timeout"/>)
    /// for the DNS names to resolve first, so that the first bootstrap reaches them too (py-ipv8 misses them until its
    /// next bootstrap, 30 s later). Returns no addresses: the walking is done.
    /// </summary>
    public async Task<IReadOnlyList<UdpAddress>> GetAddressesAsync(Community community, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(community);
        try
        {
            await _initialization.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            BootstrapLog.DnsStillResolving(_logger, timeout);
        }

        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (_hasBootstrapped && _time.GetElapsedTime(_lastBootstrap, now) < BootstrapInterval)
            {
                return [];
            }

            _hasBootstrapped = true;
            _lastBootstrap = now;
        }

        foreach (var address in Blacklist)
        {
            community.EnsureBlacklisted(address);
            community.WalkTo(address);
        }

        return [];
    }

    /// <summary>Walks to one tracker at random.</summary>
    public void KeepAlive(Community community)
    {
        ArgumentNullException.ThrowIfNull(community);
        UdpAddress address;
        lock (_lock)
        {
            if (_addresses.Count == 0)
            {
                return;
            }

            address = _addresses[_random.Next(_addresses.Count)];
        }

        community.EnsureBlacklisted(address);
        community.WalkTo(address);
    }

    /// <inheritdoc/>
    public void Unload()
    {
    }

    /// <inheritdoc/>
    public override string ToString() => $"AddressListBootstrapper({Counted.Of(_addresses.Count, "address", "addresses")}, {Counted.Of(_dnsNames.Count, "name")})";
}

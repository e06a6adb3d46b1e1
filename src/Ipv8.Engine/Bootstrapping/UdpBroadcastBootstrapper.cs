using System.Net;
using System.Net.Sockets;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Diagnostics;
using Ipv8.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Engine.Bootstrapping;

/// <summary>
/// Finds peers by sending a beacon, <c>00 00 "IPv8" 00</c> + the community prefix, to a range of ports (py-ipv8
/// <c>UDPBroadcastBootstrapper</c>). Whoever receives a beacon for its own community walks to the sender. py-ipv8 sends
/// to 255.255.255.255 on every port; here the target address and ports are settings, with no default target, so it
/// never broadcasts unless told to. Off by default: add it to a community's bootstrappers to use it.
/// </summary>
public sealed class UdpBroadcastBootstrapper : IBootstrapper
{
    /// <summary>The beacon header: protocol version 00 00, "IPv8", 00.</summary>
    public static ReadOnlySpan<byte> BeaconHeader => [0x00, 0x00, 0x49, 0x50, 0x76, 0x38, 0x00];

    private readonly UdpAddress _target;
    private readonly int _firstPort;
    private readonly int _lastPort;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RemoteLog _remoteLog;
    private readonly Lock _lock = new();
    private Socket? _socket;
    private Community? _community;
    private CancellationTokenSource? _receiveStop;
    private long _lastBootstrap;
    private bool _hasBootstrapped;
    private readonly Limits.TokenBucket _beaconWalks;
    private long _beaconsRefused;

    /// <summary>Creates a bootstrapper that beacons to <paramref name="target"/>'s host on ports <paramref name="firstPort"/>–<paramref name="lastPort"/>.</summary>
    /// <param name="target">The host to beacon to (its port is ignored). Tests use 127.0.0.1; py-ipv8 uses 255.255.255.255.</param>
    /// <param name="firstPort">The first port to beacon to.</param>
    /// <param name="lastPort">The last port to beacon to.</param>
    /// <param name="bindAddress">Where the beacon socket binds; 0.0.0.0 by default.</param>
    /// <param name="bootstrapInterval">The minimum time between two beacon rounds (30 s by default).</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="logger">Logging.</param>
    public UdpBroadcastBootstrapper(UdpAddress target, int firstPort, int lastPort, IPAddress? bindAddress = null, TimeSpan? bootstrapInterval = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        if (target.IsIPv6)
        {
            throw new ArgumentException("The beacon target must be an IPv4 address.", nameof(target));
        }

        if (firstPort is < 1 or > 65535 || lastPort < firstPort || lastPort > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(firstPort), $"Ports {firstPort}-{lastPort} are not a range within 1-65535.");
        }

        _target = target;
        _firstPort = firstPort;
        _lastPort = lastPort;
        BindAddress = bindAddress ?? IPAddress.Any;
        BootstrapInterval = bootstrapInterval ?? TimeSpan.FromSeconds(30);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _remoteLog = new RemoteLog(_logger, _time, RemoteLog.DefaultInterval);
        _beaconWalks = new Limits.TokenBucket(BeaconWalksPerSecond, BeaconWalkBurst, _time);
    }

    /// <summary>
    /// How many beacons a second, from all senders together, get a walk (a signed introduction request) at most: 5, in
    /// bursts of 20. A beacon is 29 unsigned bytes from any (spoofable) address, so without a cap a flood of them would
    /// make the node sign and send without bound; py-ipv8 walks to every one.
    /// </summary>
    public const double BeaconWalksPerSecond = 5;

    /// <summary>The burst of <see cref="BeaconWalksPerSecond"/>.</summary>
    public const double BeaconWalkBurst = 20;

    /// <summary>Beacons for our community that got no walk because of <see cref="BeaconWalksPerSecond"/>.</summary>
    public long BeaconsRefused => Volatile.Read(ref _beaconsRefused);

    /// <summary>Where the beacon socket binds.</summary>
    public IPAddress BindAddress { get; }

    /// <summary>The minimum time between two beacon rounds.</summary>
    public TimeSpan BootstrapInterval { get; }

    /// <summary>The beacon socket's address, once initialized.</summary>
    public UdpAddress? LocalAddress { get; private set; }

    /// <inheritdoc/>
    public bool Initialized { get; private set; }

    /// <summary>The rate-limited, non-blocking log of beacons received (docs/logging.md).</summary>
    internal RemoteLog RemoteLog => _remoteLog;

    /// <inheritdoc/>
    public IReadOnlyList<UdpAddress> Blacklist => [];

    /// <summary>Opens the beacon socket, starts listening for beacons and sends the first round.</summary>
    public Task InitializeAsync(Community community, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(community);
        lock (_lock)
        {
            if (Initialized)
            {
                return Task.CompletedTask;
            }

            Initialized = true;
            _community = community;
            try
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.EnableBroadcast = true;
                socket.Bind(new IPEndPoint(BindAddress, 0));
                _socket = socket;
                LocalAddress = UdpAddress.FromIPEndPoint((IPEndPoint)socket.LocalEndPoint!);
            }
            catch (SocketException ex)
            {
                BootstrapLog.BeaconSocketFailed(_logger, ex.SocketErrorCode);
                return Task.CompletedTask;
            }

            _receiveStop = new CancellationTokenSource();
            _ = Task.Run(() => ReceiveLoopAsync(_socket, _receiveStop.Token), CancellationToken.None);
        }

        Beacon(community.GetPrefix());
        return Task.CompletedTask;
    }

    /// <summary>Sends a beacon round, at most once per <see cref="BootstrapInterval"/>. Never returns addresses right away.</summary>
    public Task<IReadOnlyList<UdpAddress>> GetAddressesAsync(Community community, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(community);
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (_hasBootstrapped && _time.GetElapsedTime(_lastBootstrap, now) < BootstrapInterval)
            {
                return Task.FromResult<IReadOnlyList<UdpAddress>>([]);
            }

            _hasBootstrapped = true;
            _lastBootstrap = now;
        }

        Beacon(community.GetPrefix());
        return Task.FromResult<IReadOnlyList<UdpAddress>>([]);
    }

    /// <inheritdoc/>
    public void KeepAlive(Community community)
    {
        ArgumentNullException.ThrowIfNull(community);
        Beacon(community.GetPrefix());
    }

    /// <inheritdoc/>
    public void Unload()
    {
        lock (_lock)
        {
            _receiveStop?.Cancel();
            _socket?.Dispose();
            _socket = null;
            _receiveStop?.Dispose();
            _receiveStop = null;
        }

        _remoteLog.Dispose();
    }

    private void Beacon(ReadOnlySpan<byte> prefix)
    {
        var socket = _socket;
        if (socket is null)
        {
            return;
        }

        Span<byte> beacon = stackalloc byte[BeaconHeader.Length + prefix.Length];
        BeaconHeader.CopyTo(beacon);
        prefix.CopyTo(beacon[BeaconHeader.Length..]);
        var address = new SocketAddress(AddressFamily.InterNetwork);
        for (var port = _firstPort; port <= _lastPort; port++)
        {
            _target.WithPort((ushort)port).CopyTo(address);
            try
            {
                socket.SendTo(beacon, SocketFlags.None, address);
            }
            catch (SocketException)
            {
                // Like py-ipv8: some ports are refused; carry on.
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    private async Task ReceiveLoopAsync(Socket socket, CancellationToken token)
    {
        var buffer = new byte[2048];
        var from = new SocketAddress(AddressFamily.InterNetwork);
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (token.IsCancellationRequested || ex is ObjectDisposedException)
                {
                    return;
                }

                continue;
            }

            if (!UdpAddress.TryFromSocketAddress(from, out var source) || _community is not { } community)
            {
                continue;
            }

            OnDatagram(community, source, buffer.AsSpan(0, received));
        }
    }

    private void OnDatagram(Community community, UdpAddress source, ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(BeaconHeader))
        {
            if (data[BeaconHeader.Length..].SequenceEqual(community.GetPrefix()))
            {
                BootstrapLog.BeaconReceived(_remoteLog, source);
                if (!_beaconWalks.TryAcquire())
                {
                    Interlocked.Increment(ref _beaconsRefused);
                    return;
                }

                community.WalkTo(source);
            }
        }
        else if (data.StartsWith(community.GetPrefix()))
        {
            community.OnPacket(source, data);
        }
    }

    /// <summary>Handles a datagram as if it arrived on the beacon socket (for tests).</summary>
    internal void Receive(UdpAddress source, ReadOnlySpan<byte> data)
    {
        if (_community is { } community)
        {
            OnDatagram(community, source, data);
        }
    }
}

using System.Net;
using System.Net.Sockets;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Engine.Tasks;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests.Support;

/// <summary>A bootstrapper that records its calls and returns fixed addresses, optionally waiting until cancelled.</summary>
internal sealed class RecordingBootstrapper(params UdpAddress[] addresses) : IBootstrapper
{
    private int _initializeCalls;
    private int _getAddressesCalls;
    private int _keepAliveCalls;
    private int _unloadCalls;
    private int _cancelled;

    /// <summary>When set, <see cref="GetAddressesAsync"/> waits until its token is cancelled.</summary>
    public bool WaitUntilCancelled { get; init; }

    public bool Initialized { get; private set; }

    public IReadOnlyList<UdpAddress> Blacklist => [];

    public int InitializeCalls => Volatile.Read(ref _initializeCalls);

    public int GetAddressesCalls => Volatile.Read(ref _getAddressesCalls);

    public int KeepAliveCalls => Volatile.Read(ref _keepAliveCalls);

    public int UnloadCalls => Volatile.Read(ref _unloadCalls);

    /// <summary>How many <see cref="GetAddressesAsync"/> calls saw their token cancelled.</summary>
    public int Cancelled => Volatile.Read(ref _cancelled);

    public Task InitializeAsync(Community community, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _initializeCalls);
        Initialized = true;
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<UdpAddress>> GetAddressesAsync(Community community, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _getAddressesCalls);
        if (WaitUntilCancelled)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _cancelled);
                throw;
            }
        }

        return addresses;
    }

    public void KeepAlive(Community community) => Interlocked.Increment(ref _keepAliveCalls);

    public void Unload() => Interlocked.Increment(ref _unloadCalls);
}

/// <summary>A request-cache entry that counts its timeouts.</summary>
internal sealed class CountingCache(string prefix, long number, TimeSpan timeout) : NumberCache(prefix, number)
{
    private int _timeouts;

    public override TimeSpan Timeout => timeout;

    public int Timeouts => Volatile.Read(ref _timeouts);

    public override void OnTimeout() => Interlocked.Increment(ref _timeouts);
}

/// <summary>
/// A <see cref="FakeTimeProvider"/> that counts the timers created on it, so a test can wait until a delay is really
/// armed before it advances the clock.
/// </summary>
internal sealed class CountingTimeProvider : FakeTimeProvider
{
    private int _timers;

    public int TimersCreated => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}

/// <summary>A bare UDP socket on loopback, for sending hand-made datagrams to a node and seeing what comes back.</summary>
internal sealed class RawUdp : IDisposable
{
    private readonly Socket _socket;

    public RawUdp(bool ipv6 = false)
    {
        _socket = new Socket(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        Address = UdpAddress.FromIPEndPoint((IPEndPoint)_socket.LocalEndPoint!);
    }

    public UdpAddress Address { get; }

    public void Send(UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        Assert.True(destination.IsLoopback, $"tests only send to loopback, not {destination}");
        _socket.SendTo(datagram, SocketFlags.None, destination.ToIPEndPoint());
    }

    /// <summary>Receives one datagram, or returns null when none arrives within <paramref name="timeout"/>.</summary>
    public (UdpAddress Source, byte[] Data)? Receive(TimeSpan timeout)
    {
        _socket.ReceiveTimeout = Math.Max(1, (int)timeout.TotalMilliseconds);
        var buffer = new byte[65_535];
        EndPoint from = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        try
        {
            var n = _socket.ReceiveFrom(buffer, ref from);
            return (UdpAddress.FromIPEndPoint((IPEndPoint)from), buffer[..n]);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            return null;
        }
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>Builds communities on a <see cref="RecordingEndpoint"/>, without sockets or a node.</summary>
internal static class Offline
{
    public static CommunitySettings Settings(LibNaClPrivateKey key, IEndpoint endpoint, TimeProvider? time = null, Network? network = null, int seed = 1) => new()
    {
        Key = key,
        Endpoint = endpoint,
        Network = network ?? new Network(),
        TimeProvider = time ?? TimeProvider.System,
        RandomSeed = seed,
    };
}

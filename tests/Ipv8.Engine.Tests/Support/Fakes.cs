using System.Collections.Concurrent;
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

/// <summary>A datagram an endpoint was asked to send.</summary>
internal sealed record SentPacket(byte MessageId, UdpAddress Destination, byte[] Data);

/// <summary>An endpoint without sockets that records what is sent through it (for pure logic tests).</summary>
internal sealed class RecordingEndpoint(UdpAddress address) : IEndpoint
{
    private readonly ConcurrentQueue<SentPacket> _sent = new();

    public UdpAddress Address => address;

    public UdpAddress? Ipv4Address => address.IsIPv4 ? address : null;

    public UdpAddress? Ipv6Address => address.IsIPv6 ? address : null;

    public bool IsOpen => true;

    public EndpointCounters Counters { get; } = new();

    public string Kind => "recording";

    public IReadOnlyList<SentPacket> Sent => [.. _sent];

    public int Count(byte messageId) => _sent.Count(s => s.MessageId == messageId);

    public int Count(byte messageId, UdpAddress destination) => _sent.Count(s => s.MessageId == messageId && s.Destination == destination);

    public void Clear() => _sent.Clear();

    public void Open(IPacketSink sink)
    {
    }

    public bool Send(UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        _sent.Enqueue(new SentPacket(datagram.Length > Packet.PrefixLength ? datagram[Packet.PrefixLength] : (byte)0, destination, datagram.ToArray()));
        return true;
    }

    public ValueTask CloseAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

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

/// <summary>A packet sink that keeps copies of what it receives.</summary>
internal sealed class RecordingSink : IPacketSink
{
    private readonly ConcurrentQueue<(UdpAddress Source, byte[] Data)> _received = new();

    public IReadOnlyList<(UdpAddress Source, byte[] Data)> Received => [.. _received];

    public void OnPacket(UdpAddress source, ReadOnlySpan<byte> datagram) => _received.Enqueue((source, datagram.ToArray()));
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

/// <summary>Builds packets by hand.</summary>
internal static class Packets
{
    /// <summary>A message of one payload, as py-ipv8's <c>ez_send(peer, payload)</c> builds it.</summary>
    public static byte[] Build<T>(ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, in T payload)
        where T : IMessagePayload<T>, allows ref struct
    {
        var buffer = new byte[Packet.GetSize(payload)];
        Packet.Write(buffer, prefix, key, payload);
        return buffer;
    }

    /// <summary>A discovery message: <c>[GlobalTime, payload]</c>, as py-ipv8's <c>create_*</c> methods build them.</summary>
    public static byte[] Discovery<T>(ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, ulong globalTime, in T payload)
        where T : IMessagePayload<T>, allows ref struct
    {
        var time = new GlobalTime(globalTime);
        var buffer = new byte[Packet.GetSize(time, payload)];
        Packet.Write(buffer, prefix, key, time, payload);
        return buffer;
    }

    /// <summary>A message of three payloads, as py-ipv8's <c>ez_send(peer, first, second, third)</c> builds it.</summary>
    public static byte[] Build<T1, T2, T3>(ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, in T1 first, in T2 second, in T3 third)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IMessagePayload<T3>, allows ref struct
    {
        var buffer = new byte[Packet.GetSize(first, second, third)];
        Packet.Write(buffer, prefix, key, first, second, third);
        return buffer;
    }

    /// <summary>A signed old-style (246) introduction request, as py-ipv8 sends it.</summary>
    public static byte[] IntroductionRequest(CommunityId community, LibNaClPrivateKey key, UdpAddress destination, UdpAddress source, ushort identifier) =>
        Discovery(community.ToPrefix(), key, identifier, new Wire.Discovery.IntroductionRequestPayload
        {
            DestinationAddress = destination,
            SourceLanAddress = source,
            SourceWanAddress = source,
            Flags = Wire.Discovery.IntroductionRequestPayload.MakeFlags(Wire.Discovery.ConnectionType.Unknown, supportsNewStyle: false, advice: true),
            Identifier = identifier,
        });
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

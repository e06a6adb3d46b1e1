using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Ipv8.Wire;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// A simulated datagram network inside one process, for swarms larger than a machine's sockets and threads allow, and
/// for fast tests. Endpoints get 127.0.0.1 addresses; delivery copies each datagram into a pooled buffer and queues it
/// on the receiver's bounded queue (a full queue drops, as a full socket buffer would). Reports must say that nodes
/// ran "in-memory".
/// </summary>
public sealed class InMemoryNetwork
{
    private readonly ConcurrentDictionary<UdpAddress, InMemoryEndpoint> _endpoints = new();
    private int _nextPort;
    private long _delivered;
    private long _dropped;

    /// <summary>Creates a network whose automatic ports start at <paramref name="firstPort"/>.</summary>
    public InMemoryNetwork(int firstPort = 20_000) => _nextPort = firstPort - 1;

    /// <summary>Datagrams delivered to a queue.</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Datagrams dropped: no endpoint at the destination, or its queue was full.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Creates an endpoint at <paramref name="address"/>, or at the next free 127.0.0.1 port.</summary>
    public InMemoryEndpoint CreateEndpoint(UdpAddress? address = null, int queueCapacity = 4096)
    {
        var chosen = address ?? UdpAddress.Parse("127.0.0.1:0").WithPort((ushort)Interlocked.Increment(ref _nextPort));
        var endpoint = new InMemoryEndpoint(this, chosen, queueCapacity);
        if (!_endpoints.TryAdd(chosen, endpoint))
        {
            throw new InvalidOperationException($"The in-memory address {chosen} is already in use.");
        }

        return endpoint;
    }

    internal bool Deliver(UdpAddress source, UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        if (_endpoints.TryGetValue(destination, out var target) && target.Enqueue(source, datagram))
        {
            Interlocked.Increment(ref _delivered);
            return true;
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    internal void Remove(InMemoryEndpoint endpoint) => _endpoints.TryRemove(new KeyValuePair<UdpAddress, InMemoryEndpoint>(endpoint.Address, endpoint));
}

/// <summary>An endpoint of an <see cref="InMemoryNetwork"/>.</summary>
public sealed class InMemoryEndpoint : IEndpoint
{
    private readonly InMemoryNetwork _network;
    private readonly Channel<(UdpAddress Source, byte[] Buffer, int Length)> _queue;
    private IPacketSink? _sink;
    private Task? _dispatch;
    private int _state;

    internal InMemoryEndpoint(InMemoryNetwork network, UdpAddress address, int queueCapacity)
    {
        _network = network;
        Address = address;
        _queue = Channel.CreateBounded<(UdpAddress, byte[], int)>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The endpoint's address.</summary>
    public UdpAddress Address { get; }

    /// <inheritdoc/>
    public UdpAddress? Ipv4Address => Address.IsIPv4 ? Address : null;

    /// <inheritdoc/>
    public UdpAddress? Ipv6Address => Address.IsIPv6 ? Address : null;

    /// <inheritdoc/>
    public bool IsOpen => Volatile.Read(ref _state) == 1;

    /// <inheritdoc/>
    public EndpointCounters Counters { get; } = new();

    /// <inheritdoc/>
    public string Kind => "in-memory";

    /// <inheritdoc/>
    public void Open(IPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The endpoint was already opened.");
        }

        _sink = sink;
        _dispatch = Task.Run(DispatchAsync);
    }

    /// <inheritdoc/>
    public bool Send(UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        if (!IsOpen || !_network.Deliver(Address, destination, datagram))
        {
            Counters.SendFailed();
            return false;
        }

        Counters.Sent(datagram.Length);
        return true;
    }

    /// <inheritdoc/>
    public async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        _network.Remove(this);
        _queue.Writer.TryComplete();
        if (_dispatch is not null)
        {
            await _dispatch.ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => CloseAsync();

    internal bool Enqueue(UdpAddress source, ReadOnlySpan<byte> datagram)
    {
        if (!IsOpen)
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
        datagram.CopyTo(buffer);
        if (_queue.Writer.TryWrite((source, buffer, datagram.Length)))
        {
            return true;
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return false;
    }

    private async Task DispatchAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                Counters.Received(item.Length);
                try
                {
                    _sink!.OnPacket(item.Source, item.Buffer.AsSpan(0, item.Length));
                }
                catch (Exception)
                {
                    // A sink must not throw; the simulated wire carries on regardless.
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                }
            }
        }
    }
}

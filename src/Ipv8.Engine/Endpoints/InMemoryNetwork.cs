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

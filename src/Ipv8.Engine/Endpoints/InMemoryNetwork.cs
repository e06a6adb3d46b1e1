using System.Collections.Concurrent;
using Ipv8.Wire;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// A simulated datagram network inside one process, for swarms larger than a machine's sockets and threads allow, and
/// for tests. Endpoints get 127.0.0.1 addresses. With perfect links and <see cref="InMemoryDelivery.Concurrent"/>
/// delivery (the defaults), a send copies the datagram into a pooled buffer and queues it on the receiver's bounded
/// queue (a full queue drops, as a full socket buffer would). Links with latency, loss or reordering
/// (<see cref="LinkConditions"/>), and <see cref="InMemoryDelivery.Sequential"/> delivery, hold datagrams until their
/// arrival time on <see cref="InMemoryNetworkOptions.TimeProvider"/>; every random choice comes from
/// <see cref="InMemoryNetworkOptions.Seed"/>. Reports must say that nodes ran "in-memory".
/// </summary>
public sealed partial class InMemoryNetwork
{
    private readonly ConcurrentDictionary<UdpAddress, InMemoryEndpoint> _endpoints = new();
    private readonly InMemoryDelivery _delivery;
    private readonly LinkConditions _conditions;
    private readonly ulong _seed;
    private readonly TimeProvider _time;
    private int _nextPort;
    private int _nextIndex;
    private long _delivered;
    private long _dropped;
    private long _lost;

    // False while every link is perfect and delivery is concurrent: sends then go straight to the receiver's queue.
    private volatile bool _scheduled;

    /// <summary>Creates a network of perfect links and concurrent delivery, whose automatic ports start at <paramref name="firstPort"/>.</summary>
    public InMemoryNetwork(int firstPort = 20_000)
        : this(new InMemoryNetworkOptions { FirstPort = firstPort })
    {
    }

    /// <summary>Creates a network with these settings.</summary>
    public InMemoryNetwork(InMemoryNetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Conditions);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        options.Conditions.Validate(nameof(options));
        if (options.Delivery is not (InMemoryDelivery.Concurrent or InMemoryDelivery.Sequential))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Delivery, "Unknown delivery mode.");
        }

        _nextPort = options.FirstPort - 1;
        _delivery = options.Delivery;
        _conditions = options.Conditions;
        _seed = (ulong)(uint)options.Seed;
        _time = options.TimeProvider;
        _scheduled = _delivery == InMemoryDelivery.Sequential || !_conditions.IsPerfect;
    }

    /// <summary>How datagrams are handed to the endpoints.</summary>
    public InMemoryDelivery Delivery => _delivery;

    /// <summary>Datagrams handed to an endpoint: to its queue, or to its sink in sequential delivery.</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Datagrams dropped: no endpoint at the destination, its queue was full, or it closed before they arrived.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Datagrams lost on purpose by a link's <see cref="LinkConditions.LossRate"/>.</summary>
    public long Lost => Volatile.Read(ref _lost);

    /// <summary>Creates an endpoint at <paramref name="address"/>, or at the next free 127.0.0.1 port.</summary>
    /// <param name="address">The address, or null for the next automatic port.</param>
    /// <param name="queueCapacity">Datagrams the endpoint's queue holds in concurrent delivery (sequential delivery has no queue).</param>
    public InMemoryEndpoint CreateEndpoint(UdpAddress? address = null, int queueCapacity = 4096)
    {
        var chosen = address ?? UdpAddress.Parse("127.0.0.1:0").WithPort((ushort)Interlocked.Increment(ref _nextPort));
        var endpoint = new InMemoryEndpoint(this, chosen, Interlocked.Increment(ref _nextIndex), _delivery == InMemoryDelivery.Sequential ? null : queueCapacity);
        if (!_endpoints.TryAdd(chosen, endpoint))
        {
            throw new InvalidOperationException($"The in-memory address {chosen} is already in use.");
        }

        return endpoint;
    }

    /// <summary>Carries a datagram from <paramref name="source"/> towards <paramref name="destination"/>; false when nothing is there or its queue is full.</summary>
    internal bool Send(InMemoryEndpoint source, UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        if (!_endpoints.TryGetValue(destination, out var target))
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        if (_scheduled)
        {
            Schedule(source, target, datagram);
            return true;
        }

        return Hand(source.Address, target, datagram);
    }

    internal void Remove(InMemoryEndpoint endpoint) => _endpoints.TryRemove(new KeyValuePair<UdpAddress, InMemoryEndpoint>(endpoint.Address, endpoint));

    /// <summary>Gives a datagram that has arrived to its endpoint, and counts it.</summary>
    private bool Hand(UdpAddress source, InMemoryEndpoint target, ReadOnlySpan<byte> datagram)
    {
        if (target.Arrive(source, datagram))
        {
            Interlocked.Increment(ref _delivered);
            return true;
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }
}

using System.Collections.Concurrent;
using Ipv8.Engine.Endpoints;
using Ipv8.Wire;

namespace Ipv8.Testing;

/// <summary>
/// An endpoint without sockets that records what is sent through it: build a community on it, call a handler or send,
/// and look at <see cref="Sent"/>. The sending half of py-ipv8's <c>MockEndpoint</c>; <see cref="Deliver"/> is the
/// receiving half (it hands a datagram to whatever opened the endpoint, as <c>notify_listeners</c> does).
/// </summary>
/// <remarks>
/// The endpoint is usable as soon as it is built (<see cref="IsOpen"/> is true until it is closed), so a community
/// can send through it without a node having opened it. Thread-safe. With <see cref="KeepDatagrams"/> off it only
/// counts, per message id, and sending allocates nothing: fit for allocation tests and benchmarks.
/// </remarks>
public sealed class RecordingEndpoint : IEndpoint
{
    private readonly ConcurrentQueue<SentDatagram> _sent = new();
    private readonly long[] _byMessageId = new long[256];
    private IPacketSink? _sink;
    private int _closed;

    /// <summary>Creates an endpoint bound, as far as its users can tell, to <paramref name="address"/>.</summary>
    public RecordingEndpoint(UdpAddress address)
        : this(address.IsIPv4 ? address : null, address.IsIPv6 ? address : null)
    {
    }

    /// <summary>Creates an endpoint with an IPv4 address, an IPv6 address, or both (or neither: an endpoint of no family).</summary>
    public RecordingEndpoint(UdpAddress? ipv4Address, UdpAddress? ipv6Address)
    {
        if (ipv4Address is { IsIPv4: false } || ipv6Address is { IsIPv6: false })
        {
            throw new ArgumentException("The IPv4 address must be IPv4 and the IPv6 address IPv6.", ipv4Address is { IsIPv4: false } ? nameof(ipv4Address) : nameof(ipv6Address));
        }

        Ipv4Address = ipv4Address;
        Ipv6Address = ipv6Address;
    }

    /// <summary>The IPv4 address if there is one, otherwise the IPv6 address (<see cref="UdpAddress.Any"/> when neither).</summary>
    public UdpAddress Address => Ipv4Address ?? Ipv6Address ?? UdpAddress.Any;

    /// <inheritdoc/>
    public UdpAddress? Ipv4Address { get; }

    /// <inheritdoc/>
    public UdpAddress? Ipv6Address { get; }

    /// <summary>True until the endpoint is closed (it needs no opening to send).</summary>
    public bool IsOpen => Volatile.Read(ref _closed) == 0;

    /// <inheritdoc/>
    public EndpointCounters Counters { get; } = new();

    /// <inheritdoc/>
    public string Kind => "recording";

    /// <summary>
    /// Keep a copy of every datagram sent (default). Off, the endpoint only counts (<see cref="Count(byte)"/>,
    /// <see cref="TotalSent"/>) and sending allocates nothing.
    /// </summary>
    public bool KeepDatagrams { get; init; } = true;

    /// <summary>
    /// Whether sends succeed (default true). When false every send returns false and counts as a send failure, as a
    /// UDP endpoint does for a family it has no socket for; nothing is recorded.
    /// </summary>
    public bool AcceptSends { get; set; } = true;

    /// <summary>The sink given to <see cref="Open"/> (a node, a community), or null.</summary>
    public IPacketSink? Sink => Volatile.Read(ref _sink);

    /// <summary>Copies of the datagrams sent, in order (empty when <see cref="KeepDatagrams"/> is off).</summary>
    public IReadOnlyList<SentDatagram> Sent => [.. _sent];

    /// <summary>Datagrams sent since the start or the last <see cref="Clear"/>.</summary>
    public long TotalSent
    {
        get
        {
            long total = 0;
            for (var id = 0; id < _byMessageId.Length; id++)
            {
                total += Volatile.Read(ref _byMessageId[id]);
            }

            return total;
        }
    }

    /// <summary>Datagrams sent with this message id (the byte after the 22-byte prefix; 0 for a datagram too short to have one).</summary>
    public long Count(byte messageId) => Volatile.Read(ref _byMessageId[messageId]);

    /// <summary>Datagrams sent with this message id to <paramref name="destination"/>. Needs <see cref="KeepDatagrams"/>.</summary>
    public int Count(byte messageId, UdpAddress destination)
    {
        RequireDatagrams();
        return _sent.Count(s => s.MessageId == messageId && s.Destination == destination);
    }

    /// <summary>Forgets what was sent: the datagrams and the counts (not <see cref="Counters"/>).</summary>
    public void Clear()
    {
        _sent.Clear();
        for (var id = 0; id < _byMessageId.Length; id++)
        {
            Volatile.Write(ref _byMessageId[id], 0);
        }
    }

    /// <summary>Keeps <paramref name="sink"/> for <see cref="Deliver"/>. Fails once the endpoint is closed.</summary>
    public void Open(IPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!IsOpen)
        {
            throw new InvalidOperationException("The endpoint is closed.");
        }

        Volatile.Write(ref _sink, sink);
    }

    /// <summary>
    /// Hands <paramref name="datagram"/> from <paramref name="source"/> to the sink given to <see cref="Open"/>, on the
    /// calling thread, as if it had arrived (py-ipv8 <c>Endpoint.notify_listeners</c>).
    /// </summary>
    public void Deliver(UdpAddress source, ReadOnlySpan<byte> datagram)
    {
        var sink = Sink ?? throw new InvalidOperationException("Nothing opened the endpoint: there is no sink to deliver to.");
        Counters.Received(datagram.Length);
        sink.OnPacket(source, datagram);
    }

    /// <summary>Records the datagram (or only counts it) and returns true; false when closed or when <see cref="AcceptSends"/> is off.</summary>
    public bool Send(UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        if (!IsOpen || !AcceptSends)
        {
            Counters.SendFailed();
            return false;
        }

        var messageId = datagram.Length > Packet.PrefixLength ? datagram[Packet.PrefixLength] : (byte)0;
        Interlocked.Increment(ref _byMessageId[messageId]);
        Counters.Sent(datagram.Length);
        if (KeepDatagrams)
        {
            _sent.Enqueue(new SentDatagram(destination, datagram.ToArray()));
        }

        return true;
    }

    /// <summary>Closes the endpoint: sends fail from now on.</summary>
    public ValueTask CloseAsync()
    {
        Volatile.Write(ref _closed, 1);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => CloseAsync();

    private void RequireDatagrams()
    {
        if (!KeepDatagrams)
        {
            throw new InvalidOperationException("This endpoint only counts (KeepDatagrams is off): it has no datagrams to look at.");
        }
    }
}

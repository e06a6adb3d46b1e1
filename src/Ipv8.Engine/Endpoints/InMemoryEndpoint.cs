using System.Buffers;
using System.Threading.Channels;
using Ipv8.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// An endpoint of an <see cref="InMemoryNetwork"/>. Opening, closing, sending while not open and the counters behave as
/// they do for <see cref="UdpEndpoint"/> (both go through the same lifecycle); only the wire differs. In concurrent
/// delivery it has its own queue and dispatch loop; in sequential delivery the network hands it datagrams directly.
/// </summary>
public sealed class InMemoryEndpoint : IEndpoint, IEndpointTransport
{
    private readonly InMemoryNetwork _network;
    private readonly EndpointLifecycle _lifecycle;
    private readonly Channel<(UdpAddress Source, byte[] Buffer, int Length)>? _queue;
    private Task? _dispatch;

    internal InMemoryEndpoint(InMemoryNetwork network, UdpAddress address, int index, int? queueCapacity)
    {
        _network = network;
        Address = address;
        Index = index;
        _lifecycle = new EndpointLifecycle(this, NullLogger.Instance);
        if (queueCapacity is { } capacity)
        {
            _queue = Channel.CreateBounded<(UdpAddress, byte[], int)>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }
    }

    /// <summary>The endpoint's address.</summary>
    public UdpAddress Address { get; }

    /// <inheritdoc/>
    public UdpAddress? Ipv4Address => Address.IsIPv4 ? Address : null;

    /// <inheritdoc/>
    public UdpAddress? Ipv6Address => Address.IsIPv6 ? Address : null;

    /// <inheritdoc/>
    public bool IsOpen => _lifecycle.IsOpen;

    /// <inheritdoc/>
    public EndpointCounters Counters => _lifecycle.Counters;

    /// <inheritdoc/>
    public string Kind => "in-memory";

    /// <summary>The order in which the network created its endpoints: with the seed, it picks a link's random choices.</summary>
    internal int Index { get; }

    /// <inheritdoc/>
    public void Open(IPacketSink sink) => _lifecycle.Open(sink);

    /// <summary>
    /// Sends a datagram. False (counted as a send failure) when the endpoint is not open, nothing is at the destination,
    /// or the destination's queue is full; a datagram a link loses on purpose still counts as sent, as with UDP.
    /// </summary>
    public bool Send(UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        if (!_lifecycle.IsOpen || !_network.Send(this, destination, datagram))
        {
            return _lifecycle.RefuseSend();
        }

        Counters.Sent(datagram.Length);
        return true;
    }

    /// <summary>Closes the endpoint and frees its address on the network (also when it never opened).</summary>
    public ValueTask CloseAsync() => _lifecycle.CloseAsync();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _lifecycle.CloseAsync();

    void IEndpointTransport.Start()
    {
        if (_queue is not null)
        {
            _dispatch = Task.Run(DispatchAsync);
        }
    }

    async ValueTask IEndpointTransport.StopAsync(bool started)
    {
        _network.Remove(this);
        if (_queue is null)
        {
            return;
        }

        _queue.Writer.TryComplete();
        if (_dispatch is not null)
        {
            await _dispatch.ConfigureAwait(false);
        }
    }

    /// <summary>A datagram has arrived: queued for the dispatch loop, or handed to the sink at once in sequential delivery. False when it cannot be taken.</summary>
    internal bool Arrive(UdpAddress source, ReadOnlySpan<byte> datagram)
    {
        if (!_lifecycle.IsOpen)
        {
            return false;
        }

        if (_queue is null)
        {
            Counters.Received(datagram.Length);
            _lifecycle.Deliver(source, datagram);
            return true;
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
        var reader = _queue!.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                Counters.Received(item.Length);
                try
                {
                    _lifecycle.Deliver(item.Source, item.Buffer.AsSpan(0, item.Length));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                }
            }
        }
    }
}

using System.Collections.Concurrent;
using Ipv8.Engine.Endpoints;
using Ipv8.Wire;

namespace Ipv8.Testing;

/// <summary>
/// A packet sink that keeps a copy of every datagram it receives, and optionally tells a callback (py-ipv8
/// <c>MockEndpointListener</c>). Open an endpoint with it to see what reaches that endpoint. Thread-safe.
/// </summary>
/// <param name="onReceived">Called with each datagram as it arrives, on the endpoint's thread; must not throw.</param>
public sealed class RecordingSink(Action<ReceivedDatagram>? onReceived = null) : IPacketSink
{
    private readonly ConcurrentQueue<ReceivedDatagram> _received = new();

    /// <summary>The datagrams received, in order.</summary>
    public IReadOnlyList<ReceivedDatagram> Received => [.. _received];

    /// <summary>How many datagrams were received.</summary>
    public int Count => _received.Count;

    /// <summary>Forgets the datagrams received so far.</summary>
    public void Clear() => _received.Clear();

    /// <inheritdoc/>
    public void OnPacket(UdpAddress source, ReadOnlySpan<byte> datagram)
    {
        var copy = new ReceivedDatagram(source, datagram.ToArray());
        _received.Enqueue(copy);
        onReceived?.Invoke(copy);
    }
}

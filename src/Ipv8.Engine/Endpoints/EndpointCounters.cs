namespace Ipv8.Engine.Endpoints;

/// <summary>
/// Thread-safe byte and packet counters of an endpoint, read-only to users. The recording methods are internal: the
/// built-in endpoints and Ipv8.Testing's <c>RecordingEndpoint</c> (InternalsVisibleTo) record with them.
/// </summary>
public sealed class EndpointCounters
{
    private long _packetsReceived;
    private long _bytesReceived;
    private long _packetsSent;
    private long _bytesSent;
    private long _sendFailures;
    private long _receiveErrors;

    /// <summary>Datagrams received.</summary>
    public long PacketsReceived => Volatile.Read(ref _packetsReceived);

    /// <summary>Bytes received.</summary>
    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    /// <summary>Datagrams sent.</summary>
    public long PacketsSent => Volatile.Read(ref _packetsSent);

    /// <summary>Bytes sent.</summary>
    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>Datagrams that could not be sent (socket error, no socket for the family, refused destination).</summary>
    public long SendFailures => Volatile.Read(ref _sendFailures);

    /// <summary>Receive calls that failed with a socket error.</summary>
    public long ReceiveErrors => Volatile.Read(ref _receiveErrors);

    /// <summary>Counts one datagram of <paramref name="bytes"/> bytes received.</summary>
    internal void Received(int bytes)
    {
        Interlocked.Increment(ref _packetsReceived);
        Interlocked.Add(ref _bytesReceived, bytes);
    }

    /// <summary>Counts one datagram of <paramref name="bytes"/> bytes sent.</summary>
    internal void Sent(int bytes)
    {
        Interlocked.Increment(ref _packetsSent);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    /// <summary>Counts one datagram that could not be sent.</summary>
    internal void SendFailed() => Interlocked.Increment(ref _sendFailures);

    /// <summary>Counts one receive call that failed.</summary>
    internal void ReceiveFailed() => Interlocked.Increment(ref _receiveErrors);
}

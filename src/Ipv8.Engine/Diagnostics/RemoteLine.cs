using Ipv8.Wire;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Diagnostics;

/// <summary>Writes one queued line through its <c>[LoggerMessage]</c> method; called on the <see cref="RemoteLog"/>'s drain.</summary>
internal delegate void RemoteLineWriter(ILogger logger, in RemoteLine line);

/// <summary>
/// The arguments of one remote-triggered log line, copied by value into a <see cref="RemoteLog"/>'s queue (nothing is
/// formatted or allocated on the packet path). Each event uses the fields it needs.
/// </summary>
internal readonly struct RemoteLine(RemoteLineWriter writer, long suppressed)
{
    /// <summary>The event's <c>[LoggerMessage]</c> call (a static lambda: cached, no allocation).</summary>
    public RemoteLineWriter Writer { get; } = writer;

    /// <summary>How many events of this kind the rate gate refused since the previous line.</summary>
    public long Suppressed { get; } = suppressed;

    /// <summary>The remote address (source, destination).</summary>
    public UdpAddress Address { get; init; }

    /// <summary>A second address (a local one).</summary>
    public UdpAddress Local { get; init; }

    /// <summary>The exception, for error events.</summary>
    public Exception? Exception { get; init; }

    /// <summary>A constant text (a reason, a type name); never formatted on the packet path.</summary>
    public string? Text { get; init; }

    /// <summary>A number (a count so far).</summary>
    public long Count { get; init; }

    /// <summary>The message id.</summary>
    public byte MessageId { get; init; }
}

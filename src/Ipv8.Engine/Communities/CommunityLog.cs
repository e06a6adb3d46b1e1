using System.Globalization;
using Ipv8.Engine.Diagnostics;
using Ipv8.Wire;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Communities;

/// <summary>
/// The log events of communities, the tracker included (ids 2xxx; docs/logging.md). The events a remote sender can cause go
/// through the community's <see cref="RemoteLog"/>: rate-limited per kind, written off the packet path.
/// </summary>
internal static partial class CommunityLog
{
    // Events a remote sender can cause: the public method gates and queues, the [LoggerMessage] method runs on the drain.
    public static void UnknownMessage(RemoteLog log, byte messageId, UdpAddress source)
    {
        if (log.TryTake(RemoteEvent.UnknownMessage, LogLevel.Warning, out var suppressed))
        {
            log.Enqueue(new RemoteLine(static (ILogger l, in RemoteLine e) => UnknownMessage(l, e.MessageId, e.Address, e.Suppressed), suppressed) { MessageId = messageId, Address = source });
        }
    }

    public static void DeprecatedMessage(RemoteLog log, byte messageId, UdpAddress source, long countSoFar)
    {
        if (log.TryTake(RemoteEvent.DeprecatedMessage, LogLevel.Warning, out var suppressed))
        {
            log.Enqueue(new RemoteLine(static (ILogger l, in RemoteLine e) => DeprecatedMessage(l, e.MessageId, e.Address, e.Count, e.Suppressed), suppressed) { MessageId = messageId, Address = source, Count = countSoFar });
        }
    }

    public static void HandlerError(RemoteLog log, Exception exception, byte messageId, UdpAddress source)
    {
        if (log.TryTake(RemoteEvent.HandlerError, LogLevel.Error, out var suppressed))
        {
            log.Enqueue(new RemoteLine(static (ILogger l, in RemoteLine e) => HandlerError(l, e.Exception, e.MessageId, e.Address, e.Suppressed), suppressed) { Exception = exception, MessageId = messageId, Address = source });
        }
    }

    public static void DecodeFailure(RemoteLog log, byte messageId, WireError error)
    {
        if (log.TryTake(RemoteEvent.DecodeFailure, LogLevel.Debug, out var suppressed))
        {
            log.Enqueue(new RemoteLine(static (ILogger l, in RemoteLine e) => DecodeFailure(l, e.MessageId, e.Text, e.Suppressed), suppressed) { MessageId = messageId, Text = error.Describe() });
        }
    }

    public static void PeerLimit(RemoteLog log, UdpAddress source, int maxPeers)
    {
        if (log.TryTake(RemoteEvent.PeerLimit, LogLevel.Debug, out var suppressed))
        {
            log.Enqueue(new RemoteLine(static (ILogger l, in RemoteLine e) => PeerLimit(l, e.Address, e.Count, e.Suppressed), suppressed) { Address = source, Count = maxPeers });
        }
    }

    public static void OwnKeyHeard(RemoteLog log, UdpAddress source, byte messageId)
    {
        if (log.TryTake(RemoteEvent.OwnKeyHeard, LogLevel.Warning, out var suppressed))
        {
            // The first line has nothing suppressed yet: no "(0 more suppressed)".
            log.Enqueue(new RemoteLine(
                static (ILogger l, in RemoteLine e) => OwnKeyHeard(l, e.MessageId, e.Address, e.Suppressed == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" ({e.Suppressed} more suppressed)")),
                suppressed) { Address = source, MessageId = messageId });
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Received unknown message {MessageId} from {Source} ({Suppressed} more suppressed)")]
    private static partial void UnknownMessage(ILogger logger, byte messageId, UdpAddress source, long suppressed);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Received deprecated message {MessageId} from {Source} ({Count} deprecated so far; {Suppressed} more suppressed)")]
    private static partial void DeprecatedMessage(ILogger logger, byte messageId, UdpAddress source, long count, long suppressed);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Exception while handling message {MessageId} from {Source} ({Suppressed} more suppressed)")]
    private static partial void HandlerError(ILogger logger, Exception? exception, byte messageId, UdpAddress source, long suppressed);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "Dropped message {MessageId}: {Reason} ({Suppressed} more suppressed)")]
    private static partial void DecodeFailure(ILogger logger, byte messageId, string? reason, long suppressed);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "Dropping introduction request from {Source}: over the peer limit of {MaxPeers} ({Suppressed} more suppressed)")]
    private static partial void PeerLimit(ILogger logger, UdpAddress source, long maxPeers, long suppressed);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Received message {MessageId} from {Source} signed with this node's own key: another node runs with the same key (the same key file?) and the two will never be peers{Suppressed}")]
    private static partial void OwnKeyHeard(ILogger logger, byte messageId, UdpAddress source, string suppressed);

    // Local events.
    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Cannot anonymize community traffic without an anonymizing (tunnel) endpoint; {Community} runs in the clear")]
    public static partial void AnonymityUnavailable(ILogger logger, string community);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "Bootstrapped {Community} from {Bootstrapper}; addresses: {Count}")]
    public static partial void Bootstrapped(ILogger logger, string community, Bootstrapping.IBootstrapper bootstrapper, int count);
}

using Microsoft.Extensions.Logging;

namespace Ipv8.Engine;

/// <summary>The log events of <see cref="Ipv8Node"/> (ids 1xxx; docs/logging.md).</summary>
internal static partial class NodeLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Node {Name} started on {Addresses}; communities: {Count}")]
    public static partial void Started(ILogger logger, string name, string addresses, int count);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Node {Name} stopped")]
    public static partial void Stopped(ILogger logger, string name);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Strategy {Strategy} of {Community} failed")]
    public static partial void StrategyFailed(ILogger logger, Exception exception, string strategy, string community);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "The node's summary line failed")]
    public static partial void SummaryFailed(ILogger logger, Exception exception);

    [LoggerMessage(
        EventId = 1004,
        Level = LogLevel.Information,
        Message = "Node {Name}: peers: {Peers}{PeersByCommunity}; last {Period}: packets in: {PacketsIn}, out: {PacketsOut}, dropped: {Dropped}{DropsByReason}; bootstrap: {Bootstrap}; remote-event log lines suppressed: {Suppressed}, lost: {Lost}")]
    public static partial void Summary(
        ILogger logger, string name, int peers, string peersByCommunity, string period, long packetsIn, long packetsOut, long dropped, string dropsByReason, string bootstrap, long suppressed, long lost);
}

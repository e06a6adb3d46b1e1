using Ipv8.Engine.Bootstrapping;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Discovery;

/// <summary>The log events of the discovery strategies (ids 5xxx; docs/logging.md).</summary>
internal static partial class DiscoveryLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Cannot resolve peer {Peer} ({Error}); trying again in {Interval}")]
    public static partial void PeerUnresolved(ILogger logger, HostPort peer, string error, TimeSpan interval);
}

using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Diagnostics;

/// <summary>The log events of the logging machinery itself (ids 9xxx; docs/logging.md).</summary>
internal static partial class DiagnosticsLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "{Count} log lines about remote events were dropped because the log sink was too slow")]
    public static partial void RemoteLinesLost(ILogger logger, long count);
}

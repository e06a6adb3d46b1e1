using Microsoft.Extensions.Logging;

namespace Ipv8.Cli.Hosting;

/// <summary>The log events of the ipv8 command (ids 8xxx; docs/logging.md).</summary>
internal static partial class CliLog
{
    /// <summary>The node by its name, the start of its mid as in event 1001; the full key and mid are in the JSON report.</summary>
    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Node {Name} on {Address}, community {Community}, bootstrap: {Bootstrap}, peers: {Peers}")]
    public static partial void NodeRunning(ILogger logger, string name, string address, string community, string bootstrap, string peers);
}

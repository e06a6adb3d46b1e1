using Microsoft.Extensions.Logging;

namespace Ipv8.Cli.Hosting;

/// <summary>The log events of the ipv8 command (ids 8xxx; docs/logging.md).</summary>
internal static partial class CliLog
{
    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Node {PublicKey} (mid {Mid}) on {Address}, community {Community}, bootstrap: {Bootstrap}, peers: {Peers}")]
    public static partial void NodeRunning(ILogger logger, string publicKey, string mid, string address, string community, string bootstrap, string peers);
}

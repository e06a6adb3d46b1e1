using System.Net.Sockets;
using Ipv8.Engine.Diagnostics;
using Ipv8.Wire;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Bootstrapping;

/// <summary>
/// The log events of the bootstrappers and of name resolution (ids 4xxx; docs/logging.md). A beacon is sent by anyone
/// on the network, so its event goes through the bootstrapper's <see cref="RemoteLog"/>.
/// </summary>
internal static partial class BootstrapLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Cannot open the beacon socket: {Error}")]
    public static partial void BeaconSocketFailed(ILogger logger, SocketError error);

    public static void BeaconReceived(RemoteLog log, UdpAddress source)
    {
        if (log.TryTake(RemoteEvent.BeaconReceived, LogLevel.Debug, out var suppressed))
        {
            log.Enqueue(new RemoteLine(static (ILogger l, in RemoteLine e) => BeaconReceived(l, e.Address, e.Suppressed), suppressed) { Address = source });
        }
    }

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Unable to resolve bootstrap DNS address {Host}:{Port}: {Error}")]
    public static partial void DnsUnresolved(ILogger logger, string host, ushort port, SocketError error);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Bootstrap DNS names still resolving after {Timeout}; walking to the addresses known so far")]
    public static partial void DnsStillResolving(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Beacon from {Source}: walking to it ({Suppressed} more suppressed)")]
    private static partial void BeaconReceived(ILogger logger, UdpAddress source, long suppressed);
}

using Ipv8.Engine.Diagnostics;
using Ipv8.Wire;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// The log events of the endpoints (ids 3xxx; docs/logging.md). Those a remote sender can cause go through the
/// endpoint's <see cref="RemoteLog"/>: rate-limited, written off the receive and dispatch threads.
/// </summary>
internal static partial class EndpointLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "UDP endpoint open on {Addresses}; workers per socket: {Workers}")]
    public static partial void Opened(ILogger logger, string addresses, int workers);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "UDP endpoint closed (packets in: {Received}, out: {Sent})")]
    public static partial void Closed(ILogger logger, long received, long sent);

    /// <summary>Queued without a rate gate: the endpoint calls it once per address family, ever.</summary>
    public static void MissingFamily(RemoteLog log, UdpAddress destination, UdpAddress bound)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Enqueue(new RemoteLine(static (ILogger l, in RemoteLine e) => MissingFamily(l, e.Address, e.Address.IsIPv6 ? "IPv6" : "IPv4", e.Local), 0) { Address = destination, Local = bound });
        }
    }

    public static void SinkError(RemoteLog log, Exception exception, UdpAddress source)
    {
        if (log.TryTake(RemoteEvent.SinkError, LogLevel.Error, out var suppressed))
        {
            log.Enqueue(new RemoteLine(static (ILogger l, in RemoteLine e) => SinkError(l, e.Exception, e.Address, e.Suppressed), suppressed) { Exception = exception, Address = source });
        }
    }

    /// <summary>The addresses an endpoint is bound to, for its log lines: "127.0.0.1:8090", "127.0.0.1:8090 and [::1]:8090" or "no address".</summary>
    public static string Describe(UdpAddress? ipv4, UdpAddress? ipv6) => (ipv4, ipv6) switch
    {
        ({ } v4, { } v6) => $"{v4} and {v6}",
        ({ } v4, null) => v4.ToString(),
        (null, { } v6) => v6.ToString(),
        _ => "no address",
    };

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Cannot send to {Destination}: this endpoint has no {Family} socket (it is bound to {Bound} only); every send to that family fails and is counted as a send failure (logged once per family)")]
    private static partial void MissingFamily(ILogger logger, UdpAddress destination, string family, UdpAddress bound);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Packet sink threw for a datagram from {Source} ({Suppressed} more suppressed)")]
    private static partial void SinkError(ILogger logger, Exception? exception, UdpAddress source, long suppressed);
}

using System.Net;
using System.Net.Sockets;
using Ipv8.Engine.Endpoints;
using Microsoft.Extensions.Logging;

namespace Ipv8.Cli.Hosting;

/// <summary>The UDP endpoint of <c>ipv8 node</c> and <c>ipv8 tracker</c>: one <c>--host</c> binds its family only.</summary>
internal static class CliEndpoint
{
    public static UdpEndpoint Create(IPAddress host, int port, bool loopbackOnly, ILoggerFactory logs)
    {
        var ipv6 = host.AddressFamily == AddressFamily.InterNetworkV6;
        return new UdpEndpoint(
            new UdpEndpointOptions
            {
                Ipv4Host = ipv6 ? null : host,
                Ipv6Host = ipv6 ? host : null,
                Port = port,
                LoopbackOnly = loopbackOnly,
            },
            logs.CreateLogger<UdpEndpoint>());
    }
}

using System.Net.Sockets;
using Ipv8.Engine;
using Ipv8.Wire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ipv8.Hosting;

/// <summary>
/// Starts the node with the host and stops it when the host stops, in py-ipv8's unload order: the walkers stop, then
/// each community unloads (bootstrappers, routing, tasks), then the endpoint closes.
/// </summary>
internal sealed class Ipv8HostedService(Ipv8Node node, IOptions<Ipv8Options> options, ILogger<Ipv8HostedService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            node.Start();
        }
        catch (SocketException ex)
        {
            // The endpoint's reason says which port on which address was taken ("UDP port 8090 is already in use on
            // ::1"); the head says what was asked for and where to change it.
            var settings = options.Value;
            var interfaces = settings.Interfaces.Count == 0 ? "0.0.0.0" : string.Join(", ", settings.Interfaces);
            var last = Math.Min(65535, settings.Port + settings.PortRetries); // retries stop at the last port
            var ports = settings.Port > 0 && last > settings.Port ? $"ports {settings.Port}-{last}" : $"port {settings.Port}";
            throw Ipv8OptionsValidator.Refuse($"Ipv8: cannot bind UDP {ports} on {interfaces} (Ipv8:Port, Ipv8:Interfaces, Ipv8:PortRetries): {ex.Message.TrimEnd('.')}.");
        }

        UdpAddress?[] bound = [node.Endpoint.Ipv4Address, node.Endpoint.Ipv6Address];
        HostingLog.Listening(logger, node.Name, Convert.ToHexStringLower(node.MyPeer.Mid), node.Key.PublicKey.ToString(), string.Join(" and ", bound.OfType<UdpAddress>()));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await node.StopAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            HostingLog.ShutdownTimeout(logger, node.Name);
        }
    }
}

using System.Net.Sockets;
using Ipv8.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// UDP sockets for IPv4 and IPv6 (py-ipv8 <c>UDPEndpoint</c>/<c>DispatcherEndpoint</c>). Each socket has a receive
/// loop that writes datagrams, behind a small frame header (length and source address), into pooled pipe memory and
/// flushes in batches, and a dispatch loop that reads the frames in place and hands them to the sink. The pipe's
/// pause/resume thresholds give back-pressure: when the node cannot keep up, the receive loop stops reading and the
/// kernel drops datagrams, so nothing queues without bound. Sends are synchronous, from the caller's span.
/// </summary>
/// <remarks>
/// Split the way Kestrel splits its socket transport: <c>UdpSocketBinder</c> binds, <c>ReceiveChannel</c> runs one
/// socket's receive and dispatch loops over <c>DatagramFrame</c>s, <c>UdpSender</c> sends, and <c>EndpointLifecycle</c>
/// (shared with <see cref="InMemoryEndpoint"/>) owns the state, the sink and the counters. This class wires them together.
/// </remarks>
public sealed class UdpEndpoint : IEndpoint, IEndpointTransport
{
    private readonly UdpEndpointOptions _options;
    private readonly ILogger _logger;
    private readonly EndpointLifecycle _lifecycle;
    private readonly List<Task> _channels = [];
    private readonly List<SharedSocket> _shared = [];
    private CancellationTokenSource? _closing;
    private UdpSocketSet? _sockets;
    private UdpSender? _sender;

    /// <summary>Creates an endpoint; nothing is bound until <see cref="Open"/>.</summary>
    public UdpEndpoint(UdpEndpointOptions options, ILogger<UdpEndpoint>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _lifecycle = new EndpointLifecycle(this, _logger);
    }

    /// <inheritdoc/>
    public UdpAddress? Ipv4Address => _sockets?.Ipv4Address;

    /// <inheritdoc/>
    public UdpAddress? Ipv6Address => _sockets?.Ipv6Address;

    /// <inheritdoc/>
    public bool IsOpen => _lifecycle.IsOpen;

    /// <inheritdoc/>
    public EndpointCounters Counters => _lifecycle.Counters;

    /// <inheritdoc/>
    public string Kind => "udp";

    /// <summary>The rate-limited, non-blocking log of the events a remote sender can cause (docs/logging.md).</summary>
    internal Diagnostics.RemoteLog RemoteLog => _lifecycle.RemoteLog;

    /// <summary>The sockets, for tests (null until open).</summary>
    internal UdpSocketSet? Sockets => _sockets;

    /// <summary>
    /// Receive loops per address family: <see cref="UdpEndpointOptions.Workers"/> in dedicated-thread mode on Linux, where
    /// each is its own SO_REUSEPORT socket (the kernel spreads sources over them, keeping each source on one socket, so
    /// per-peer order holds); otherwise 1.
    /// </summary>
    public int Workers => UdpSocketBinder.WorkersFor(_options);

    /// <summary>
    /// Binds the sockets and starts the loops. A port in use throws <see cref="SocketException"/> with a clear message,
    /// unless <see cref="UdpEndpointOptions.PortRetries"/> allows trying the next ports.
    /// </summary>
    public void Open(IPacketSink sink) => _lifecycle.Open(sink);

    /// <inheritdoc/>
    public bool Send(UdpAddress destination, ReadOnlySpan<byte> datagram) =>
        _lifecycle.IsOpen && _sender is { } sender ? sender.Send(destination, datagram) : _lifecycle.RefuseSend();

    /// <inheritdoc/>
    public ValueTask CloseAsync() => _lifecycle.CloseAsync();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _lifecycle.CloseAsync();

    void IEndpointTransport.Start()
    {
        var sockets = UdpSocketBinder.Bind(_options);
        _closing = new CancellationTokenSource();
        _sockets = sockets;
        _sender = new UdpSender(sockets, _options.LoopbackOnly, Counters, _lifecycle.RemoteLog);
        try
        {
            if (_options.Group is { } group && UdpEndpointGroup.IsSupported)
            {
                foreach (var socket in sockets.All)
                {
                    _shared.Add(group.Add(socket, _lifecycle));
                }
            }
            else
            {
                // A group where it cannot share (not Linux): loops of the endpoint's own, on the thread pool.
                var mode = _options.Group is null ? _options.ReceiveMode : ReceiveMode.Async;
                foreach (var socket in sockets.All)
                {
                    _channels.Add(ReceiveChannel.Start(socket, _options, mode, _lifecycle, _closing.Token));
                }
            }
        }
        catch
        {
            // The loops that did start end when their socket closes.
            _closing.Cancel();
            foreach (var shared in _shared)
            {
                shared.Loop.RemoveAsync(shared).GetAwaiter().GetResult();
            }

            sockets.Dispose();
            throw;
        }

        EndpointLog.Opened(_logger, EndpointLog.Describe(Ipv4Address, Ipv6Address), Workers);
    }

    async ValueTask IEndpointTransport.StopAsync(bool started)
    {
        if (!started)
        {
            return;
        }

        await _closing!.CancelAsync().ConfigureAwait(false);
        foreach (var shared in _shared)
        {
            // The group's thread lets go of the socket before it closes, so its descriptor cannot be reused under it.
            await shared.Loop.RemoveAsync(shared).ConfigureAwait(false);
        }

        _sockets!.Dispose();
        foreach (var channel in _channels)
        {
            await channel.ConfigureAwait(false);
        }

        _closing.Dispose();
        EndpointLog.Closed(_logger, Counters.PacketsReceived, Counters.PacketsSent);
    }
}

using System.Runtime.CompilerServices;
using Ipv8.Engine.Diagnostics;
using Ipv8.Wire;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Endpoints;

/// <summary>What a concrete endpoint does when its <see cref="EndpointLifecycle"/> opens and closes it.</summary>
internal interface IEndpointTransport
{
    /// <summary>
    /// Acquires the transport's resources and starts delivering datagrams through <see cref="EndpointLifecycle.Deliver"/>.
    /// Called at most once. If it throws, it must have released what it acquired; the endpoint is then closed.
    /// </summary>
    void Start();

    /// <summary>
    /// Stops delivering and releases everything: what <see cref="Start"/> acquired when <paramref name="started"/>, and in
    /// any case what construction reserved. Called exactly once, by the first close or dispose.
    /// </summary>
    ValueTask StopAsync(bool started);
}

/// <summary>
/// The state every <see cref="IEndpoint"/> of this library goes through, written once for <see cref="UdpEndpoint"/> and
/// <see cref="InMemoryEndpoint"/>: new → open → closed, never back. <see cref="Open"/> attaches the sink and succeeds
/// once (a second call, or a call after closing or after a failed open, throws <see cref="InvalidOperationException"/>);
/// a send while not open fails and counts as a send failure; <see cref="CloseAsync"/> and dispose are idempotent, and
/// every call waits for the one teardown. The transport (sockets and loops, or an in-memory queue) plugs in through
/// <see cref="IEndpointTransport"/>.
/// </summary>
internal sealed class EndpointLifecycle(IEndpointTransport transport, ILogger logger)
{
    private const int StateNew = 0;
    private const int StateOpen = 1;
    private const int StateClosed = 2;

    // Open and the start of a close take this lock, so a close that races an open waits for the open to finish and
    // then tears down what it started. Sends and deliveries never take it.
    private readonly Lock _gate = new();
    private IPacketSink? _sink;
    private Task? _stopped;
    private int _state;

    /// <summary>Byte and packet counters of the endpoint.</summary>
    public EndpointCounters Counters { get; } = new();

    /// <summary>
    /// The rate-limited, non-blocking log of the events a remote sender can cause (docs/logging.md): a throwing sink, a
    /// send to a family without a socket. Disposed when the endpoint closes.
    /// </summary>
    public RemoteLog RemoteLog { get; } = new(logger, TimeProvider.System, RemoteLog.DefaultInterval);

    /// <summary>True between a successful <see cref="Open"/> and the first <see cref="CloseAsync"/>.</summary>
    public bool IsOpen => Volatile.Read(ref _state) == StateOpen;

    /// <summary>Attaches <paramref name="sink"/> and starts the transport; the endpoint is open once this returns.</summary>
    public void Open(IPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        lock (_gate)
        {
            if (_state != StateNew)
            {
                throw new InvalidOperationException(_state == StateOpen ? "The endpoint was already opened." : "The endpoint is closed; an endpoint opens once.");
            }

            _sink = sink;
            try
            {
                transport.Start();
            }
            catch
            {
                Volatile.Write(ref _state, StateClosed);
                throw;
            }

            Volatile.Write(ref _state, StateOpen);
        }
    }

    /// <summary>
    /// Closes the endpoint: the first call stops the transport, every call (concurrent ones too) completes when it has
    /// stopped. Closing an endpoint that never opened releases what its construction reserved.
    /// </summary>
    public async ValueTask CloseAsync()
    {
        TaskCompletionSource? stopping = null;
        var started = false;
        Task stopped;
        lock (_gate)
        {
            if (_stopped is null)
            {
                started = _state == StateOpen;
                Volatile.Write(ref _state, StateClosed);
                stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _stopped = stopping.Task;
            }

            stopped = _stopped;
        }

        if (stopping is not null)
        {
            try
            {
                await transport.StopAsync(started).ConfigureAwait(false);
                RemoteLog.Dispose();
                stopping.SetResult();
            }
            catch (Exception ex)
            {
                stopping.SetException(ex);
            }
        }

        await stopped.ConfigureAwait(false);
    }

    /// <summary>Counts a send the endpoint refused and returns false, for the not-open path of <see cref="IEndpoint.Send"/>.</summary>
    public bool RefuseSend()
    {
        Counters.SendFailed();
        return false;
    }

    /// <summary>Hands one datagram to the sink. A sink must not throw; if one does, the endpoint keeps running.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Deliver(UdpAddress source, ReadOnlySpan<byte> datagram)
    {
        try
        {
            _sink!.OnPacket(source, datagram);
        }
        catch (Exception ex)
        {
            SinkThrew(ex, source);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SinkThrew(Exception ex, UdpAddress source) => EndpointLog.SinkError(RemoteLog, ex, source);
}

using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ipv8.Engine.Diagnostics;
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
public sealed class UdpEndpoint : IEndpoint
{
    private const int MaxDatagram = 65_535;
    private const int SegmentSize = 256 * 1024;

    // Frame: int length, then the source address, then the datagram.
    private static readonly int s_addressSize = Marshal.SizeOf<UdpAddress>();
    private static readonly int s_headerSize = 4 + s_addressSize;

    [ThreadStatic]
    private static SocketAddress? t_send4;

    [ThreadStatic]
    private static SocketAddress? t_send6;

    private readonly UdpEndpointOptions _options;
    private readonly ILogger _logger;
    private readonly RemoteLog _remoteLog;
    private readonly List<Channel> _channels = [];
    private readonly CancellationTokenSource _closing = new();
    private readonly List<Socket> _workerSockets = [];
    private Socket? _socket4;
    private Socket? _socket6;
    private IPacketSink? _sink;
    private int _state; // 0 new, 1 open, 2 closed
    private int _missingFamilyLogged; // bit 1: IPv4, bit 2: IPv6

    /// <summary>Creates an endpoint; nothing is bound until <see cref="Open"/>.</summary>
    public UdpEndpoint(UdpEndpointOptions options, ILogger<UdpEndpoint>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _remoteLog = new RemoteLog(_logger, TimeProvider.System, RemoteLog.DefaultInterval);
    }

    /// <inheritdoc/>
    public UdpAddress? Ipv4Address { get; private set; }

    /// <inheritdoc/>
    public UdpAddress? Ipv6Address { get; private set; }

    /// <inheritdoc/>
    public bool IsOpen => Volatile.Read(ref _state) == 1;

    /// <inheritdoc/>
    public EndpointCounters Counters { get; } = new();

    /// <inheritdoc/>
    public string Kind => "udp";

    /// <summary>The rate-limited, non-blocking log of the events a remote sender can cause (docs/logging.md).</summary>
    internal RemoteLog RemoteLog => _remoteLog;

    /// <summary>
    /// Binds the sockets and starts the loops. A port in use throws <see cref="SocketException"/> with a clear message,
    /// unless <see cref="UdpEndpointOptions.PortRetries"/> allows trying the next ports.
    /// </summary>
    public void Open(IPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The endpoint was already opened.");
        }

        _sink = sink;
        try
        {
            Bind();
        }
        catch
        {
            Volatile.Write(ref _state, 2);
            DisposeSockets();
            throw;
        }

        foreach (var socket in AllSockets())
        {
            StartChannel(socket);
        }

        EndpointLog.Opened(_logger, EndpointLog.Describe(Ipv4Address, Ipv6Address), Workers);
    }

    /// <inheritdoc/>
    public bool Send(UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        var socket = destination.IsIPv6 ? _socket6 : _socket4;
        if (socket is null || !IsOpen || (_options.LoopbackOnly && !destination.IsLoopback))
        {
            Counters.SendFailed();
            if (socket is null && IsOpen)
            {
                LogMissingFamily(destination);
            }

            return false;
        }

        SocketAddress socketAddress;
        if (destination.IsIPv6)
        {
            socketAddress = t_send6 ??= new SocketAddress(AddressFamily.InterNetworkV6);
        }
        else
        {
            socketAddress = t_send4 ??= new SocketAddress(AddressFamily.InterNetwork);
        }

        destination.CopyTo(socketAddress);
        try
        {
            socket.SendTo(datagram, SocketFlags.None, socketAddress);
            Counters.Sent(datagram.Length);
            return true;
        }
        catch (SocketException)
        {
            Counters.SendFailed();
            return false;
        }
        catch (ObjectDisposedException)
        {
            Counters.SendFailed();
            return false;
        }
    }

    /// <summary>
    /// A send to a family without a socket (an IPv4 destination of an IPv6-only endpoint, or the reverse) can never
    /// succeed: say so once per family, so that it is not only a number in the send failures.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LogMissingFamily(UdpAddress destination)
    {
        var bit = destination.IsIPv6 ? 2 : 1;
        if ((Interlocked.Or(ref _missingFamilyLogged, bit) & bit) != 0)
        {
            return;
        }

        EndpointLog.MissingFamily(_remoteLog, destination, Ipv4Address ?? Ipv6Address ?? UdpAddress.Any);
    }

    /// <inheritdoc/>
    public async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        DisposeSockets();
        foreach (var channel in _channels)
        {
            await channel.Completion.ConfigureAwait(false);
        }

        EndpointLog.Closed(_logger, Counters.PacketsReceived, Counters.PacketsSent);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _closing.Dispose();
        _remoteLog.Dispose();
    }

    /// <summary>
    /// Receive loops per address family: <see cref="UdpEndpointOptions.Workers"/> in dedicated-thread mode on Linux, where
    /// each is its own SO_REUSEPORT socket (the kernel spreads sources over them, keeping each source on one socket, so
    /// per-peer order holds); otherwise 1.
    /// </summary>
    public int Workers => _options.ReceiveMode == ReceiveMode.DedicatedThread && OperatingSystem.IsLinux() ? Math.Max(1, _options.Workers) : 1;

    private IEnumerable<Socket> AllSockets()
    {
        if (_socket4 is not null)
        {
            yield return _socket4;
        }

        if (_socket6 is not null)
        {
            yield return _socket6;
        }

        foreach (var socket in _workerSockets)
        {
            yield return socket;
        }
    }

    private void DisposeSockets()
    {
        _socket4?.Dispose();
        _socket6?.Dispose();
        foreach (var socket in _workerSockets)
        {
            socket.Dispose();
        }
    }

    private void Bind()
    {
        BindPrimary();
        for (var worker = 1; worker < Workers; worker++)
        {
            if (Ipv4Address is { } v4)
            {
                _workerSockets.Add(CreateSocket(_options.Ipv4Host!, v4.Port));
            }

            if (Ipv6Address is { } v6)
            {
                _workerSockets.Add(CreateSocket(_options.Ipv6Host!, v6.Port));
            }
        }
    }

    private void BindPrimary()
    {
        var port = _options.Port;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (_options.Ipv4Host is { } v4)
                {
                    _socket4 = CreateSocket(v4, ReservePort(v4, port));
                    Ipv4Address = UdpAddress.FromIPEndPoint((IPEndPoint)_socket4.LocalEndPoint!);
                    port = Ipv4Address.Value.Port;
                }

                if (_options.Ipv6Host is { } v6)
                {
                    _socket6 = CreateSocket(v6, ReservePort(v6, port));
                    Ipv6Address = UdpAddress.FromIPEndPoint((IPEndPoint)_socket6.LocalEndPoint!);
                }

                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                _socket4?.Dispose();
                _socket6?.Dispose();
                _socket4 = _socket6 = null;
                if (attempt >= _options.PortRetries || _options.Port == 0 || port >= 65535)
                {
                    throw new SocketException((int)SocketError.AddressAlreadyInUse,
                        $"UDP port {port} is already in use{(_options.PortRetries > 0 ? $" (tried {attempt + 1} ports from {_options.Port})" : string.Empty)}.");
                }

                port = _options.Port + attempt + 1;
            }
        }
    }

    /// <summary>
    /// With SO_REUSEPORT a bind succeeds on a port that another SO_REUSEPORT socket of this user holds (and Linux even
    /// hands such a port out for port 0), so two endpoints could silently share a port. A plain bind first finds a port
    /// that is really free (or throws AddressAlreadyInUse); the workers then bind it.
    /// </summary>
    private int ReservePort(IPAddress host, int port)
    {
        if (Workers <= 1)
        {
            return port;
        }

        using var probe = new Socket(host.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (host.AddressFamily == AddressFamily.InterNetworkV6)
        {
            probe.DualMode = false;
        }

        probe.Bind(new IPEndPoint(host, port));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private Socket CreateSocket(IPAddress host, int port)
    {
        var socket = new Socket(host.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (host.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false; // IPV6_V6ONLY: IPv4 has its own socket
            }

            if (Workers > 1)
            {
                // SO_REUSEPORT (Linux: SOL_SOCKET 1, option 15): every worker socket binds the same port.
                socket.SetRawSocketOption(1, 15, BitConverter.GetBytes(1));
            }

            socket.ReceiveBufferSize = _options.ReceiveBufferSize;
            socket.SendBufferSize = _options.SendBufferSize;
            if (_options.ReceiveMode == ReceiveMode.DedicatedThread)
            {
                // Lets the blocking receive loop notice a close even where closing does not wake it.
                socket.ReceiveTimeout = 250;
            }

            socket.Bind(new IPEndPoint(host, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void StartChannel(Socket socket)
    {
        // Each segment holds at least (SegmentSize - one maximal frame) bytes of frames, so this many cover a full pipe.
        var pool = new SegmentPool(SegmentSize, (int)(_options.PauseWriterThreshold / (SegmentSize - s_headerSize - MaxDatagram)) + 4);
        if (_options.ReceiveMode == ReceiveMode.DedicatedThread)
        {
            pool.Preallocate();
        }

        var pipe = new Pipe(new PipeOptions(
            pool: pool,
            pauseWriterThreshold: _options.PauseWriterThreshold,
            resumeWriterThreshold: _options.ResumeWriterThreshold,
            minimumSegmentSize: SegmentSize,
            useSynchronizationContext: false));
        if (_options.ReceiveMode == ReceiveMode.DedicatedThread)
        {
            // Two dedicated threads and an event: no thread-pool work items, so the path allocates nothing.
            var signal = new ManualResetEventSlim(false, spinCount: 0);
            var receive = StartThread($"ipv8-recv-{socket.AddressFamily}", () => ReceiveLoopBlocking(socket, pipe.Writer, signal));
            var dispatch = StartThread($"ipv8-dispatch-{socket.AddressFamily}", () => DispatchLoopBlocking(pipe.Reader, signal));
            _channels.Add(new Channel(Task.WhenAll(receive, dispatch).ContinueWith(_ => signal.Dispose(), TaskScheduler.Default)));
        }
        else
        {
            var dispatch = Task.Run(() => DispatchLoopAsync(pipe.Reader));
            var receive = Task.Run(() => ReceiveLoopAsync(socket, pipe.Writer));
            _channels.Add(new Channel(Task.WhenAll(receive, dispatch)));
        }
    }

    private static Task StartThread(string name, Action loop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                loop();
            }
            finally
            {
                done.SetResult();
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    private void ReceiveLoopBlocking(Socket socket, PipeWriter writer, ManualResetEventSlim signal)
    {
        var socketAddress = new SocketAddress(socket.AddressFamily);
        var pending = 0;
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                var span = writer.GetSpan(s_headerSize + MaxDatagram);
                int received;
                try
                {
                    received = socket.ReceiveFrom(span[s_headerSize..], SocketFlags.None, socketAddress);
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
                {
                    if (pending > 0)
                    {
                        FlushAndSignal(writer, signal);
                        pending = 0;
                    }

                    continue;
                }
                catch (SocketException) when (!_closing.IsCancellationRequested)
                {
                    Counters.ReceiveFailed();
                    continue;
                }

                if (!WriteFrame(span, received, socketAddress, writer))
                {
                    continue;
                }

                if (++pending >= _options.FlushBatch || socket.Available == 0)
                {
                    FlushAndSignal(writer, signal);
                    pending = 0;
                }
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            // Closed.
        }
        finally
        {
            writer.Complete();
            signal.Set();
        }
    }

    private static void FlushAndSignal(PipeWriter writer, ManualResetEventSlim signal)
    {
        var flush = writer.FlushAsync();
        signal.Set();
        if (!flush.IsCompleted)
        {
            // Back-pressure: the dispatch loop is behind. Hold this thread (the kernel buffers, then drops) until it
            // catches up; polling keeps the wait allocation-free.
            var spinner = default(SpinWait);
            while (!flush.IsCompleted)
            {
                spinner.SpinOnce(sleep1Threshold: 10);
            }
        }

        flush.GetAwaiter().GetResult();
    }

    private void DispatchLoopBlocking(PipeReader reader, ManualResetEventSlim signal)
    {
        try
        {
            while (true)
            {
                if (!reader.TryRead(out var result))
                {
                    signal.Reset();
                    if (!reader.TryRead(out result))
                    {
                        signal.Wait(250);
                        continue;
                    }
                }

                if (Consume(reader, result))
                {
                    break;
                }
            }
        }
        finally
        {
            reader.Complete();
        }
    }

    private async Task ReceiveLoopAsync(Socket socket, PipeWriter writer)
    {
        var socketAddress = new SocketAddress(socket.AddressFamily);
        var token = _closing.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var memory = writer.GetMemory(s_headerSize + MaxDatagram);
                int received;
                try
                {
                    received = await socket.ReceiveFromAsync(memory[s_headerSize..], SocketFlags.None, socketAddress, token).ConfigureAwait(false);
                }
                catch (SocketException) when (!token.IsCancellationRequested)
                {
                    Counters.ReceiveFailed();
                    continue;
                }

                if (WriteFrame(memory.Span, received, socketAddress, writer) && socket.Available == 0)
                {
                    await writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Closed.
        }
        finally
        {
            await writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    private bool WriteFrame(Span<byte> frame, int received, SocketAddress socketAddress, PipeWriter writer)
    {
        if (!UdpAddress.TryFromSocketAddress(socketAddress, out var source))
        {
            Counters.ReceiveFailed();
            return false;
        }

        MemoryMarshal.Write(frame, received);
        MemoryMarshal.Write(frame[4..], in source);
        writer.Advance(s_headerSize + received);
        Counters.Received(received);
        return true;
    }

    private async Task DispatchLoopAsync(PipeReader reader)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                if (Consume(reader, result))
                {
                    break;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Dispatches every frame of a read and releases it; true when the pipe is finished.</summary>
    private bool Consume(PipeReader reader, ReadResult result)
    {
        var buffer = result.Buffer;
        foreach (var segment in buffer)
        {
            DispatchFrames(segment.Span);
        }

        reader.AdvanceTo(buffer.End);
        return result.IsCompleted || result.IsCanceled;
    }

    private void DispatchFrames(ReadOnlySpan<byte> frames)
    {
        // Each segment holds whole frames: every frame is written into one contiguous GetSpan/GetMemory block.
        var sink = _sink!;
        while (frames.Length >= s_headerSize)
        {
            var length = MemoryMarshal.Read<int>(frames);
            var source = MemoryMarshal.Read<UdpAddress>(frames[4..]);
            var datagram = frames.Slice(s_headerSize, length);
            try
            {
                sink.OnPacket(source, datagram);
            }
            catch (Exception ex)
            {
                // A sink must not throw; if one does, the endpoint keeps running.
                EndpointLog.SinkError(_remoteLog, ex, source);
            }

            frames = frames[(s_headerSize + length)..];
        }
    }

    private sealed record Channel(Task Completion);
}

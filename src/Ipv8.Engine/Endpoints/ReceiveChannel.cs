using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// One socket's receive side: a receive loop that writes each datagram as a <see cref="DatagramFrame"/> into pipe
/// memory and flushes in batches, and a dispatch loop that reads the frames in place and hands them to the endpoint's
/// sink. The pipe's pause/resume thresholds give back-pressure: when the node cannot keep up, the receive loop stops
/// reading and the kernel drops datagrams, so nothing queues without bound. The two ways of running the loops are
/// <see cref="DedicatedThreadReceiveChannel"/> and <see cref="AsyncReceiveChannel"/>.
/// </summary>
internal abstract class ReceiveChannel
{
    private const int SegmentSize = 256 * 1024;

    private protected ReceiveChannel(Socket socket, UdpEndpointOptions options, EndpointLifecycle lifecycle, CancellationToken closing, bool preallocate)
    {
        Socket = socket;
        Lifecycle = lifecycle;
        Closing = closing;
        FlushBatch = options.FlushBatch;

        // Each segment holds at least (SegmentSize - one maximal frame) bytes of frames, so this many cover a full pipe.
        var pool = new SegmentPool(SegmentSize, (int)(options.PauseWriterThreshold / (SegmentSize - DatagramFrame.MaxFrameSize)) + 4);
        if (preallocate)
        {
            pool.Preallocate();
        }

        Pipe = new Pipe(new PipeOptions(
            pool: pool,
            pauseWriterThreshold: options.PauseWriterThreshold,
            resumeWriterThreshold: options.ResumeWriterThreshold,
            minimumSegmentSize: SegmentSize,
            useSynchronizationContext: false));
    }

    private protected Socket Socket { get; }

    private protected EndpointLifecycle Lifecycle { get; }

    private protected CancellationToken Closing { get; }

    private protected int FlushBatch { get; }

    private protected Pipe Pipe { get; }

    /// <summary>Starts the loops of one socket, as <see cref="UdpEndpointOptions.ReceiveMode"/> says; the task completes when both have ended.</summary>
    public static Task Start(Socket socket, UdpEndpointOptions options, EndpointLifecycle lifecycle, CancellationToken closing)
    {
        ReceiveChannel channel = options.ReceiveMode == ReceiveMode.DedicatedThread
            ? new DedicatedThreadReceiveChannel(socket, options, lifecycle, closing)
            : new AsyncReceiveChannel(socket, options, lifecycle, closing);
        return channel.Run();
    }

    private protected abstract Task Run();

    /// <summary>
    /// Completes the frame of a datagram just received into <paramref name="frame"/> and advances the writer past it,
    /// counting it; false (counted as a receive error) when the source address is unusable.
    /// </summary>
    private protected bool TryCommitFrame(Span<byte> frame, int received, SocketAddress socketAddress, PipeWriter writer)
    {
        if (!DatagramFrame.TryWriteHeader(frame, received, socketAddress))
        {
            Lifecycle.Counters.ReceiveFailed();
            return false;
        }

        writer.Advance(DatagramFrame.HeaderSize + received);
        Lifecycle.Counters.Received(received);
        return true;
    }

    /// <summary>Delivers every frame of a read and releases it; true when the pipe is finished.</summary>
    private protected bool Consume(PipeReader reader, ReadResult result)
    {
        var buffer = result.Buffer;
        foreach (var segment in buffer)
        {
            DatagramFrame.DeliverAll(segment.Span, Lifecycle);
        }

        reader.AdvanceTo(buffer.End);
        return result.IsCompleted || result.IsCanceled;
    }
}

using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Ipv8.Wire;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// One socket's receive side: a receive loop that writes each datagram as a <see cref="DatagramFrame"/> into pipe
/// memory and flushes in batches, and a dispatch loop that reads the frames in place and hands them to the endpoint's
/// sink. The pipe's pause/resume thresholds give back-pressure: when the node cannot keep up, the receive loop stops
/// reading and the kernel drops datagrams, so nothing queues without bound. The loops run in one of two ways
/// (<see cref="UdpEndpointOptions.ReceiveMode"/>): on two dedicated threads (<c>ReceiveChannel.DedicatedThread.cs</c>)
/// or on the thread pool (<c>ReceiveChannel.Async.cs</c>).
/// </summary>
internal sealed partial class ReceiveChannel(Socket socket, UdpEndpointOptions options, ReceiveMode mode, EndpointLifecycle lifecycle, CancellationToken closing)
{
    private const int SegmentSize = 256 * 1024;

    private readonly Pipe _pipe = CreatePipe(options, mode);

    /// <summary>Starts the loops of one socket in <paramref name="mode"/>; the task completes when both have ended.</summary>
    public static Task Start(Socket socket, UdpEndpointOptions options, ReceiveMode mode, EndpointLifecycle lifecycle, CancellationToken closing)
    {
        var channel = new ReceiveChannel(socket, options, mode, lifecycle, closing);
        return mode == ReceiveMode.DedicatedThread ? channel.RunOnDedicatedThreads() : channel.RunOnThreadPool();
    }

    private static Pipe CreatePipe(UdpEndpointOptions options, ReceiveMode mode)
    {
        // Each segment holds at least (SegmentSize - one maximal frame) bytes of frames, so this many cover a full pipe.
        var pool = new SegmentPool(SegmentSize, (int)(options.PauseWriterThreshold / (SegmentSize - DatagramFrame.MaxFrameSize)) + 4);
        if (mode == ReceiveMode.DedicatedThread)
        {
            pool.Preallocate();
        }

        return new Pipe(new PipeOptions(
            pool: pool,
            pauseWriterThreshold: options.PauseWriterThreshold,
            resumeWriterThreshold: options.ResumeWriterThreshold,
            minimumSegmentSize: SegmentSize,
            useSynchronizationContext: false));
    }

    /// <summary>
    /// Completes the frame of a datagram just received into <paramref name="frame"/> and advances the writer past it,
    /// counting it; false (counted as a receive error) when the source address is unusable.
    /// </summary>
    private bool TryCommitFrame(Span<byte> frame, int received, SocketAddress socketAddress, PipeWriter writer)
    {
        if (!UdpAddress.TryFromSocketAddress(socketAddress, out var source))
        {
            lifecycle.Counters.ReceiveFailed();
            return false;
        }

        CommitFrame(frame, received, source, writer);
        return true;
    }

    /// <summary>Completes the frame of a datagram from <paramref name="source"/> and advances the writer past it, counting it.</summary>
    private void CommitFrame(Span<byte> frame, int received, in UdpAddress source, PipeWriter writer)
    {
        DatagramFrame.WriteHeader(frame, received, source);
        writer.Advance(DatagramFrame.HeaderSize + received);
        lifecycle.Counters.Received(received);
    }

    /// <summary>Delivers every frame of a read and releases it; true when the pipe is finished.</summary>
    private bool Consume(PipeReader reader, ReadResult result)
    {
        var buffer = result.Buffer;
        foreach (var segment in buffer)
        {
            DatagramFrame.DeliverAll(segment.Span, lifecycle);
        }

        reader.AdvanceTo(buffer.End);
        return result.IsCompleted || result.IsCanceled;
    }
}

using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Ipv8.Engine.Endpoints;

// ReceiveMode.DedicatedThread: a receive thread doing blocking receives straight into pipe memory and a dispatch thread,
// signalled by a ManualResetEventSlim. No thread-pool work items and a preallocated segment pool, so a running channel
// allocates nothing (docs/benchmarks.md, "Allocation").
internal sealed partial class ReceiveChannel
{
    private Task RunOnDedicatedThreads()
    {
        var signal = new ManualResetEventSlim(false, spinCount: 0);
        var receive = StartThread($"ipv8-recv-{socket.AddressFamily}", () => ReceiveLoopBlocking(signal));
        var dispatch = StartThread($"ipv8-dispatch-{socket.AddressFamily}", () => DispatchLoopBlocking(signal));
        return Task.WhenAll(receive, dispatch).ContinueWith(_ => signal.Dispose(), TaskScheduler.Default);
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

    private void ReceiveLoopBlocking(ManualResetEventSlim signal)
    {
                var writer = _pipe.Writer;
        var socketAddress = new SocketAddress(socket.AddressFamily);
        var pending = 0;
        try
        {
            while (!closing.IsCancellationRequested)
            {
                var span = writer.GetSpan(DatagramFrame.MaxFrameSize);
                int received;
                try
                {
                    received = socket.ReceiveFrom(span[DatagramFrame.HeaderSize..], SocketFlags.None, socketAddress);
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
                catch (SocketException) when (!closing.IsCancellationRequested)
                {
                    lifecycle.Counters.ReceiveFailed();
                    continue;
                }

                if (!TryCommitFrame(span, received, socketAddress, writer))
                {
                    continue;
                }

                if (++pending >= options.FlushBatch || socket.Available == 0)
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

    private void DispatchLoopBlocking(ManualResetEventSlim signal)
    {
        var reader = _pipe.Reader;
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
}

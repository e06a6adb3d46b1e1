using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

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
        if (OperatingSystem.IsLinux())
        {
            ReceiveLoopLinux(signal);
            return;
        }

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

    /// <summary>
    /// The Linux receive loop: one <c>recvfrom</c> per datagram, straight into pipe memory. While frames are pending the
    /// receive does not wait (<c>MSG_DONTWAIT</c>), and the <c>EAGAIN</c> that ends a burst is what flushes them, so no
    /// second call asks the socket what is waiting. Idle, it blocks up to the socket's 250 ms receive timeout (also an
    /// <c>EAGAIN</c>) and checks for a close. The loop holds a reference on the socket's handle throughout, so a close
    /// cannot free the descriptor (for another socket to reuse) under it: the close shuts the socket down, which wakes
    /// the receive, and waits for the loop to let go.
    /// </summary>
    private unsafe void ReceiveLoopLinux(ManualResetEventSlim signal)
    {
        var writer = _pipe.Writer;
        var handle = socket.SafeHandle;
        var name = stackalloc byte[LinuxNative.SockaddrSize];
        var referenced = false;
        var pending = 0;
        try
        {
            handle.DangerousAddRef(ref referenced);
            var fd = (int)handle.DangerousGetHandle();
            while (!closing.IsCancellationRequested)
            {
                var span = writer.GetSpan(DatagramFrame.MaxFrameSize);
                var buffer = span[DatagramFrame.HeaderSize..];
                var flags = pending > 0 ? LinuxNative.MsgTrunc | LinuxNative.MsgDontwait : LinuxNative.MsgTrunc;
                var nameLength = (uint)LinuxNative.SockaddrSize;
                nint received;
                fixed (byte* data = buffer)
                {
                    received = LinuxNative.recvfrom(fd, data, buffer.Length, flags, name, &nameLength);
                }

                if (received < 0)
                {
                    var error = Marshal.GetLastPInvokeError();
                    if (error == LinuxNative.Eagain)
                    {
                        // The end of a burst, or the idle timeout.
                        if (pending > 0)
                        {
                            FlushAndSignal(writer, signal);
                            pending = 0;
                        }
                    }
                    else if (error != LinuxNative.Eintr)
                    {
                        if (closing.IsCancellationRequested)
                        {
                            break;
                        }

                        lifecycle.Counters.ReceiveFailed();
                    }

                    continue;
                }

                if (closing.IsCancellationRequested)
                {
                    break; // the close's shutdown returns 0 from a waiting receive: not a datagram
                }

                // MSG_TRUNC: the datagram's real length, so one that did not fit shows as longer than the buffer.
                if (received > buffer.Length || !LinuxNative.TryReadAddress(name, nameLength, out var source))
                {
                    lifecycle.Counters.ReceiveFailed();
                    continue;
                }

                CommitFrame(span, (int)received, source, writer);
                if (++pending >= options.FlushBatch)
                {
                    FlushAndSignal(writer, signal);
                    pending = 0;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // Closed before the loop took its reference.
        }
        finally
        {
            if (referenced)
            {
                handle.DangerousRelease();
            }

            writer.Complete();
            signal.Set();
        }
    }

    private void FlushAndSignal(PipeWriter writer, ManualResetEventSlim signal)
    {
        var flush = writer.FlushAsync();
        signal.Set();
        if (!flush.IsCompleted)
        {
            // Back-pressure: the dispatch loop is behind. Hold this thread (the kernel buffers, then drops) until it
            // catches up; polling keeps the wait allocation-free. A close stops the wait: the closer disposes the socket,
            // which waits for this loop to let go of it, and may be the dispatch thread itself (a handler closing its
            // node), which would then never catch up. The loop ends at its next check of the closing token.
            var spinner = default(SpinWait);
            while (!flush.IsCompleted)
            {
                if (closing.IsCancellationRequested)
                {
                    return;
                }

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

using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// <see cref="ReceiveMode.DedicatedThread"/>: a receive thread doing blocking receives straight into pipe memory and a
/// dispatch thread, signalled by a <see cref="ManualResetEventSlim"/>. No thread-pool work items and a preallocated
/// segment pool, so a running channel allocates nothing (docs/benchmarks.md, "Allocation").
/// </summary>
internal sealed class DedicatedThreadReceiveChannel(Socket socket, UdpEndpointOptions options, EndpointLifecycle lifecycle, CancellationToken closing)
    : ReceiveChannel(socket, options, lifecycle, closing, preallocate: true)
{
    private readonly ManualResetEventSlim _signal = new(false, spinCount: 0);

    private protected override Task Run()
    {
        var receive = StartThread($"ipv8-recv-{Socket.AddressFamily}", ReceiveLoop);
        var dispatch = StartThread($"ipv8-dispatch-{Socket.AddressFamily}", DispatchLoop);
        return Task.WhenAll(receive, dispatch).ContinueWith(_ => _signal.Dispose(), TaskScheduler.Default);
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

    private void ReceiveLoop()
    {
        var socket = Socket;
        var writer = Pipe.Writer;
        var socketAddress = new SocketAddress(socket.AddressFamily);
        var pending = 0;
        try
        {
            while (!Closing.IsCancellationRequested)
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
                        FlushAndSignal(writer);
                        pending = 0;
                    }

                    continue;
                }
                catch (SocketException) when (!Closing.IsCancellationRequested)
                {
                    Lifecycle.Counters.ReceiveFailed();
                    continue;
                }

                if (!TryCommitFrame(span, received, socketAddress, writer))
                {
                    continue;
                }

                if (++pending >= FlushBatch || socket.Available == 0)
                {
                    FlushAndSignal(writer);
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
            _signal.Set();
        }
    }

    private void FlushAndSignal(PipeWriter writer)
    {
        var flush = writer.FlushAsync();
        _signal.Set();
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

    private void DispatchLoop()
    {
        var reader = Pipe.Reader;
        try
        {
            while (true)
            {
                if (!reader.TryRead(out var result))
                {
                    _signal.Reset();
                    if (!reader.TryRead(out result))
                    {
                        _signal.Wait(250);
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

using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Ipv8.Engine.Endpoints;

// ReceiveMode.Async: Socket.ReceiveFromAsync and the pipe's own scheduling on the thread pool. Scales to a thousand
// endpoints in one process (the swarm), at the cost of a small allocation per flush.
internal sealed partial class ReceiveChannel
{
    private Task RunOnThreadPool()
    {
        var dispatch = Task.Run(DispatchLoopAsync);
        var receive = Task.Run(ReceiveLoopAsync);
        return Task.WhenAll(receive, dispatch);
    }

    private async Task ReceiveLoopAsync()
    {
                var writer = _pipe.Writer;
        var socketAddress = new SocketAddress(socket.AddressFamily);
        var token = closing;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var memory = writer.GetMemory(DatagramFrame.MaxFrameSize);
                int received;
                try
                {
                    received = await socket.ReceiveFromAsync(memory[DatagramFrame.HeaderSize..], SocketFlags.None, socketAddress, token).ConfigureAwait(false);
                }
                catch (SocketException) when (!token.IsCancellationRequested)
                {
                    lifecycle.Counters.ReceiveFailed();
                    continue;
                }

                if (TryCommitFrame(memory.Span, received, socketAddress, writer) && socket.Available == 0)
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

    private async Task DispatchLoopAsync()
    {
        var reader = _pipe.Reader;
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
}

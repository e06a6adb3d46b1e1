using System.Runtime.InteropServices;

namespace Ipv8.Cli.Hosting;

/// <summary>
/// Turns Ctrl+C (<see cref="Console.CancelKeyPress"/>) and SIGTERM into a cancellation, so that a command can stop its
/// nodes and still write its report. A second Ctrl+C ends the process at once.
/// </summary>
internal sealed class Shutdown : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private readonly PosixSignalRegistration? _sigterm;

    public Shutdown(CancellationToken outer)
    {
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(outer);
        Console.CancelKeyPress += OnCancelKeyPress;
        if (!OperatingSystem.IsWindows())
        {
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Cancel();
            });
        }
    }

    public CancellationToken Token => _cancel.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _sigterm?.Dispose();
        _cancel.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (!_cancel.IsCancellationRequested)
        {
            e.Cancel = true; // the first Ctrl+C stops gracefully; a second one kills
            Cancel();
        }
    }

    private void Cancel()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already finished.
        }
    }
}

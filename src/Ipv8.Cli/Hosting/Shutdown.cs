using System.Runtime.InteropServices;

namespace Ipv8.Cli.Hosting;

/// <summary>
/// Turns Ctrl+C (SIGINT) and SIGTERM into a cancellation, so that a command can stop its nodes and still write its
/// report. A second Ctrl+C ends the process at once.
/// </summary>
/// <remarks>
/// One Ctrl+C can arrive twice: `timeout -s INT` sends it to the process and to its process group, and a terminal to
/// the group. A signal within <see cref="SamePress"/> of the first is taken as the same one; only a later one kills.
/// The cancellation runs on the thread pool, never inside the signal handler: the handler only marks the signal as
/// handled, so the work that the cancellation sets off (the rest of a command, its report) cannot delay or fail it. A
/// command that handles signals calls <see cref="CatchEarly"/> from <c>Main</c>, before the runtime has parsed anything,
/// so that a Ctrl+C during start-up also stops it cleanly.
/// </remarks>
internal sealed class Shutdown : IDisposable
{
    /// <summary>The commands that stop cleanly on Ctrl+C (each creates a <see cref="Shutdown"/>).</summary>
    private static readonly string[] s_commands = ["node", "tracker", "swarm", "fuzz", "bench"];

    /// <summary>How long after the first signal another one counts as the same press.</summary>
    private const long SamePress = 1000;

    private static readonly CancellationTokenSource s_early = new();
    private static long s_earlyFirst;
    private static int s_earlyInstalled;
    private static readonly List<PosixSignalRegistration> s_earlyRegistrations = [];

    private readonly CancellationTokenSource _cancel;
    private readonly PosixSignalRegistration? _sigint;
    private readonly PosixSignalRegistration? _sigterm;
    private long _first;

    public Shutdown(CancellationToken outer)
    {
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(outer, s_early.Token);
        if (Volatile.Read(ref s_earlyInstalled) == 0)
        {
            // In-process (tests): handlers of this instance's own.
            _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            if (!OperatingSystem.IsWindows())
            {
                _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            }
        }
    }

    public CancellationToken Token => _cancel.Token;

    /// <summary>
    /// When <paramref name="args"/> run a command that stops cleanly on Ctrl+C, takes SIGINT and SIGTERM now, for the
    /// whole process: a signal before the command's <see cref="Shutdown"/> exists still stops it cleanly.
    /// </summary>
    public static void CatchEarly(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || !s_commands.Contains(args[0], StringComparer.Ordinal) || Interlocked.Exchange(ref s_earlyInstalled, 1) != 0)
        {
            return;
        }

        s_earlyRegistrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnEarlySignal));
        if (!OperatingSystem.IsWindows())
        {
            s_earlyRegistrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnEarlySignal));
        }
    }

    public void Dispose()
    {
        _sigint?.Dispose();
        _sigterm?.Dispose();
        _cancel.Dispose();
    }

    private static void OnEarlySignal(PosixSignalContext context)
    {
        if (IsSecondPress(ref s_earlyFirst))
        {
            return; // a second Ctrl+C: the default action, which ends the process
        }

        context.Cancel = true;
        ThreadPool.UnsafeQueueUserWorkItem(static _ => s_early.Cancel(), null);
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (!IsSecondPress(ref _first))
        {
            context.Cancel = true; // the first Ctrl+C stops gracefully; a second one kills
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.Cancel(), this, preferLocal: false);
        }
    }

    /// <summary>
    /// Records a signal; true when an earlier one came more than <see cref="SamePress"/> ago (a second press), false
    /// for the first and for a copy of it.
    /// </summary>
    private static bool IsSecondPress(ref long first)
    {
        var now = Environment.TickCount64;
        var earlier = Interlocked.CompareExchange(ref first, now, 0);
        return earlier != 0 && now - earlier > SamePress;
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

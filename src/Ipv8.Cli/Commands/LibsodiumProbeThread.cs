using Ipv8.Cli.Hosting;

namespace Ipv8.Cli.Commands;

/// <summary>
/// A thread of its own ("ipv8 swarm probe") that measures libsodium during a swarm run: once every interval, one small
/// batch of signs and verifies (by default 100 and 40, about 5 ms of one core) timed on its own thread CPU clock, as
/// <see cref="LibsodiumProbe"/> times its larger probe; each batch pinned to the next of the process's CPUs in turn
/// (<see cref="ThreadAffinity"/>), so that every CPU is measured as often. The machine's speed drifts over a run (a shared VM); probes
/// spread over the whole run follow it, where one probe at each end of the run can miss it.
/// </summary>
/// <remarks>
/// The first batch comes one interval after <see cref="Start"/>, so a run shorter than the interval has none. Between
/// batches the thread waits on an event that <see cref="Stop"/> sets, so stopping takes at most the batch in progress.
/// The thread never throws out: a libsodium failure ends the probing and is reported in
/// <see cref="DuringProbes.Failure"/>. Its whole CPU time is reported (<see cref="DuringProbes.ThreadCpuSeconds"/>) so
/// that the run's CPU can leave it out.
/// </remarks>
internal sealed class LibsodiumProbeThread : IDisposable
{
    /// <summary>The name of the thread (Linux shows its first 15 characters, "ipv8 swarm prob").</summary>
    public const string ThreadName = "ipv8 swarm probe";

    /// <summary>Signatures per batch (about 2 ms of one core at 50,000/s).</summary>
    public const int BatchSigns = 100;

    /// <summary>Verifications per batch (about 2–3 ms at 15,000–20,000/s).</summary>
    public const int BatchVerifies = 40;

    // Untimed operations before each batch's timed ones (about 1 ms): after a second's pause, and on a CPU it has just
    // moved to, libsodium's code and tables are out of the thread's caches, which the nodes (signing and verifying without
    // pause) and the start and end probes (thousands of operations in a row) hardly see. With 4 and 2, the batches read
    // 2–4% slower than the nodes' own signatures in perf (session 12). As many as LibsodiumProbe's on each CPU.
    private const int WarmupSigns = LibsodiumProbe.WarmupSigns;
    private const int WarmupVerifies = LibsodiumProbe.WarmupVerifies;

    // Stop waits this long for the batch in progress (about 5 ms of CPU) before it reports what the thread had so far.
    private static readonly TimeSpan s_stopWait = TimeSpan.FromSeconds(10);

    private readonly int[]? _cpus;
    private readonly Func<int, bool> _pin;
    private readonly TimeSpan _interval;
    private readonly int _signs;
    private readonly int _verifies;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new(false, spinCount: 0);
    private readonly Lock _lock = new();
    private ProbeSet _work;
    private int _batches;
    private double _threadCpuSeconds;
    private long _allocatedBytes;
    private string? _failure;
    private bool _started;
    private bool _stopped;

    /// <summary>A probe thread (not started) that measures one batch of <paramref name="signs"/> and <paramref name="verifies"/> every <paramref name="interval"/>.</summary>
    public LibsodiumProbeThread(TimeSpan interval, int signs = BatchSigns, int verifies = BatchVerifies)
        : this(interval, signs, verifies, cpus: null, pin: null)
    {
    }

    /// <summary>A probe thread that takes <paramref name="cpus"/> in turn and pins with <paramref name="pin"/> (tests; null: the process's CPUs and <see cref="ThreadAffinity.TryPinCurrentThread"/>).</summary>
    internal LibsodiumProbeThread(TimeSpan interval, int signs, int verifies, int[]? cpus, Func<int, bool>? pin)
    {
        _cpus = cpus;
        _pin = pin ?? ThreadAffinity.TryPinCurrentThread;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(signs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(verifies, 1);
        _interval = interval;
        _signs = signs;
        _verifies = verifies;
        _thread = new Thread(static state => ((LibsodiumProbeThread)state!).Run(), maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = ThreadName,
        };
    }

    /// <summary>Batches measured so far.</summary>
    public int Batches
    {
        get
        {
            lock (_lock)
            {
                return _batches;
            }
        }
    }

    /// <summary>Whether the thread is running (false before <see cref="Start"/> and once <see cref="Stop"/> has returned).</summary>
    public bool IsAlive => _thread.IsAlive;

    /// <summary>Starts the thread; the first batch comes one interval later.</summary>
    public void Start()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_started)
            {
                return;
            }

            _started = true;
        }

        _thread.UnsafeStart(this);
    }

    /// <summary>
    /// Stops the thread, waits for it (the batch in progress, if any, finishes first) and returns what it measured.
    /// Safe to call more than once and without <see cref="Start"/>.
    /// </summary>
    public DuringProbes Stop()
    {
        bool started;
        lock (_lock)
        {
            started = _started;
            _stopped = true;
        }

        _stop.Set();
        if (started)
        {
            _thread.Join(s_stopWait);
        }

        lock (_lock)
        {
            return new DuringProbes(_work, _batches, _threadCpuSeconds, _allocatedBytes, _failure);
        }
    }

    public void Dispose()
    {
        Stop();
        if (!_thread.IsAlive)
        {
            _stop.Dispose(); // a thread still in its batch after the stop wait (never seen) keeps using the event
        }
    }

    private void Run()
    {
        var hasClock = ProcessStats.TryThreadCpuSeconds(out var cpuStart);
        var allocatedStart = GC.GetAllocatedBytesForCurrentThread();
        var batchSeconds = 0.0;
        Ed25519Workload? workload = null;
        var cpus = _cpus ?? ThreadAffinity.AllowedCpus();
        var next = 0;
        try
        {
            while (!_stop.Wait(_interval))
            {
                workload ??= new Ed25519Workload(_verifies); // at the first batch: a run shorter than an interval costs nothing

                // Each batch on the next CPU in turn (the CPUs need not be equally fast); -1 where it cannot be pinned (the
                // thread then runs on all of them). Between batches the thread is on all its CPUs again, so that nothing
                // it starts inherits one CPU.
                var on = -1;
                if (cpus.Length > 0)
                {
                    var target = cpus[next];
                    next = (next + 1) % cpus.Length; // a CPU that refuses moves the turn on all the same
                    if (_pin(target))
                    {
                        on = target;
                    }
                }

                ProbeWork batch;
                try
                {
                    workload.WarmUp(WarmupSigns, WarmupVerifies);
                    batch = workload.Measure(_signs, _verifies);
                }
                finally
                {
                    if (on >= 0)
                    {
                        ThreadAffinity.TrySetCurrentThread(cpus);
                    }
                }

                batchSeconds += batch.SignSeconds + batch.VerifySeconds;
                var cpu = ThreadCpuSeconds(hasClock, cpuStart, batchSeconds);
                lock (_lock)
                {
                    _work = _work.Add(on, batch);
                    _batches++;
                    _threadCpuSeconds = cpu;
                    _allocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedStart;
                }
            }
        }
#pragma warning disable CA1031 // an exception out of a thread ends the process; the probe reports it instead
        catch (Exception ex)
#pragma warning restore CA1031
        {
            lock (_lock)
            {
                _failure = $"{ex.GetType().Name}: {ex.Message}";
            }
        }
        finally
        {
            workload?.Dispose();
            var cpu = ThreadCpuSeconds(hasClock, cpuStart, batchSeconds);
            lock (_lock)
            {
                _threadCpuSeconds = cpu;
                _allocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedStart;
            }
        }
    }

    // All of the thread's CPU so far by its clock; without one, the batches' own times (which is all that was measured).
    private static double ThreadCpuSeconds(bool hasClock, double start, double batchSeconds) =>
        hasClock && ProcessStats.TryThreadCpuSeconds(out var now) ? Math.Max(0, now - start) : batchSeconds;
}

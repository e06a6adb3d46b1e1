using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Diagnostics;

/// <summary>
/// Logging for the events a remote sender can cause (unknown or deprecated message ids, handler errors, decode
/// failures...), shaped so that no sender and no log sink can slow the packet path:
/// <list type="bullet">
/// <item>each <see cref="RemoteEvent"/> kind passes a rate gate: at most one line per interval, the next line telling how
/// many were suppressed in between; a refused event costs a clock read and an interlocked add, and allocates nothing;</item>
/// <item>a line that passes is copied by value into a small bounded queue and written by a thread-pool work item (the
/// drain), never by the receive or dispatch thread. When the queue is full (the sink is slow or blocked) the line is
/// dropped and counted; the drain reports the count once the sink takes lines again.</item>
/// </list>
/// One instance belongs to one owner (a community, an endpoint, a bootstrapper), which creates it from its logger and
/// disposes it with itself. There is no shared state between instances.
/// </summary>
internal sealed class RemoteLog : IThreadPoolWorkItem, IDisposable
{
    /// <summary>The queue's length: enough for every kind a few times over while the sink catches up.</summary>
    public const int DefaultCapacity = 64;

    /// <summary>The default gate interval: one line per kind per second.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The least interval of <see cref="RemoteEvent.OwnKeyHeard"/>: it reports a standing misconfiguration (two nodes
    /// under one key, which meet again at every walk), not a flood, so once a minute says it.
    /// </summary>
    public static readonly TimeSpan OwnKeyInterval = TimeSpan.FromMinutes(1);

    private static readonly int s_kinds = Enum.GetValues<RemoteEvent>().Length;

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly Gate[] _gates = new Gate[s_kinds];
    private readonly Lock _lock = new();
    private RemoteLine[]? _ring;
    private int _head;
    private int _count;
    private bool _draining;
    private bool _disposed;
    private long _lost;
    private long _lostReported;
    private long _suppressedReported;

    /// <summary>Creates a log that writes to <paramref name="logger"/>.</summary>
    /// <param name="logger">The real logger, called only from the drain.</param>
    /// <param name="time">The clock of the rate gates.</param>
    /// <param name="interval">
    /// The least time between two lines of one kind (<see cref="RemoteEvent.OwnKeyHeard"/>: at least
    /// <see cref="OwnKeyInterval"/>); zero lets every other event through the gate.
    /// </param>
    /// <param name="capacity">The queue's length.</param>
    public RemoteLog(ILogger logger, TimeProvider time, TimeSpan interval, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _logger = logger;
        _time = time;
        _capacity = capacity;
        for (var kind = 0; kind < _gates.Length; kind++)
        {
            var least = (RemoteEvent)kind == RemoteEvent.OwnKeyHeard && interval < OwnKeyInterval ? OwnKeyInterval : interval;
            _gates[kind].IntervalTicks = (long)(least.TotalSeconds * time.TimestampFrequency);
        }
    }

    /// <summary>Events refused by the rate gates so far (all kinds).</summary>
    public long Suppressed
    {
        get
        {
            var total = Volatile.Read(ref _suppressedReported);
            for (var i = 0; i < _gates.Length; i++)
            {
                total += Volatile.Read(ref _gates[i].Suppressed);
            }

            return total;
        }
    }

    /// <summary>Lines dropped because the queue was full (the sink was slow or blocked).</summary>
    public long Lost
    {
        get
        {
            lock (_lock)
            {
                return _lost;
            }
        }
    }

    /// <summary>True when no line is queued or being written.</summary>
    internal bool IsIdle
    {
        get
        {
            lock (_lock)
            {
                return !_draining;
            }
        }
    }

    /// <summary>True when the logger writes <paramref name="level"/>.</summary>
    public bool IsEnabled(LogLevel level) => _logger.IsEnabled(level);

    /// <summary>
    /// True when an event of <paramref name="kind"/> at <paramref name="level"/> should be written now: the level is
    /// enabled and the kind's gate is open. <paramref name="suppressed"/> is the number refused since the last line.
    /// Never blocks; allocates nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryTake(RemoteEvent kind, LogLevel level, out long suppressed)
    {
        suppressed = 0;
        return _logger.IsEnabled(level) && TryPass(ref _gates[(int)kind], out suppressed);
    }

    /// <summary>Queues a line taken with <see cref="TryTake"/> for the drain. Never blocks on the sink.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Enqueue(in RemoteLine line)
    {
        bool schedule;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _ring ??= new RemoteLine[_capacity];
            if (_count == _capacity)
            {
                _lost++;
                return;
            }

            _ring[(_head + _count) % _capacity] = line;
            _count++;
            schedule = !_draining;
            _draining = true;
        }

        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Stops taking lines; those already queued are still written.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }
    }

    /// <summary>The drain: writes the queued lines in order, then the count of lost ones, until the queue is empty.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        while (true)
        {
            RemoteLine line = default;
            long lost;
            lock (_lock)
            {
                lost = _lost - _lostReported;
                _lostReported = _lost;
                if (_count == 0 && lost == 0)
                {
                    _draining = false;
                    return;
                }

                if (_count > 0)
                {
                    line = _ring![_head];
                    _ring[_head] = default;
                    _head = (_head + 1) % _capacity;
                    _count--;
                }
            }

            if (lost > 0)
            {
                Write(new RemoteLine(static (ILogger logger, in RemoteLine l) => DiagnosticsLog.RemoteLinesLost(logger, l.Count), 0) { Count = lost });
            }

            if (line.Writer is not null)
            {
                Write(line);
            }
        }
    }

    private void Write(in RemoteLine line)
    {
        try
        {
            line.Writer(_logger, in line);
        }
        catch (Exception)
        {
            // A throwing log provider must not stop the drain, and there is nowhere left to report it.
        }
    }

    /// <summary>True for the one caller allowed to log now: the first, then at most one per interval.</summary>
    private bool TryPass(ref Gate gate, out long suppressed)
    {
        var now = _time.GetTimestamp();
        var last = Volatile.Read(ref gate.Last);
        // last == 0: nothing logged yet (a clock's timestamps may still be smaller than the interval).
        if ((last == 0 || now - last >= gate.IntervalTicks) && Interlocked.CompareExchange(ref gate.Last, now == 0 ? 1 : now, last) == last)
        {
            suppressed = Interlocked.Exchange(ref gate.Suppressed, 0);
            if (suppressed != 0)
            {
                Interlocked.Add(ref _suppressedReported, suppressed);
            }

            return true;
        }

        Interlocked.Increment(ref gate.Suppressed);
        suppressed = 0;
        return false;
    }

    private struct Gate
    {
        public long IntervalTicks;
        public long Last;
        public long Suppressed;
    }
}

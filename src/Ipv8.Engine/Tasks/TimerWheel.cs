namespace Ipv8.Engine.Tasks;

/// <summary>
/// A <see cref="TimeProvider"/> whose timers share one hashed timer wheel, driven by one thread of its own that sleeps
/// from tick to tick (over the system clock) or by a single timer of the underlying clock (any other, e.g. a fake one). Give one to many nodes of one process (<see cref="Ipv8NodeOptions.TimeProvider"/>): their walk loops, task
/// delays and request-cache timeouts then cost an entry in a slot each, instead of one system timer per node, whose
/// queue the runtime scans on every expiry. Clock reads (<see cref="GetTimestamp"/>, <see cref="GetUtcNow"/>) go
/// straight to the underlying clock.
/// </summary>
/// <remarks>
/// A timer fires at the first tick of the wheel at or after its due time: never early, at most one <see cref="Tick"/>
/// late (plus whatever the underlying timer is late). Callbacks run one after another on the thread of the driving timer,
/// so they must be short, as every <see cref="ITimer"/> callback should be (<see cref="PeriodicTimer"/> and
/// <see cref="Task.Delay(TimeSpan, TimeProvider)"/> only complete a task). A callback that throws ends the process, as a
/// <see cref="Timer"/>'s does. A timer created with a due time of zero fires at once on the thread pool. Execution
/// contexts do not flow into callbacks.
/// </remarks>
public sealed class TimerWheel : TimeProvider, IDisposable
{
    private const int SlotCount = 1024; // a power of two
    private const long Never = long.MaxValue;

    private readonly TimeProvider _inner;
    private readonly Lock _lock = new();
    private readonly Lock _firing = new();
    private readonly WheelTimer?[] _slots = new WheelTimer?[SlotCount];
    private readonly List<(WheelTimer Timer, int Version)> _due = [];
    private readonly long _start;
    private readonly long _ticksPerSlot;
    private readonly ITimer? _driver;
    private readonly Thread? _driverThread;
    private long _current; // every wheel tick up to this one has fired
    private int _count;
    private bool _disposed;

    /// <summary>Creates a wheel over <paramref name="timeProvider"/> (default: the system clock) with a tick of <paramref name="tick"/> (default 10 ms).</summary>
    public TimerWheel(TimeSpan? tick = null, TimeProvider? timeProvider = null)
    {
        _inner = timeProvider ?? System;
        Tick = tick ?? TimeSpan.FromMilliseconds(10);
        ArgumentOutOfRangeException.ThrowIfLessThan(Tick, TimeSpan.FromMilliseconds(1), nameof(tick));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Tick, TimeSpan.FromSeconds(1), nameof(tick));
        _ticksPerSlot = Math.Max(1, (long)(Tick.TotalSeconds * _inner.TimestampFrequency));
        _start = _inner.GetTimestamp();
        if (ReferenceEquals(_inner, System))
        {
            // The system clock: a thread of its own that sleeps until the next tick. A System.Threading.Timer would wake
            // a thread-pool worker 100 times a second, which then spins (sched_yield) before it sleeps again: measured
            // as 5-8% of a 1,000-node swarm's CPU (issue 13).
            _driverThread = new Thread(static state => ((TimerWheel)state!).Drive(), maxStackSize: 256 * 1024)
            {
                IsBackground = true,
                Name = "ipv8 timer wheel",
            };
            _driverThread.UnsafeStart(this);
        }
        else
        {
            _driver = _inner.CreateTimer(static state => ((TimerWheel)state!).Advance(), this, Tick, Tick);
        }
    }

    /// <summary>The thread that drives a wheel over the system clock; null over any other clock (tests).</summary>
    internal Thread? DriverThread => _driverThread;

    /// <summary>The wheel's resolution: a timer fires at most this much after its due time.</summary>
    public TimeSpan Tick { get; }

    /// <summary>
    /// Due callbacks run on the driving thread per tick; more go to the thread pool in work items of this many. Default
    /// <see cref="int.MaxValue"/>: all on the driving thread, in order. A <see cref="PeriodicTimer"/>'s waiter continues
    /// synchronously there, so the walk loops of a swarm then step one after another on one thread: walking can never
    /// take more than one core from the receive threads, and under overload it slows down (a late tick is coalesced)
    /// instead of queueing ever more requests. Measured: with work items of 32, a loaded 5,000-node swarm walked on every
    /// core and buried its own receive threads (docs/benchmarks.md, issue 13).
    /// </summary>
    internal int CallbacksPerWorkItem { get; set; } = int.MaxValue;

    /// <summary>Timers scheduled now (created, not disposed, with a due time).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <inheritdoc/>
    public override long TimestampFrequency => _inner.TimestampFrequency;

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => _inner.LocalTimeZone;

    /// <inheritdoc/>
    public override long GetTimestamp() => _inner.GetTimestamp();

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new WheelTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Stops the wheel: no timer fires after this returns.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            Array.Clear(_slots);
            _count = 0;
        }

        _driver?.Dispose();
    }

    /// <summary>The system clock's driving loop: sleeps to the next tick boundary, fires what is due, until disposed.</summary>
    private void Drive()
    {
        while (!Volatile.Read(ref _disposed))
        {
            var elapsed = _inner.GetTimestamp() - _start;
            var toNext = _ticksPerSlot - (elapsed % _ticksPerSlot);
            // Whole milliseconds, rounded up: at most 1 ms after the boundary, never a busy loop before it.
            Thread.Sleep(Math.Max(1, (int)Math.Ceiling(toNext * 1000.0 / _inner.TimestampFrequency)));
            Advance();
        }
    }

    /// <summary>The wheel tick at or after <paramref name="timestamp"/> of the underlying clock.</summary>
    private long TickAtOrAfter(long timestamp) => ((timestamp - _start) + _ticksPerSlot - 1) / _ticksPerSlot;

    private long TicksOf(TimeSpan span) => Math.Max(1, (long)Math.Ceiling(span.TotalSeconds * _inner.TimestampFrequency / _ticksPerSlot));

    /// <summary>Fires every timer due up to now. Runs on the driving timer's thread; overlapping calls leave the work to the first.</summary>
    private void Advance()
    {
        if (!_firing.TryEnter())
        {
            return;
        }

        try
        {
            while (true)
            {
                var now = (_inner.GetTimestamp() - _start) / _ticksPerSlot;
                lock (_lock)
                {
                    if (_disposed || _current >= now)
                    {
                        return;
                    }

                    // Each slot once per turn of the wheel: a long pause fires what is due without walking every tick.
                    var last = Math.Min(now, _current + SlotCount);
                    for (var tick = _current + 1; tick <= last; tick++)
                    {
                        CollectDue(tick, now);
                    }

                    _current = now;
                }

                RunDue();
            }
        }
        finally
        {
            _firing.Exit();
        }
    }

    /// <summary>Runs the callbacks found due: up to <see cref="CallbacksPerWorkItem"/> here, the rest in work items of that many on the thread pool.</summary>
    private void RunDue()
    {
        var count = _due.Count;
        var chunk = CallbacksPerWorkItem;
        for (var start = chunk; start < count; start += chunk)
        {
            var batch = _due.GetRange(start, Math.Min(chunk, count - start));
            ThreadPool.UnsafeQueueUserWorkItem(static batch =>
            {
                foreach (var (timer, version) in batch)
                {
                    timer.Fire(version);
                }
            }, batch, preferLocal: false);
        }

        for (var i = 0; i < Math.Min(chunk, count); i++)
        {
            var (timer, version) = _due[i];
            timer.Fire(version);
        }

        _due.Clear();
    }

    // Under _lock: moves the timers of one slot that are due by now into _due, rescheduling the periodic ones.
    private void CollectDue(long tick, long now)
    {
        ref var head = ref _slots[tick & (SlotCount - 1)];
        var timer = head;
        while (timer is not null)
        {
            var next = timer.Next;
            if (timer.Due <= now)
            {
                Unlink(timer);
                _due.Add((timer, timer.Version));
                if (timer.Period > 0)
                {
                    timer.Due = Math.Max(timer.Due + timer.Period, now + 1);
                    Link(timer);
                }
                else
                {
                    timer.Due = Never;
                    _count--;
                }
            }

            timer = next;
        }
    }

    // Under _lock.
    private void Link(WheelTimer timer)
    {
        ref var head = ref _slots[timer.Due & (SlotCount - 1)];
        timer.Previous = null;
        timer.Next = head;
        if (head is not null)
        {
            head.Previous = timer;
        }

        head = timer;
        timer.Linked = true;
    }

    // Under _lock.
    private void Unlink(WheelTimer timer)
    {
        if (!timer.Linked)
        {
            return;
        }

        if (timer.Previous is not null)
        {
            timer.Previous.Next = timer.Next;
        }
        else
        {
            _slots[timer.Due & (SlotCount - 1)] = timer.Next;
        }

        if (timer.Next is not null)
        {
            timer.Next.Previous = timer.Previous;
        }

        timer.Next = null;
        timer.Previous = null;
        timer.Linked = false;
    }

    private bool Change(WheelTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero, nameof(dueTime));
        }

        if (period != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero, nameof(period));
        }

        int version;
        lock (_lock)
        {
            if (_disposed || timer.Disposed)
            {
                return false;
            }

            if (timer.Linked)
            {
                Unlink(timer);
                _count--;
            }

            version = ++timer.Version;
            timer.Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? 0 : TicksOf(period);
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                timer.Due = Never;
                return true;
            }

            if (dueTime > TimeSpan.Zero)
            {
                var due = TickAtOrAfter(_inner.GetTimestamp() + (long)Math.Ceiling(dueTime.TotalSeconds * _inner.TimestampFrequency));
                timer.Due = Math.Max(due, _current + 1);
                Link(timer);
                _count++;
                return true;
            }

            // Due now: fire on the thread pool; a period continues from the next tick.
            if (timer.Period > 0)
            {
                timer.Due = _current + timer.Period;
                Link(timer);
                _count++;
            }
            else
            {
                timer.Due = Never;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Timer.Fire(s.Version), (Timer: timer, Version: version), preferLocal: false);
        return true;
    }

    private void Dispose(WheelTimer timer)
    {
        lock (_lock)
        {
            if (timer.Disposed)
            {
                return;
            }

            timer.Disposed = true;
            timer.Version++;
            if (timer.Linked && !_disposed) // a disposed wheel has dropped its slots
            {
                Unlink(timer);
                _count--;
            }
        }
    }

    private sealed class WheelTimer(TimerWheel wheel, TimerCallback callback, object? state) : ITimer
    {
        // All under the wheel's lock, except Version's read in Fire.
        public WheelTimer? Next;
        public WheelTimer? Previous;
        public long Due = Never;
        public long Period;
        public bool Linked;
        public bool Disposed;
        public int Version;

        public bool Change(TimeSpan dueTime, TimeSpan period) => wheel.Change(this, dueTime, period);

        public void Dispose() => wheel.Dispose(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        /// <summary>Runs the callback unless the timer was changed or disposed since it was found due.</summary>
        public void Fire(int version)
        {
            if (Volatile.Read(ref Version) == version)
            {
                callback(state);
            }
        }
    }
}

using System.Diagnostics;
using Ipv8.Engine;

namespace Ipv8.Cli.Commands;

/// <summary>
/// One thread that steps the walks of every node of a swarm (<see cref="Ipv8Node.Tick"/>), each node once per walk
/// interval, instead of one walk loop per node (a <see cref="PeriodicTimer"/> each). While <c>pause</c> says so (the
/// shared receive threads are behind), nothing is stepped: the nodes' steps wait instead of being skipped one by one,
/// so a loaded swarm of 10,000 nodes no longer wakes 20,000 timers a second only to skip their steps. <c>pause</c> is
/// asked before the first step of each run of due nodes and then every 64 steps, so up to 63 more nodes step after it
/// turns true.
/// </summary>
/// <remarks>
/// Nodes are stepped round-robin in the order they were added: the first step right away (as a node's own walk loop
/// does), then every <c>interval</c>; a step that comes late sets the next one an interval after it, so steps that
/// waited through a pause spread out again instead of firing together. A node added while the round is in progress
/// takes its first step at most one interval late. The nodes must run with
/// <see cref="Ipv8NodeOptions.WalkInterval"/> = <see cref="Timeout.InfiniteTimeSpan"/> (no walk loop of their own);
/// <see cref="Dispose"/> stops the thread before the nodes are stopped.
/// </remarks>
internal sealed class SwarmWalks : IDisposable
{
    private static readonly long s_pauseTicks = Stopwatch.Frequency / 100; // 10 ms, the timer wheel's tick

    private readonly long _interval;
    private readonly Func<bool>? _pause;
    private readonly Lock _lock = new();
    private readonly Thread _thread;
    // No spinning before it blocks (the default spins ~35 rounds): the thread sleeps until the next node is due, a
    // millisecond or more away, and each spin is CPU taken from the nodes' signatures (~0.2% of a 10,000-node run's CPU, session 11).
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private Ipv8Node[] _nodes = new Ipv8Node[64];
    private long[] _due = new long[64];
    private int _count;
    private volatile bool _stopping;
    private long _steps;

    /// <summary>Starts the thread; <paramref name="pause"/> (optional) is asked before the first of a run of due steps and every 64 steps.</summary>
    public SwarmWalks(TimeSpan interval, Func<bool>? pause = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _interval = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        _pause = pause;
        _thread = new Thread(static state => ((SwarmWalks)state!).Run(), maxStackSize: 1024 * 1024)
        {
            IsBackground = true,
            Name = "ipv8 swarm walks",
        };
        _thread.UnsafeStart(this);
    }

    /// <summary>Steps taken so far (for tests and the curious), added up at the end of each round of due nodes.</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>Adds a started node; its first step comes right away (or after a pause).</summary>
    public void Add(Ipv8Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        lock (_lock)
        {
            if (_count == _nodes.Length)
            {
                Array.Resize(ref _nodes, _count * 2);
                Array.Resize(ref _due, _count * 2);
            }

            _nodes[_count] = node;
            _due[_count] = Stopwatch.GetTimestamp();
            _count++;
        }

        _wake.Set();
    }

    /// <summary>Stops the thread and waits for it (a step in progress finishes first).</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _wake.Set();
        _thread.Join();
        _wake.Dispose();
    }

    private void Run()
    {
        var cursor = 0;
        while (!_stopping)
        {
            Ipv8Node[] nodes;
            long[] due;
            int count;
            lock (_lock)
            {
                (nodes, due, count) = (_nodes, _due, _count);
            }

            var wait = _interval;
            var stepped = 0;
            for (; stepped < count && !_stopping; stepped++)
            {
                cursor = cursor < count ? cursor : 0;
                var now = Stopwatch.GetTimestamp();
                if (Volatile.Read(ref due[cursor]) > now)
                {
                    wait = Volatile.Read(ref due[cursor]) - now;
                    break;
                }

                // Every 64 nodes, not every node: the receive loops write their lag as they read, and reading it for
                // each of 10,000 nodes took its cache line from them 20,000 times a second.
                if ((stepped & 63) == 0 && _pause?.Invoke() == true)
                {
                    wait = s_pauseTicks;
                    break;
                }

                nodes[cursor].Tick();
                var next = due[cursor] + _interval;
                Volatile.Write(ref due[cursor], next > now ? next : now + _interval);
                cursor++;
            }

            if (stepped > 0)
            {
                Interlocked.Add(ref _steps, stepped); // once a round, not once a node
            }

            if (stepped == count && count > 0)
            {
                // A whole round was due (after a pause, or with many nodes): the next node is due an interval after its
                // step in this round, which may be sooner than an interval from now.
                wait = Volatile.Read(ref due[cursor < count ? cursor : 0]) - Stopwatch.GetTimestamp();
            }

            if (!_stopping && wait > 0)
            {
                // Sleeps until the next node is due (at least 1 ms), or an added node wakes it.
                _wake.Wait(TimeSpan.FromMilliseconds(Math.Max(1, wait * 1000 / Stopwatch.Frequency)));
                _wake.Reset();
            }
        }
    }
}

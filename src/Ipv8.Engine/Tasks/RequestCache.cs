namespace Ipv8.Engine.Tasks;

/// <summary>A pending request, kept in a <see cref="RequestCache"/> until it is answered or times out (py-ipv8 <c>NumberCache</c>).</summary>
public abstract class NumberCache
{
    /// <summary>Creates an entry identified by a prefix (the kind of request) and a number.</summary>
    protected NumberCache(string prefix, long number)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        Prefix = prefix;
        Number = number;
    }

    /// <summary>The kind of request.</summary>
    public string Prefix { get; }

    /// <summary>The request's number.</summary>
    public long Number { get; }

    /// <summary>How long to wait for an answer. Default 10 s.</summary>
    public virtual TimeSpan Timeout => TimeSpan.FromSeconds(10);

    /// <summary>Called when no answer came in time.</summary>
    public abstract void OnTimeout();
}

/// <summary>
/// Pending requests by (prefix, number), each with a timeout (py-ipv8 <c>RequestCache</c>). Timeouts run as tasks of the
/// owning <see cref="TaskGroup"/>, so unloading the community cancels them all. Bounded: at most
/// <see cref="MaxEntries"/> requests wait at once.
/// </summary>
public sealed class RequestCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string, long), (NumberCache Cache, CancellationTokenSource Timer)> _entries = [];
    private readonly TaskGroup _tasks;
    private readonly TimeProvider _time;
    private readonly CancellationToken _shutdown;

    /// <summary>Creates a cache whose timeouts run in <paramref name="tasks"/>.</summary>
    public RequestCache(TaskGroup tasks, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        _tasks = tasks;
        _time = timeProvider ?? TimeProvider.System;
        _shutdown = tasks.ShutdownToken;
    }

    /// <summary>The most requests that may wait at once. Default 10,000.</summary>
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>The number of waiting requests.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Adds a request. False when one with the same identity is waiting or the cache is full.</summary>
    public bool TryAdd(NumberCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        lock (_lock)
        {
            var key = (cache.Prefix, cache.Number);
            // After shutdown nothing is added, as py-ipv8's RequestCache.add returns None then.
            if (_shutdown.IsCancellationRequested || _entries.Count >= MaxEntries || _entries.ContainsKey(key))
            {
                return false;
            }

            var timer = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);

            // The timeout counts from now, not from when the thread pool gets to the task (a loaded machine, or a fake
            // clock advanced right after the add).
            var deadline = Task.Delay(cache.Timeout, _time, timer.Token);
            try
            {
                _tasks.RegisterAnonymousTask($"request-cache {cache.Prefix}:{cache.Number}", async _ =>
                {
                    try
                    {
                        await deadline.ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        if (_shutdown.IsCancellationRequested)
                        {
                            Remove(key); // shutdown clears the cache (py-ipv8 RequestCache.shutdown)
                        }

                        return;
                    }

                    if (Remove(key) is { } expired)
                    {
                        expired.OnTimeout();
                    }
                });
            }
            catch (InvalidOperationException)
            {
                timer.Cancel(); // the task group shut down meanwhile
                timer.Dispose();
                return false;
            }

            _entries[key] = (cache, timer);
            return true;
        }
    }

    /// <summary>True when a request with this identity is waiting.</summary>
    public bool Has(string prefix, long number)
    {
        lock (_lock)
        {
            return _entries.ContainsKey((prefix, number));
        }
    }

    /// <summary>The waiting request with this identity, if any, left in the cache.</summary>
    public NumberCache? Get(string prefix, long number)
    {
        lock (_lock)
        {
            return _entries.TryGetValue((prefix, number), out var entry) ? entry.Cache : null;
        }
    }

    /// <summary>Removes and returns the waiting request with this identity (its timeout is cancelled).</summary>
    public NumberCache? Pop(string prefix, long number) => Remove((prefix, number));

    private NumberCache? Remove((string, long) key)
    {
        lock (_lock)
        {
            if (!_entries.Remove(key, out var entry))
            {
                return null;
            }

            entry.Timer.Cancel();
            entry.Timer.Dispose();
            return entry.Cache;
        }
    }
}

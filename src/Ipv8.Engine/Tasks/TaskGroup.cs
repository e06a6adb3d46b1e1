using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Engine.Tasks;

/// <summary>
/// Named and anonymous background tasks that are all cancelled together (py-ipv8 <c>TaskManager</c>). After
/// <see cref="CancelAllAsync"/> no new task can be registered.
/// </summary>
public sealed class TaskGroup : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Dictionary<string, (Task Task, CancellationTokenSource Cancel)> _named = [];
    private readonly HashSet<Task> _anonymous = [];
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private bool _closed;

    /// <summary>Creates an empty group.</summary>
    public TaskGroup(ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>A token cancelled when the group shuts down.</summary>
    public CancellationToken ShutdownToken => _shutdown.Token;

    /// <summary>The number of running tasks.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _named.Count + _anonymous.Count;
            }
        }
    }

    /// <summary>True when a named task is registered and still running.</summary>
    public bool IsPending(string name)
    {
        lock (_lock)
        {
            return _named.ContainsKey(name);
        }
    }

    /// <summary>Starts a named task. A name that is already running is an error (py-ipv8 raises too).</summary>
    public Task RegisterTask(string name, Func<CancellationToken, Task> work, TimeSpan delay = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(work);
        lock (_lock)
        {
            ThrowIfClosed();
            if (_named.ContainsKey(name))
            {
                throw new InvalidOperationException($"Task '{name}' is already registered.");
            }

            var cancel = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            var task = RunAsync(name, work, delay, cancel.Token);
            _named[name] = (task, cancel);
            _ = task.ContinueWith(_ => Forget(name, task), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return task;
        }
    }

    /// <summary>Starts a named task that runs <paramref name="action"/> every <paramref name="interval"/> until cancelled.</summary>
    public Task RegisterPeriodicTask(string name, TimeSpan interval, Action action, TimeSpan delay = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return RegisterTask(name, async token =>
        {
            using var timer = new PeriodicTimer(interval, _time);
            do
            {
                try
                {
                    action();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    TaskLog.PeriodicTaskFailed(_logger, ex, name);
                }
            }
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
        }, delay);
    }

    /// <summary>Starts a task without a name.</summary>
    public Task RegisterAnonymousTask(string description, Func<CancellationToken, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        lock (_lock)
        {
            ThrowIfClosed();
            var task = RunAsync(description, work, default, _shutdown.Token);
            _anonymous.Add(task);
            _ = task.ContinueWith(
                t =>
                {
                    lock (_lock)
                    {
                        _anonymous.Remove(t);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return task;
        }
    }

    /// <summary>Cancels one named task.</summary>
    public void CancelPendingTask(string name)
    {
        lock (_lock)
        {
            if (_named.Remove(name, out var entry))
            {
                // Cancel only: the task may still be running, and its source is disposed when it ends.
                entry.Cancel.Cancel();
                _ = entry.Task.ContinueWith(_ => entry.Cancel.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Cancels every task, waits for them, and refuses new ones.</summary>
    public async Task CancelAllAsync()
    {
        Task[] tasks;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            tasks = [.. _named.Values.Select(e => e.Task), .. _anonymous];
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected.
        }

        lock (_lock)
        {
            foreach (var entry in _named.Values)
            {
                entry.Cancel.Dispose();
            }

            _named.Clear();
            _anonymous.Clear();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await CancelAllAsync().ConfigureAwait(false);
        _shutdown.Dispose();
    }

    private async Task RunAsync(string name, Func<CancellationToken, Task> work, TimeSpan delay, CancellationToken token)
    {
        // The delay counts from the registration, not from when the thread pool first runs this task.
        var delayed = delay > TimeSpan.Zero ? Task.Delay(delay, _time, token) : null;
        await Task.Yield();
        try
        {
            if (delayed is not null)
            {
                await delayed.ConfigureAwait(false);
            }

            await work(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Cancelled.
        }
        catch (Exception ex)
        {
            TaskLog.TaskFailed(_logger, ex, name);
        }
    }

    private void Forget(string name, Task task)
    {
        lock (_lock)
        {
            if (_named.TryGetValue(name, out var entry) && entry.Task == task)
            {
                _named.Remove(name);
                entry.Cancel.Dispose();
            }
        }
    }

    private void ThrowIfClosed()
    {
        if (_closed)
        {
            throw new InvalidOperationException("The task group has shut down; no new tasks can be registered.");
        }
    }
}

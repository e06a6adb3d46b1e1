using Ipv8.Engine.Tasks;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Tests;

/// <summary>TaskGroup (py-ipv8 TaskManager) and RequestCache, on a fake clock.</summary>
public sealed class TaskTests : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    private readonly CountingTimeProvider _time = new();
    private readonly CapturingLoggerFactory _logs = new();
    private readonly TaskGroup _tasks;
    private readonly RequestCache _cache;

    public TaskTests()
    {
        _tasks = new TaskGroup(_logs.CreateLogger("tasks"), _time);
        _cache = new RequestCache(_tasks, _time);
    }

    public async ValueTask DisposeAsync() => await _tasks.DisposeAsync();

    [Fact]
    public void A_requests_timeout_counts_from_when_it_was_added_not_from_when_its_task_first_runs()
    {
        // The clock moves on at once, before the thread pool has run the timeout task: the deadline must already be set.
        // (Synchronous on purpose: no test synchronization context runs the task early.)
        var request = new CountingCache("ping", 3, TimeSpan.FromSeconds(5));
        Assert.True(_cache.TryAdd(request));
        _time.Advance(TimeSpan.FromSeconds(5.1));

        Assert.True(SpinWait.SpinUntil(() => request.Timeouts == 1, s_deadline), "the request did not time out");
        Assert.False(_cache.Has("ping", 3));
    }

    [Fact]
    public async Task A_request_times_out_after_its_timeout_and_leaves_the_cache()
    {
        var request = new CountingCache("intro", 7, TimeSpan.FromSeconds(10));
        Assert.True(_cache.TryAdd(request));
        Assert.True(_cache.Has("intro", 7));
        Assert.Same(request, _cache.Get("intro", 7));
        await WaitForTimersAsync(1);

        _time.Advance(TimeSpan.FromSeconds(9.9));
        await Task.Delay(50);
        Assert.Equal(0, request.Timeouts);
        Assert.True(_cache.Has("intro", 7));

        _time.Advance(TimeSpan.FromSeconds(0.2));
        await Eventually.AssertAsync(() => request.Timeouts == 1, "the request to time out", s_deadline);
        Assert.False(_cache.Has("intro", 7));
        Assert.Equal(0, _cache.Count);
        await Eventually.AssertAsync(() => _tasks.Count == 0, "the timeout task to finish", s_deadline);
    }

    [Fact]
    public async Task Popping_a_request_cancels_its_timeout()
    {
        var request = new CountingCache("intro", 1, TimeSpan.FromSeconds(1));
        Assert.True(_cache.TryAdd(request));
        await WaitForTimersAsync(1);

        Assert.Same(request, _cache.Pop("intro", 1));
        Assert.Null(_cache.Pop("intro", 1));
        _time.Advance(TimeSpan.FromMinutes(1));
        await Eventually.AssertAsync(() => _tasks.Count == 0, "the cancelled timeout task to finish", s_deadline);
        Assert.Equal(0, request.Timeouts);
    }

    [Fact]
    public void A_request_identity_can_wait_only_once_and_the_cache_is_bounded()
    {
        _cache.MaxEntries = 2;
        Assert.True(_cache.TryAdd(new CountingCache("intro", 1, TimeSpan.FromSeconds(5))));
        Assert.False(_cache.TryAdd(new CountingCache("intro", 1, TimeSpan.FromSeconds(5))));
        Assert.True(_cache.TryAdd(new CountingCache("other", 1, TimeSpan.FromSeconds(5))));
        Assert.False(_cache.TryAdd(new CountingCache("intro", 2, TimeSpan.FromSeconds(5))));
        Assert.Equal(2, _cache.Count);
    }

    [Fact]
    public async Task Shutting_down_cancels_every_request_timeout_and_refuses_new_requests()
    {
        var requests = Enumerable.Range(0, 5).Select(i => new CountingCache("intro", i, TimeSpan.FromSeconds(1 + i))).ToList();
        Assert.All(requests, r => Assert.True(_cache.TryAdd(r)));
        await WaitForTimersAsync(5);

        await _tasks.CancelAllAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(50);

        Assert.All(requests, r => Assert.Equal(0, r.Timeouts));
        Assert.Equal(0, _cache.Count);
        Assert.False(_cache.TryAdd(new CountingCache("intro", 99, TimeSpan.FromSeconds(1))));
        Assert.Equal(0, _cache.Count);
        Assert.Equal(0, _tasks.Count);
    }

    [Fact]
    public async Task CancelAll_cancels_named_periodic_and_anonymous_tasks_and_then_refuses_new_ones()
    {
        var started = 0;
        var tokens = new System.Collections.Concurrent.ConcurrentBag<CancellationToken>();
        Task Forever(CancellationToken token)
        {
            tokens.Add(token);
            Interlocked.Increment(ref started);
            return Task.Delay(Timeout.Infinite, token);
        }

        var named = _tasks.RegisterTask("named", Forever);
        var anonymous = _tasks.RegisterAnonymousTask("anonymous", Forever);
        var periodicRuns = 0;
        var periodic = _tasks.RegisterPeriodicTask("periodic", TimeSpan.FromSeconds(1), () => Interlocked.Increment(ref periodicRuns));
        await Eventually.AssertAsync(() => Volatile.Read(ref started) == 2 && Volatile.Read(ref periodicRuns) == 1, "the tasks to start", s_deadline);
        Assert.Equal(3, _tasks.Count);
        Assert.True(_tasks.IsPending("named"));

        await _tasks.CancelAllAsync();

        Assert.Equal(0, _tasks.Count);
        Assert.False(_tasks.IsPending("named"));
        Assert.True(named.IsCompleted && anonymous.IsCompleted && periodic.IsCompleted);
        Assert.All(tokens, t => Assert.True(t.IsCancellationRequested));
        Assert.True(_tasks.ShutdownToken.IsCancellationRequested);
        Assert.Throws<InvalidOperationException>(() => { _ = _tasks.RegisterTask("late", _ => Task.CompletedTask); });
        Assert.Throws<InvalidOperationException>(() => { _ = _tasks.RegisterAnonymousTask("late", _ => Task.CompletedTask); });

        // Nothing failed: cancellation is not an error.
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Error);
        await _tasks.CancelAllAsync();
    }

    [Fact]
    public async Task A_running_name_cannot_be_registered_twice_but_a_finished_one_can()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = _tasks.RegisterTask("job", _ => gate.Task);
        Assert.Throws<InvalidOperationException>(() => { _ = _tasks.RegisterTask("job", _ => Task.CompletedTask); });

        gate.SetResult();
        await first;
        await Eventually.AssertAsync(() => !_tasks.IsPending("job"), "the finished task to free its name", s_deadline);
        await _tasks.RegisterTask("job", _ => Task.CompletedTask);
    }

    [Fact]
    public async Task Cancelling_one_named_task_leaves_the_others_running()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = _tasks.RegisterTask("first", async token =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                cancelled.TrySetResult();
            }
        });
        var second = _tasks.RegisterTask("second", token => Task.Delay(Timeout.Infinite, token));

        _tasks.CancelPendingTask("first");

        await cancelled.Task.WaitAsync(s_deadline);
        await first.WaitAsync(s_deadline);
        Assert.False(_tasks.IsPending("first"));
        Assert.True(_tasks.IsPending("second"));
        Assert.False(second.IsCompleted);
    }

    [Fact]
    public async Task A_failing_periodic_action_is_logged_and_keeps_its_schedule()
    {
        var runs = 0;
        _ = _tasks.RegisterPeriodicTask("flaky", TimeSpan.FromSeconds(1), () =>
        {
            Interlocked.Increment(ref runs);
            throw new InvalidOperationException("flaky failure");
        });
        await Eventually.AssertAsync(() => Volatile.Read(ref runs) == 1, "the first run", s_deadline);
        await WaitForTimersAsync(1); // the periodic timer

        for (var tick = 2; tick <= 4; tick++)
        {
            var expected = tick;
            _time.Advance(TimeSpan.FromSeconds(1));
            await Eventually.AssertAsync(() => Volatile.Read(ref runs) == expected, $"run {expected}", s_deadline);
        }

        await Eventually.AssertAsync(() => _logs.Find(LogLevel.Error, "flaky").Count == 4, "four logged failures", s_deadline);
        Assert.All(_logs.Find(LogLevel.Error, "flaky"), e => Assert.IsType<InvalidOperationException>(e.Exception));
        Assert.True(_tasks.IsPending("flaky"));
    }

    [Fact]
    public async Task A_delayed_task_starts_after_its_delay_and_a_failing_task_is_logged()
    {
        var ran = 0;
        var delayed = _tasks.RegisterTask("delayed", _ =>
        {
            Interlocked.Increment(ref ran);
            throw new InvalidOperationException("delayed failure");
        }, TimeSpan.FromSeconds(30));
        await WaitForTimersAsync(1);

        _time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(50);
        Assert.Equal(0, Volatile.Read(ref ran));

        _time.Advance(TimeSpan.FromSeconds(1));
        await delayed.WaitAsync(s_deadline);
        Assert.Equal(1, ran);
        Assert.Single(_logs.Find(LogLevel.Error, "delayed"));
    }

    private async Task WaitForTimersAsync(int count)
    {
        var target = count;
        await Eventually.AssertAsync(() => _time.TimersCreated >= target, $"{target} timer(s) to be armed", s_deadline);
    }
}

using System.Collections.Concurrent;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Diagnostics;
using Ipv8.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Tests.Support;

/// <summary>
/// A log sink that, once <see cref="Block"/> is called, makes every <c>Log</c> call wait until <see cref="Release"/>
/// (a stderr pipe nobody reads). It keeps every line it was given, at every level.
/// </summary>
internal sealed class BlockingLogProvider : ILoggerProvider
{
    // A bound on each wait, so that a test that fails to release cannot hang the run.
    private static readonly TimeSpan s_longestWait = TimeSpan.FromSeconds(60);

    private readonly ManualResetEventSlim _released = new(true);
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private int _waiting;

    /// <summary>The lines written so far (a blocked line is added once released).</summary>
    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>Calls that are waiting in <c>Log</c> now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public IReadOnlyList<LogEntry> WithId(int eventId) => [.. _entries.Where(e => e.EventId == eventId)];

    /// <summary>From now on every <c>Log</c> call waits.</summary>
    public void Block() => _released.Reset();

    /// <summary>Lets every waiting and future <c>Log</c> call through.</summary>
    public void Release() => _released.Set();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
        Release();
        _released.Dispose();
    }

    private void Write(LogEntry entry)
    {
        if (!_released.IsSet)
        {
            Interlocked.Increment(ref _waiting);
            _released.Wait(s_longestWait);
            Interlocked.Decrement(ref _waiting);
        }

        _entries.Enqueue(entry);
    }

    private sealed class Logger(BlockingLogProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Write(new LogEntry(logLevel, category, formatter(state, exception), exception, eventId.Id));
    }
}

/// <summary>Waits for the lines of a <see cref="RemoteLog"/>, which are written off the packet path.</summary>
internal static class RemoteLogWaits
{
    /// <summary>Waits until every line the log queued has been written (or dropped).</summary>
    public static Task WrittenAsync(this RemoteLog log) => Eventually.AssertAsync(() => log.IsIdle, "the queued log lines to be written", TimeSpan.FromSeconds(20));

    /// <summary>Waits until the community's remote-event lines have been written.</summary>
    public static Task LogWrittenAsync(this Community community) => community.RemoteLog.WrittenAsync();
}

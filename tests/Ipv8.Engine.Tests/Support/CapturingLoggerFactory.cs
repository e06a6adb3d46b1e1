using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Tests.Support;

/// <summary>One captured log line.</summary>
internal sealed record LogEntry(LogLevel Level, string Category, string Message, Exception? Exception, int EventId = 0);

/// <summary>An <see cref="ILoggerFactory"/> that keeps every log line, at every level, for assertions.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    /// <summary>The captured lines at <paramref name="level"/> whose message contains <paramref name="text"/> (case-insensitive).</summary>
    public IReadOnlyList<LogEntry> Find(LogLevel level, string text) =>
        [.. _entries.Where(e => e.Level == level && e.Message.Contains(text, StringComparison.OrdinalIgnoreCase))];

    /// <summary>The captured lines of one event id.</summary>
    public IReadOnlyList<LogEntry> WithId(int eventId) => [.. _entries.Where(e => e.EventId == eventId)];

    private void Add(LogEntry entry) => _entries.Enqueue(entry);

    private sealed class CapturingLogger(CapturingLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            factory.Add(new LogEntry(logLevel, category, formatter(state, exception), exception, eventId.Id));
    }
}

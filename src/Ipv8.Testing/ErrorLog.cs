using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Testing;

/// <summary>
/// The logger factory a <see cref="TestNetwork{TCommunity}"/> gives its nodes: it passes everything on to the user's
/// factory and keeps the exceptions logged at Error or above (a strategy or task that threw) and those handlers threw
/// (<see cref="Record"/>).
/// </summary>
internal sealed class ErrorLog(ILoggerFactory? inner) : ILoggerFactory
{
    private readonly ILoggerFactory _inner = inner ?? NullLoggerFactory.Instance;
    private readonly ConcurrentQueue<Exception> _exceptions = new();

    // The handler exceptions already recorded: their log line comes later, from the community's log drain.
    private readonly ConditionalWeakTable<Exception, object> _recorded = [];

    /// <summary>The first exception logged since the last <see cref="TakeFirst"/>, or null; forgets the others.</summary>
    public Exception? TakeFirst()
    {
        Exception? first = null;
        while (_exceptions.TryDequeue(out var exception))
        {
            first ??= exception;
        }

        return first;
    }

    /// <summary>
    /// Keeps an exception a message handler threw, as it happens: the community's log line for it is rate-limited and
    /// written off the dispatch thread (docs/logging.md), too late and too rare for a test that wants each one.
    /// </summary>
    public void Record(Exception exception)
    {
        _recorded.AddOrUpdate(exception, this);
        _exceptions.Enqueue(exception);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, _inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => _inner.AddProvider(provider);

    public void Dispose()
    {
        // The user's factory is the user's to dispose.
    }

    private sealed class Logger(ErrorLog log, ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error || inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is not null && logLevel >= LogLevel.Error && logLevel != LogLevel.None && !log._recorded.TryGetValue(exception, out _))
            {
                log._exceptions.Enqueue(exception);
            }

            if (inner.IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}

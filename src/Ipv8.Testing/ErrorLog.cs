using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Testing;

/// <summary>
/// The logger factory a <see cref="TestNetwork{TCommunity}"/> gives its nodes: it passes everything on to the user's
/// factory and keeps the exceptions logged at Error or above (a handler or strategy that threw).
/// </summary>
internal sealed class ErrorLog(ILoggerFactory? inner) : ILoggerFactory
{
    private readonly ILoggerFactory _inner = inner ?? NullLoggerFactory.Instance;
    private readonly ConcurrentQueue<Exception> _exceptions = new();

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
            if (exception is not null && logLevel >= LogLevel.Error && logLevel != LogLevel.None)
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

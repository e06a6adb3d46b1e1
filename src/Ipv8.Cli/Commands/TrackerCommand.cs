using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Ipv8.Cli.Hosting;
using Microsoft.Extensions.Logging;

namespace Ipv8.Cli.Commands;

/// <summary>What <c>ipv8 tracker</c> runs.</summary>
internal sealed record TrackerConfig
{
    public IPAddress Host { get; init; } = IPAddress.Any;

    public required int Port { get; init; }

    /// <summary>How long to run; null runs until cancelled.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>How often a status line goes to standard error.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Peers remembered at most.</summary>
    public int Capacity { get; init; } = 20_000;

    /// <summary>Refuse to send anywhere but 127.0.0.0/8 and ::1.</summary>
    public bool LoopbackOnly { get; init; }
}

/// <summary>
/// <c>ipv8 tracker --port P [--host H] [--duration S]</c>: a bootstrap server that answers introduction requests of any
/// community and introduces peers to each other; a status line every few seconds on standard error.
/// </summary>
internal static class TrackerCommand
{
    public static Command Create()
    {
        var port = CliArguments.Port("UDP port to bind (0: any free port).", required: true);
        var host = CliArguments.Host("Address to bind. Default 0.0.0.0 (all IPv4 interfaces); an IPv6 address binds IPv6 only.");
        var duration = CliArguments.Duration("Stop after this many seconds. Default: run until Ctrl+C.");
        var status = CliArguments.Seconds("--status-interval", "Seconds between status lines on standard error.", 5, 0.1, 3600);
        var loopbackOnly = new Option<bool>("--loopback-only")
        {
            Description = "Send only to 127.0.0.0/8 and ::1 (for tests and demos).",
        };
        var logLevel = CliArguments.LogLevel(LogLevel.Information);
        var command = new Command("tracker", "Run a bootstrap server: it answers introduction requests of every community and introduces peers to each other.")
        {
            port, host, duration, status, loopbackOnly, logLevel,
        };
        command.SetAction(async (result, token) =>
        {
            var config = new TrackerConfig
            {
                Host = result.GetValue(host)!,
                Port = result.GetValue(port),
                Duration = result.GetValue(duration) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                StatusInterval = TimeSpan.FromSeconds(result.GetValue(status)),
                LoopbackOnly = result.GetValue(loopbackOnly),
            };
            using var shutdown = new Shutdown(token);
            using var logs = Logs.ToStandardError(result.GetValue(logLevel));
            return await RunAsync(config, result.InvocationConfiguration.Error, logs, shutdown.Token).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs the tracker until the duration passes or <paramref name="cancel"/> fires. Returns the exit code.</summary>
    /// <remarks><paramref name="started"/> is called with the tracker once it runs (tests use it).</remarks>
    public static async Task<int> RunAsync(TrackerConfig config, TextWriter error, ILoggerFactory logs, CancellationToken cancel, Action<Tracker>? started = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(error);
        await using var tracker = Tracker.Create(CliEndpoint.Create(config.Host, config.Port, config.LoopbackOnly, logs), logs, config.Capacity);
        try
        {
            tracker.Start();
        }
        catch (SocketException ex)
        {
            error.WriteLine($"error: cannot bind UDP {config.Host}:{config.Port}: {ex.Message.TrimEnd('.')}.");
            return 1;
        }

        error.WriteLine($"tracker listening on {tracker.Address} (public key {tracker.Node.Key.PublicKey})");
        started?.Invoke(tracker);

        using var until = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (config.Duration is { } duration)
        {
            until.CancelAfter(duration);
        }

        using var timer = new PeriodicTimer(config.StatusInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(until.Token).ConfigureAwait(false))
            {
                error.WriteLine(tracker.Status());
            }
        }
        catch (OperationCanceledException)
        {
            // Duration over, Ctrl+C or SIGTERM.
        }

        error.WriteLine(tracker.Status() + " (stopping)");
        await tracker.Node.StopAsync().ConfigureAwait(false);
        return 0;
    }
}

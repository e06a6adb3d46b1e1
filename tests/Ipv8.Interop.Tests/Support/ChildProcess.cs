using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ipv8.Interop.Tests.Support;

/// <summary>
/// A child process (a py-ipv8 peer or tracker, an <c>ipv8</c> CLI node) that the tests talk to: standard input is
/// kept open for commands, each line of standard output is kept (parsed as a JSON event when it is one), and standard
/// error is kept for failure messages. Disposing closes standard input (the Python side exits when it closes), waits a
/// little, then kills the process tree. Every wait has a deadline and fails with what the process printed.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int MaxErrorChars = 64 * 1024;

    private readonly Process _process;
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];
    private readonly List<JsonObject> _events = [];
    private readonly StringBuilder _error = new();
    private readonly SemaphoreSlim _changed = new(0);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Process? _resumeGuard;
    private int _disposed;

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>A short name for messages ("py-peer-1", "tracker", ...).</summary>
    public string Name { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code (only after <see cref="HasExited"/>).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Every JSON event printed so far, in order.</summary>
    public IReadOnlyList<JsonObject> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Every line of standard output so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Standard error so far (the last 64 KiB).</summary>
    public string Error
    {
        get
        {
            lock (_lock)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> and extra environment variables.</summary>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["PYTHONUNBUFFERED"] = "1";
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnError(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Writes one line (a JSON command) to standard input.</summary>
    public void Send(JsonObject command)
    {
        var line = command.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        lock (_lock)
        {
            _process.StandardInput.WriteLine(line);
            _process.StandardInput.Flush();
        }
    }

    /// <summary>Sends SIGTERM (a graceful stop for the CLI commands).</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill?.WaitForExit(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>True between <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    public bool IsPaused => Volatile.Read(ref _resumeGuard) is not null;

    /// <summary>
    /// Stops the process (SIGSTOP) so that it goes silent: its socket stays bound and what is sent to it queues. A guard
    /// process (<c>sh -c 'sleep S; kill -CONT PID'</c>) resumes it after <paramref name="limit"/> whatever happens to the
    /// tests, so that its own time limit and its watch on standard input can still end it; <see cref="Resume"/> (and
    /// disposing) resumes it at once and ends the guard.
    /// </summary>
    public void Pause(TimeSpan limit)
    {
        if (_process.HasExited)
        {
            throw Failure($"{Name} cannot be paused: it exited");
        }

        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"sleep {Math.Ceiling(limit.TotalSeconds)}; kill -CONT {_process.Id}"));
        var guard = Process.Start(info) ?? throw new InvalidOperationException("could not start the resume guard");
        if (Interlocked.CompareExchange(ref _resumeGuard, guard, null) is not null)
        {
            guard.Kill();
            guard.Dispose();
            throw new InvalidOperationException($"{Name} is already paused");
        }

        SendSignal("STOP");
    }

    /// <summary>Resumes a process stopped by <see cref="Pause"/> (SIGCONT) and ends its guard; nothing when it is not paused.</summary>
    public void Resume()
    {
        var guard = Interlocked.Exchange(ref _resumeGuard, null);
        if (guard is null)
        {
            return;
        }

        try
        {
            SendSignal("CONT");
        }
        finally
        {
            try
            {
                guard.Kill();
            }
            catch (InvalidOperationException)
            {
                // It already resumed the process and exited.
            }

            guard.Dispose();
        }
    }

    private void SendSignal(string signal)
    {
        if (_process.HasExited)
        {
            return;
        }

        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (kill is null || !kill.WaitForExit(TimeSpan.FromSeconds(10)) || kill.ExitCode != 0)
        {
            throw Failure($"kill -{signal} {_process.Id} failed");
        }
    }

    /// <summary>
    /// Waits for the first event at index <paramref name="from"/> or later that matches <paramref name="match"/>.
    /// An "error" event printed meanwhile, the process exiting, or the deadline fails the test with everything the
    /// process printed. Returns the event and its index.
    /// </summary>
    public async Task<(JsonObject Event, int Index)> WaitForEventAsync(Func<JsonObject, bool> match, string what, TimeSpan timeout, int from = 0, bool failOnError = true)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            lock (_lock)
            {
                for (var i = from; i < _events.Count; i++)
                {
                    if (failOnError && (string?)_events[i]["event"] == "error")
                    {
                        throw Failure($"{Name} reported an error while we waited for {what}: {_events[i]["message"]}");
                    }

                    if (match(_events[i]))
                    {
                        return (_events[i], i);
                    }
                }
            }

            if (_process.HasExited)
            {
                // Let the output readers drain, then look once more.
                _process.WaitForExit();
                lock (_lock)
                {
                    for (var i = from; i < _events.Count; i++)
                    {
                        if (match(_events[i]))
                        {
                            return (_events[i], i);
                        }
                    }
                }

                throw Failure($"{Name} exited with {_process.ExitCode} before {what}");
            }

            var left = timeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw Failure($"timed out after {timeout.TotalSeconds:F0} s waiting for {what} from {Name}");
            }

            await _changed.WaitAsync(left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until standard output has a line equal to <paramref name="line"/>.</summary>
    public async Task WaitForLineAsync(string line, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            lock (_lock)
            {
                if (_lines.Contains(line))
                {
                    return;
                }
            }

            if (_process.HasExited)
            {
                // Let the output readers drain (a process that printed the line and exited at once), then look once more.
                _process.WaitForExit();
                lock (_lock)
                {
                    if (_lines.Contains(line))
                    {
                        return;
                    }
                }

                throw Failure($"{Name} exited with {_process.ExitCode} before printing '{line}'");
            }

            var left = timeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw Failure($"timed out after {timeout.TotalSeconds:F0} s waiting for '{line}' from {Name}");
            }

            await _changed.WaitAsync(left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the process to exit by itself; kills it and fails after <paramref name="timeout"/>.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw Failure($"{Name} did not exit within {timeout.TotalSeconds:F0} s and was killed");
        }
    }

    /// <summary>A test failure that carries everything the process printed.</summary>
    public Xunit.Sdk.XunitException Failure(string message) => new($"{message}{Environment.NewLine}{Describe()}");

    /// <summary>The process's recent output, for failure messages.</summary>
    public string Describe()
    {
        var lines = Lines;
        var tail = lines.Count > 40 ? lines.Skip(lines.Count - 40) : lines;
        var state = _process.HasExited ? $"exited with {_process.ExitCode}" : "running";
        return $"--- {Name} ({state}, {_clock.Elapsed.TotalSeconds:F1} s) stdout, last {tail.Count()} of {lines.Count} lines ---{Environment.NewLine}" +
            string.Join(Environment.NewLine, tail.Select(l => l.Length > 2000 ? l[..2000] + "…" : l)) +
            $"{Environment.NewLine}--- {Name} stderr ---{Environment.NewLine}{Error}";
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // A paused process would not see its standard input close (and is killed below if it cannot be resumed).
            try
            {
                Resume();
            }
            catch (Xunit.Sdk.XunitException)
            {
                // Killed below: SIGKILL ends a stopped process too.
            }

            if (!_process.HasExited)
            {
                try
                {
                    _process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The pipe is already gone.
                }

                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    Kill();
                }
            }
        }
        finally
        {
            _process.Dispose();
            _changed.Dispose();
        }
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            Signal();
            return;
        }

        JsonObject? parsed = null;
        if (line.StartsWith('{'))
        {
            try
            {
                parsed = JsonNode.Parse(line) as JsonObject;
            }
            catch (JsonException)
            {
                // Not an event: kept as a line only.
            }
        }

        lock (_lock)
        {
            _lines.Add(line);
            if (parsed is not null)
            {
                _events.Add(parsed);
            }
        }

        Signal();
    }

    private void OnError(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _error.AppendLine(line);
            if (_error.Length > MaxErrorChars)
            {
                _error.Remove(0, _error.Length - MaxErrorChars);
            }
        }
    }

    private void Signal()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (ObjectDisposedException)
            {
                // Disposed meanwhile.
            }
        }
    }
}

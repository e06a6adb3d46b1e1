using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Ipv8.Cli.Fuzzing;

/// <summary>
/// A long-lived py-ipv8 process (<c>py_decoder.py</c>, shipped inside this assembly) that decodes datagrams with
/// py-ipv8's own serializer, payload classes and signature check, fed in batches over standard input and output.
/// </summary>
internal sealed class PyDecoder : IDisposable
{
    private readonly Process _process;
    private readonly string _script;
    private readonly StringBuilder _stderr = new();

    public PyDecoder(string python, string pyIpv8Directory)
    {
        _script = Path.Combine(Path.GetTempPath(), $"ipv8-py-decoder-{Environment.ProcessId}-{Guid.NewGuid():N}.py");
        using (var resource = typeof(PyDecoder).Assembly.GetManifestResourceStream("py_decoder.py")
            ?? throw new InvalidOperationException("py_decoder.py is missing from the assembly"))
        using (var file = File.Create(_script))
        {
            resource.CopyTo(file);
        }

        // Ctrl+C in a terminal, and `timeout`'s SIGTERM, go to the whole process group: the decoder must not take them
        // (a KeyboardInterrupt would end it mid-batch, SIGTERM at once), so that `ipv8 fuzz` can stop on its own and
        // write its report. On Unix, it starts with SIGINT and SIGTERM ignored (a shell's `trap '' INT TERM`, kept
        // across exec; Python then leaves them ignored); it ends when its standard input closes, which this process
        // does on shutdown, and also when this process is killed.
        var info = new ProcessStartInfo(OperatingSystem.IsWindows() ? python : "/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        if (!OperatingSystem.IsWindows())
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("trap '' INT TERM; exec \"$0\" \"$@\"");
            info.ArgumentList.Add(python);
        }

        info.ArgumentList.Add("-u");
        info.ArgumentList.Add(_script);
        info.Environment["PYTHONPATH"] = pyIpv8Directory;
        _process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {python}");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    if (_stderr.Length < 64 * 1024)
                    {
                        _stderr.AppendLine(e.Data);
                    }
                }
            }
        };
        _process.BeginErrorReadLine();
    }

    /// <summary>The decoder process's id.</summary>
    internal int ProcessId => _process.Id;

    /// <summary>What the process wrote to standard error (its start-up failure, if any).</summary>
    public string Errors
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>py-ipv8's outcome for each datagram, in order: <c>{"ok":true,…}</c> or <c>{"ok":false,"error":…}</c>.</summary>
    /// <exception cref="InvalidOperationException">The process ended or answered something else.</exception>
    public IReadOnlyList<JsonObject> Decode(IReadOnlyList<byte[]> batch)
    {
        try
        {
            return DecodeBatch(batch);
        }
        catch (IOException)
        {
            // Its standard input is closed ("Broken pipe"): it ended; say why, in its own words.
            throw Ended();
        }
    }

    /// <summary>
    /// The error of a decoder that ended: its exit code and the last line it wrote to standard error (Python's
    /// exception, e.g. <c>ModuleNotFoundError: No module named 'ipv8'</c>).
    /// </summary>
    private InvalidOperationException Ended()
    {
        var exited = _process.WaitForExit(TimeSpan.FromSeconds(5));
        if (exited)
        {
            _process.WaitForExit(); // the end of its standard error too
        }

        var lastLine = Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        var code = exited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown";
        return new InvalidOperationException($"the py-ipv8 decoder ended (exit {code}): {lastLine ?? "it wrote nothing to standard error"}");
    }

    private List<JsonObject> DecodeBatch(IReadOnlyList<byte[]> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var input = _process.StandardInput;
        input.Write(batch.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        input.Write('\n');
        foreach (var datagram in batch)
        {
            input.Write(Convert.ToHexStringLower(datagram));
            input.Write('\n');
        }

        input.Flush();
        var results = new List<JsonObject>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var line = _process.StandardOutput.ReadLine() ?? throw Ended();
            results.Add(JsonNode.Parse(line) as JsonObject ?? throw new InvalidOperationException($"the py-ipv8 decoder printed {line}"));
        }

        return results;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (IOException)
        {
            // Its pipe is closed: it ended.
        }

        _process.Dispose();
        File.Delete(_script);
    }
}

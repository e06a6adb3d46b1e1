using System.Diagnostics;
using System.Text;

namespace Ipv8.Packaging.Tests;

/// <summary>What a child process did.</summary>
internal sealed record ProcessResult(string Command, int ExitCode, string Output, string Error, TimeSpan Elapsed, bool TimedOut)
{
    public bool Succeeded => !TimedOut && ExitCode == 0;

    /// <summary>The command, its outcome and everything it printed: for assertion messages.</summary>
    public override string ToString() =>
        $"`{Command}` {(TimedOut ? "timed out and was killed" : $"exited with {ExitCode}")} after {Elapsed.TotalSeconds:F1} s" +
        $"{Environment.NewLine}--- stdout ---{Environment.NewLine}{Output}--- stderr ---{Environment.NewLine}{Error}";
}

/// <summary>Runs child processes (dotnet, the installed tool) with a time limit and a CI-friendly environment.</summary>
internal static class ChildProcess
{
    /// <summary>Generous: a restore and a build on a loaded two-core machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The dotnet host running these tests (the SDK that built them), else the one on the PATH.</summary>
    public static string DotNet { get; } = FindDotNet();

    public static Task<ProcessResult> DotNetAsync(string workingDirectory, params string[] arguments) =>
        RunAsync(DotNet, arguments, workingDirectory);

    /// <summary>Runs a child; <paramref name="onOutputLine"/> sees each line of its standard output as it comes.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan? timeout = null, Action<Process, string>? onOutputLine = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        PrepareEnvironment(info.Environment);
        var output = new StringBuilder();
        var error = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            Append(output, e.Data);
            if (e.Data is not null)
            {
                onOutputLine?.Invoke(process, e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) => Append(error, e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();

        var timedOut = false;
        using (var cts = new CancellationTokenSource(timeout ?? DefaultTimeout))
        {
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(30));
            }
        }

        var command = Path.GetFileName(fileName) + " " + string.Join(' ', arguments);
        return new ProcessResult(command, timedOut ? -1 : process.ExitCode, Snapshot(output), Snapshot(error), clock.Elapsed, timedOut);
    }

    /// <summary>
    /// No telemetry, banners or first-run work; no build servers or reused MSBuild nodes that would outlive the child
    /// (and hold its output pipes open); none of the MSBuild variables of the `dotnet test` that runs these tests.
    /// </summary>
    private static void PrepareEnvironment(IDictionary<string, string?> environment)
    {
        foreach (var name in environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            environment.Remove(name);
        }

        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        environment["DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE"] = "1";
        environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["UseSharedCompilation"] = "false";
        environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    private static string FindDotNet()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}

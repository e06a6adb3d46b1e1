using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using System.Net;
using System.Net.Sockets;
using Ipv8.Cli.Hosting;

namespace Ipv8.Cli.Tests;

/// <summary>
/// A report written to standard output that cannot be delivered (the reader closed the pipe, standard output closed)
/// is one error line with the true reason and exit 1, for swarm, node and bench alike; never lost without a word.
/// </summary>
public sealed class StandardOutputTests
{
    private const string Community = "5ad767b05ae592a02488272ca2a86b847d4562e1";

    /// <summary>The commands that write their report to standard output, in runs of a second or so.</summary>
    public static TheoryData<string> Commands => ["swarm", "node", "bench"];

    [SkippableFact]
    public void A_write_to_a_pipe_whose_reader_closed_it_fails_with_the_reason_broken_pipe()
    {
        Skip.If(OperatingSystem.IsWindows(), "write(2) on a descriptor");
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        writer.ClientSafePipeHandle.Dispose(); // the only reader is gone
        writer.DisposeLocalCopyOfClientHandle();

        var ex = Assert.Throws<IOException>(() => StandardOutput.Write((int)writer.SafePipeHandle.DangerousGetHandle(), "{}\n"u8));

        Assert.Equal(StandardOutput.BrokenPipe, ex.Message);
        Assert.Equal("error: cannot write the report to standard output: the reader closed standard output (broken pipe).", Shared.OutputFiles.CannotWrite("--report", null, ex));
    }

    [SkippableTheory]
    [MemberData(nameof(Commands))]
    public void A_report_to_a_broken_pipe_exits_1_with_one_error_line_saying_the_reader_closed_standard_output(string command)
    {
        Skip.If(OperatingSystem.IsWindows(), "write(2) on a descriptor");
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)); // bench's target: never answers
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in Arguments(command, ((IPEndPoint)silent.Client.LocalEndPoint!).Port))
        {
            info.ArgumentList.Add(arg);
        }

        AssertOneErrorAndExit1(info, "error: cannot write the report to standard output: the reader closed standard output (broken pipe).");
    }

    [SkippableFact]
    public void A_report_to_a_closed_standard_output_exits_1_with_one_error_line_saying_it_is_closed()
    {
        Skip.IfNot(File.Exists("/bin/sh"), "needs /bin/sh to close the child's standard output");
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-c", "exec \"$0\" \"$@\" >&-", "dotnet" }.Concat(Arguments("swarm", 0)))
        {
            info.ArgumentList.Add(arg);
        }

        AssertOneErrorAndExit1(info, "error: cannot write the report to standard output: standard output is closed (bad file descriptor).");
    }

    /// <summary>
    /// Runs <paramref name="info"/>; with standard output redirected, closes the reading end at once (the reader goes
    /// before the report is written: the run takes a second or more). Asserts exit 1 and the one error line.
    /// </summary>
    private static void AssertOneErrorAndExit1(ProcessStartInfo info, string expected)
    {
        using var process = Process.Start(info)!;
        if (info.RedirectStandardOutput)
        {
            process.StandardOutput.Close();
        }

        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "the command did not end");
        Assert.Equal(1, process.ExitCode);
        Assert.Equal(expected, Assert.Single(CliHarness.Lines(error), l => l.StartsWith("error:", StringComparison.Ordinal)));
    }

    private static string[] Arguments(string command, int benchPort) => command switch
    {
        "swarm" => [typeof(CliApp).Assembly.Location, "swarm", "--nodes", "3", "--in-memory", "--quiet"],
        "node" => [typeof(CliApp).Assembly.Location, "node", "--port", "0", "--host", "127.0.0.1", "--community", Community, "--loopback-only", "--no-discovery", "--duration", "1", "--log-level", "None"],
        _ => [typeof(CliApp).Assembly.Location, "bench", "--target", string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{benchPort}"), "--message", "ping", "--rate", "100", "--duration", "0.5", "--warmup", "0", "--timeout", "0.1", "--quiet"],
    };
}

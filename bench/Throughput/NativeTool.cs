using System.Diagnostics;
using System.Globalization;
using Ipv8.Tests.Shared;

namespace Ipv8.Bench.Throughput;

/// <summary>
/// The C reference programs under bench/native, compiled on first use when a C compiler is on the PATH:
/// <c>udp_tool</c> (a sendmmsg sender and a recvmmsg receiver; without a compiler the harness falls back to its C#
/// sender and reports no C baseline) and <c>swarm_floor</c> (the <c>swarm-floor</c> scenario, which needs it).
/// </summary>
internal static class NativeTool
{
    private static readonly Lazy<string?> s_path = new(() => Build("udp_tool", "using the C# sender, and no C baseline"));
    private static readonly Lazy<string?> s_floorPath = new(() => Build("swarm_floor", null, "-pthread")); // the scenario says why it cannot run

    public static string? Path => s_path.Value;

    /// <summary>The compiled <c>bench/native/swarm_floor.c</c>, or null without a C compiler.</summary>
    public static string? FloorPath => s_floorPath.Value;

    /// <summary>Starts <c>udp_tool</c> with the given arguments, standard output redirected.</summary>
    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo(Path ?? throw new InvalidOperationException("no C compiler: udp_tool is not built"))
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start udp_tool");
    }

    /// <summary>The C recvmmsg loop's rate over <paramref name="seconds"/>, fed by the C sender: the same-run baseline.</summary>
    public static double? MeasureBaseline(double seconds)
    {
        if (Path is null)
        {
            return null;
        }

        using var receiver = Start("recv", "0", seconds.ToString(CultureInfo.InvariantCulture));
        var portLine = receiver.StandardOutput.ReadLine() ?? string.Empty;
        var port = portLine.Split(' ')[1];
        var packet = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(packet, UdpScenarios.IngestPacket());
            using var sender = Start("send", "127.0.0.1", port, (seconds + 2).ToString(CultureInfo.InvariantCulture), packet);
            var result = receiver.StandardOutput.ReadLine()!.Split(' ');
            sender.WaitForExit();
            var count = long.Parse(result[0], CultureInfo.InvariantCulture);
            var elapsed = double.Parse(result[1], CultureInfo.InvariantCulture);
            return elapsed > 0 ? count / elapsed : null;
        }
        finally
        {
            File.Delete(packet);
        }
    }

    /// <summary>
    /// Compiles bench/native/NAME.c into the bench's output folder (each process once). Null without a compiler or when
    /// it does not compile; <paramref name="without"/>, if given, is printed then with the reason.
    /// </summary>
    private static string? Build(string name, string? without, params string[] flags)
    {
        var source = System.IO.Path.Combine(RepoPaths.Root, "bench", "native", name + ".c");
        var output = System.IO.Path.Combine(AppContext.BaseDirectory, name);
        string? failed = null;
        foreach (var compiler in new[] { "cc", "gcc", "clang" })
        {
            try
            {
                using var build = Process.Start(new ProcessStartInfo(compiler, ["-O2", "-o", output, source, .. flags]) { UseShellExecute = false, RedirectStandardError = true });
                if (build is null)
                {
                    continue;
                }

                var errors = build.StandardError.ReadToEnd();
                build.WaitForExit();
                if (build.ExitCode == 0)
                {
                    return output;
                }

                failed ??= $"{compiler} could not compile {source}: {errors.Trim()}";
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // This compiler is not installed; try the next.
            }
        }

        if (failed is not null)
        {
            Console.Error.WriteLine(without is null ? failed : $"{failed}{Environment.NewLine}{without}");
            return null;
        }

        if (without is not null)
        {
            Console.Error.WriteLine($"no C compiler found (cc, gcc or clang): {without}");
        }

        return null;
    }
}

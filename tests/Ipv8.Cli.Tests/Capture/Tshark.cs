using System.Diagnostics;
using Ipv8.Tests.Shared;

namespace Ipv8.Cli.Tests.Capture;

/// <summary>
/// The real Wireshark command-line tools (Debian's <c>tshark</c> package: <c>tshark</c> and <c>dumpcap</c>). A test that
/// needs them calls <see cref="Require"/>: where they are missing it is skipped with the reason, or fails when
/// <c>IPV8_REQUIRE_TSHARK=1</c> (as <c>.ci/run</c> sets it, after installing them).
/// </summary>
internal static class Tshark
{
    public const string RequireVariable = "IPV8_REQUIRE_TSHARK";

    public const string InstallHint = "install it with: DEBIAN_FRONTEND=noninteractive apt-get install tshark";

    /// <summary>How long one tshark run may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static readonly Lazy<string?> s_missing = new(() => Check(["tshark", "dumpcap"]));

    public static string? Missing => s_missing.Value;

    public static bool Required => Prerequisite.IsRequired(RequireVariable);

    public static void Require() => Decide(Missing, Required);

    public static void Decide(string? missing, bool required, bool count = true) => Prerequisite.Decide("tshark", RequireVariable, missing, required, count);

    /// <summary>Null when every tool answers <c>--version</c>, else which one does not and how to install it.</summary>
    public static string? Check(IEnumerable<string> tools)
    {
        foreach (var tool in tools)
        {
            try
            {
                var (code, _, error) = Run(tool, ["--version"]);
                if (code != 0)
                {
                    return $"'{tool} --version' exited with {code}: {error.Trim()}; {InstallHint}";
                }
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                return $"'{tool}' was not found ({e.Message}); {InstallHint}";
            }
        }

        return null;
    }

    /// <summary>Runs a tool to its end (bounded by <see cref="Timeout"/>), returning its exit code and output.</summary>
    public static (int Code, string Output, string Error) Run(string tool, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not end within {Timeout.TotalSeconds} s");
        }

        return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    /// <summary>
    /// The dissector's fields for every frame of <paramref name="capture"/>, by frame number: <c>tshark -X lua_script</c>
    /// with UDP's heuristics tried first, so that no port-based dissector takes an IPv8 datagram.
    /// </summary>
    public static Dictionary<int, Dictionary<string, string>> Fields(string capture, string dissector, params string[] fields)
    {
        string[] args =
        [
            "-n", "-X", $"lua_script:{dissector}", "-o", "udp.try_heuristic_first:TRUE", "-r", capture,
            "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f", "-e", "frame.number", .. fields.SelectMany(f => new[] { "-e", f }),
        ];
        var (code, output, error) = Run("tshark", args);
        Assert.True(code == 0, $"tshark exited with {code}: {error}");
        Assert.DoesNotContain("Lua Error", output + error, StringComparison.Ordinal);
        var rows = new Dictionary<int, Dictionary<string, string>>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var cells = line.TrimEnd('\r').Split('\t');
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < fields.Length; i++)
            {
                row[fields[i]] = i + 1 < cells.Length ? cells[i + 1] : string.Empty;
            }

            rows[int.Parse(cells[0], System.Globalization.CultureInfo.InvariantCulture)] = row;
        }

        return rows;
    }
}

/// <summary>The prerequisite check behind the tshark tests: a missing tool is named with how to install it; required, it fails.</summary>
public sealed class TsharkPrerequisiteTests
{
    [Fact]
    public void AMissingTool_IsNamedWithHowToInstallIt()
    {
        var missing = Tshark.Check(["no-such-tshark-for-ipv8-tests"]);

        Assert.NotNull(missing);
        Assert.Contains("'no-such-tshark-for-ipv8-tests' was not found", missing, StringComparison.Ordinal);
        Assert.Contains("apt-get install tshark", missing, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingTool_FailsWhenRequired() =>
        Assert.Throws<Xunit.Sdk.XunitException>(() => Tshark.Decide("tshark was not found", required: true));

    [Fact]
    public void AMissingTool_SkipsWhenNotRequired() =>
        Assert.Throws<SkipException>(() => Tshark.Decide("tshark was not found", required: false, count: false));

    [Fact]
    public void NothingMissing_NeitherSkipsNorFails() => Tshark.Decide(null, required: true);
}

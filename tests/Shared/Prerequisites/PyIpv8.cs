using System.Diagnostics;

namespace Ipv8.Tests.Shared;

/// <summary>
/// Where the real py-ipv8 is and whether it can run here: <c>/usr/bin/python3</c>, <c>../shared/py-ipv8</c> (relative
/// to the repository root) and its Python modules. Every interop test calls <see cref="Require"/> first: when something
/// is missing the test is skipped with the reason, or fails with it when <c>IPV8_REQUIRE_PY_IPV8=1</c> (as in CI).
/// Shared by the interop tests and the CLI tests of <c>ipv8 fuzz --differential</c>, which run py-ipv8 as a decoder.
/// </summary>
internal static class PyIpv8
{
    /// <summary>The interpreter the tests use: Debian's, which the apt packages below install into.</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>The environment variable that turns a missing prerequisite from a skip into a failure.</summary>
    public const string RequireVariable = "IPV8_REQUIRE_PY_IPV8";

    /// <summary>What py-ipv8 and its tracker import.</summary>
    public static readonly IReadOnlyList<string> Modules = ["ipv8", "libnacl", "cryptography", "aiohttp"];

    /// <summary>How to install the prerequisites on Debian.</summary>
    public const string InstallHint =
        "install them with: apt-get install python3-libnacl python3-m2crypto python3-cryptography python3-aiohttp " +
        "python3-aiohttp-apispec python3-typing-extensions (and keep py-ipv8 in ../shared/py-ipv8)";

    private static readonly Lazy<string?> s_missing = new(() => Check(Python, Directory, Modules));

    /// <summary><c>../shared/py-ipv8</c>, relative to the repository root.</summary>
    public static string Directory => Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "py-ipv8"));

    /// <summary>The folder of the interop tests' Python side (copied next to their test assembly).</summary>
    public static string Scripts => Path.Combine(AppContext.BaseDirectory, "py");

    /// <summary>Why py-ipv8 cannot run here, or null when it can. Checked once per test run.</summary>
    public static string? Missing => s_missing.Value;

    /// <summary>Whether a missing prerequisite fails the test instead of skipping it.</summary>
    public static bool Required => Prerequisite.IsRequired(RequireVariable);

    /// <summary>Skips the calling test (or fails it, when <see cref="Required"/>) if py-ipv8 cannot run here.</summary>
    public static void Require() => Decide(Missing, Required);

    /// <summary>What <c>ipv8 fuzz --differential</c>'s py-ipv8 decoder imports: no tracker, so no aiohttp.</summary>
    public static readonly IReadOnlyList<string> DecoderModules = ["ipv8", "libnacl", "cryptography"];

    private static readonly Lazy<string?> s_decoderMissing = new(() => Check(Python, Directory, DecoderModules));

    /// <summary><see cref="Require"/> for a test that runs only the fuzzer's py-ipv8 decoder (<see cref="DecoderModules"/>).</summary>
    public static void RequireDecoder() => Decide(s_decoderMissing.Value, Required);

    /// <summary>Nothing when <paramref name="missing"/> is null; otherwise a skip, or a failure when <paramref name="required"/>.</summary>
    public static void Decide(string? missing, bool required, bool count = true) => Prerequisite.Decide("py-ipv8", RequireVariable, missing, required, count);

    /// <summary>
    /// Checks that <paramref name="python"/> exists, that <paramref name="pyIpv8"/> holds py-ipv8, and that
    /// <paramref name="modules"/> import with <c>PYTHONPATH=pyIpv8</c>. Returns null when all is there, else what is
    /// missing and how to install it.
    /// </summary>
    public static string? Check(string python, string pyIpv8, IReadOnlyList<string> modules)
    {
        if (!File.Exists(python))
        {
            return $"{python} does not exist; apt-get install python3, then {InstallHint}";
        }

        if (!File.Exists(Path.Combine(pyIpv8, "ipv8", "community.py")))
        {
            return $"py-ipv8 was not found at {pyIpv8} (expected ipv8/community.py there); {InstallHint}";
        }

        var info = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"import {string.Join(", ", modules)}");
        info.Environment["PYTHONPATH"] = pyIpv8;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {python}");
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            return $"`{python} -c 'import {string.Join(", ", modules)}'` did not finish within 60 s";
        }

        if (process.ExitCode != 0)
        {
            var lines = error.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var last = lines.Length > 0 ? lines[^1] : $"exit code {process.ExitCode}";
            return $"`import {string.Join(", ", modules)}` failed with PYTHONPATH={pyIpv8}: {last}; {InstallHint}";
        }

        return null;
    }
}

namespace Ipv8.Tests.Shared;

/// <summary>
/// What a test does when an outside tool it needs (tshark, py-ipv8) cannot run here: on a plain machine it is skipped
/// with the reason; when the tool's environment variable is <c>1</c> (as <c>.ci/run</c> sets it) it fails instead.
/// Compiled only into the test projects that reference Xunit.SkippableFact.
/// </summary>
internal static class Prerequisite
{
    /// <summary>Whether <paramref name="requireVariable"/> is set to <c>1</c>: a missing tool then fails the test.</summary>
    public static bool IsRequired(string requireVariable) => Environment.GetEnvironmentVariable(requireVariable) == "1";

    /// <summary>
    /// Nothing when <paramref name="missing"/> is null; otherwise a skip naming <paramref name="tool"/> and why, or a
    /// failure when <paramref name="required"/>. A skip is counted in <see cref="SkipFile"/> unless <paramref name="count"/>
    /// is false (the tests of this decision themselves, whose reasons are made up).
    /// </summary>
    public static void Decide(string tool, string requireVariable, string? missing, bool required, bool count = true)
    {
        if (missing is null)
        {
            return;
        }

        if (required)
        {
            throw new Xunit.Sdk.XunitException($"{tool} is required ({requireVariable}=1) but cannot run: {missing}");
        }

        var reason = $"{tool} cannot run: {missing}. Set {requireVariable}=1 to make this a failure.";
        if (count)
        {
            Record(reason);
        }

        Skip.If(true, reason);
    }

    /// <summary>
    /// The file next to the test assembly where skip reasons are counted, one line each ("N tests skipped: reason"):
    /// <c>dotnet test</c> shows a skip's reason only at detailed verbosity, so tests/Directory.Build.targets prints this
    /// file after the project's tests ran, and the reason is visible in the plain command's output.
    /// </summary>
    public static string SkipFile => Path.Combine(AppContext.BaseDirectory, "skipped-prerequisites.txt");

    private static readonly Lock s_lock = new();
    private static readonly Dictionary<string, int> s_skips = new(StringComparer.Ordinal);

    private static void Record(string reason)
    {
        lock (s_lock)
        {
            s_skips[reason] = s_skips.GetValueOrDefault(reason) + 1;
            try
            {
                File.WriteAllLines(SkipFile, s_skips.Select(s => $"{s.Value} {(s.Value == 1 ? "test" : "tests")} skipped: {s.Key}"));
            }
            catch (IOException)
            {
                // Only a convenience: the skip itself still carries the reason.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}

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
    /// failure when <paramref name="required"/>.
    /// </summary>
    public static void Decide(string tool, string requireVariable, string? missing, bool required)
    {
        if (missing is null)
        {
            return;
        }

        if (required)
        {
            throw new Xunit.Sdk.XunitException($"{tool} is required ({requireVariable}=1) but cannot run: {missing}");
        }

        Skip.If(true, $"{tool} cannot run: {missing}. Set {requireVariable}=1 to make this a failure.");
    }
}

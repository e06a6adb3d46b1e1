using System.Text.Json.Nodes;
using Ipv8.Cli;

namespace Ipv8.Cli.Tests;

/// <summary>Runs the ipv8 command line in-process, capturing standard output and standard error.</summary>
internal static class CliHarness
{
    /// <summary>
    /// The CPUs the probes can pin themselves to: <see cref="Hosting.ThreadAffinity.AllowedCpus"/> when pinning works
    /// here (tried on a thread of its own), empty when it does not (not Linux, or a sandbox that refuses
    /// <c>sched_setaffinity</c>): then the probes run unpinned and report CPU −1.
    /// </summary>
    public static int[] PinnableCpus()
    {
        var allowed = Hosting.ThreadAffinity.AllowedCpus();
        if (allowed.Length == 0)
        {
            return [];
        }

        var pins = false;
        var thread = new Thread(() => pins = Hosting.ThreadAffinity.TryPinCurrentThread(allowed[0]));
        thread.Start();
        thread.Join();
        return pins ? allowed : [];
    }

    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Runs <paramref name="args"/> and asserts a usage error: exit 2, nothing on standard output, and standard error
    /// exactly the one line <paramref name="expected"/>.
    /// </summary>
    public static void AssertUsageError(string expected, params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal(expected, Assert.Single(Lines(error)));
    }

    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static JsonObject ParseObject(string json) => JsonNode.Parse(json)?.AsObject() ?? throw new Xunit.Sdk.XunitException($"not a JSON object: {json}");

    public static void AssertKeys(JsonObject json, IEnumerable<string> expected) =>
        Assert.Equal(expected.Order(StringComparer.Ordinal), json.Select(p => p.Key).Order(StringComparer.Ordinal));

    public static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"ipv8-cli-tests-{Guid.NewGuid():N}-{name}");
}

using Ipv8.Shared;

namespace Ipv8.Bench;

/// <summary>
/// What the bench program refuses before BenchmarkDotNet sees the arguments: BenchmarkDotNet shows an interactive
/// picker when no benchmark is selected (no arguments, or a word that is no option such as a misspelt harness), which
/// waits for input forever in a script.
/// </summary>
public static class BenchArguments
{
    /// <summary>The harnesses a user runs (the <c>-sender</c> ones are started by them).</summary>
    public static IReadOnlyList<string> Harnesses { get; } = ["throughput", "flood"];

    /// <summary>
    /// One error line and exit code 2 for arguments that would open BenchmarkDotNet's picker; null for arguments it runs
    /// (options such as <c>--filter '*Decode*'</c>).
    /// </summary>
    public static int? Refuse(IReadOnlyList<string> args, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        const string usage = "the harnesses are throughput and flood (add --help), and the micro-benchmarks take BenchmarkDotNet's options: --filter '*Decode*', --list flat";
        if (args.Count == 0)
        {
            error.WriteLine($"error: no harness or benchmark filter given; {usage}.");
            return 2;
        }

        if (args[0].StartsWith('-'))
        {
            return null;
        }

        error.WriteLine($"error: '{args[0]}' is not a bench command{Suggest.DidYouMean(args[0], Harnesses, maxEdits: 3)}; {usage}.");
        return 2;
    }
}

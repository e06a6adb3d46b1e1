using Ipv8.Fuzz;
using Ipv8.Fuzz.Targets;
using Ipv8.Tests.Shared;

namespace Ipv8.Fuzz.Tests;

/// <summary>Replays the committed regression corpus (fuzz/regression) through every fuzz target, as CI must.</summary>
public class RegressionCorpusTests
{
    public static IEnumerable<object[]> Cases() =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "fuzz", "regression"), "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .SelectMany(file => FuzzTargets.All.Select(target => new object[] { target.Name, Path.GetRelativePath(RepoPaths.Root, file) }));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_regression_input_keeps_every_invariant(string target, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(RepoPaths.Root, file));
        FuzzTargets.Find(target)!.Run(input);
    }

    [Fact]
    public void A_broken_invariant_is_reported_as_a_violation() =>
        Assert.Throws<InvariantViolationException>(() => FuzzTargets.Check(false, "example"));

    [Fact]
    public void The_regression_corpus_covers_every_target()
    {
        foreach (var target in FuzzTargets.All)
        {
            Assert.True(Directory.Exists(Path.Combine(RepoPaths.Root, "fuzz", "regression", target.Name)), target.Name);
        }
    }

    [Fact]
    public void Replay_of_an_empty_folder_passes_and_a_missing_folder_is_an_error()
    {
        var folder = Directory.CreateTempSubdirectory("ipv8-replay-");
        try
        {
            Assert.Equal(0, FuzzProgram.Run(["replay", folder.FullName]));
            Assert.Throws<DirectoryNotFoundException>(() => FuzzProgram.Run(["replay", Path.Combine(folder.FullName, "missing")]));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

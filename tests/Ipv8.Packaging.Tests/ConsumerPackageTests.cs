using Xunit.Abstractions;

namespace Ipv8.Packaging.Tests;

/// <summary>A project outside the repository uses the packages as a NuGet user would.</summary>
[Collection(PackagesCollection.Name)]
public sealed class ConsumerPackageTests(PackagesFixture packages, ITestOutputHelper log)
{
    [Fact]
    public async Task A_consumer_with_its_own_payload_and_community_builds_from_the_packages_and_two_nodes_exchange_it()
    {
        var project = packages.NewDirectory("consumer");
        var template = Path.Combine(AppContext.BaseDirectory, "Consumer");
        File.Copy(Path.Combine(template, "Program.cs"), Path.Combine(project, "Program.cs"));
        File.WriteAllText(
            Path.Combine(project, "Consumer.csproj"),
            File.ReadAllText(Path.Combine(template, "Consumer.csproj.template")).Replace("$IPV8_VERSION$", packages.Version, StringComparison.Ordinal));
        // The Ipv8 packages come from the packed folder, into this consumer's own package folder.
        await LocalFeed.BuildAgainstPackagesAsync(project, packages, "Ipv8.Wire", "Ipv8.Engine");

        var run = await ChildProcess.DotNetAsync(project, Path.Combine(project, "bin", "Release", "net10.0", "Consumer.dll"));
        Assert.True(run.Succeeded, run.ToString());
        log.WriteLine(run.ToString());
        Assert.Contains($"Ipv8.Wire {packages.Version}", run.Output, StringComparison.Ordinal);
        Assert.Contains("generated: Greeting is message 7, signed: True", run.Output, StringComparison.Ordinal);
        Assert.Contains("discovered: a and b are each other's verified peers", run.Output, StringComparison.Ordinal);
        Assert.Contains("a received \"hello from b\" #41", run.Output, StringComparison.Ordinal);
        Assert.Contains("b received \"hello from a\" #42", run.Output, StringComparison.Ordinal);
        Assert.Contains("OK: custom payload exchanged both ways", run.Output, StringComparison.Ordinal);
    }
}

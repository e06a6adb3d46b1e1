using System.Xml.Linq;
using Ipv8.Tests.Shared;
using Xunit.Abstractions;

namespace Ipv8.Packaging.Tests;

/// <summary>docs/testing.md, done as it says: an xunit project with Ipv8.Testing runs the page's example.</summary>
[Collection(PackagesCollection.Name)]
public sealed class TestingPackageTests(PackagesFixture packages, ITestOutputHelper log)
{
    [Fact]
    public async Task A_test_project_with_Ipv8_Testing_alone_runs_the_testing_guides_example()
    {
        var project = packages.NewDirectory("testing-consumer");
        File.Copy(Path.Combine(RepoPaths.Root, "docs", "examples", "GreeterCommunityTests.cs"), Path.Combine(project, "GreeterCommunityTests.cs"));
        await File.WriteAllTextAsync(Path.Combine(project, "Greeter.Tests.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <IsPackable>false</IsPackable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Ipv8.Testing" Version="{packages.Version}" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="{PinnedVersion("Microsoft.NET.Test.Sdk")}" />
                <PackageReference Include="xunit" Version="{PinnedVersion("xunit")}" />
                <PackageReference Include="xunit.runner.visualstudio" Version="{PinnedVersion("xunit.runner.visualstudio")}" />
              </ItemGroup>
            </Project>
            """);

        // Only Ipv8.Testing is referenced: Ipv8.Engine, Ipv8.Wire, the [Payload] generator and FakeTimeProvider come with it.
        await LocalFeed.BuildAgainstPackagesAsync(project, packages, "Ipv8.Testing", "Ipv8.Engine", "Ipv8.Wire");
        Assert.True(Directory.Exists(Path.Combine(project, "nuget-packages", "microsoft.extensions.timeprovider.testing")));

        var test = await ChildProcess.DotNetAsync(project, "test", "-c", "Release", "--no-build", "--disable-build-servers");
        log.WriteLine(test.ToString());
        Assert.True(test.Succeeded, test.ToString());
        Assert.Contains("Passed!  - Failed:     0, Passed:     4", test.Output, StringComparison.Ordinal);
    }

    /// <summary>The version this repository pins in Directory.Packages.props (the machine's package cache has it).</summary>
    private static string PinnedVersion(string id) =>
        (string?)XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == id)
            .Attribute("Version")
        ?? throw new InvalidOperationException($"{id} has no pinned version");
}

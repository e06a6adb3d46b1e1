using System.Text;
using Ipv8.Tests.Shared;

namespace Ipv8.Packaging.Tests;

/// <summary>docs/getting-started.md, done as it says: a console project with Ipv8.Hosting and Microsoft.Extensions.Hosting.</summary>
[Collection(PackagesCollection.Name)]
public sealed class GettingStartedPackageTests(PackagesFixture packages)
{
    [Fact]
    public async Task The_getting_started_program_builds_against_the_Ipv8_Hosting_package_alone_and_binds_its_settings()
    {
        var markdown = await File.ReadAllLinesAsync(Path.Combine(RepoPaths.Root, "docs", "getting-started.md"));
        var program = Fenced(markdown, "csharp");
        var settings = Fenced(markdown, "json");

        var project = packages.NewDirectory("getting-started");
        await File.WriteAllTextAsync(Path.Combine(project, "Program.cs"), program);
        await File.WriteAllTextAsync(Path.Combine(project, "appsettings.json"), settings);
        await File.WriteAllTextAsync(Path.Combine(project, "Greeter.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Ipv8.Hosting" Version="{packages.Version}" />
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="10.0.0" />
              </ItemGroup>
              <ItemGroup>
                <None Update="appsettings.json" CopyToOutputDirectory="PreserveNewest" />
              </ItemGroup>
            </Project>
            """);
        // Only Ipv8.Hosting is referenced: Ipv8.Engine, Ipv8.Wire and the [Payload] generator come with it.
        await LocalFeed.BuildAgainstPackagesAsync(project, packages, "Ipv8.Hosting", "Ipv8.Engine", "Ipv8.Wire");
        Assert.True(File.Exists(Path.Combine(project, "bin", "Release", "net10.0", "Greeter.dll")));

        // Run it as the guide says (its appsettings.json: a new key file, port 0 on 127.0.0.1), and stop it the way a
        // service manager does, with SIGTERM, once it listens: the host stops the node and exits 0.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var terminated = 0;
        var output = Path.Combine(project, "bin", "Release", "net10.0");
        var run = await ChildProcess.RunAsync(
            ChildProcess.DotNet,
            ["Greeter.dll"],
            output,
            TimeSpan.FromMinutes(2),
            (process, line) =>
            {
                if (line.Contains("listening on 127.0.0.1:", StringComparison.Ordinal) && Interlocked.Exchange(ref terminated, 1) == 0)
                {
                    using var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                    kill.WaitForExit();
                }
            });
        Assert.True(run.Succeeded, run.ToString());
        Assert.Contains("Ipv8 node", run.Output, StringComparison.Ordinal);
        Assert.Contains("stopped", run.Output, StringComparison.Ordinal);
        Assert.Equal(74, new FileInfo(Path.Combine(output, "greeter.key")).Length);
    }

    private static string Fenced(string[] lines, string language)
    {
        var start = Array.FindIndex(lines, l => l.Trim() == "```" + language);
        Assert.True(start >= 0, $"getting-started.md has no ```{language} block");
        var text = new StringBuilder();
        for (var i = start + 1; i < lines.Length && lines[i].Trim() != "```"; i++)
        {
            text.AppendLine(lines[i]);
        }

        return text.ToString();
    }
}

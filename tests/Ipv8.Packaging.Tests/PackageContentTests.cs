using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ipv8.Tests.Shared;

namespace Ipv8.Packaging.Tests;

/// <summary>What is inside the packed .nupkg files.</summary>
[Collection(PackagesCollection.Name)]
public sealed partial class PackageContentTests(PackagesFixture packages)
{
    private const string ToolFolder = "tools/net10.0/any/";

    /// <summary>The PDB's "embedded source" custom debug information kind.</summary>
    private static readonly Guid s_embeddedSource = new("0E8A571B-6926-466E-B4AD-8AB04611F5FE");

    private IEnumerable<Package> Libraries => packages.Packages.Where(p => !p.PackageTypes.Contains("DotnetTool"));

    [Fact]
    public void The_libraries_and_the_tool_are_packed_with_one_stable_version()
    {
        Assert.Contains(packages.Packages, p => p.Id == "Ipv8.Wire");
        Assert.Contains(packages.Packages, p => p.Id == "Ipv8.Engine");
        Assert.Contains(packages.Packages, p => p.Id == "ipv8");
        Assert.Contains(packages.Packages, p => p.Id == "Ipv8.Hosting");
        Assert.Contains(packages.Packages, p => p.Id == "Ipv8.Testing");
        Assert.DoesNotContain(packages.Packages, p => p.Id.Contains("Generators", StringComparison.OrdinalIgnoreCase) || p.Id.Contains("Tests", StringComparison.OrdinalIgnoreCase));
        Assert.All(packages.Packages, p => Assert.Equal(packages.Version, p.Version));
        Assert.Matches(@"^\d+\.\d+\.\d+$", packages.Version); // stable: `dotnet tool install` finds it without --prerelease
    }

    [Fact]
    public void Every_library_package_has_its_assembly_XML_docs_README_and_license_expression()
    {
        var license = ExpectedLicenseExpression();
        Assert.All(Libraries, package =>
        {
            Assert.True(package.Contains($"lib/net10.0/{package.Id}.dll"), $"{package.FileName}: lib/net10.0/{package.Id}.dll");
            var docs = package.ReadXml($"lib/net10.0/{package.Id}.xml");
            Assert.NotEmpty(docs.Descendants("member"));
            AssertReadmeAndLicense(package, license);
        });
    }

    [Fact]
    public void The_tool_package_has_its_readme_and_license_too()
    {
        AssertReadmeAndLicense(packages.Get("ipv8"), ExpectedLicenseExpression());
    }

    [Fact]
    public void Ipv8_Wire_carries_the_payload_generator_as_a_CSharp_analyzer_and_not_as_a_dependency()
    {
        var wire = packages.Get("Ipv8.Wire");
        Assert.True(wire.Contains("analyzers/dotnet/cs/Ipv8.Wire.Generators.dll"), string.Join(", ", wire.Files));
        Assert.DoesNotContain(wire.Files, f => f.StartsWith("lib/", StringComparison.Ordinal) && f.Contains("Generators", StringComparison.Ordinal));
        Assert.All(packages.Packages, p => Assert.DoesNotContain(p.Dependencies, d => ((string?)d.Attribute("id") ?? "").Contains("Generators", StringComparison.OrdinalIgnoreCase)));
        Assert.Contains(wire.Dependencies, d => (string?)d.Attribute("id") == "Sodium.Core");
    }

    [Fact]
    public void Ipv8_Engine_depends_on_the_same_Ipv8_Wire_and_passes_its_generator_on()
    {
        var engine = packages.Get("Ipv8.Engine");
        var wire = Assert.Single(engine.Dependencies, d => (string?)d.Attribute("id") == "Ipv8.Wire");
        Assert.Equal(packages.Version, (string?)wire.Attribute("version"));
        Assert.DoesNotContain("Analyzers", (string?)wire.Attribute("exclude") ?? "", StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void CommunityToolkit_HighPerformance_is_a_dependency_of_Ipv8_Engine_and_not_of_Ipv8_Wire()
    {
        // docs/install.md: the engine's Community.Send uses SpanOwner; no wire type a consumer sees needs the toolkit.
        static bool IsToolkit(XElement d) => (string?)d.Attribute("id") == "CommunityToolkit.HighPerformance";
        Assert.Contains(packages.Get("Ipv8.Engine").Dependencies, IsToolkit);
        Assert.DoesNotContain(packages.Get("Ipv8.Wire").Dependencies, IsToolkit);
    }

    [Fact]
    public void Ipv8_Hosting_depends_on_the_same_Engine_and_Wire_and_passes_the_generator_on()
    {
        var hosting = packages.Get("Ipv8.Hosting");
        foreach (var id in new[] { "Ipv8.Engine", "Ipv8.Wire" })
        {
            var dependency = Assert.Single(hosting.Dependencies, d => (string?)d.Attribute("id") == id);
            Assert.Equal(packages.Version, (string?)dependency.Attribute("version"));
            Assert.DoesNotContain("Analyzers", (string?)dependency.Attribute("exclude") ?? "", StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains(hosting.Dependencies, d => (string?)d.Attribute("id") == "Microsoft.Extensions.Hosting.Abstractions");
    }

    [Fact]
    public void Ipv8_Testing_depends_on_the_same_Engine_and_Wire_passes_the_generator_on_and_brings_the_fake_clock()
    {
        var testing = packages.Get("Ipv8.Testing");
        foreach (var id in new[] { "Ipv8.Engine", "Ipv8.Wire" })
        {
            var dependency = Assert.Single(testing.Dependencies, d => (string?)d.Attribute("id") == id);
            Assert.Equal(packages.Version, (string?)dependency.Attribute("version"));
            Assert.DoesNotContain("Analyzers", (string?)dependency.Attribute("exclude") ?? "", StringComparison.OrdinalIgnoreCase);
        }

        var clock = Assert.Single(testing.Dependencies, d => (string?)d.Attribute("id") == "Microsoft.Extensions.TimeProvider.Testing");
        Assert.DoesNotContain("Compile", (string?)clock.Attribute("exclude") ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(testing.Dependencies, d => ((string?)d.Attribute("id") ?? "").StartsWith("xunit", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Every_library_has_repository_metadata_and_an_embedded_deterministic_PDB_with_its_sources()
    {
        Assert.All(Libraries, package =>
        {
            var repository = package.Element("repository");
            Assert.NotNull(repository);
            Assert.Equal("git", (string?)repository.Attribute("type"));
            Assert.Matches(CommitHash(), (string?)repository.Attribute("commit") ?? "");

            using var pe = new PEReader(new MemoryStream(package.ReadFile($"lib/net10.0/{package.Id}.dll")));
            var debug = pe.ReadDebugDirectory();
            Assert.Contains(debug, e => e.Type == DebugDirectoryEntryType.Reproducible);
            using var pdbProvider = pe.ReadEmbeddedPortablePdbDebugDirectoryData(
                Assert.Single(debug, e => e.Type == DebugDirectoryEntryType.EmbeddedPortablePdb));
            var pdb = pdbProvider.GetMetadataReader();
            var sources = pdb.Documents.Select(h => (Name: pdb.GetString(pdb.GetDocument(h).Name), Handle: h))
                .Where(d => d.Name.EndsWith(".cs", StringComparison.Ordinal))
                .ToList();
            Assert.NotEmpty(sources);
            Assert.All(sources, d => Assert.True(
                pdb.GetCustomDebugInformation(d.Handle).Any(c => pdb.GetGuid(pdb.GetCustomDebugInformation(c).Kind) == s_embeddedSource),
                $"{package.Id}: {d.Name} is not embedded in the PDB"));
            if (packages.Configuration == "Release")
            {
                // ContinuousIntegrationBuild: paths do not depend on where the repository was checked out
                Assert.All(sources, d => Assert.StartsWith("/_/", d.Name, StringComparison.Ordinal));
            }
        });
    }

    [Fact]
    public void The_ipv8_tool_package_is_a_dotnet_tool_that_carries_libsodium_for_each_platform()
    {
        var tool = packages.Get("ipv8");
        Assert.Contains("DotnetTool", tool.PackageTypes);
        Assert.Empty(tool.Dependencies);

        var settings = tool.ReadXml(ToolFolder + "DotnetToolSettings.xml");
        var command = Assert.Single(settings.Descendants("Command"));
        Assert.Equal("ipv8", (string?)command.Attribute("Name"));
        Assert.Equal("ipv8.dll", (string?)command.Attribute("EntryPoint"));

        foreach (var file in new[] { "ipv8.dll", "Ipv8.Wire.dll", "Ipv8.Engine.dll", "Sodium.Core.dll", "ipv8.runtimeconfig.json", "ipv8.deps.json" })
        {
            Assert.True(tool.Contains(ToolFolder + file), $"{tool.FileName} lacks {ToolFolder}{file}");
        }

        // Sodium.Core's native libsodium: a framework-dependent tool keeps every runtime's copy; the host picks one.
        foreach (var native in new[] { "linux-x64/native/libsodium.so", "linux-arm64/native/libsodium.so", "osx-arm64/native/libsodium.dylib", "win-x64/native/libsodium.dll" })
        {
            Assert.True(tool.Contains(ToolFolder + "runtimes/" + native), $"{tool.FileName} lacks runtimes/{native}");
        }
    }

    private static void AssertReadmeAndLicense(Package package, string license)
    {
        Assert.Equal("README.md", package.Field("readme"));
        Assert.Contains(package.Id, System.Text.Encoding.UTF8.GetString(package.ReadFile("README.md")), StringComparison.OrdinalIgnoreCase);
        var element = package.Element("license");
        Assert.NotNull(element);
        Assert.Equal("expression", (string?)element.Attribute("type"));
        Assert.Equal(license, element.Value);
    }

    /// <summary>The expression set once for every project, in the root Directory.Build.props.</summary>
    private static string ExpectedLicenseExpression()
    {
        var props = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props"));
        var expression = props.Descendants("PackageLicenseExpression").Single().Value;
        Assert.False(string.IsNullOrWhiteSpace(expression));
        return expression;
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();
}

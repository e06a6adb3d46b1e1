using System.Reflection;
using Ipv8.Tests.Shared;

namespace Ipv8.Packaging.Tests;

/// <summary>
/// Packs every packable project of Ipv8.sln once per test run into a temporary folder, from the outputs this run's
/// build made (`dotnet pack --no-build`, in the configuration these tests were built in: the test project references
/// every src/ project, so they are built first). Every test works under <see cref="Root"/>, deleted at the end.
/// </summary>
public sealed class PackagesFixture : IAsyncLifetime
{
    private readonly List<Package> _packages = [];

    /// <summary>The temporary folder of this run.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("ipv8-packaging-").FullName;

    /// <summary>The folder the packages were written to: a local package source.</summary>
    public string PackageDirectory => Path.Combine(Root, "packages");

    /// <summary>The packages' version (all of them share it).</summary>
    public string Version { get; private set; } = "";

    public string Configuration { get; } =
        typeof(PackagesFixture).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    public IReadOnlyList<Package> Packages => _packages;

    /// <summary>The package with this id (ids compare case-insensitively, as NuGet's do).</summary>
    public Package Get(string id) =>
        _packages.SingleOrDefault(p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? throw new Xunit.Sdk.XunitException($"No package {id} among: {string.Join(", ", _packages.Select(p => p.FileName))}");

    /// <summary>A new empty folder under <see cref="Root"/>.</summary>
    public string NewDirectory(string name) => Directory.CreateDirectory(Path.Combine(Root, name)).FullName;

    public async Task InitializeAsync()
    {
        var pack = await ChildProcess.DotNetAsync(
            RepoPaths.Root,
            "pack", Path.Combine(RepoPaths.Root, "Ipv8.sln"), "-c", Configuration, "--no-build", "-o", PackageDirectory, "--disable-build-servers");
        if (!pack.Succeeded)
        {
            throw new InvalidOperationException("Packing failed: " + pack);
        }

        foreach (var file in Directory.EnumerateFiles(PackageDirectory, "*.nupkg").Order(StringComparer.Ordinal))
        {
            _packages.Add(Package.Read(file));
        }

        Version = Get("Ipv8.Wire").Version;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp folder is harmless
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Task.CompletedTask;
    }
}

/// <summary>The tests that share one packing.</summary>
[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<PackagesFixture>
{
    public const string Name = "packages";
}

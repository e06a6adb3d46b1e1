using System.Security;

namespace Ipv8.Packaging.Tests;

/// <summary>Restore settings for projects outside the repository that use the freshly packed packages.</summary>
internal static class LocalFeed
{
    /// <summary>
    /// Writes a nuget.config whose sources are the packed folder, the machine's global packages folder (as a plain
    /// folder source, for the third-party dependencies) and nuget.org. Source mapping takes Ipv8.* and ipv8 from the
    /// packed folder only, and <paramref name="globalPackagesFolder"/> is a fresh folder: an older package with the
    /// same version, cached anywhere else, is never used.
    /// </summary>
    public static void WriteNuGetConfig(string directory, string packed, string globalPackagesFolder)
    {
        var machineCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var sources = new List<(string Key, string Value)> { ("ipv8-packed", packed) };
        if (Directory.Exists(machineCache))
        {
            sources.Add(("machine-cache", machineCache));
        }

        sources.Add(("nuget.org", "https://api.nuget.org/v3/index.json"));

        var xml = new System.Text.StringBuilder();
        xml.AppendLine("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        xml.AppendLine("<configuration>");
        xml.AppendLine($"  <config><add key=\"globalPackagesFolder\" value=\"{Escape(globalPackagesFolder)}\" /></config>");

        xml.AppendLine("  <packageSources>");
        xml.AppendLine("    <clear />");
        foreach (var (key, value) in sources)
        {
            xml.AppendLine($"    <add key=\"{key}\" value=\"{Escape(value)}\" />");
        }

        xml.AppendLine("  </packageSources>");
        xml.AppendLine("  <packageSourceMapping>");
        xml.AppendLine("    <clear />");
        xml.AppendLine("    <packageSource key=\"ipv8-packed\"><package pattern=\"Ipv8.*\" /><package pattern=\"ipv8\" /></packageSource>");
        foreach (var (key, _) in sources.Skip(1))
        {
            xml.AppendLine($"    <packageSource key=\"{key}\"><package pattern=\"*\" /></packageSource>");
        }

        xml.AppendLine("  </packageSourceMapping>");
        xml.AppendLine("</configuration>");
        File.WriteAllText(Path.Combine(directory, "nuget.config"), xml.ToString());
    }

    /// <summary>A nuget.config that clears every source: only those given on the command line (--add-source) count.</summary>
    public static void WriteNoSourcesNuGetConfig(string directory) =>
        File.WriteAllText(
            Path.Combine(directory, "nuget.config"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />\n  </packageSources>\n</configuration>\n");

    /// <summary>Empty Directory.Build.* and Directory.Packages.props: nothing above the folder (e.g. in /tmp) applies.</summary>
    public static void IsolateFromParentFolders(string directory)
    {
        foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(directory, name), "<Project />" + Environment.NewLine);
        }
    }

    /// <summary>
    /// Restores and builds a project written into <paramref name="project"/> against the packed folder (warnings are
    /// errors there), and checks the Ipv8 packages <paramref name="expected"/> came from it into the project's own
    /// package folder.
    /// </summary>
    public static async Task<ProcessResult> BuildAgainstPackagesAsync(string project, PackagesFixture packages, params string[] expected)
    {
        WriteNuGetConfig(project, packages.PackageDirectory, Path.Combine(project, "nuget-packages"));
        IsolateFromParentFolders(project);
        var build = await ChildProcess.DotNetAsync(project, "build", "-c", "Release", "--disable-build-servers");
        Assert.True(build.Succeeded, build.ToString());
        Assert.Contains(" 0 Warning(s)", build.Output, StringComparison.Ordinal);
        foreach (var id in expected)
        {
            Assert.True(Directory.Exists(Path.Combine(project, "nuget-packages", id.ToLowerInvariant(), packages.Version)), $"{id} was not restored from the packed folder{Environment.NewLine}{build}");
        }

        return build;
    }

    private static string Escape(string value) => SecurityElement.Escape(value);
}

using System.Text.Json;
using Ipv8.Tests.Shared;
using Xunit.Abstractions;

namespace Ipv8.Packaging.Tests;

/// <summary>The `ipv8` tool installs from the packed folder and runs.</summary>
[Collection(PackagesCollection.Name)]
public sealed class DotnetToolTests(PackagesFixture packages, ITestOutputHelper log)
{
    [Fact]
    public async Task The_ipv8_tool_installs_into_a_tool_path_and_decodes_a_py_ipv8_vector()
    {
        var work = packages.NewDirectory("tool");
        var toolPath = Path.Combine(work, "tools");
        // no configured source: --add-source (the packed folder) is the only one; the tool package has no dependencies
        LocalFeed.WriteNoSourcesNuGetConfig(work);

        var install = await ChildProcess.DotNetAsync(
            work, "tool", "install", "--tool-path", toolPath, "--add-source", packages.PackageDirectory, "ipv8", "--version", packages.Version);
        Assert.True(install.Succeeded, install.ToString());
        Assert.Contains($"Tool 'ipv8' (version '{packages.Version}') was successfully installed.", install.Output, StringComparison.Ordinal);

        var ipv8 = Path.Combine(toolPath, OperatingSystem.IsWindows() ? "ipv8.exe" : "ipv8");
        var version = await ChildProcess.RunAsync(ipv8, ["--version"], work);
        Assert.True(version.Succeeded, version.ToString());
        Assert.StartsWith(packages.Version, version.Output.Trim(), StringComparison.Ordinal);

        using var vectors = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "community.json")));
        var vector = vectors.RootElement.GetProperty("vectors").EnumerateArray().First(v => v.GetProperty("decoded").GetProperty("signed").GetBoolean());
        var decode = await ChildProcess.RunAsync(ipv8, ["decode", vector.GetProperty("packet").GetString()!], work);
        Assert.True(decode.Succeeded, decode.ToString());
        log.WriteLine(decode.ToString());

        // the signature was verified with libsodium, loaded from the tool package's runtimes/ folder
        using var decoded = JsonDocument.Parse(decode.Output.Trim());
        var line = decoded.RootElement;
        Assert.False(line.TryGetProperty("error", out _), decode.ToString());
        Assert.Equal(vector.GetProperty("name").GetString(), line.GetProperty("name").GetString());
        Assert.Equal(vector.GetProperty("msg_id").GetInt32(), line.GetProperty("msg_id").GetInt32());
        Assert.True(line.GetProperty("signed").GetBoolean());
        var expected = vector.GetProperty("decoded");
        Assert.Equal(expected.GetProperty("public_key").GetString(), line.GetProperty("public_key").GetString());
        Assert.Equal(expected.GetProperty("global_time").GetUInt64(), line.GetProperty("global_time").GetUInt64());
    }
}

using System.Text.Json.Nodes;

namespace Ipv8.Cli.Tests;

/// <summary>
/// The <c>ipv8</c> tool's runtime settings (Ipv8.Cli.csproj), which docs/cli.md and docs/benchmarks.md (issue 13,
/// sessions 9 and 10) measured: one server-GC heap without dynamic adaptation or affinity, and no dynamic PGO.
/// </summary>
public sealed class ToolRuntimeConfigTests
{
    [Fact]
    public void The_tool_runs_one_server_gc_heap_without_dynamic_pgo()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "ipv8.runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} is missing: the test project copies the tool's output");
        var properties = JsonNode.Parse(File.ReadAllText(path))!["runtimeOptions"]!["configProperties"]!.AsObject();

        Assert.True((bool)properties["System.GC.Server"]!);
        Assert.Equal(1, (int)properties["System.GC.HeapCount"]!);
        Assert.Equal(0, (int)properties["System.GC.DynamicAdaptationMode"]!);
        Assert.True((bool)properties["System.GC.NoAffinitize"]!);
        Assert.False((bool)properties["System.Runtime.TieredPGO"]!);
        Assert.False(properties.ContainsKey("System.Runtime.TieredCompilation"), "tiered compilation stays on");
    }
}

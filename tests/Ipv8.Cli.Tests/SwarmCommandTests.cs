using System.Text.Json;
using Ipv8.Cli.Commands;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Cli.Tests;

/// <summary><c>ipv8 swarm</c>: small swarms, on 127.0.0.1 only, converge and report.</summary>
public class SwarmCommandTests
{
    private static readonly string[] s_required = ["nodes", "converged", "seconds_to_converge", "peers_per_node", "packets_sent", "packets_received"];

    // The documented extras (docs/cli.md); everything else would be a contract change.
    private static readonly string[] s_extras = ["transport", "target_peers", "max_peers", "walk_target", "startup_seconds", "seconds_running", "tracker"];

    [Theory]
    [InlineData(false, "udp")]
    [InlineData(true, "in-memory")]
    public async Task A_small_swarm_converges_and_reports_the_required_fields(bool inMemory, string transport)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new SwarmConfig { Nodes = 5, Duration = TimeSpan.FromSeconds(45), InMemory = inMemory };

        var code = await SwarmCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.True(code == 0, error.ToString());
        var json = CliHarness.ParseObject(output.ToString());
        CliHarness.AssertKeys(json, [.. s_required, .. s_extras]);
        Assert.Equal(5, (int)json["nodes"]!);
        Assert.True((bool)json["converged"]!);
        Assert.Equal(JsonValueKind.Number, json["seconds_to_converge"]!.GetValueKind());
        Assert.InRange((double)json["seconds_to_converge"]!, 0.0, 45.0);
        var peers = json["peers_per_node"]!.AsObject();
        CliHarness.AssertKeys(peers, ["min", "median", "max"]);
        Assert.Equal(4, (int)peers["min"]!); // min(N - 1, 20)
        Assert.Equal(4, (int)peers["max"]!);
        Assert.True((long)json["packets_sent"]! > 0);
        Assert.True((long)json["packets_received"]! > 0);
        Assert.Equal(transport, (string)json["transport"]!);
        Assert.StartsWith("127.0.0.1:", (string)json["tracker"]!, StringComparison.Ordinal);

        var log = error.ToString();
        Assert.Contains("verified peers min", log, StringComparison.Ordinal); // live progress
        Assert.Contains("converged in", log, StringComparison.Ordinal); // the summary
    }

    [Fact]
    public async Task A_swarm_that_cannot_converge_in_time_says_so_and_exits_non_zero()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new SwarmConfig { Nodes = 3, Duration = TimeSpan.FromSeconds(1), InMemory = true, MaxPeers = 0 };

        var code = await SwarmCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Equal(1, code);
        var json = CliHarness.ParseObject(output.ToString());
        Assert.False((bool)json["converged"]!);
        Assert.True(json.ContainsKey("seconds_to_converge"));
        Assert.Null(json["seconds_to_converge"]); // JSON null
        Assert.Contains("did NOT converge", error.ToString(), StringComparison.Ordinal);
    }
}

using Ipv8.Cli.Hosting;
using Ipv8.Engine.Bootstrapping;

namespace Ipv8.Cli.Tests;

/// <summary>What the one error line says: a "did you mean" for near misses, and the help of the command being run.</summary>
public class ErrorLineTests
{
    private const string Community = "33333333333333333333333333333333333333aa";

    [Theory]
    [InlineData("nod", "node")]
    [InlineData("swram", "swarm")]
    [InlineData("Decode", "decode")]
    [InlineData("keygn", "keygen")]
    public void An_unknown_command_close_to_a_known_one_gets_a_did_you_mean(string typed, string meant)
    {
        var (code, _, error) = CliHarness.Run(typed);

        Assert.Equal(2, code);
        Assert.Equal(
            $"error: '{typed}' is not a command (did you mean '{meant}'?); the commands are swarm, node, tracker, decode, dissector, keygen, bench, fuzz (see 'ipv8 --help')",
            Assert.Single(CliHarness.Lines(error)));
    }

    [Fact]
    public void An_unknown_command_far_from_every_known_one_gets_the_list_of_commands_and_no_guess()
    {
        var (code, _, error) = CliHarness.Run("xyz", "--port", "1");

        Assert.Equal(2, code);
        Assert.Equal("error: 'xyz' is not a command; the commands are swarm, node, tracker, decode, dissector, keygen, bench, fuzz (see 'ipv8 --help')", Assert.Single(CliHarness.Lines(error)));
    }

    [Fact]
    public void No_command_at_all_says_so_and_lists_the_commands()
    {
        var (code, _, error) = CliHarness.Run();

        Assert.Equal(2, code);
        Assert.Equal("error: no command given; the commands are swarm, node, tracker, decode, dissector, keygen, bench, fuzz (see 'ipv8 --help')", Assert.Single(CliHarness.Lines(error)));
    }

    [Fact]
    public void An_unknown_option_close_to_a_known_one_gets_a_did_you_mean_and_its_value_is_no_second_error()
    {
        var (code, _, error) = CliHarness.Run("node", "--port", "1", "--community", Community, "--max-peer", "3");

        Assert.Equal(2, code);
        Assert.Equal("error: unknown option '--max-peer' (did you mean '--max-peers'?). (see 'ipv8 node --help')", Assert.Single(CliHarness.Lines(error)));
    }

    [Fact]
    public void An_unknown_option_with_no_near_known_one_is_named_without_a_guess()
    {
        var (_, _, error) = CliHarness.Run("swarm", "--colour", "red");

        Assert.Equal("error: unknown option '--colour'. (see 'ipv8 swarm --help')", Assert.Single(CliHarness.Lines(error)));
    }

    [Theory]
    [InlineData(new[] { "node", "--port", "70000", "--community", Community }, "ipv8 node --help")]
    [InlineData(new[] { "swarm", "--nodes", "0" }, "ipv8 swarm --help")]
    [InlineData(new[] { "tracker", "--port", "abc" }, "ipv8 tracker --help")]
    [InlineData(new[] { "decode", "--schema" }, "ipv8 decode --help")]
    [InlineData(new[] { "keygen" }, "ipv8 keygen --help")]
    [InlineData(new[] { "nod" }, "ipv8 --help")]
    public void Errors_point_at_the_help_of_the_command_being_run(string[] args, string help)
    {
        var (_, _, error) = CliHarness.Run(args);

        Assert.EndsWith($"(see '{help}')", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);
    }

    [Fact]
    public void Several_errors_share_the_line_separated_by_semicolons()
    {
        var (_, _, error) = CliHarness.Run("node", "--port", "70000", "--community", "zz");

        Assert.Equal(
            "error: --port must be a whole number from 0 to 65535, got '70000'; --community must be 40 hex digits (20 bytes, not all zero), got 'zz'. (see 'ipv8 node --help')",
            Assert.Single(CliHarness.Lines(error)));
    }

    [Theory]
    [InlineData(new[] { "node", "--port", "x", "--community", Community }, "--port must be a whole number from 0 to 65535, got 'x'", "node")]
    [InlineData(new[] { "node", "--community", Community }, "--port is required", "node")]
    [InlineData(new[] { "node", "--community", Community, "--port" }, "--port needs a value", "node")]
    [InlineData(new[] { "tracker", "--port", "99999" }, "--port must be a whole number from 0 to 65535, got '99999'", "tracker")]
    [InlineData(new[] { "node", "--port", "1", "--community", Community, "--max-peers", "many" }, "--max-peers must be a whole number, -1 (unlimited) or at least 0, got 'many'", "node")]
    [InlineData(new[] { "swarm", "--nodes", "x" }, "--nodes must be a whole number from 1 to 10000, got 'x'", "swarm")]
    [InlineData(new[] { "swarm", "--duration", "soon" }, "--duration must be a number, got 'soon'", "swarm")]
    [InlineData(new[] { "swarm", "--log-level", "loud" }, "--log-level must be one of Trace, Debug, Information, Warning, Error, Critical, None, got 'loud'", "swarm")]
    [InlineData(new[] { "keygen" }, "--out is required", "keygen")]
    public void A_bad_or_missing_value_is_said_in_the_clis_words_not_system_commandlines(string[] args, string expected, string command)
    {
        var (code, _, error) = CliHarness.Run(args);

        Assert.Equal(2, code);
        var line = Assert.Single(CliHarness.Lines(error));
        Assert.Equal($"error: {expected}. (see 'ipv8 {command} --help')", line);
        Assert.DoesNotContain("System.", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "swarm", "--nodes", "--quiet" }, "--nodes needs a value", "swarm")]
    [InlineData(new[] { "swarm", "--in-memory", "--duration", "--quiet" }, "--duration needs a value", "swarm")]
    [InlineData(new[] { "swarm", "--nodes", "3", "--in-memory", "--duration", "1", "--report", "--quiet" }, "--report needs a value", "swarm")]
    [InlineData(new[] { "swarm", "--log-level", "--nodes", "3" }, "--log-level needs a value", "swarm")]
    [InlineData(new[] { "node", "--community", Community, "--port", "--quiet" }, "--port needs a value; unknown option '--quiet'", "node")]
    public void An_option_followed_by_another_option_is_said_to_need_a_value_not_to_have_the_option_as_its_value(string[] args, string expected, string command)
    {
        var (code, output, error) = CliHarness.Run(args);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output); // nothing ran: "--report --quiet" did not write a report named "--quiet"
        Assert.Equal($"error: {expected}. (see 'ipv8 {command} --help')", Assert.Single(CliHarness.Lines(error)));
    }

    [Theory]
    [InlineData(new[] { "decode", "--schem", "x.json" }, "--schema")]
    [InlineData(new[] { "decode", "--schem" }, "--schema")]
    [InlineData(new[] { "tracker", "--prot", "1" }, "--port")]
    public void A_misspelt_option_gets_a_did_you_mean_in_every_command(string[] args, string meant)
    {
        var (code, _, error) = CliHarness.Run(args);

        Assert.Equal(2, code);
        Assert.Contains($"unknown option '{args[1]}' (did you mean '{meant}'?)", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_with_an_unknown_option_is_a_usage_error_with_exit_code_2_as_docs_cli_md_says()
    {
        var (code, output, error) = CliHarness.Run("decode", "--bogus");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("error: ", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("node", "node", 0)]
    [InlineData("swram", "swarm", 1)]
    [InlineData("nod", "node", 1)]
    [InlineData("max-peer", "max-peers", 1)]
    [InlineData("xyz", "node", 4)]
    [InlineData("", "abc", 3)]
    public void Edit_distance_counts_inserts_deletes_substitutions_and_swaps_of_neighbours_as_one_each(string a, string b, int expected) =>
        Assert.Equal(expected, CliApp.EditDistance(a, b));

    [Fact]
    public void Bootstrap_values_split_into_servers_and_the_public_trackers()
    {
        var (servers, publicTrackers) = CliArguments.ParseHostPorts(["127.0.0.1:6421", "public", "tracker.example.org:6422", "[::1]:6423"]);

        Assert.True(publicTrackers);
        Assert.Equal(["127.0.0.1:6421", "tracker.example.org:6422", "[::1]:6423"], servers.Select(s => s.ToString()));
        Assert.Equal(HostPortOf("tracker.example.org:6422"), servers[1]);
        Assert.False(CliArguments.ParseHostPorts(["127.0.0.1:6421"]).Public);
    }

    private static HostPort HostPortOf(string text) => HostPort.TryParse(text, out var value, out var error) ? value : throw new ArgumentException(error);
}

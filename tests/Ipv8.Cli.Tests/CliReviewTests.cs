namespace Ipv8.Cli.Tests;

/// <summary>
/// Small user-facing defects of the command line found in review, across commands: numbers with a space around them,
/// values echoed as given.
/// </summary>
public sealed class CliReviewTests
{
    private const string CommunityHex = "33333333333333333333333333333333333333aa";

    [Theory]
    [InlineData("swarm", "--duration", " 2", "--duration must be a number, got ' 2'")]
    [InlineData("swarm", "--duration", "2 ", "--duration must be a number, got '2 '")]
    [InlineData("swarm", "--bootstrap-interval", "\t1", "--bootstrap-interval must be a number, got '\t1'")]
    [InlineData("swarm", "--base-port", " 5", "--base-port must be a whole number, got ' 5'")]
    [InlineData("swarm", "--seed", "7 ", "--seed must be a whole number, got '7 '")]
    [InlineData("swarm", "--nodes", " 3", "--nodes must be a whole number from 1 to 10000, got ' 3'")]
    [InlineData("node", "--duration", " 2", "--duration must be a number, got ' 2'")]
    [InlineData("tracker", "--duration", "2 ", "--duration must be a number, got '2 '")]
    [InlineData("bench", "--rate", " 100", "--rate must be a number, got ' 100'")]
    [InlineData("fuzz", "--rate", " 100", "--rate must be a whole number, got ' 100'")]
    public void A_number_with_a_space_before_or_after_it_is_refused_by_every_command(string command, string option, string value, string expected)
    {
        string[] args = command switch
        {
            "node" => ["node", "--port", "0", "--community", CommunityHex, option, value],
            "tracker" => ["tracker", "--port", "0", option, value],
            "bench" => ["bench", "--target", "127.0.0.1:8090", "--message", "ping", option, value],
            "fuzz" => ["fuzz", "--target", "127.0.0.1:8090", "--community", CommunityHex, option, value],
            _ => [command, option, value],
        };

        var (code, output, error) = CliHarness.Run(args);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"error: {expected}. (see 'ipv8 {command} --help')", Assert.Single(CliHarness.Lines(error)));
    }

    [Theory]
    [InlineData("node", "1e400")] // converts to infinity: was echoed as 'Infinity'
    [InlineData("node", "Infinity")]
    [InlineData("node", "0")]
    [InlineData("node", "2592000.5")] // 30 days and half a second
    [InlineData("node", "1e-300")] // below the clock's 100 ns: a limit of 0
    [InlineData("tracker", "1e400")]
    [InlineData("tracker", "-1")]
    [InlineData("fuzz", "1e400")]
    public void Node_tracker_and_fuzz_duration_errors_echo_the_value_as_given(string command, string value)
    {
        string[] args = command switch
        {
            "node" => ["node", "--port", "0", "--community", CommunityHex, "--duration", value],
            "tracker" => ["tracker", "--port", "0", "--duration", value],
            _ => ["fuzz", "--target", "127.0.0.1:8090", "--community", CommunityHex, "--duration", value],
        };

        var (code, output, error) = CliHarness.Run(args);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"error: --duration must be a positive number of seconds (at most 30 days), got '{value}'. (see 'ipv8 {command} --help')", Assert.Single(CliHarness.Lines(error)));
    }

    [Theory]
    [InlineData("--rate", "0", "--rate must be 1-1000000 requests per second")]
    [InlineData("--rate", "1e400", "--rate must be 1-1000000 requests per second")]
    [InlineData("--duration", "0", "--duration must be 0.1-3600 seconds")]
    [InlineData("--duration", "1e400", "--duration must be 0.1-3600 seconds")]
    [InlineData("--identities", "0", "--identities must be a whole number from 1 to 1000")]
    [InlineData("--identities", "1001", "--identities must be a whole number from 1 to 1000")]
    [InlineData("--max-loss", "150", "--max-loss must be 0-100 percent")]
    [InlineData("--max-rate", "0.5", "--max-rate must be 1-1000000 requests per second")]
    [InlineData("--max-p99", "0", "--max-p99 must be a finite number of ms more than 0")]
    [InlineData("--max-p99", "Infinity", "--max-p99 must be a finite number of ms more than 0")]
    [InlineData("--max-schedule-error", "-1", "--max-schedule-error must be a finite number of ms more than 0")]
    public void Bench_range_errors_echo_the_value_as_given(string option, string value, string rule)
    {
        var (code, output, error) = CliHarness.Run("bench", "--target", "127.0.0.1:8090", "--message", "ping", option, value);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"error: {rule}, got '{value}'. (see 'ipv8 bench --help')", Assert.Single(CliHarness.Lines(error)));
    }
}

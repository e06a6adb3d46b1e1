namespace Ipv8.Cli.Tests;

/// <summary>The CLI contract: bad arguments exit 2 with a one-line error on standard error, and print nothing else.</summary>
public class ArgumentTests
{
    private const string Community = "33333333333333333333333333333333333333aa";

    public static TheoryData<string[]> BadArguments => new()
    {
        new[] { "no-such-command" },
        new[] { "node" },
        new[] { "node", "--port", "8090" },
        new[] { "node", "--community", Community },
        new[] { "node", "--port", "70000", "--community", Community },
        new[] { "node", "--port", "-1", "--community", Community },
        new[] { "node", "--port", "x", "--community", Community },
        new[] { "node", "--port", "8090", "--community", "zz" },
        new[] { "node", "--port", "8090", "--community", "0000000000000000000000000000000000000000" },
        new[] { "node", "--port", "8090", "--community", Community, "--bootstrap", "nope" },
        new[] { "node", "--port", "8090", "--community", Community, "--bootstrap", "127.0.0.1:0" },
        new[] { "node", "--port", "8090", "--community", Community, "--bootstrap", "bad_host!:80" },
        new[] { "node", "--port", "8090", "--community", Community, "--peer", "127.0.0.1" },
        new[] { "node", "--port", "8090", "--community", Community, "--peer", "0.0.0.0:8090" },
        new[] { "node", "--port", "8090", "--community", Community, "--peer", "public" },
        new[] { "node", "--port", "8090", "--community", Community, "--host", "example.org" },
        new[] { "node", "--port", "8090", "--community", Community, "--duration", "0" },
        new[] { "node", "--port", "8090", "--community", Community, "--max-peers", "-2" },
        new[] { "node", "--port", "8090", "--community", Community, "--key", "/nonexistent/ipv8.key" },
        new[] { "node", "--port", "8090", "--community", Community, "--unknown-option" },
        new[] { "tracker" },
        new[] { "tracker", "--port", "abc" },
        new[] { "tracker", "--port", "8090", "--duration", "-5" },
        new[] { "swarm", "--nodes", "0" },
        new[] { "swarm", "--nodes", "100000" },
        new[] { "swarm", "--duration", "0" },
        new[] { "swarm", "--duration", "abc" },
        new[] { "swarm", "--base-port", "70000" },
        new[] { "swarm", "--batch-size", "0" },
        new[] { "swarm", "--walk-target", "-3" },
        new[] { "keygen" },
        new[] { "decode", "--bogus" },
        new[] { "decode", "00", "--bogus" },
        new[] { "decode", "-x", "00" },
        new[] { "decode", "--schema" },
        new[] { "decode", "--schema", "/nonexistent/schema.json", "00" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_exit_2_with_one_error_line(string[] args)
    {
        var (code, output, error) = CliHarness.Run(args);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        var lines = CliHarness.Lines(error);
        Assert.Single(lines);
        Assert.StartsWith("error:", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_that_is_not_a_private_key_is_refused_in_one_line()
    {
        var path = CliHarness.TempPath("not-a-key");
        File.WriteAllText(path, "LibNaCLPK:not a private key");
        try
        {
            var (code, output, error) = CliHarness.Run("node", "--port", "0", "--host", "127.0.0.1", "--community", Community, "--key", path, "--duration", "1", "--log-level", "None");

            Assert.Equal(2, code);
            Assert.Equal(string.Empty, output);
            var line = Assert.Single(CliHarness.Lines(error));
            Assert.StartsWith("error:", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Help_lists_every_command()
    {
        var (code, output, _) = CliHarness.Run("--help");

        Assert.Equal(0, code);
        foreach (var command in new[] { "swarm", "node", "tracker", "decode", "dissector", "keygen", "bench" })
        {
            Assert.Contains(command, output, StringComparison.Ordinal);
        }
    }
}

using System.Net;
using Ipv8.Cli.Commands;
using Ipv8.Engine;
using Ipv8.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Cli.Tests;

/// <summary><c>ipv8 keygen</c> and <c>ipv8 node --key</c> read and write key files through the engine's KeyFile.</summary>
public sealed class KeyFileCliTests : IDisposable
{
    private const string CommunityHex = "5ad767b05ae592a02488272ca2a86b847d4562e1";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ipv8-cli-keys-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Keygen_refuses_an_existing_file_in_one_line_with_exit_1_and_leaves_it_as_it_was()
    {
        var path = Path.Combine(_directory.FullName, "taken.key");
        File.WriteAllText(path, "mine");

        var (code, output, error) = CliHarness.Run("keygen", "--out", path);

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal(
            $"error: --out '{path}' already exists; keygen never overwrites a key: choose another path, or delete the file first.",
            Assert.Single(CliHarness.Lines(error)));
        Assert.Equal("mine", File.ReadAllText(path));
    }

    [Fact]
    public void Keygen_and_node_refuse_a_directory_as_a_directory_in_one_line()
    {
        var (keygenCode, _, keygenError) = CliHarness.Run("keygen", "--out", _directory.FullName);
        var (nodeCode, _, nodeError) = CliHarness.Run("node", "--port", "0", "--community", CommunityHex, "--key", _directory.FullName);

        Assert.Equal(2, keygenCode);
        Assert.Equal($"error: --out '{_directory.FullName}' is a directory, not a file. (see 'ipv8 keygen --help')", Assert.Single(CliHarness.Lines(keygenError)));
        Assert.Equal(2, nodeCode);
        Assert.Equal($"error: --key {_directory.FullName} is a directory, not a key file. (see 'ipv8 node --help')", Assert.Single(CliHarness.Lines(nodeError)));
    }

    [Fact]
    public void Node_refuses_a_public_key_file_in_one_line_saying_what_a_key_file_holds_and_where_it_was_read()
    {
        var path = Path.Combine(_directory.FullName, "public.key");
        File.WriteAllText(path, "LibNaCLPK:0123456789");

        var (code, output, error) = CliHarness.Run("node", "--port", "0", "--host", "127.0.0.1", "--community", CommunityHex, "--key", path, "--duration", "1", "--loopback-only", "--log-level", "None");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal(
            $"error: --key {path} is not a private key file: a key file holds one private key, the 74-byte LibNaCLSK: key bin that 'ipv8 keygen' and py-ipv8 write; this one holds a public key (LibNaCLPK:). (see 'ipv8 node --help')",
            Assert.Single(CliHarness.Lines(error)));
    }

    [Fact]
    public async Task A_second_node_on_the_key_file_of_a_running_node_is_refused_with_exit_1_saying_to_give_it_its_own()
    {
        var path = Path.Combine(_directory.FullName, "node.key");
        Assert.Equal(0, CliHarness.Run("keygen", "--out", path).ExitCode);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var config = new NodeConfig { Host = IPAddress.Loopback, Port = 0, Community = CommunityId.Parse(CommunityHex), KeyFile = new FileInfo(path), LoopbackOnly = true };
        var first = NodeCommand.RunAsync(config, TextWriter.Null, TextWriter.Null, NullLoggerFactory.Instance, stop.Token, (_, _) => started.SetResult());
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var (code, output, error) = CliHarness.Run("node", "--port", "0", "--host", "127.0.0.1", "--community", CommunityHex, "--key", path, "--duration", "1", "--loopback-only", "--log-level", "None");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(CliHarness.Lines(error));
        Assert.StartsWith($"error: --key {path} is in use by another running node", line, StringComparison.Ordinal);
        Assert.EndsWith("key file of its own.", line, StringComparison.Ordinal);
        await stop.CancelAsync();
        Assert.Equal(0, await first);

        // Released when the first node stops.
        using var reopened = KeyFile.Open(path);
        reopened.Key.Dispose();
    }
}

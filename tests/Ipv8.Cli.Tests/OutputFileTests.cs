using Ipv8.Cli.Commands;
using Ipv8.Shared;
using Ipv8.Tests.Shared;

namespace Ipv8.Cli.Tests;

/// <summary>
/// Every option naming a file the CLI writes refuses a missing folder or a directory as a usage error (exit 2, one line
/// naming the option and the folder) before any work starts; the CLI's own errors are said in its words.
/// </summary>
public sealed class OutputFileTests : IDisposable
{
    private const string Community = "5ad767b05ae592a02488272ca2a86b847d4562e1";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ipv8-cli-out-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static readonly (string Command, string[] Args)[] s_writers =
    [
        ("node", ["node", "--port", "0", "--community", Community, "--duration", "30", "--report"]),
        ("swarm", ["swarm", "--nodes", "3", "--in-memory", "--duration", "30", "--report"]),
        ("swarm", ["swarm", "--nodes", "3", "--in-memory", "--duration", "30", "--plot"]),
        ("bench", ["bench", "--target", "127.0.0.1:9", "--community", Community, "--duration", "30", "--report"]),
        ("bench", ["bench", "--target", "127.0.0.1:9", "--community", Community, "--duration", "30", "--plot"]),
        ("keygen", ["keygen", "--out"]),
        ("dissector", ["dissector", "--out"]),
    ];

    /// <summary>Every command with an option naming a file it writes, the option last.</summary>
    public static TheoryData<string, string[]> Writers => Data(s_writers);

    private static TheoryData<string, string[]> Data(IEnumerable<(string Command, string[] Args)> rows)
    {
        var data = new TheoryData<string, string[]>();
        foreach (var (command, args) in rows)
        {
            data.Add(command, args);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void A_missing_folder_is_a_usage_error_naming_the_option_and_the_folder_and_is_not_created(string command, string[] args)
    {
        var folder = Path.Combine(_directory.FullName, "missing");
        var name = args[^1] == "--plot" ? "r.svg" : "r.out";

        var (code, output, error) = CliHarness.Run([.. args, Path.Combine(folder, name)]);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(CliHarness.Lines(error));
        Assert.StartsWith($"error: {args[^1]} '", line, StringComparison.Ordinal);
        Assert.Contains($"the folder '{folder}' does not exist", line, StringComparison.Ordinal);
        Assert.EndsWith($"(see 'ipv8 {command} --help')", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void A_directory_given_as_the_file_is_a_usage_error(string command, string[] args)
    {
        var (code, _, error) = CliHarness.Run([.. args, _directory.FullName]);

        Assert.Equal(2, code);
        var line = Assert.Single(CliHarness.Lines(error));
        Assert.Contains($"{args[^1]} '{_directory.FullName}' is a directory, not a file", line, StringComparison.Ordinal);
        Assert.EndsWith($"(see 'ipv8 {command} --help')", line, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Writers))]
    public void A_file_that_cannot_be_created_is_a_usage_error_before_the_run_not_after_it(string command, string[] args)
    {
        // /proc takes no new files, even from root (permission bits would not stop a root test run).
        Skip.IfNot(OperatingSystem.IsLinux() && Directory.Exists("/proc/self"), "needs Linux's /proc");
        var path = $"/proc/ipv8-output-test-{Environment.ProcessId}.{(args[^1] == "--plot" ? "svg" : "out")}";

        var (code, output, error) = CliHarness.Run([.. args, path]);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(CliHarness.Lines(error));
        Assert.Equal($"error: {args[^1]} '{path}' cannot be created in '/proc': that folder takes no new files. (see 'ipv8 {command} --help')", line);
    }

    [Fact]
    public void A_write_failure_names_the_path_once_and_keeps_the_systems_reason()
    {
        var file = new FileInfo(Path.Combine(_directory.FullName, "gone", "r.json"));

        var line = OutputFiles.CannotWrite("--report", file, new DirectoryNotFoundException($"Could not find a part of the path '{file.FullName}'."));

        Assert.Equal($"error: cannot write --report '{file.FullName}': Could not find a part of the path.", line);
    }

    [Fact]
    public void A_file_that_can_be_created_is_not_left_behind_by_the_check()
    {
        var path = new FileInfo(Path.Combine(_directory.FullName, "checked.json"));

        Assert.Null(OutputFiles.Problem("--report", path));
        Assert.Null(OutputFiles.CannotCreate("--report", path));
        Assert.False(File.Exists(path.FullName));
    }

    [SkippableFact]
    public void An_existing_file_a_fifo_or_a_device_is_never_opened_by_the_check()
    {
        Skip.If(OperatingSystem.IsWindows(), "POSIX FIFOs and devices");
        var existing = Path.Combine(_directory.FullName, "read-only.json");
        File.WriteAllText(existing, "kept");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(existing, UnixFileMode.UserRead); // root may still write it: only the write can tell
        }
        var fifo = Path.Combine(_directory.FullName, "fifo.json");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
        }

        foreach (var path in new[] { existing, fifo, "/dev/null", "/dev/stdout" })
        {
            Assert.Null(OutputFiles.Problem("--report", new FileInfo(path))); // an open FIFO would block here
            Assert.Null(OutputFiles.CannotCreate("--report", new FileInfo(path)));
        }

        Assert.Equal("kept", File.ReadAllText(existing));
    }

    [Fact]
    public void Decode_schema_given_a_directory_says_so()
    {
        var (code, _, error) = CliHarness.Run("decode", "--schema", _directory.FullName);

        Assert.Equal(2, code);
        Assert.Equal(
            $"error: --schema '{_directory.FullName}' is a directory, not a file. (see 'ipv8 decode --help')",
            Assert.Single(CliHarness.Lines(error)));
    }

    [Fact]
    public void An_option_given_twice_is_said_in_the_cli_words()
    {
        var (code, _, error) = CliHarness.Run("node", "--port", "1", "--port", "2", "--community", Community);

        Assert.Equal(2, code);
        Assert.Equal("error: --port given 2 times; give it once. (see 'ipv8 node --help')", Assert.Single(CliHarness.Lines(error)));
    }

    [Fact]
    public void A_key_file_that_is_not_a_key_is_a_usage_error_with_the_help_suffix()
    {
        var path = Path.Combine(_directory.FullName, "not-a.key");
        File.WriteAllText(path, "not a key");

        var (code, output, error) = CliHarness.Run("node", "--port", "0", "--community", Community, "--duration", "30", "--key", path);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(CliHarness.Lines(error));
        Assert.StartsWith("error: --key ", line, StringComparison.Ordinal);
        Assert.EndsWith(". (see 'ipv8 node --help')", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Discovery_community_id_as_the_community_is_a_usage_error_with_the_help_suffix()
    {
        var (code, _, error) = CliHarness.Run("node", "--port", "0", "--community", "7e313685c1912a141279f8248fc8db5899c5df5a", "--duration", "30");

        Assert.Equal(2, code);
        var line = Assert.Single(CliHarness.Lines(error));
        Assert.Contains("is py-ipv8's DiscoveryCommunity", line, StringComparison.Ordinal);
        Assert.EndsWith("(see 'ipv8 node --help')", line, StringComparison.Ordinal);
    }

    [Fact]
    public void The_error_examples_of_docs_cli_md_are_what_the_cli_prints()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", "cli.md"));
        var checkedExamples = 0;
        for (var i = 0; i + 1 < lines.Length; i++)
        {
            if (lines[i].StartsWith("$ ipv8 ", StringComparison.Ordinal) && lines[i + 1].StartsWith("error: ", StringComparison.Ordinal))
            {
                var args = lines[i]["$ ipv8 ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var (code, _, error) = CliHarness.Run(args);
                Assert.Equal(2, code);
                Assert.Equal(lines[i + 1], Assert.Single(CliHarness.Lines(error)));
                checkedExamples++;
            }
        }

        Assert.True(checkedExamples >= 3, $"only {checkedExamples} error examples found in docs/cli.md");
    }

    [SkippableFact]
    public async Task Node_report_that_cannot_be_written_exits_1_with_one_clean_error_line()
    {
        Skip.IfNot(File.Exists("/dev/full"), "needs /dev/full");
        using var error = new StringWriter();
        var config = new NodeConfig
        {
            Host = System.Net.IPAddress.Loopback,
            Port = 0,
            Community = Wire.CommunityId.Parse(Community),
            Duration = TimeSpan.FromSeconds(0.3),
            LoopbackOnly = true,
            Discovery = false,
            Report = new FileInfo("/dev/full"),
        };

        var code = await NodeCommand.RunAsync(config, TextWriter.Null, error, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Equal(1, code);
        var line = Assert.Single(CliHarness.Lines(error.ToString()), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Equal("error: cannot write --report '/dev/full': No space left on device.", line);
    }

    [SkippableFact]
    public void Dissector_out_that_cannot_be_written_exits_1_with_one_clean_error_line()
    {
        Skip.IfNot(File.Exists("/dev/full"), "needs /dev/full");

        var (code, output, error) = CliHarness.Run("dissector", "--out", "/dev/full");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal("error: cannot write --out '/dev/full': No space left on device.", Assert.Single(CliHarness.Lines(error)));
    }

    [Theory]
    [InlineData(99, " (50.0 MiB before the start)")]
    [InlineData(100, " (50.0 MiB before the start; ~1024 KiB per node above it)")]
    public void Swarm_summary_gives_memory_per_node_only_from_100_nodes(int nodes, string expected) =>
        Assert.Equal(expected, SwarmCommand.PerNode((50L << 20) + (nodes * 1024L * 1024), 50L << 20, nodes));
}

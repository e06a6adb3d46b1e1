using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Ipv8.Interop.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Interop.Tests;

/// <summary>
/// The <c>ipv8 node</c> command (src/Ipv8.Cli, run as its own process) bootstrapping through py-ipv8's own tracker
/// together with py-ipv8 nodes: every node ends up with every other as a verified peer, as the CLI reports show.
/// </summary>
public class CliTrackerTests
{
    private static readonly CommunityId s_community = CommunityId.Parse("c11c11c11c11c11c11c11c11c11c11c11c110001");

    /// <summary>How long each CLI node runs (its <c>--duration</c>); it reports its peers at the end.</summary>
    private static readonly TimeSpan s_duration = TimeSpan.FromSeconds(25);

    [SkippableFact]
    public async Task Three_ipv8_node_processes_and_three_py_ipv8_nodes_find_each_other_through_py_ipv8s_tracker()
    {
        PyIpv8.Require();
        var work = Directory.CreateTempSubdirectory("ipv8-interop-cli-");
        var keys = Enumerable.Range(0, 3).Select(_ => LibNaClPrivateKey.Generate()).ToList();
        var cli = new List<ChildProcess>();
        var py = new List<PyPeer>();
        var pyStarts = new List<Task<PyPeer>>();
        try
        {
            await using var tracker = await PyTracker.StartAsync();
            pyStarts.AddRange(Enumerable.Range(0, 3).Select(i => PyPeer.StartAsync($"py-node-{i}", [(s_community, ChatMode.Signed)], tracker: tracker.Address)));
            foreach (var start in pyStarts)
            {
                py.Add(await start);
            }

            // The CLI nodes start last, so that their --duration is spent finding the others.
            for (var i = 0; i < 3; i++)
            {
                var keyFile = Path.Combine(work.FullName, $"node{i}.key");
                await File.WriteAllBytesAsync(keyFile, keys[i].ToBin());
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                cli.Add(ChildProcess.Start($"ipv8-node-{i}", DotNetHost, [
                    Path.Combine(AppContext.BaseDirectory, "ipv8.dll"), "node",
                    "--port", "0",
                    "--host", "127.0.0.1",
                    "--community", s_community.ToString(),
                    "--bootstrap", tracker.Address.ToString(),
                    "--duration", s_duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
                    "--report", Path.Combine(work.FullName, $"node{i}.json"),
                    "--key", keyFile,
                    "--loopback-only",
                    "--log-level", "Warning",
                ]));
            }

            var names = new Dictionary<PublicKey, string>();
            for (var i = 0; i < 3; i++)
            {
                names[keys[i].PublicKey] = $"ipv8-node-{i}";
                names[py[i].Key] = $"py-node-{i}";
            }

            // While the CLI nodes run, the py-ipv8 nodes must come to know all five others.
            var clock = Stopwatch.StartNew();
            List<string> missing = [];
            while (clock.Elapsed < s_duration)
            {
                missing = [];
                for (var i = 0; i < 3; i++)
                {
                    var peers = await py[i].PeersAsync();
                    var mine = peers.TryGetValue(s_community.ToString(), out var list) ? list : [];
                    missing.AddRange(names.Keys.Where(k => !k.Equals(py[i].Key) && !mine.Any(p => p.Key.Equals(k))).Select(k => $"py-node-{i} lacks {names[k]}"));
                }

                if (missing.Count == 0 || cli.Any(c => c.HasExited))
                {
                    break;
                }

                await Task.Delay(250);
            }

            Assert.True(missing.Count == 0, $"the py-ipv8 nodes did not all find each other and the CLI nodes:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", missing)}{Environment.NewLine}{Describe(cli, py, tracker)}");
            Console.WriteLine($"the 3 py-ipv8 nodes knew all 5 others after {clock.Elapsed.TotalSeconds:F1} s");

            // Each CLI node stops after --duration and reports its verified peers.
            for (var i = 0; i < 3; i++)
            {
                await cli[i].WaitForExitAsync(s_duration + TimeSpan.FromSeconds(30));
                Assert.True(cli[i].ExitCode == 0, $"ipv8-node-{i} exited with {cli[i].ExitCode}{Environment.NewLine}{cli[i].Describe()}");
                var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(work.FullName, $"node{i}.json")))!.AsObject();
                Assert.Equal(keys[i].PublicKey.ToString(), (string?)report["public_key"]);
                Assert.StartsWith("127.0.0.1:", (string?)report["address"], StringComparison.Ordinal);
                var reported = report["peers"]!.AsArray().Select(p => (string)p!["public_key"]!).ToHashSet(StringComparer.Ordinal);
                var lacks = names.Where(n => !n.Key.Equals(keys[i].PublicKey) && !reported.Contains(n.Key.ToString())).Select(n => n.Value).ToList();
                Assert.True(lacks.Count == 0, $"ipv8-node-{i} reported no verified peer for: {string.Join(", ", lacks)}{Environment.NewLine}report: {report.ToJsonString()}{Environment.NewLine}{cli[i].Describe()}");
                Assert.All(report["peers"]!.AsArray(), p => Assert.Equal("127.0.0.1", (string?)p!["host"]));
                Assert.DoesNotContain(tracker.Address.Port, report["peers"]!.AsArray().Select(p => (int)p!["port"]!));
            }

            Assert.DoesNotContain("refused to send", tracker.Process.Error, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var process in cli)
            {
                await process.DisposeAsync();
            }

            foreach (var start in pyStarts)
            {
                try
                {
                    await (await start).DisposeAsync();
                }
                catch (Xunit.Sdk.XunitException)
                {
                    // It failed to start (and cleaned up after itself); the test already fails for it.
                }
            }

            foreach (var key in keys)
            {
                key.Dispose();
            }

            work.Delete(recursive: true);
        }
    }

    /// <summary>The dotnet host running these tests (the SDK that built them), else the one on the PATH.</summary>
    private static string DotNetHost
    {
        get
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host))
            {
                return host;
            }

            var self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }

    private static string Describe(IEnumerable<ChildProcess> cli, IEnumerable<PyPeer> py, PyTracker tracker) =>
        string.Join(Environment.NewLine, cli.Select(c => c.Describe()).Concat(py.Select(p => p.Process.Describe())).Append(tracker.Process.Describe()));
}

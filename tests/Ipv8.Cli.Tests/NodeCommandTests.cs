using System.Diagnostics;
using System.Net;
using Ipv8.Engine.Bootstrapping;
using System.Text.Json.Nodes;
using Ipv8.Cli.Commands;
using Ipv8.Cli.Hosting;
using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Testing;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Cli.Tests;

/// <summary><c>ipv8 node</c> and <c>ipv8 tracker</c>, on 127.0.0.1 only.</summary>
public class NodeCommandTests
{
    private const string CommunityHex = "5ad767b05ae592a02488272ca2a86b847d4562e1";

    private static readonly string[] s_reportKeys = ["public_key", "mid", "address", "peers", "walkable", "discovery", "stats"];
    private static readonly string[] s_peerKeys = ["public_key", "mid", "host", "port", "services", "median_ping_ms"];

    [Fact]
    public void Node_with_a_duration_writes_a_report_with_exactly_the_required_fields()
    {
        var report = CliHarness.TempPath("node-report.json");
        try
        {
            var (code, output, error) = CliHarness.Run(
                "node", "--port", "0", "--host", "127.0.0.1", "--community", CommunityHex, "--duration", "2", "--report", report, "--loopback-only", "--log-level", "None");

            Assert.True(code == 0, error);
            Assert.Equal(string.Empty, output);
            var json = CliHarness.ParseObject(File.ReadAllText(report));
            CliHarness.AssertKeys(json, s_reportKeys);
            Assert.Matches("^[0-9a-f]+$", (string)json["public_key"]!);
            Assert.StartsWith(Convert.ToHexStringLower("LibNaCLPK:"u8), (string)json["public_key"]!, StringComparison.Ordinal);
            Assert.Matches("^[0-9a-f]{40}$", (string)json["mid"]!);
            Assert.Matches(@"^127\.0\.0\.1:[1-9][0-9]*$", (string)json["address"]!);
            Assert.Empty(json["peers"]!.AsArray()); // no bootstrap server given: nobody is contacted
            Assert.Empty(json["walkable"]!.AsArray());
            var discovery = json["discovery"]!.AsObject(); // py-ipv8's DiscoveryCommunity runs by default
            Assert.Equal("7e313685c1912a141279f8248fc8db5899c5df5a", (string)discovery["community_id"]!);
            Assert.Equal(0, (int)discovery["peers"]!);
            var stats = json["stats"]!.AsObject();
            Assert.Equal("udp", (string)stats["transport"]!);
            Assert.Equal(0, (long)stats["packets_out"]!);
            Assert.True(stats["drops"]!.AsObject().ContainsKey("peer_limit"));
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Fact]
    public async Task Node_uses_the_key_file_and_prints_the_report_on_standard_output()
    {
        var keyFile = CliHarness.TempPath("node.key");
        var (keygen, _, keygenError) = CliHarness.Run("keygen", "--out", keyFile);
        Assert.True(keygen == 0, keygenError);
        try
        {
            using var key = LibNaClPrivateKey.Parse(await File.ReadAllBytesAsync(keyFile));
            using var output = new StringWriter();
            using var error = new StringWriter();
            var config = new NodeConfig
            {
                Host = IPAddress.Loopback,
                Port = 0,
                Community = CommunityId.Parse(CommunityHex),
                KeyFile = new FileInfo(keyFile),
                Duration = TimeSpan.FromSeconds(0.5),
                LoopbackOnly = true,
            };

            Assert.Equal(0, await NodeCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, CancellationToken.None));

            var json = CliHarness.ParseObject(output.ToString());
            Assert.Equal(key.PublicKey.ToString(), (string)json["public_key"]!);
            Assert.Equal(Convert.ToHexStringLower(key.PublicKey.Mid), (string)json["mid"]!);
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    [Fact]
    public async Task A_tracker_introduces_two_nodes_that_then_find_each_other()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var trackerStarted = new TaskCompletionSource<Tracker>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var trackerLog = new StringWriter();
        var trackerRun = TrackerCommand.RunAsync(
            new TrackerConfig { Host = IPAddress.Loopback, Port = 0, LoopbackOnly = true, StatusInterval = TimeSpan.FromSeconds(1) },
            TextWriter.Synchronized(trackerLog),
            NullLoggerFactory.Instance,
            stop.Token,
            trackerStarted.SetResult);
        var tracker = await trackerStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var config = new NodeConfig
        {
            Host = IPAddress.Loopback,
            Port = 0,
            Community = CommunityId.Parse(CommunityHex),
            Bootstrap = [new HostPort(tracker.Address, null, tracker.Address.Port)],
            LoopbackOnly = true,
        };
        using var outputA = new StringWriter();
        using var outputB = new StringWriter();
        using var stopNodes = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        var startedA = new TaskCompletionSource<Community>(TaskCreationOptions.RunContinuationsAsynchronously);
        var startedB = new TaskCompletionSource<Community>(TaskCreationOptions.RunContinuationsAsynchronously);
        var runA = NodeCommand.RunAsync(config, outputA, TextWriter.Null, NullLoggerFactory.Instance, stopNodes.Token, (_, c) => startedA.SetResult(c));
        var a = await startedA.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // The tracker can only introduce A to B once it knows A.
        await Eventually.AssertAsync(() => tracker.Node.Network.VerifiedPeerCount >= 1, "the tracker knows the first node");
        var runB = NodeCommand.RunAsync(config, outputB, TextWriter.Null, NullLoggerFactory.Instance, stopNodes.Token, (_, c) => startedB.SetResult(c));
        var b = await startedB.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await Eventually.AssertAsync(
            () => a.GetPeers().Any(p => p.Key.Equals(b.MyPeer.Key)) && b.GetPeers().Any(p => p.Key.Equals(a.MyPeer.Key)),
            "both nodes have each other as verified peers",
            TimeSpan.FromSeconds(30));

        // The DiscoveryCommunity next to the community: the churn pings a peer with fewer than five ping times at once,
        // and the similarity exchange records the other node's communities.
        await Eventually.AssertAsync(
            () => a.Network.GetVerifiedByPublicKeyBin(b.MyPeer.PublicKeyBin) is { } peer && peer.GetMedianPing() is not null
                && a.Network.GetServicesForPeer(peer).Contains(DiscoveryCommunity.Id),
            "A has pinged B and knows B runs the DiscoveryCommunity",
            TimeSpan.FromSeconds(30));
        await stopNodes.CancelAsync();
        Assert.Equal(0, await runA);
        Assert.Equal(0, await runB);
        await stop.CancelAsync();
        Assert.Equal(0, await trackerRun);

        var reportA = CliHarness.ParseObject(outputA.ToString());
        var reportB = CliHarness.ParseObject(outputB.ToString());
        CliHarness.AssertKeys(reportA, s_reportKeys);
        CliHarness.AssertKeys(reportB, s_reportKeys);
        AssertListsPeer(reportA, reportB);
        AssertListsPeer(reportB, reportA);
        Assert.Contains("tracker", trackerLog.ToString(), StringComparison.Ordinal);
        var peerOfA = reportA["peers"]!.AsArray().Single(p => (string)p!["public_key"]! == (string)reportB["public_key"]!)!;
        Assert.Equal([CommunityHex, "7e313685c1912a141279f8248fc8db5899c5df5a"], peerOfA["services"]!.AsArray().Select(v => (string)v!).Order());
        Assert.True((double)peerOfA["median_ping_ms"]! is >= 0 and < 5_000);
        var discoveryA = reportA["discovery"]!.AsObject();
        Assert.True((long)discoveryA["pings_sent"]! >= 1);
        Assert.True((long)discoveryA["pings_answered"]! >= 1);
        Assert.Equal(0, (long)discoveryA["churned_peers"]!);
    }

    [Fact]
    public async Task The_final_report_of_a_node_stopped_during_a_flood_counts_no_more_drops_than_packets_in()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var output = new StringWriter();
        var (run, node) = await StartLoopbackNodeAsync(output, stop.Token);
        var target = new IPEndPoint(IPAddress.Loopback, node.Endpoint.Ipv4Address!.Value.Port);

        // Datagrams of an unknown prefix (each one a bad_prefix drop) keep arriving until the node has stopped and
        // reported (bounded: at most 5,000,000 datagrams or 30 s).
        var flood = Task.Run(() =>
        {
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
            var junk = new byte[64];
            junk.AsSpan().Fill(0xEE);
            var deadline = Stopwatch.StartNew();
            for (var i = 0; i < 5_000_000 && !run.IsCompleted && deadline.Elapsed < TimeSpan.FromSeconds(30); i++)
            {
                socket.SendTo(junk, target);
            }
        });
        await Eventually.AssertAsync(() => node.DroppedUnknownPrefix >= 1_000, "the flood to arrive", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        Assert.Equal(0, await run);
        await flood;

        var stats = CliHarness.ParseObject(output.ToString())["stats"]!.AsObject();
        var packetsIn = (long)stats["packets_in"]!;
        var drops = stats["drops"]!.AsObject().Sum(d => (long)d.Value!);
        Assert.True((long)stats["drops"]!["bad_prefix"]! >= 1_000, stats.ToJsonString());
        Assert.True(drops <= packetsIn, $"drops {drops} > packets_in {packetsIn}: the counters were read at different moments");
    }

    [Fact]
    public async Task A_ping_flood_shows_in_the_discovery_section_as_pings_received_pongs_sent_and_rate_limited_drops()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var output = new StringWriter();
        var (run, node) = await StartLoopbackNodeAsync(output, stop.Token);
        var discovery = node.Communities.OfType<DiscoveryCommunity>().Single();

        // 1,000 unsigned pings from one source: far more than the puncture budget (5/s, burst 10) lets it answer.
        var prefix = discovery.GetPrefix();
        var ping = new byte[Packet.GetSize(new GlobalTime(1), new PingPayload { Identifier = 1 })];
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, node.Endpoint.Ipv4Address!.Value.Port);
        for (ushort i = 0; i < 1000; i++)
        {
            var n = Packet.Write(ping, prefix, null, new GlobalTime(i), new PingPayload { Identifier = i });
            socket.SendTo(ping.AsSpan(0, n), target);
        }

        // Every ping is counted in as it arrives, the rate-limited ones too (they are dropped later, in the handler): wait for
        // the count the report's pings_received shows, not for a sum that counts a dropped ping twice.
        await Eventually.AssertAsync(() => discovery.Counters.PacketsIn(DiscoveryCommunityMessages.Ping) >= 500, "the pings to arrive", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        Assert.Equal(0, await run);

        var section = CliHarness.ParseObject(output.ToString())["discovery"]!.AsObject();
        var received = (long)section["pings_received"]!;
        var pongs = (long)section["pongs_sent"]!;
        var limited = (long)section["drops"]!["rate_limited"]!;
        Assert.True(received >= 500, $"pings_received {received}");
        Assert.InRange(pongs, 1, 200);
        Assert.True(limited >= received - pongs - 10, $"rate_limited {limited}, received {received}, pongs {pongs}");
        Assert.Equal(0, (long)section["pongs_refused"]!);
    }

    [Fact]
    public async Task A_node_without_discovery_runs_only_its_community_and_reports_no_discovery_section()
    {
        using var output = new StringWriter();
        var config = new NodeConfig
        {
            Host = IPAddress.Loopback, Port = 0, Community = CommunityId.Parse(CommunityHex), Duration = TimeSpan.FromSeconds(0.5),
            LoopbackOnly = true, Discovery = false,
        };
        var communities = 0;
        Assert.Equal(0, await NodeCommand.RunAsync(config, output, TextWriter.Null, NullLoggerFactory.Instance, CancellationToken.None, (node, _) => communities = node.Communities.Count));

        Assert.Equal(1, communities);
        Assert.Null(CliHarness.ParseObject(output.ToString())["discovery"]);
        Assert.Equal(0, CliHarness.Run("node", "--port", "0", "--host", "127.0.0.1", "--community", CommunityHex, "--no-discovery", "--duration", "0.5", "--loopback-only", "--log-level", "None").ExitCode);
    }

    [Fact]
    public async Task A_node_warns_at_start_about_peers_and_bootstrap_servers_of_a_family_it_has_no_socket_for()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new NodeConfig
        {
            Host = IPAddress.IPv6Loopback, Port = 0, Community = CommunityId.Parse(CommunityHex), LoopbackOnly = true,
            Peers = [HostPort(UdpAddress.Parse("127.0.0.1:9")), HostPort(UdpAddress.Parse("[::1]:9"))],
            Bootstrap = [HostPort(UdpAddress.Parse("127.0.0.2:9"))],
        };
        var started = new TaskCompletionSource<Ipv8Node>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = NodeCommand.RunAsync(config, output, error, NullLoggerFactory.Instance, stop.Token, (node, _) => started.SetResult(node));
        var node = await started.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // The walk to the IPv4 peer and the bootstrap fail on the endpoint, and are counted there.
        await Eventually.AssertAsync(() => node.Endpoint.Counters.SendFailures >= 2, "the sends to IPv4 addresses to be counted as failures", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        Assert.Equal(0, await run);

        var warning = Assert.Single(CliHarness.Lines(error.ToString()));
        Assert.Equal(
            "warning: the node has no IPv4 socket (--host ::1 binds IPv6 only), so nothing can be sent to --peer 127.0.0.1:9, --bootstrap 127.0.0.2:9; " +
            "they count as send failures. Bind an IPv4 --host (such as 0.0.0.0) to reach them.",
            warning);
        var stats = CliHarness.ParseObject(output.ToString())["stats"]!.AsObject();
        Assert.True((long)stats["send_failures"]! >= 2);
    }

    [Fact]
    public void A_node_with_every_peer_in_its_family_gives_no_warning()
    {
        using var error = new StringWriter();
        var config = new NodeConfig
        {
            Host = IPAddress.Loopback, Port = 0, Community = CommunityId.Parse(CommunityHex),
            Peers = [HostPort(UdpAddress.Parse("127.0.0.1:9")), new HostPort(null, "localhost", 9)],
            PublicTrackers = true,
        };
        var endpoint = new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:1"), null) { AcceptSends = false };

        NodeCommand.WarnAboutUnreachableTargets(config, endpoint, error);

        Assert.Equal(string.Empty, error.ToString());
    }

    [Fact]
    public void A_loopback_only_node_warns_about_peers_and_bootstrap_servers_outside_loopback()
    {
        using var error = new StringWriter();
        var config = new NodeConfig
        {
            Host = IPAddress.Loopback, Port = 0, Community = CommunityId.Parse(CommunityHex), LoopbackOnly = true,
            Peers = [HostPort(UdpAddress.Parse("10.0.0.1:5")), HostPort(UdpAddress.Parse("127.0.0.2:5"))],
            Bootstrap = [HostPort(UdpAddress.Parse("192.0.2.1:6421"))],
        };

        NodeCommand.WarnAboutUnreachableTargets(config, new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:1"), null) { AcceptSends = false }, error);

        Assert.Equal(
            "warning: --loopback-only sends nothing outside 127.0.0.0/8 and ::1, so nothing can be sent to --peer 10.0.0.1:5, --bootstrap 192.0.2.1:6421; they count as send failures.",
            Assert.Single(CliHarness.Lines(error.ToString())));
    }

    [Fact]
    public void DNS_names_and_public_trackers_need_an_ipv4_socket_and_the_warning_says_why()
    {
        using var error = new StringWriter();
        var config = new NodeConfig
        {
            Host = IPAddress.IPv6Loopback, Port = 0, Community = CommunityId.Parse(CommunityHex),
            Peers = [new HostPort(null, "localhost", 9)],
            PublicTrackers = true,
        };
        var endpoint = new RecordingEndpoint(null, UdpAddress.Parse("[::1]:1")) { AcceptSends = false };

        NodeCommand.WarnAboutUnreachableTargets(config, endpoint, error);

        var line = Assert.Single(CliHarness.Lines(error.ToString()));
        Assert.Contains("no IPv4 socket", line, StringComparison.Ordinal);
        Assert.Contains("--peer localhost:9, --bootstrap public (DNS names and 'public' resolve to IPv4 only)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_refuses_the_discovery_community_id_as_its_own_community_while_it_runs_discovery()
    {
        using var error = new StringWriter();
        var config = new NodeConfig { Host = IPAddress.Loopback, Port = 0, Community = DiscoveryCommunity.Id, Duration = TimeSpan.FromSeconds(0.5), LoopbackOnly = true };
        Assert.Equal(2, await NodeCommand.RunAsync(config, TextWriter.Null, error, NullLoggerFactory.Instance, CancellationToken.None));
        Assert.Contains("DiscoveryCommunity", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_given_another_as_peer_walks_to_it_without_a_tracker_and_both_become_peers()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var outputA = new StringWriter();
        using var outputB = new StringWriter();
        var startedA = new TaskCompletionSource<Community>(TaskCreationOptions.RunContinuationsAsynchronously);
        var startedB = new TaskCompletionSource<Community>(TaskCreationOptions.RunContinuationsAsynchronously);
        var configA = new NodeConfig { Host = IPAddress.Loopback, Port = 0, Community = CommunityId.Parse(CommunityHex), LoopbackOnly = true };
        var runA = NodeCommand.RunAsync(configA, outputA, TextWriter.Null, NullLoggerFactory.Instance, stop.Token, (_, c) => startedA.SetResult(c));
        var a = await startedA.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var addressA = a.Endpoint.Ipv4Address!.Value;

        // B knows only A's address, as py-ipv8's walk_to(address); A knows nobody.
        var configB = configA with { Peers = [new HostPort(addressA, null, addressA.Port)] };
        var runB = NodeCommand.RunAsync(configB, outputB, TextWriter.Null, NullLoggerFactory.Instance, stop.Token, (_, c) => startedB.SetResult(c));
        var b = await startedB.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await Eventually.AssertAsync(
            () => a.GetPeers().Any(p => p.Key.Equals(b.MyPeer.Key)) && b.GetPeers().Any(p => p.Key.Equals(a.MyPeer.Key)),
            "both nodes have each other as verified peers",
            TimeSpan.FromSeconds(30));
        Assert.False(b.Network.IsBlacklisted(addressA)); // a peer, not a bootstrap server
        await stop.CancelAsync();
        Assert.Equal(0, await runA);
        Assert.Equal(0, await runB);
        AssertListsPeer(CliHarness.ParseObject(outputB.ToString()), CliHarness.ParseObject(outputA.ToString()));
    }

    private static void AssertListsPeer(JsonObject report, JsonObject other)
    {
        var peer = Assert.Single(report["peers"]!.AsArray(), p => (string)p!["public_key"]! == (string)other["public_key"]!)!.AsObject();
        CliHarness.AssertKeys(peer, s_peerKeys);
        Assert.Equal((string)other["mid"]!, (string)peer["mid"]!);
        Assert.Equal("127.0.0.1", (string)peer["host"]!);
        Assert.Equal((string)other["address"]!, $"{(string)peer["host"]!}:{(int)peer["port"]!}");
    }

    private static HostPort HostPort(UdpAddress address) => new(address, null, address.Port);

    /// <summary>Starts <c>ipv8 node</c> on 127.0.0.1 (a port the system chooses) and returns its run and its node once started.</summary>
    private static async Task<(Task<int> Run, Ipv8Node Node)> StartLoopbackNodeAsync(TextWriter output, CancellationToken stop)
    {
        var config = new NodeConfig { Host = IPAddress.Loopback, Port = 0, Community = CommunityId.Parse(CommunityHex), LoopbackOnly = true };
        var started = new TaskCompletionSource<Ipv8Node>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = NodeCommand.RunAsync(config, output, TextWriter.Null, NullLoggerFactory.Instance, stop, (node, _) => started.SetResult(node));
        return (run, await started.Task.WaitAsync(TimeSpan.FromSeconds(20)));
    }
}

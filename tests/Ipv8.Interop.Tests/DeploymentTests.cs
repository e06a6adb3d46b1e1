using System.Diagnostics;
using Ipv8.Engine.Peers;
using Ipv8.Interop.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Interop.Tests;

/// <summary>
/// .NET nodes among py-ipv8 nodes deployed as py-ipv8 deploys them (the <c>IPv8</c> service with the DiscoveryCommunity of
/// its default configuration — RandomWalk, RandomChurn, PeriodicSimilarity — and a user community, bootstrapping from
/// py-ipv8's tracker), for longer than py-ipv8's drop time: nobody drops a live .NET node, both sides ping each other
/// and record the round trips, and the .NET nodes know which communities the py-ipv8 nodes run.
/// </summary>
public class DeployedStabilityTests
{
    private static readonly CommunityId s_community = CommunityId.Parse("de91de91de91de91de91de91de91de91de910001");

    /// <summary>How long the nodes run together once they have met: more than py-ipv8's drop time (57.5 s) plus its inactive time.</summary>
    private static readonly TimeSpan s_window = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task Py_ipv8_nodes_keep_dotnet_nodes_in_their_user_and_discovery_communities_for_90_s_and_both_sides_record_ping_times()
    {
        PyIpv8.Require();
        await using var swarm = await DeployedSwarm.StartAsync(s_community, dotnetCount: 3, pyCount: 3, walkTarget: 20, seed: 40);

        // A .NET node must never drop a live py-ipv8 node, not even between two looks.
        var removals = new List<string>();
        foreach (var node in swarm.DotNet)
        {
            var name = swarm.Name(node.PublicKey);
            node.Node.Network.PeerRemoved += peer =>
            {
                lock (removals)
                {
                    removals.Add($"{name} removed {swarm.Name(peer.Key)} after {peer.SecondsSinceLastResponse:F1} s of silence");
                }
            };
        }

        var met = await swarm.WaitUntilMetAsync(Deadlines.Discovery, "the nodes did not all meet");
        Console.WriteLine($"3 .NET and 3 py-ipv8 nodes (with DiscoveryCommunity) met through py-ipv8's tracker in {met.TotalSeconds:F1} s");

        // Every look through the window: nothing is lost on either side (the .NET side's services and the py-ipv8
        // side's DiscoveryCommunity included).
        var window = Stopwatch.StartNew();
        var looks = 0;
        while (true)
        {
            var lost = await swarm.NotMetAsync();
            lock (removals)
            {
                lost.AddRange(removals);
            }

            looks++;
            Assert.True(
                lost.Count == 0,
                $"{window.Elapsed.TotalSeconds:F1} s into the {s_window.TotalSeconds:F0} s window (look {looks}):{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", lost)}{Environment.NewLine}{swarm.Describe()}");
            if (window.Elapsed >= s_window)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        // By the end both sides have pinged each other (py-ipv8's RandomChurn pings a peer with fewer than five ping
        // times every 10 s, through the DiscoveryCommunity) and recorded the round trips.
        var problems = new List<string>();
        foreach (var py in swarm.Py)
        {
            var peers = await py.PeersAsync();
            Console.WriteLine($"{swarm.Name(py.Key)} ping times (ms) of the .NET nodes: " +
                string.Join("; ", peers[DeployedSwarm.DiscoveryHex].Where(p => swarm.DotNetKeys.Contains(p.Key)).Select(p => $"{swarm.Name(p.Key)} [{string.Join(", ", p.Pings.Select(v => (v * 1000).ToString("F1")))}]")));
            foreach (var overlay in new[] { s_community.ToString(), DeployedSwarm.DiscoveryHex })
            {
                foreach (var key in swarm.DotNetKeys)
                {
                    var entry = peers[overlay].Single(p => p.Key.Equals(key));
                    if (entry.Pings.Count == 0)
                    {
                        problems.Add($"{swarm.Name(py.Key)} recorded no ping time for {swarm.Name(key)} (in {overlay})");
                    }

                    if (!entry.Services.Contains(s_community) || !entry.Services.Contains(Engine.Communities.DiscoveryCommunity.Id))
                    {
                        problems.Add($"{swarm.Name(py.Key)} records services [{string.Join(", ", entry.Services)}] for {swarm.Name(key)}");
                    }
                }
            }
        }

        foreach (var node in swarm.DotNet)
        {
            foreach (var key in swarm.PyKeys)
            {
                var peer = DeployedSwarm.VerifiedPeer(node, key);
                if (peer?.GetMedianPing() is not { } median)
                {
                    problems.Add($"{swarm.Name(node.PublicKey)} recorded no ping time for {swarm.Name(key)}");
                }
                else
                {
                    Assert.InRange(median, 0, Engine.Communities.DiscoveryCommunity.PingTimeout.TotalSeconds);
                }
            }

            Assert.Equal(0, node.Churn!.Churned);
        }

        Assert.True(problems.Count == 0, $"{string.Join(Environment.NewLine, problems)}{Environment.NewLine}{swarm.Describe()}");
        swarm.AssertNoPyErrors();
        Console.WriteLine(swarm.Summary());
        Console.WriteLine($"after {window.Elapsed.TotalSeconds:F0} s ({looks} looks) every py-ipv8 node still had every .NET node in both communities, with ping times on both sides");
    }
}

/// <summary>
/// A py-ipv8 node that goes silent (SIGSTOP) among deployed py-ipv8 nodes: the .NET nodes' RandomChurn drops it within
/// py-ipv8's drop time plus one churn round, their user community falls below its walk target, and once the node is
/// back (SIGCONT) they walk back up to it.
/// </summary>
public class DeployedSilenceTests
{
    private static readonly CommunityId s_community = CommunityId.Parse("de91de91de91de91de91de91de91de91de910002");

    /// <summary>
    /// The longest a silent peer may stay in a .NET node's table: py-ipv8's drop time (57.5 s) plus one churn round
    /// (RandomChurn looks at 8 peers per 0.5 s step; each .NET node here has 4 peers, so every step looks at all of them)
    /// plus 5 s for a loaded two-core machine (scheduling of the walk loop, the look every 250 ms).
    /// </summary>
    private static readonly TimeSpan s_dropDeadline = TimeSpan.FromSeconds(57.5 + 0.5 + 5);

    [SkippableFact]
    public async Task A_silent_py_ipv8_node_is_dropped_within_drop_time_plus_one_churn_round_and_the_dotnet_nodes_walk_back_to_their_target()
    {
        PyIpv8.Require();

        // 2 .NET + 3 py-ipv8 nodes: each .NET node has 4 others, its user community's walk target.
        const int Target = 4;
        await using var swarm = await DeployedSwarm.StartAsync(s_community, dotnetCount: 2, pyCount: 3, walkTarget: Target, seed: 50);
        var met = await swarm.WaitUntilMetAsync(Deadlines.Discovery, "the nodes did not all meet");
        Assert.All(swarm.DotNet, n => Assert.True(n.Community(s_community).GetPeers().Length >= Target, "at the target before the silence"));
        Console.WriteLine($"2 .NET and 3 py-ipv8 nodes met in {met.TotalSeconds:F1} s");

        var silent = swarm.Py[0];
        var removed = new Dictionary<string, (TimeSpan SincePause, double Silence)>();
        var clock = new Stopwatch();
        foreach (var node in swarm.DotNet)
        {
            var name = swarm.Name(node.PublicKey);
            node.Node.Network.PeerRemoved += peer =>
            {
                lock (removed)
                {
                    removed[$"{name} removed {swarm.Name(peer.Key)}"] = (clock.Elapsed, peer.SecondsSinceLastResponse);
                }
            };
        }

        try
        {
            clock.Start();
            silent.Process.Pause(Deadlines.LongProcessLimit / 2);

            // Every .NET node drops it within the deadline; nobody else is dropped.
            var dropped = Stopwatch.StartNew();
            while (swarm.DotNet.Any(n => DeployedSwarm.VerifiedPeer(n, silent.Key) is not null))
            {
                Assert.True(
                    clock.Elapsed < s_dropDeadline,
                    $"{string.Join(", ", swarm.DotNet.Where(n => DeployedSwarm.VerifiedPeer(n, silent.Key) is not null).Select(n => swarm.Name(n.PublicKey)))} still had " +
                    $"{swarm.Name(silent.Key)} {clock.Elapsed.TotalSeconds:F1} s after it went silent{Environment.NewLine}{swarm.Describe()}");
                await Task.Delay(250);
            }

            Console.WriteLine($"the .NET nodes dropped the silent py-ipv8 node {clock.Elapsed.TotalSeconds:F1} s after it went silent");
            lock (removed)
            {
                Assert.True(
                    removed.Count == swarm.DotNet.Count && swarm.DotNet.All(n => removed.ContainsKey($"{swarm.Name(n.PublicKey)} removed {swarm.Name(silent.Key)}")),
                    $"removals: {string.Join("; ", removed.Select(r => $"{r.Key} {r.Value.SincePause.TotalSeconds:F1} s after the pause, silent {r.Value.Silence:F1} s"))}{Environment.NewLine}{swarm.Describe()}");
                foreach (var (what, (sincePause, silence)) in removed)
                {
                    // py-ipv8's rule: dropped once silent longer than the drop time, and only then.
                    Assert.True(
                        silence >= 57.5 && silence <= s_dropDeadline.TotalSeconds,
                        $"{what} once it had been silent {silence:F1} s (py-ipv8 drops after 57.5 s; deadline {s_dropDeadline.TotalSeconds} s)");
                    Assert.True(sincePause <= s_dropDeadline, $"{what} {sincePause.TotalSeconds:F1} s after the pause (deadline {s_dropDeadline.TotalSeconds} s)");
                }
            }

            Assert.All(swarm.DotNet, n => Assert.True(
                n.Community(s_community).GetPeers().Length < Target,
                $"{swarm.Name(n.PublicKey)} is below its target without the silent node"));

            // The others are all still there (NotMetAsync leaves the paused node's own tables out, not the node itself).
            var others = (await swarm.NotMetAsync()).Where(m => !m.Contains(swarm.Name(silent.Key), StringComparison.Ordinal)).ToList();
            Assert.True(others.Count == 0, $"{string.Join(Environment.NewLine, others)}{Environment.NewLine}{swarm.Describe()}");

            silent.Process.Resume();
            var back = await swarm.WaitUntilMetAsync(Deadlines.Discovery, "the .NET nodes did not get the resumed py-ipv8 node back");
            Assert.All(swarm.DotNet, n => Assert.True(n.Community(s_community).GetPeers().Length >= Target, "back at the target"));
            Console.WriteLine($"{back.TotalSeconds:F1} s after it resumed, every node had every other again and the .NET nodes were back at their target");
            swarm.AssertNoPyErrors();
        }
        finally
        {
            silent.Process.Resume();
        }
    }
}

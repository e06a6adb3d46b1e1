using System.Diagnostics;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Peers;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Interop.Tests.Support;

/// <summary>
/// .NET and py-ipv8 nodes as py-ipv8 deploys them, meeting through py-ipv8's tracker on 127.0.0.1: every py-ipv8 node
/// is an <c>IPv8</c> service with the DiscoveryCommunity of py-ipv8's default configuration (RandomWalk to 20 peers,
/// RandomChurn, PeriodicSimilarity) and a user community with a RandomWalk; every .NET node runs
/// <see cref="Engine.Ipv8Node.AddDiscoveryCommunity"/> and the same user community with a <see cref="Engine.Discovery.RandomWalk"/>.
/// All of them bootstrap from the tracker.
/// </summary>
internal sealed class DeployedSwarm : IAsyncDisposable
{
    /// <summary>The DiscoveryCommunity id, as py-ipv8's reports name it.</summary>
    public static readonly string DiscoveryHex = DiscoveryCommunity.Id.ToString();

    private DeployedSwarm(CommunityId community, PyTracker tracker)
    {
        UserCommunity = community;
        Tracker = tracker;
    }

    public CommunityId UserCommunity { get; }

    public PyTracker Tracker { get; }

    public List<DotNetNode> DotNet { get; } = [];

    public List<PyPeer> Py { get; } = [];

    /// <summary>"dotnet-node-i" or "py-node-i" by public key, for messages.</summary>
    public Dictionary<PublicKey, string> Names { get; } = [];

    public IEnumerable<PublicKey> PyKeys => Py.Select(p => p.Key);

    public IEnumerable<PublicKey> DotNetKeys => DotNet.Select(n => n.PublicKey);

    public IEnumerable<PublicKey> AllKeys => DotNetKeys.Concat(PyKeys);

    /// <summary>
    /// Starts the tracker, then the nodes (py-ipv8 and .NET alternately). <paramref name="walkTarget"/> is where the .NET
    /// user community's RandomWalk pauses. Every process ends itself after <see cref="Deadlines.LongProcessLimit"/>.
    /// </summary>
    public static async Task<DeployedSwarm> StartAsync(CommunityId community, int dotnetCount, int pyCount, int walkTarget, int seed)
    {
        PyIpv8.Require();
        var swarm = new DeployedSwarm(community, await PyTracker.StartAsync(Deadlines.LongProcessLimit));
        try
        {
            for (var i = 0; i < Math.Max(dotnetCount, pyCount); i++)
            {
                if (i < pyCount)
                {
                    var py = await PyPeer.StartAsync($"py-node-{i}", [(community, ChatMode.Signed)], tracker: swarm.Tracker.Address, discovery: true, timeLimit: Deadlines.LongProcessLimit);
                    swarm.Py.Add(py);
                    swarm.Names[py.Key] = $"py-node-{i}";
                }

                if (i < dotnetCount)
                {
                    var node = DotNetNode.Start($"dotnet-node-{i}", [(community, ChatMode.Signed)], tracker: swarm.Tracker.Address, seed: seed + i, discovery: true, walkTarget: walkTarget);
                    swarm.DotNet.Add(node);
                    swarm.Names[node.PublicKey] = $"dotnet-node-{i}";
                }
            }

            return swarm;
        }
        catch
        {
            await swarm.DisposeAsync();
            throw;
        }
    }

    public string Name(PublicKey key) => Names.TryGetValue(key, out var name) ? name : key.ToString();

    /// <summary>The verified peer with this key in a .NET node's network, if any.</summary>
    public static Peer? VerifiedPeer(DotNetNode node, PublicKey key) => node.Node.Network.VerifiedPeers.FirstOrDefault(p => p.Key.Equals(key));

    /// <summary>
    /// What keeps the nodes from having met, as "X lacks Y in Z" lines (empty once they have): every node has every other
    /// in the user community; every py-ipv8 node has every .NET node in its DiscoveryCommunity; every .NET node lists every
    /// py-ipv8 node with the user community among its services. Paused py-ipv8 nodes (and what they know) are left out.
    /// </summary>
    public async Task<List<string>> NotMetAsync()
    {
        var missing = new List<string>();
        foreach (var node in DotNet)
        {
            var user = node.Community(UserCommunity);
            foreach (var key in AllKeys.Where(k => !k.Equals(node.PublicKey)))
            {
                if (!user.HasPeer(key))
                {
                    missing.Add($"{Name(node.PublicKey)} lacks {Name(key)} in the user community");
                }
            }

            foreach (var key in PyKeys)
            {
                if (VerifiedPeer(node, key) is { } peer && !node.Node.Network.GetServicesForPeer(peer).Contains(UserCommunity))
                {
                    missing.Add($"{Name(node.PublicKey)} does not list the user community among {Name(key)}'s services");
                }
            }
        }

        foreach (var py in Py.Where(p => !p.Process.IsPaused))
        {
            var peers = await py.PeersAsync();
            var user = peers.TryGetValue(UserCommunity.ToString(), out var u) ? u : [];
            var discovery = peers.TryGetValue(DiscoveryHex, out var d) ? d : [];
            missing.AddRange(AllKeys.Where(k => !k.Equals(py.Key) && !user.Any(p => p.Key.Equals(k))).Select(k => $"{Name(py.Key)} lacks {Name(k)} in the user community"));
            missing.AddRange(DotNetKeys.Where(k => !discovery.Any(p => p.Key.Equals(k))).Select(k => $"{Name(py.Key)} lacks {Name(k)} in the DiscoveryCommunity"));
        }

        return missing;
    }

    /// <summary>Waits until <see cref="NotMetAsync"/> is empty; fails with what is missing after <paramref name="timeout"/>.</summary>
    public async Task<TimeSpan> WaitUntilMetAsync(TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        List<string> missing;
        while ((missing = await NotMetAsync()).Count > 0)
        {
            if (clock.Elapsed > timeout)
            {
                throw new Xunit.Sdk.XunitException(
                    $"{what}: after {clock.Elapsed.TotalSeconds:F0} s{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", missing)}{Environment.NewLine}{Describe()}");
            }

            await Task.Delay(250);
        }

        return clock.Elapsed;
    }

    /// <summary>The .NET nodes' tables and the processes' recent output, for failure messages.</summary>
    public string Describe() =>
        string.Join(Environment.NewLine, [Summary(), .. Py.Select(p => p.Process.Describe()), Tracker.Process.Describe()]);

    /// <summary>The .NET nodes' tables: peers, silence, ping counts, services, DiscoveryCommunity counters, drops.</summary>
    public string Summary()
    {
        var lines = new List<string>();
        foreach (var node in DotNet)
        {
            var peers = node.Node.Network.VerifiedPeers.Select(p =>
                $"{Name(p.Key)} at {p.Address}, silent {p.SecondsSinceLastResponse:F1} s, pings {p.PingCount}, services [{string.Join(", ", node.Node.Network.GetServicesForPeer(p).Select(s => s == UserCommunity ? "user" : s == DiscoveryCommunity.Id ? "discovery" : s.ToString()))}]");
            var discovery = node.Discovery!;
            lines.Add($"--- {Name(node.PublicKey)} at {node.Address}: user community {node.Community(UserCommunity).GetPeers().Length} peers, DiscoveryCommunity {discovery.GetPeers().Length}; " +
                $"pings sent {discovery.PingsSent}, pongs {discovery.PongsReceived}, timed out {discovery.PingsTimedOut}, refused {discovery.PongsRefused}; churned {node.Churn?.Churned}; " +
                $"similarity requests {discovery.SimilarityRequestsSent}, responses {discovery.SimilarityResponsesReceived}; " +
                $"drops: user [{Drops(node.Community(UserCommunity))}], discovery [{Drops(discovery)}]");
            lines.AddRange(peers.Select(p => "    " + p));
        }

        return string.Join(Environment.NewLine, lines);

        static string Drops(Community community) =>
            string.Join(", ", Enum.GetValues<DropReason>().Where(r => community.Counters.Drops(r) > 0).Select(r => $"{r}={community.Counters.Drops(r)}"));
    }

    /// <summary>Nothing went wrong on the py-ipv8 side: no logged error, no send off loopback.</summary>
    public void AssertNoPyErrors()
    {
        Assert.DoesNotContain("refused to send", Tracker.Process.Error, StringComparison.Ordinal);
        Assert.All(Py, p => Assert.True(
            !p.Process.Events.Any(e => (string?)e["event"] == "error"),
            $"{p.Process.Name} reported errors:{Environment.NewLine}{p.Process.Describe()}"));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in DotNet)
        {
            await node.DisposeAsync();
        }

        foreach (var py in Py)
        {
            await py.DisposeAsync();
        }

        await Tracker.DisposeAsync();
    }
}

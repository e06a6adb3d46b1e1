using System.Diagnostics;
using Ipv8.Engine.Communities;
using Ipv8.Interop.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Interop.Tests;

/// <summary>
/// .NET nodes and py-ipv8 nodes bootstrapping through py-ipv8's own tracker (scripts/tracker_plugin.py), which signs
/// with a legacy EC key (sect163k1), on one community: every node must end up with every other as a verified peer.
/// </summary>
public class TrackerTests
{
    private static readonly CommunityId s_community = CommunityId.Parse("7a0c4e77a0c4e77a0c4e77a0c4e77a0c4e770001");

    [SkippableFact]
    public async Task Three_dotnet_and_three_py_ipv8_nodes_find_each_other_through_py_ipv8s_tracker()
    {
        PyIpv8.Require();
        await using var tracker = await PyTracker.StartAsync();
        var dotnet = new List<DotNetNode>();
        var py = new List<PyPeer>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                py.Add(await PyPeer.StartAsync($"py-node-{i}", [(s_community, ChatMode.Signed)], tracker: tracker.Address));
                dotnet.Add(DotNetNode.Start($"dotnet-node-{i}", [(s_community, ChatMode.Signed)], tracker: tracker.Address, seed: 10 + i));
            }

            var keys = dotnet.Select(n => n.PublicKey).Concat(py.Select(p => p.Key)).ToList();
            var clock = Stopwatch.StartNew();
            IReadOnlyList<string> missing = [];
            while (clock.Elapsed < Deadlines.Discovery)
            {
                missing = await MissingPeersAsync(dotnet, py, keys);
                if (missing.Count == 0)
                {
                    break;
                }

                await Task.Delay(250);
            }

            Assert.True(
                missing.Count == 0,
                $"after {clock.Elapsed.TotalSeconds:F0} s not every node had every other as a verified peer:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", missing)}" +
                $"{Environment.NewLine}{tracker.Process.Describe()}{Environment.NewLine}{string.Join(Environment.NewLine, py.Select(p => p.Process.Describe()))}");
            Console.WriteLine($"6 nodes (3 .NET, 3 py-ipv8) found each other through py-ipv8's tracker in {clock.Elapsed.TotalSeconds:F1} s");

            // py/tracker.py drops (and reports) anything py-ipv8's tracker would send off loopback.
            Assert.DoesNotContain("refused to send", tracker.Process.Error, StringComparison.Ordinal);
            Assert.All(py, p => Assert.DoesNotContain(p.Process.Events, e => (string?)e["event"] == "error"));

            foreach (var node in dotnet)
            {
                var community = node.Community(s_community);

                // The tracker answered with its EC-signed introduction responses: verified (else BadSignature), and
                // refused as a peer only afterwards, because a bootstrap address is blacklisted (as in py-ipv8).
                Assert.Equal(0, community.Counters.Drops(DropReason.BadSignature));
                Assert.Equal(0, community.Counters.Drops(DropReason.Malformed));
                Assert.True(community.Counters.Drops(DropReason.Blacklisted) >= 1, "the tracker's signed answers were verified, then refused as a peer");
                Assert.DoesNotContain(community.GetPeers(), p => p.Address == tracker.Address);
                Assert.All(community.GetPeers(), p => Assert.True(p.Address.IsLoopback, $"{p.Address} is not loopback"));
            }
        }
        finally
        {
            foreach (var node in dotnet)
            {
                await node.DisposeAsync();
            }

            foreach (var peer in py)
            {
                await peer.DisposeAsync();
            }
        }
    }

    /// <summary>"X lacks Y" for every node X (of both kinds) that does not have another node Y as a verified peer.</summary>
    internal static async Task<IReadOnlyList<string>> MissingPeersAsync(IReadOnlyList<DotNetNode> dotnet, IReadOnlyList<PyPeer> py, IReadOnlyList<PublicKey> keys)
    {
        var missing = new List<string>();
        for (var i = 0; i < dotnet.Count; i++)
        {
            var community = dotnet[i].Community(s_community);
            missing.AddRange(keys.Where(k => !k.Equals(dotnet[i].PublicKey) && !community.HasPeer(k)).Select(k => $"dotnet-node-{i} lacks {Name(k)}"));
        }

        for (var i = 0; i < py.Count; i++)
        {
            var peers = await py[i].PeersAsync();
            var mine = peers.TryGetValue(s_community.ToString(), out var list) ? list : [];
            missing.AddRange(keys.Where(k => !k.Equals(py[i].Key) && !mine.Any(p => p.Key.Equals(k))).Select(k => $"py-node-{i} lacks {Name(k)}"));
        }

        return missing;

        string Name(PublicKey key)
        {
            var d = dotnet.ToList().FindIndex(n => n.PublicKey.Equals(key));
            return d >= 0 ? $"dotnet-node-{d}" : $"py-node-{py.ToList().FindIndex(p => p.Key.Equals(key))}";
        }
    }
}

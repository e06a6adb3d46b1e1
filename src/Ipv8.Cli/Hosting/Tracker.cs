using System.Diagnostics;
using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.Logging;

namespace Ipv8.Cli.Hosting;

/// <summary>
/// A bootstrap server: a node whose <see cref="TrackerCommunity"/> is the fallback for every prefix, so it answers
/// introduction requests of any community and introduces the requesters to each other, as py-ipv8's tracker does.
/// </summary>
internal sealed class Tracker : IAsyncDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private Tracker(Ipv8Node node, TrackerCommunity community)
    {
        Node = node;
        Community = community;
    }

    public Ipv8Node Node { get; }

    public TrackerCommunity Community { get; }

    /// <summary>The address the tracker is bound to (valid after <see cref="Start"/>).</summary>
    public UdpAddress Address => Node.Endpoint.Ipv4Address ?? Node.Endpoint.Ipv6Address ?? UdpAddress.Any;

    /// <summary>Builds a tracker on an endpoint; <paramref name="capacity"/> bounds its peer table.</summary>
    public static Tracker Create(IEndpoint endpoint, ILoggerFactory? logs, int capacity, bool enableMetrics = true)
    {
        var options = new Ipv8NodeOptions
        {
            LoggerFactory = logs,
            EnableMetrics = enableMetrics,
            Name = "tracker",
            Network = new NetworkOptions
            {
                MaxVerifiedPeers = capacity,
                MaxWalkableAddresses = capacity,
                MaxBlacklistedAddresses = 1_000,
                MaxBlacklistedMids = 1_000,
            },
        };
        var node = new Ipv8Node(LibNaClPrivateKey.Generate(), endpoint, options);
        var community = node.AddCommunity(new TrackerCommunity(node.CreateSettings()));
        node.SetFallback(community.AnyPrefix);
        return new Tracker(node, community);
    }

    /// <summary>Opens the endpoint, starts the node and the forgetting of silent peers.</summary>
    public void Start()
    {
        Node.Start();
        Community.StartChurn();
    }

    /// <summary>One status line: peers, communities, requests answered, packets.</summary>
    public string Status()
    {
        var peers = Node.Network.VerifiedPeers;
        var services = new HashSet<CommunityId>();
        foreach (var peer in peers)
        {
            services.UnionWith(Node.Network.GetServicesForPeer(peer));
        }

        var counters = Node.Endpoint.Counters;
        return $"[{_clock.Elapsed.TotalSeconds,7:F1}s] tracker {Address}: {Counted.Of(peers.Count, "peer")} in {Counted.Of(services.Count, "community", "communities")}, "
            + $"{Counted.Of(Community.RequestsAnswered, "introduction request")} answered, packets in: {counters.PacketsReceived}, out: {counters.PacketsSent}";
    }

    public ValueTask DisposeAsync() => Node.DisposeAsync();
}

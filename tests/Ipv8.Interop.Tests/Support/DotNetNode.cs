using System.Net;
using Ipv8.Engine;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Interop.Tests.Support;

/// <summary>
/// A started .NET <see cref="Ipv8Node"/> on a real UDP socket bound to 127.0.0.1 (or ::1), port 0, sending only to
/// loopback, with one <see cref="InteropCommunity"/> per id given. With a tracker, each community bootstraps from it
/// (<see cref="AddressListBootstrapper"/>) and walks (<see cref="RandomWalk"/>), as a py-ipv8 node configured the usual way;
/// with <c>discovery</c> the node also runs the DiscoveryCommunity (<see cref="Ipv8Node.AddDiscoveryCommunity"/>,
/// bootstrapping from the tracker too), as a deployed py-ipv8 node does.
/// </summary>
internal sealed class DotNetNode : IAsyncDisposable
{
    private DotNetNode(LibNaClPrivateKey key, Ipv8Node node, IReadOnlyList<InteropCommunity> communities, DiscoveryCommunity? discovery)
    {
        Key = key;
        Node = node;
        Communities = communities;
        Discovery = discovery;
    }

    public LibNaClPrivateKey Key { get; }

    public PublicKey PublicKey => Key.PublicKey;

    public Ipv8Node Node { get; }

    public IReadOnlyList<InteropCommunity> Communities { get; }

    /// <summary>The DiscoveryCommunity, when the node runs one.</summary>
    public DiscoveryCommunity? Discovery { get; }

    /// <summary>The DiscoveryCommunity's <see cref="RandomChurn"/>, when the node runs one.</summary>
    public RandomChurn? Churn => Node.Strategies.Select(s => s.Strategy).OfType<RandomChurn>().SingleOrDefault();

    /// <summary>The bound address: 127.0.0.1:port or [::1]:port.</summary>
    public UdpAddress Address => Node.Endpoint.Ipv4Address ?? Node.Endpoint.Ipv6Address ?? throw new InvalidOperationException("not started");

    public InteropCommunity Community(CommunityId id) => Communities.Single(c => c.CommunityId == id);

    /// <param name="name">The node's name.</param>
    /// <param name="communities">One <see cref="InteropCommunity"/> per id.</param>
    /// <param name="ipv6">Bind ::1 instead of 127.0.0.1.</param>
    /// <param name="tracker">A tracker on loopback: every community bootstraps from it and walks.</param>
    /// <param name="seed">Seeds the communities' and strategies' random choices.</param>
    /// <param name="discovery">Also run the DiscoveryCommunity (needs <paramref name="tracker"/>).</param>
    /// <param name="walkTarget">The peer count at which the communities' <see cref="RandomWalk"/> pauses (py-ipv8's usual 20).</param>
    public static DotNetNode Start(string name, IEnumerable<(CommunityId Id, ChatMode Mode)> communities, bool ipv6 = false, UdpAddress? tracker = null, int seed = 1, bool discovery = false, int walkTarget = 20)
    {
        Assert.True(!discovery || tracker is not null, "the DiscoveryCommunity bootstraps from the tracker");
        var key = LibNaClPrivateKey.Generate();
        var endpoint = new UdpEndpoint(new UdpEndpointOptions
        {
            Ipv4Host = ipv6 ? null : IPAddress.Loopback,
            Ipv6Host = ipv6 ? IPAddress.IPv6Loopback : null,
            Port = 0,
            LoopbackOnly = true,
        });
        var node = new Ipv8Node(key, endpoint, new Ipv8NodeOptions { Name = name });
        DiscoveryCommunity? discoveryCommunity = null;
        if (discovery && tracker is { } at)
        {
            Assert.True(at.IsLoopback, "trackers are on loopback only");
            discoveryCommunity = node.AddDiscoveryCommunity(s => s.RandomSeed = seed * 100 + 99, randomSeed: seed * 100 + 99);
            discoveryCommunity.AddBootstrapper(new AddressListBootstrapper([at]));
        }

        var list = new List<InteropCommunity>();
        var index = 0;
        foreach (var (id, mode) in communities)
        {
            var community = node.AddCommunity(new InteropCommunity(id, node.CreateSettings(s => s.RandomSeed = seed * 100 + index), mode));
            if (tracker is { } t)
            {
                Assert.True(t.IsLoopback, "trackers are on loopback only");
                community.AddBootstrapper(new AddressListBootstrapper([t]));
                node.AddStrategy(community, new RandomWalk(community, randomSeed: seed * 100 + index), targetPeers: walkTarget);
            }

            list.Add(community);
            index++;
        }

        node.Start();
        return new DotNetNode(key, node, list, discoveryCommunity);
    }

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        Key.Dispose();
    }
}

using System.Net;
using Ipv8.Engine;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Interop.Tests.Support;

/// <summary>
/// A started .NET <see cref="Ipv8Node"/> on a real UDP socket bound to 127.0.0.1 (or ::1), port 0, sending only to
/// loopback, with one <see cref="InteropCommunity"/> per id given. With a tracker, each community bootstraps from it
/// (<see cref="AddressListBootstrapper"/>) and walks (<see cref="RandomWalk"/>), as a py-ipv8 node configured the usual way.
/// </summary>
internal sealed class DotNetNode : IAsyncDisposable
{
    private DotNetNode(LibNaClPrivateKey key, Ipv8Node node, IReadOnlyList<InteropCommunity> communities)
    {
        Key = key;
        Node = node;
        Communities = communities;
    }

    public LibNaClPrivateKey Key { get; }

    public PublicKey PublicKey => Key.PublicKey;

    public Ipv8Node Node { get; }

    public IReadOnlyList<InteropCommunity> Communities { get; }

    /// <summary>The bound address: 127.0.0.1:port or [::1]:port.</summary>
    public UdpAddress Address => Node.Endpoint.Ipv4Address ?? Node.Endpoint.Ipv6Address ?? throw new InvalidOperationException("not started");

    public InteropCommunity Community(CommunityId id) => Communities.Single(c => c.CommunityId == id);

    public static DotNetNode Start(string name, IEnumerable<(CommunityId Id, ChatMode Mode)> communities, bool ipv6 = false, UdpAddress? tracker = null, int seed = 1)
    {
        var key = LibNaClPrivateKey.Generate();
        var endpoint = new UdpEndpoint(new UdpEndpointOptions
        {
            Ipv4Host = ipv6 ? null : IPAddress.Loopback,
            Ipv6Host = ipv6 ? IPAddress.IPv6Loopback : null,
            Port = 0,
            LoopbackOnly = true,
        });
        var node = new Ipv8Node(key, endpoint, new Ipv8NodeOptions { Name = name });
        var list = new List<InteropCommunity>();
        var index = 0;
        foreach (var (id, mode) in communities)
        {
            var community = node.AddCommunity(new InteropCommunity(id, node.CreateSettings(s => s.RandomSeed = seed * 100 + index), mode));
            if (tracker is { } t)
            {
                Assert.True(t.IsLoopback, "trackers are on loopback only");
                community.Bootstrappers.Add(new AddressListBootstrapper([t]));
                node.AddStrategy(community, new RandomWalk(community, randomSeed: seed * 100 + index), targetPeers: 20);
            }

            list.Add(community);
            index++;
        }

        node.Start();
        return new DotNetNode(key, node, list);
    }

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        Key.Dispose();
    }
}

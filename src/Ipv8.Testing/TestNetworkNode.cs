using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Testing;

/// <summary>One node of a <see cref="TestNetwork{TCommunity}"/> (py-ipv8 <c>MockIPv8</c>): its key, node, endpoint and community.</summary>
/// <typeparam name="TCommunity">The community every node of the network runs.</typeparam>
public sealed class TestNetworkNode<TCommunity> where TCommunity : Community
{
    private readonly TimeProvider _time;

    internal TestNetworkNode(int index, LibNaClPrivateKey key, Ipv8Node node, InMemoryEndpoint endpoint, TCommunity community, TimeProvider time)
    {
        _time = time;
        Index = index;
        Key = key;
        Node = node;
        Endpoint = endpoint;
        Community = community;
    }

    /// <summary>The node's position in <see cref="TestNetwork{TCommunity}.Nodes"/>.</summary>
    public int Index { get; }

    /// <summary>The node's private key (py-ipv8 <c>private_key(i)</c>).</summary>
    public LibNaClPrivateKey Key { get; }

    /// <summary>The node's public key (py-ipv8 <c>public_key(i)</c>).</summary>
    public LibNaClPublicKey PublicKey => Key.PublicKey;

    /// <summary>The node, started, with <see cref="Community"/> added (py-ipv8 <c>node(i)</c>).</summary>
    public Ipv8Node Node { get; }

    /// <summary>The node's endpoint on the in-memory network (py-ipv8 <c>endpoint(i)</c>).</summary>
    public InMemoryEndpoint Endpoint { get; }

    /// <summary>The node's community (py-ipv8 <c>overlay(i)</c>).</summary>
    public TCommunity Community { get; }

    /// <summary>The node's peer table (py-ipv8 <c>network(i)</c>).</summary>
    public Network Network => Node.Network;

    /// <summary>The node's address, 127.0.0.1:port (py-ipv8 <c>address(i)</c>).</summary>
    public UdpAddress Address => Endpoint.Address;

    /// <summary>A new public <see cref="Peer"/> for this node, as another node would know it, on the network's clock (py-ipv8 <c>peer(i)</c>).</summary>
    public Peer ToPeer() => new(Key.PublicKey, Address, timeProvider: _time);

    /// <summary>True when <paramref name="other"/> is one of this node's verified peers in the community.</summary>
    public bool Knows(TestNetworkNode<TCommunity> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Community.GetPeers().Any(p => p.Key.Equals(other.PublicKey));
    }

    /// <summary>This node's peer object for <paramref name="other"/> in the community, or null when it does not know it.</summary>
    public Peer? PeerOf(TestNetworkNode<TCommunity> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Community.GetPeers().FirstOrDefault(p => p.Key.Equals(other.PublicKey));
    }
}

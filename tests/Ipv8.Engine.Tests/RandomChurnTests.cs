using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Peers;
using Ipv8.Engine.Tests.Support;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary>py-ipv8's <c>RandomChurn</c> and <c>PeriodicSimilarity</c> (<c>ipv8/peerdiscovery/churn.py</c>, <c>community.py</c>), on a fake clock.</summary>
public sealed class RandomChurnTests : IDisposable
{
    private static readonly UdpAddress s_here = UdpAddress.Parse("127.0.0.1:10001");
    private static readonly CommunityId s_user = CommunityId.Parse("cccccccccccccccccccccccccccccccccccccccc");
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingEndpoint _endpoint = new(s_here);
    private readonly LibNaClPrivateKey _key = LibNaClPrivateKey.Generate();
    private readonly List<LibNaClPrivateKey> _keys = [];
    private readonly DiscoveryCommunity _discovery;
    private readonly TestCommunity _user;

    public RandomChurnTests()
    {
        var network = new Network();
        _discovery = new DiscoveryCommunity(Offline.Settings(_key, _endpoint, _time, network));
        var settings = Offline.Settings(_key, _endpoint, _time, network);
        settings.MyPeer = _discovery.MyPeer;
        _user = new TestCommunity(s_user, settings);
    }

    public void Dispose()
    {
        _key.Dispose();
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    [Fact]
    public void A_peer_silent_for_the_inactive_time_is_pinged_once_per_ping_interval()
    {
        var peer = AddPeer(10002, pings: 5);
        var churn = new RandomChurn(_discovery, randomSeed: 1);

        _time.Advance(TimeSpan.FromSeconds(27));
        churn.TakeStep();
        Assert.Equal(0, Pings(peer));

        _time.Advance(TimeSpan.FromSeconds(1)); // silent 28 s > 27.5 s
        churn.TakeStep();
        churn.TakeStep();
        Assert.Equal(1, Pings(peer));

        _time.Advance(TimeSpan.FromSeconds(10.1)); // the ping interval has passed
        churn.TakeStep();
        Assert.Equal(2, Pings(peer));
    }

    [Fact]
    public void A_peer_with_fewer_than_five_ping_times_is_pinged_even_while_it_talks()
    {
        var peer = AddPeer(10002, pings: 4);
        var churn = new RandomChurn(_discovery, randomSeed: 1);

        churn.TakeStep();
        Assert.Equal(1, Pings(peer));

        peer.AddPing(0.01); // five now, and active: left alone
        _time.Advance(TimeSpan.FromSeconds(11));
        peer.Touch();
        churn.TakeStep();
        Assert.Equal(1, Pings(peer));
    }

    [Fact]
    public void A_pinged_peer_silent_for_the_drop_time_leaves_the_shared_network_for_every_community()
    {
        var peer = AddPeer(10002, pings: 5);
        _user.Network.DiscoverServices(peer, s_user);
        Assert.Single(_user.GetPeers());
        var churn = new RandomChurn(_discovery, randomSeed: 1);

        _time.Advance(TimeSpan.FromSeconds(30));
        churn.TakeStep(); // pinged
        _time.Advance(TimeSpan.FromSeconds(27)); // silent 57 s: not yet
        churn.TakeStep();
        Assert.Single(_user.GetPeers());

        _time.Advance(TimeSpan.FromSeconds(1)); // silent 58 s > 57.5 s
        churn.TakeStep();
        Assert.Empty(_user.GetPeers());
        Assert.Empty(_discovery.GetPeers());
        Assert.Empty(_discovery.Network.VerifiedPeers);
        Assert.Equal(1, churn.Churned);
    }

    [Fact]
    public void A_silent_peer_that_was_never_pinged_is_pinged_first_not_dropped()
    {
        var peer = AddPeer(10002, pings: 5);
        var churn = new RandomChurn(_discovery, randomSeed: 1);

        _time.Advance(TimeSpan.FromSeconds(600));
        churn.TakeStep();

        Assert.Single(_discovery.Network.VerifiedPeers);
        Assert.Equal(1, Pings(peer));
    }

    [Fact]
    public void A_peer_we_were_introduced_to_but_never_heard_from_is_never_pinged_for_silence_nor_dropped()
    {
        var peer = _discovery.Network.AddVerifiedPeer(new Peer(NewKey().PublicKey, UdpAddress.Parse("127.0.0.1:10002"), introduced: true, _time))!;
        for (var i = 0; i < 5; i++)
        {
            peer.AddPing(0.01);
        }

        var churn = new RandomChurn(_discovery, randomSeed: 1);
        _time.Advance(TimeSpan.FromSeconds(600));
        churn.TakeStep();
        churn.TakeStep();

        Assert.Single(_discovery.Network.VerifiedPeers);
        Assert.Equal(0, Pings(peer));
    }

    [Fact]
    public void A_peer_that_answers_is_kept()
    {
        var peer = AddPeer(10002, pings: 5);
        var churn = new RandomChurn(_discovery, randomSeed: 1);

        for (var i = 0; i < 20; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            peer.Touch(); // anything from it, in any community
            churn.TakeStep();
        }

        Assert.Single(_discovery.Network.VerifiedPeers);
        Assert.Equal(0, Pings(peer));
    }

    [Fact]
    public void At_most_the_sample_size_of_peers_is_looked_at_per_step()
    {
        for (var i = 0; i < 20; i++)
        {
            AddPeer(10100 + i, pings: 0);
        }

        var churn = new RandomChurn(_discovery, sampleSize: 8, randomSeed: 3);
        churn.TakeStep();

        Assert.Equal(8, _endpoint.Count(DiscoveryCommunityMessages.Ping));
        Assert.Equal(8, _endpoint.Sent.Select(s => s.Destination).Distinct().Count());
    }

    [Fact]
    public void Periodic_similarity_asks_a_random_verified_peer_at_most_once_a_second()
    {
        var similarity = new PeriodicSimilarity(_discovery, randomSeed: 2);
        similarity.TakeStep();
        Assert.Empty(_endpoint.Sent); // nobody to ask

        AddPeer(10002, pings: 5);
        AddPeer(10003, pings: 5);
        similarity.TakeStep();
        similarity.TakeStep();
        _time.Advance(TimeSpan.FromSeconds(0.9));
        similarity.TakeStep();
        Assert.Equal(1, _endpoint.Count(DiscoveryCommunityMessages.SimilarityRequest));

        _time.Advance(TimeSpan.FromSeconds(0.2));
        similarity.TakeStep();
        Assert.Equal(2, _endpoint.Count(DiscoveryCommunityMessages.SimilarityRequest));
    }

    private Peer AddPeer(int port, int pings)
    {
        var peer = _discovery.Network.AddVerifiedPeer(new Peer(NewKey().PublicKey, UdpAddress.FromIPv4(0x7F000001, (ushort)port), introduced: false, _time))!;
        _discovery.Network.DiscoverServices(peer, DiscoveryCommunity.Id);
        for (var i = 0; i < pings; i++)
        {
            peer.AddPing(0.01);
        }

        return peer;
    }

    private int Pings(Peer peer) => _endpoint.Count(DiscoveryCommunityMessages.Ping, peer.Address);

    private LibNaClPrivateKey NewKey()
    {
        var key = LibNaClPrivateKey.Generate();
        _keys.Add(key);
        return key;
    }
}

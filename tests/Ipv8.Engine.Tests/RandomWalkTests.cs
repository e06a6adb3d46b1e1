using Ipv8.Engine.Discovery;
using Ipv8.Engine.Peers;
using Ipv8.Engine.Tests.Support;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary>RandomWalk (PROTOCOL.md §5: timeout 3 s, window 5, reset chance 50/256), on a fake clock and endpoint.</summary>
public sealed class RandomWalkTests : IDisposable
{
    private static readonly UdpAddress s_here = UdpAddress.Parse("127.0.0.1:30000");

    private readonly LibNaClPrivateKey _key = LibNaClPrivateKey.Generate();
    private readonly LibNaClPrivateKey _introducerKey = LibNaClPrivateKey.Generate();
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingEndpoint _endpoint = new(s_here);

    public void Dispose()
    {
        _key.Dispose();
        _introducerKey.Dispose();
    }

    [Fact]
    public void The_defaults_are_py_ipv8s()
    {
        var walk = new RandomWalk(NewCommunity());
        Assert.Equal(TimeSpan.FromSeconds(3), walk.Timeout);
        Assert.Equal(5, walk.WindowSize);
        Assert.Equal(50, walk.ResetChance);
    }

    [Fact]
    public void At_most_window_walks_are_in_flight()
    {
        var community = NewCommunity();
        var addresses = Introduce(community, 10);
        var walk = new RandomWalk(community, windowSize: 5, resetChance: 0, randomSeed: 42);

        for (var i = 0; i < 10; i++)
        {
            walk.TakeStep();
        }

        Assert.Equal(5, walk.InFlight);
        var walkedTo = Walks();
        Assert.Equal(5, walkedTo.Count);
        Assert.Equal(5, walkedTo.Distinct().Count());
        Assert.All(walkedTo, a => Assert.Contains(a, addresses));
    }

    [Fact]
    public void Walks_unanswered_within_the_timeout_are_forgotten_with_their_addresses()
    {
        var community = NewCommunity();
        Introduce(community, 10);
        var walk = new RandomWalk(community, windowSize: 5, resetChance: 0, randomSeed: 42);
        for (var i = 0; i < 5; i++)
        {
            walk.TakeStep();
        }

        var first = Walks();
        Assert.Equal(5, walk.InFlight);

        // Not yet: the timeout is 3 s, and the window is full.
        _time.Advance(TimeSpan.FromSeconds(2.9));
        walk.TakeStep();
        Assert.Equal(5, walk.InFlight);
        Assert.Equal(5, Walks().Count);

        _time.Advance(TimeSpan.FromSeconds(0.2));
        walk.TakeStep();

        var walkable = community.GetWalkableAddresses();
        Assert.All(first, a => Assert.DoesNotContain(a, walkable));
        Assert.Equal(5, walkable.Count);
        Assert.Equal(1, walk.InFlight);
        var next = Walks()[5];
        Assert.DoesNotContain(next, first);
    }

    [Fact]
    public void A_walk_whose_address_became_verified_is_done_and_its_address_kept()
    {
        var community = NewCommunity();
        var addresses = Introduce(community, 1);
        var walk = new RandomWalk(community, windowSize: 1, resetChance: 0, randomSeed: 1);
        walk.TakeStep();
        Assert.Equal(1, walk.InFlight);

        using var answeringKey = LibNaClPrivateKey.Generate();
        var answered = community.Network.AddVerifiedPeer(new Peer(answeringKey.PublicKey, addresses[0]));
        Assert.NotNull(answered);
        community.Network.DiscoverServices(answered, community.CommunityId); // an answer in this community

        _time.Advance(TimeSpan.FromSeconds(10));
        walk.TakeStep();

        Assert.Equal(0, walk.InFlight);
        Assert.Same(answered, community.Network.GetVerifiedByAddress(addresses[0]));
    }

    [Fact]
    public void With_nothing_to_walk_to_it_asks_a_peer_for_an_introduction()
    {
        var community = NewCommunity();
        var peer = community.Network.AddVerifiedPeer(new Peer(_introducerKey.PublicKey, UdpAddress.Parse("127.0.0.1:31000")))!;
        community.Network.DiscoverServices(peer, community.CommunityId);
        var walk = new RandomWalk(community, resetChance: 0, randomSeed: 1);

        for (var i = 0; i < 20; i++)
        {
            walk.TakeStep();
        }

        // get_new_introduction: no bootstrapper is ready, so always a random peer (the only one).
        Assert.Equal(20, _endpoint.Count(DiscoveryMessages.IntroductionRequest, peer.Address));
        Assert.Equal(0, walk.InFlight);
    }

    [Fact]
    public void With_no_peers_and_nothing_to_walk_to_it_bootstraps()
    {
        var community = NewCommunity();
        var bootstrapper = new RecordingBootstrapper(UdpAddress.Parse("127.0.0.1:32000"));
        community.AddBootstrapper(bootstrapper);
        var walk = new RandomWalk(community, randomSeed: 1);

        walk.TakeStep();

        Assert.True(SpinWait.SpinUntil(() => _endpoint.Count(DiscoveryMessages.IntroductionRequest, UdpAddress.Parse("127.0.0.1:32000")) == 1, TimeSpan.FromSeconds(20)));
        Assert.Equal(1, bootstrapper.InitializeCalls);
        Assert.Equal(1, bootstrapper.GetAddressesCalls);
    }

    [Fact]
    public void With_reset_chance_256_it_always_asks_for_a_new_introduction()
    {
        var community = NewCommunity();
        Introduce(community, 3);
        var introducer = community.Network.GetVerifiedByPublicKeyBin(_introducerKey.PublicKey.Bin)!;
        community.Network.DiscoverServices(introducer, community.CommunityId);
        var walk = new RandomWalk(community, resetChance: 256, randomSeed: 3);

        for (var i = 0; i < 10; i++)
        {
            walk.TakeStep();
        }

        Assert.Equal(0, walk.InFlight);
        Assert.All(_endpoint.Sent, s => Assert.Equal(introducer.Address, s.Destination));
    }

    [Fact]
    public void The_same_seed_gives_the_same_walk()
    {
        static List<UdpAddress> Run(int seed)
        {
            using var key = LibNaClPrivateKey.Generate();
            using var introducerKey = LibNaClPrivateKey.Generate();
            var endpoint = new RecordingEndpoint(s_here);
            var community = new TestCommunity(Offline.Settings(key, endpoint, new FakeTimeProvider()));
            var introducer = new Peer(introducerKey.PublicKey, UdpAddress.Parse("127.0.0.1:31000"));
            for (var i = 0; i < 20; i++)
            {
                community.Network.DiscoverAddress(introducer, UdpAddress.Parse($"127.0.0.1:{40000 + i}"), community.CommunityId);
            }

            var walk = new RandomWalk(community, windowSize: 0, resetChance: 0, randomSeed: seed);
            for (var i = 0; i < 15; i++)
            {
                walk.TakeStep();
            }

            return [.. endpoint.Sent.Select(s => s.Destination)];
        }

        var first = Run(7);
        Assert.Equal(15, first.Count);
        Assert.Equal(first, Run(7));
        Assert.NotEqual(first, Run(8));
    }

    private TestCommunity NewCommunity() => new(Offline.Settings(_key, _endpoint, _time));

    private List<UdpAddress> Introduce(TestCommunity community, int count)
    {
        var introducer = new Peer(_introducerKey.PublicKey, UdpAddress.Parse("127.0.0.1:31000"));
        var addresses = new List<UdpAddress>();
        for (var i = 0; i < count; i++)
        {
            var address = UdpAddress.Parse($"127.0.0.1:{40000 + i}");
            community.Network.DiscoverAddress(introducer, address, community.CommunityId);
            addresses.Add(address);
        }

        Assert.Equal(count, community.GetWalkableAddresses().Count);
        return addresses;
    }

    private List<UdpAddress> Walks() =>
        [.. _endpoint.Sent.Where(s => s.MessageId is DiscoveryMessages.IntroductionRequest or DiscoveryMessages.NewIntroductionRequest).Select(s => s.Destination)];
}

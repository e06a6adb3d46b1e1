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

    [Fact]
    public void The_choice_is_uniform_over_the_walkable_addresses()
    {
        // 30 walkable addresses spread through a table of about 80 (after each of them 0 to 3 addresses introduced for
        // another community, some of those forgotten again so that the table has free slots): a choice that favoured a
        // part of the table, or the addresses after longer runs of others, would show. Each walkable address is also a
        // verified peer of no community, so a walk that times out keeps its address: every step chooses among the same 30,
        // with nothing in flight.
        var community = NewCommunity();
        var introducer = new Peer(_introducerKey.PublicKey, UdpAddress.Parse("127.0.0.1:31000"));
        var walkable = new List<UdpAddress>();
        var others = new List<UdpAddress>();
        for (var i = 0; i < 30; i++)
        {
            walkable.AddRange(WalkableButVerifiedElsewhere(community, 1, firstPort: 40000 + i));
            for (var j = 0; j < (i * 7) % 4; j++)
            {
                var other = UdpAddress.Parse($"127.0.0.1:{50000 + others.Count}");
                community.Network.DiscoverAddress(introducer, other, TestIds.Other);
                others.Add(other);
            }
        }

        for (var i = 0; i < others.Count; i += 5)
        {
            community.Network.RemoveByAddress(others[i]);
        }

        Assert.Equal(walkable.ToHashSet(), community.GetWalkableAddresses().ToHashSet());
        var walk = new RandomWalk(community, windowSize: 1, resetChance: 0, randomSeed: 11);
        const int steps = 4000;
        for (var i = 0; i < steps; i++)
        {
            walk.TakeStep();
            _time.Advance(TimeSpan.FromSeconds(3.1)); // the walk times out before the next step
        }

        var walks = Walks();
        Assert.Equal(steps, walks.Count);
        var counts = walks.GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(walkable.ToHashSet(), counts.Keys.ToHashSet());

        // Pearson's chi-square over 30 addresses (29 degrees of freedom: mean 29, standard deviation 7.6). A uniform
        // choice stays below 90 except with a probability far below one in a million; a choice that favours a few
        // addresses (by slot, by age) goes far above it.
        var expected = (double)steps / walkable.Count;
        var chiSquare = counts.Values.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chiSquare < 90, $"chi-square {chiSquare:F1} over {walkable.Count} addresses");
    }

    [Fact]
    public void Addresses_in_flight_are_not_chosen_again_and_with_all_in_flight_it_asks_a_peer()
    {
        var community = NewCommunity();
        var addresses = Introduce(community, 20);
        var introducer = new Peer(_introducerKey.PublicKey, UdpAddress.Parse("127.0.0.1:31000"));
        for (var i = 0; i < 200; i++)
        {
            community.Network.DiscoverAddress(introducer, UdpAddress.Parse($"127.0.0.1:{50000 + i}"), TestIds.Other);
        }

        using var peerKey = LibNaClPrivateKey.Generate();
        var peer = community.Network.AddVerifiedPeer(new Peer(peerKey.PublicKey, UdpAddress.Parse("127.0.0.1:31001")))!;
        community.Network.DiscoverServices(peer, community.CommunityId);

        // No window, no reset, no time passing: every walk stays in flight.
        var walk = new RandomWalk(community, windowSize: 0, resetChance: 0, randomSeed: 5);
        for (var i = 0; i < 20; i++)
        {
            walk.TakeStep();
        }

        var walks = Walks();
        Assert.Equal(addresses.ToHashSet(), walks.ToHashSet()); // 20 walks, 20 different addresses
        Assert.Equal(20, walk.InFlight);

        walk.TakeStep();

        // Nothing walkable is left out of flight: an introduction request to the community's one peer instead.
        Assert.Equal(peer.Address, Walks()[20]);
        Assert.Equal(21, Walks().Count);
        Assert.Equal(20, walk.InFlight);
    }

    [Fact]
    public void With_one_walkable_address_among_hundreds_it_still_walks_there()
    {
        var community = NewCommunity();
        var only = WalkableButVerifiedElsewhere(community, 1)[0];
        var introducer = new Peer(_introducerKey.PublicKey, UdpAddress.Parse("127.0.0.1:31000"));
        for (var i = 0; i < 500; i++)
        {
            community.Network.DiscoverAddress(introducer, UdpAddress.Parse($"127.0.0.1:{50000 + i}"), TestIds.Other);
        }

        var walk = new RandomWalk(community, windowSize: 1, resetChance: 0, randomSeed: 5);
        for (var i = 0; i < 50; i++)
        {
            walk.TakeStep();
            _time.Advance(TimeSpan.FromSeconds(3.1));
        }

        Assert.Equal(50, _endpoint.Sent.Count);
        Assert.All(Walks(), a => Assert.Equal(only, a));
    }

    [Fact]
    public void About_reset_chance_in_256_steps_ask_for_a_new_introduction_instead()
    {
        var community = NewCommunity();
        var walkable = WalkableButVerifiedElsewhere(community, 10);
        using var peerKey = LibNaClPrivateKey.Generate();
        var peer = community.Network.AddVerifiedPeer(new Peer(peerKey.PublicKey, UdpAddress.Parse("127.0.0.1:31001")))!;
        community.Network.DiscoverServices(peer, community.CommunityId);
        var walk = new RandomWalk(community, windowSize: 1, resetChance: 50, randomSeed: 9);

        const int steps = 2560;
        for (var i = 0; i < steps; i++)
        {
            walk.TakeStep();
            _time.Advance(TimeSpan.FromSeconds(3.1));
        }

        // 50/256 of 2,560 steps: 500 expected, standard deviation 20.
        var resets = _endpoint.Count(DiscoveryMessages.IntroductionRequest, peer.Address);
        Assert.InRange(resets, 400, 600);
        Assert.Equal(steps - resets, Walks().Count(walkable.Contains));
    }

    private TestCommunity NewCommunity() => new(Offline.Settings(_key, _endpoint, _time));

    // Addresses introduced for the community that are also verified peers of no community: walkable here (a peer is
    // walked to in a community that does not know it yet), and kept when a walk to them times out.
    private List<UdpAddress> WalkableButVerifiedElsewhere(TestCommunity community, int count, int firstPort = 40000)
    {
        var introducer = new Peer(_introducerKey.PublicKey, UdpAddress.Parse("127.0.0.1:31000"));
        var addresses = new List<UdpAddress>();
        for (var i = 0; i < count; i++)
        {
            var address = UdpAddress.Parse($"127.0.0.1:{firstPort + i}");
            using var key = LibNaClPrivateKey.Generate();
            Assert.NotNull(community.Network.AddVerifiedPeer(new Peer(key.PublicKey, address)));
            community.Network.DiscoverAddress(introducer, address, community.CommunityId);
            addresses.Add(address);
        }

        return addresses;
    }

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

        return addresses;
    }

    private List<UdpAddress> Walks() =>
        [.. _endpoint.Sent.Where(s => s.MessageId is DiscoveryMessages.IntroductionRequest or DiscoveryMessages.NewIntroductionRequest).Select(s => s.Destination)];
}

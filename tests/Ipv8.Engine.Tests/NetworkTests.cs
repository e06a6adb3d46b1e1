using Ipv8.Engine.Peers;
using Ipv8.Engine.Tests.Support;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary>The peer table's rules (PROTOCOL.md §5, Network).</summary>
public sealed class NetworkTests : IDisposable
{
    private static readonly CommunityId s_service = TestIds.Discovery;
    private static readonly CommunityId s_otherService = TestIds.Other;

    private readonly List<LibNaClPrivateKey> _keys = [];

    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    [Fact]
    public void Discovering_an_address_records_it_as_walkable_and_verifies_the_introducer()
    {
        var network = new Network();
        var introducer = NewPeer("127.0.0.1:1000");
        var introduced = Address("127.0.0.1:2000");

        network.DiscoverAddress(introducer, introduced, s_service, newStyle: true);

        Assert.Same(introducer, network.GetVerifiedByAddress(introducer.Address));
        Assert.Equal([introduced], network.GetWalkableAddresses(s_service));
        Assert.Equal([introduced], network.GetIntroductionsFrom(introducer));
        Assert.True(network.IsNewStyle(introduced));
        Assert.False(network.IsNewStyle(introducer.Address));
        Assert.Empty(network.GetWalkableAddresses(s_service, oldStyleOnly: true));
    }

    [Fact]
    public void A_peer_verified_in_one_community_and_introduced_in_another_is_walkable_in_the_other_only()
    {
        // py-ipv8 leaves out the addresses of the peers known for the service asked about, not of every verified peer.
        var network = new Network();
        var member = NewPeer("127.0.0.1:3000");
        Assert.Same(member, network.AddVerifiedPeer(member));
        network.DiscoverServices(member, s_otherService);
        var introducer = NewPeer("127.0.0.1:1000");
        network.AddVerifiedPeer(introducer);
        network.DiscoverServices(introducer, s_service);

        network.DiscoverAddress(introducer, member.Address, s_service);

        Assert.Equal([member.Address], network.GetWalkableAddresses(s_service));
        Assert.Empty(network.GetWalkableAddresses(s_otherService));
        Assert.Empty(network.GetWalkableAddresses());

        // Once it is a peer of that community too, it is not walkable there either.
        network.DiscoverServices(member, s_service);
        Assert.Empty(network.GetWalkableAddresses(s_service));
    }

    [Fact]
    public void Discovering_a_blacklisted_address_only_verifies_the_introducer()
    {
        var network = new Network();
        var introducer = NewPeer("127.0.0.1:1000");
        var tracker = Address("127.0.0.1:6421");
        network.BlacklistAddress(tracker);

        network.DiscoverAddress(introducer, tracker, s_service);

        Assert.Equal(1, network.VerifiedPeerCount);
        Assert.Same(introducer, network.GetVerifiedByAddress(introducer.Address));
        Assert.Empty(network.GetWalkableAddresses());
        Assert.Empty(network.GetWalkableAddresses(s_service));
        Assert.Empty(network.GetIntroductionsFrom(introducer));
        Assert.Equal(1, network.KnownAddressCount);
    }

    [Fact]
    public void An_address_known_through_a_still_verified_introducer_is_not_taken_over()
    {
        var network = new Network();
        var first = NewPeer("127.0.0.1:1000");
        var second = NewPeer("127.0.0.1:1001");
        var introduced = Address("127.0.0.1:2000");

        network.DiscoverAddress(first, introduced, s_service);
        network.DiscoverAddress(second, introduced, s_otherService, newStyle: true);

        Assert.Equal([introduced], network.GetIntroductionsFrom(first));
        Assert.Empty(network.GetIntroductionsFrom(second));
        Assert.False(network.IsNewStyle(introduced));

        // Once the first introducer is gone, the next introduction replaces it.
        network.RemovePeer(first);
        network.DiscoverAddress(second, introduced, s_otherService, newStyle: true);
        Assert.Equal([introduced], network.GetIntroductionsFrom(second));
        Assert.True(network.IsNewStyle(introduced));
    }

    [Fact]
    public void Adding_a_known_key_again_only_merges_its_addresses()
    {
        var network = new Network();
        var key = NewKey();
        var v4 = Address("127.0.0.1:1000");
        var v6 = Address("[::1]:1000");
        var original = new Peer(key.PublicKey, v4);
        Assert.Same(original, network.AddVerifiedPeer(original));
        network.DiscoverServices(original, s_service);

        var again = new Peer(key.PublicKey, v6);
        var result = network.AddVerifiedPeer(again);

        Assert.Same(original, result);
        Assert.Equal(1, network.VerifiedPeerCount);
        Assert.Equal(v6, original.Address); // IPv6 preferred
        Assert.Equal(v4, original.GetAddress(ipv6: false));
        Assert.Same(original, network.GetVerifiedByAddress(v6));
        Assert.Same(original, network.GetVerifiedByAddress(v4));
        Assert.Same(original, Assert.Single(network.GetPeersForService(s_service)));
        Assert.Same(original, network.GetVerifiedByPublicKeyBin(key.PublicKey.Bin));
    }

    [Fact]
    public void A_blacklisted_mid_is_never_verified()
    {
        var network = new Network();
        var peer = NewPeer("127.0.0.1:1000");
        network.BlacklistMid(peer.Mid);

        Assert.Null(network.AddVerifiedPeer(peer));
        network.DiscoverAddress(peer, Address("127.0.0.1:2000"), s_service);

        Assert.Equal(0, network.VerifiedPeerCount);
        Assert.True(network.IsMidBlacklisted(peer.Mid));
    }

    [Fact]
    public void A_blacklisted_key_is_refused_by_its_bin_and_a_blacklisted_mid_by_its_hash()
    {
        var network = new Network();
        var own = NewPeer("127.0.0.1:1000");
        var other = NewPeer("127.0.0.1:2000");
        var refused = NewPeer("127.0.0.1:3000");
        network.BlacklistKey(own.Key);

        Assert.True(network.IsKeyBlacklisted(own.Key.Bin));
        Assert.True(network.IsMidBlacklisted(own.Mid));
        Assert.False(network.IsKeyBlacklisted(other.Key.Bin));
        Assert.False(network.IsKeyBlacklisted(refused.Key.Bin));
        Assert.Null(network.AddVerifiedPeer(own));

        network.BlacklistMid(refused.Mid); // a mid without its key: from now on keys are hashed

        Assert.True(network.IsKeyBlacklisted(refused.Key.Bin));
        Assert.True(network.IsKeyBlacklisted(own.Key.Bin));
        Assert.False(network.IsKeyBlacklisted(other.Key.Bin));
        Assert.Null(network.AddVerifiedPeer(refused));
        Assert.Null(network.AddVerifiedPeer(own));
        Assert.Same(other, network.AddVerifiedPeer(other));
    }

    [Fact]
    public void While_only_keys_are_blacklisted_a_new_peer_is_added_without_hashing_its_key()
    {
        var network = new Network();
        var own = NewPeer("127.0.0.1:1000");
        network.BlacklistKey(own.Key);
        network.BlacklistMid(own.Mid); // the same mid again: still one of the keys'
        var stranger = NewPeer("127.0.0.1:2000");

        Assert.False(network.IsKeyBlacklisted(stranger.Key.Bin));
        Assert.Same(stranger, network.AddVerifiedPeer(stranger));
        Assert.False(MidComputed(stranger.Key));

        network.BlacklistMid(NewKey().PublicKey.Mid);
        var next = NewPeer("127.0.0.1:3000");
        Assert.Same(next, network.AddVerifiedPeer(next));
        Assert.True(MidComputed(next.Key)); // a mid without its key is blacklisted: the new peer's key is hashed
    }

    [Fact]
    public void More_blacklisted_keys_than_are_worth_comparing_are_hashed_and_still_refused()
    {
        var network = new Network();
        var keys = Enumerable.Range(0, Network.MaxBlacklistedKeys + 1).Select(i => NewPeer($"127.0.0.1:{1000 + i}")).ToList();
        foreach (var peer in keys)
        {
            network.BlacklistKey(peer.Key);
        }

        Assert.All(keys, peer => Assert.True(network.IsKeyBlacklisted(peer.Key.Bin)));
        Assert.All(keys, peer => Assert.Null(network.AddVerifiedPeer(peer)));
        var stranger = NewPeer("127.0.0.1:3000");
        Assert.False(network.IsKeyBlacklisted(stranger.Key.Bin));
        Assert.Same(stranger, network.AddVerifiedPeer(stranger));
        Assert.True(MidComputed(stranger.Key), "hashed: the keys no longer decide");
    }

    [Fact]
    public void Blacklisted_keys_are_kept_beyond_the_mid_cap()
    {
        var network = new Network(new NetworkOptions { MaxBlacklistedMids = 1 });
        var first = NewPeer("127.0.0.1:1000");
        var second = NewPeer("127.0.0.1:2000");
        network.BlacklistKey(first.Key);
        network.BlacklistKey(second.Key); // the keys' mids are not in the capped table: nothing is evicted

        Assert.True(network.IsMidBlacklisted(first.Mid));
        Assert.True(network.IsMidBlacklisted(second.Mid));
        Assert.True(network.IsKeyBlacklisted(first.Key.Bin));
        Assert.True(network.IsKeyBlacklisted(second.Key.Bin));
        Assert.Null(network.AddVerifiedPeer(first));
        Assert.Null(network.AddVerifiedPeer(second));
        var stranger = NewPeer("127.0.0.1:3000");
        Assert.Same(stranger, network.AddVerifiedPeer(stranger));
        Assert.False(MidComputed(stranger.Key), "only keys are blacklisted: their bins decide");
    }

    [Fact]
    public void Keys_past_the_compared_ones_stay_blacklisted_after_more_bare_mids_than_the_cap()
    {
        var network = new Network(new NetworkOptions { MaxBlacklistedMids = 1 });
        var keys = Enumerable.Range(0, Network.MaxBlacklistedKeys + 2).Select(i => NewPeer($"127.0.0.1:{1000 + i}")).ToList();
        foreach (var peer in keys)
        {
            network.BlacklistKey(peer.Key);
        }

        var first = RandomMid(0);
        var second = RandomMid(1);
        network.BlacklistMid(first);
        network.BlacklistMid(second); // evicts the first bare mid, and only it
        network.BlacklistMid(keys[^1].Mid); // a key's mid again: already kept for good, evicts nothing

        Assert.False(network.IsMidBlacklisted(first));
        Assert.True(network.IsMidBlacklisted(second));
        Assert.All(keys, peer => Assert.True(network.IsMidBlacklisted(peer.Mid)));
        Assert.All(keys, peer => Assert.True(network.IsKeyBlacklisted(peer.Key.Bin)));
        Assert.All(keys, peer => Assert.Null(network.AddVerifiedPeer(peer)));
        var stranger = NewPeer("127.0.0.1:3000");
        Assert.Same(stranger, network.AddVerifiedPeer(stranger));
        Assert.Equal(1, network.VerifiedPeerCount);
    }

    [Fact]
    public void A_key_blacklisted_after_its_bare_mid_is_decided_by_its_bin_again()
    {
        var network = new Network(new NetworkOptions { MaxBlacklistedMids = 1 });
        var own = NewPeer("127.0.0.1:1000");
        network.BlacklistMid(own.Mid);
        network.BlacklistKey(own.Key); // the bare mid becomes the key's, kept for good

        network.BlacklistMid(RandomMid(0)); // fills the bare mids' cap
        network.BlacklistMid(RandomMid(1));
        Assert.True(network.IsKeyBlacklisted(own.Key.Bin));
        Assert.Null(network.AddVerifiedPeer(own));

        var fresh = new Network();
        var other = NewPeer("127.0.0.1:2000");
        fresh.BlacklistMid(other.Mid);
        fresh.BlacklistKey(other.Key);
        var stranger = NewPeer("127.0.0.1:3000");
        Assert.Null(fresh.AddVerifiedPeer(other));
        Assert.Same(stranger, fresh.AddVerifiedPeer(stranger));
        Assert.False(MidComputed(stranger.Key), "no bare mid is left: the bins decide");
    }

    [Fact]
    public void Own_key_stays_blacklisted_after_more_bare_mids_than_the_cap()
    {
        // py-ipv8 blacklist_mids is an unbounded list: a community's own mid is never forgotten. Here the bare mids
        // (BlacklistMid) are bounded by MaxBlacklistedMids, and filling that cap must not evict the keys' mids.
        var network = new Network();
        var own = NewPeer("127.0.0.1:1000");
        network.BlacklistKey(own.Key);
        var mids = Enumerable.Range(0, network.Options.MaxBlacklistedMids + 1).Select(RandomMid).ToList();
        foreach (var mid in mids)
        {
            network.BlacklistMid(mid);
        }

        Assert.True(network.IsMidBlacklisted(own.Mid));
        Assert.True(network.IsKeyBlacklisted(own.Key.Bin));
        Assert.Null(network.AddVerifiedPeer(own));
        Assert.Equal(0, network.VerifiedPeerCount);
        Assert.False(network.IsMidBlacklisted(mids[0])); // the bare mids keep their cap: the oldest went
        Assert.True(network.IsMidBlacklisted(mids[^1]));
    }

    [Fact]
    public void A_new_peer_at_a_blacklisted_address_is_refused_unless_that_address_is_already_known()
    {
        // py-ipv8 add_verified_peer: "any address known" wins over "some address blacklisted".
        var network = new Network();
        var blacklisted = Address("127.0.0.1:6421");
        network.BlacklistAddress(blacklisted);
        Assert.True(network.IsBlacklisted(blacklisted));

        Assert.Null(network.AddVerifiedPeer(NewPeer("127.0.0.1:6421")));
        Assert.Equal(0, network.VerifiedPeerCount);
        Assert.Equal(0, network.KnownAddressCount);

        var walkedTo = Address("127.0.0.1:7000");
        network.DiscoverAddress(NewPeer("127.0.0.1:1000"), walkedTo, s_service);
        network.BlacklistAddress(walkedTo);
        var peer = NewPeer("127.0.0.1:7000");
        Assert.Same(peer, network.AddVerifiedPeer(peer));
    }

    [Fact]
    public void Picking_a_walkable_address_picks_every_walkable_address_not_excluded_and_nothing_else()
    {
        var network = new Network();
        var introducer = NewPeer("127.0.0.1:1000");
        var addresses = Enumerable.Range(0, 40).Select(i => Address($"127.0.0.1:{2000 + i}")).ToArray();
        foreach (var address in addresses)
        {
            network.DiscoverAddress(introducer, address, s_service, newStyle: address.Port % 2 == 0);
        }

        for (var i = 0; i < 40; i++)
        {
            network.DiscoverAddress(introducer, Address($"127.0.0.1:{3000 + i}"), s_otherService); // not walkable for s_service
        }

        UdpAddress[] excluded = [addresses[1], addresses[4], addresses[33]];
        var expected = network.GetWalkableAddresses(s_service).Where(a => !excluded.Contains(a)).ToHashSet();
        Assert.Equal(37, expected.Count);

        var random = new Random(5);
        var scratch = new List<UdpAddress>();
        var picked = new HashSet<UdpAddress>();
        for (var i = 0; i < 2000; i++)
        {
            Assert.True(network.TryPickWalkableAddress(s_service, excluded, random, scratch, out var address, out var newStyle));
            Assert.Equal(network.IsNewStyle(address), newStyle);
            picked.Add(address);
        }

        Assert.Equal(expected, picked);
    }

    [Fact]
    public void Picking_with_few_walkable_addresses_among_many_falls_back_to_the_whole_table()
    {
        var network = new Network();
        var introducer = NewPeer("127.0.0.1:1000");
        for (var i = 0; i < 500; i++)
        {
            network.DiscoverAddress(introducer, Address($"127.0.0.1:{3000 + i}"), s_otherService);
        }

        var only = Address("127.0.0.1:2000");
        network.DiscoverAddress(introducer, only, s_service);
        var random = new Random(5);
        var scratch = new List<UdpAddress>();

        // One walkable address in 502 slots: the random draws almost always miss, the full pass finds it every time.
        for (var i = 0; i < 200; i++)
        {
            Assert.True(network.TryPickWalkableAddress(s_service, [], random, scratch, out var address, out _));
            Assert.Equal(only, address);
        }

        // Excluded, nothing is left: false, as with an empty table.
        Assert.False(network.TryPickWalkableAddress(s_service, [only], random, scratch, out _, out _));
        Assert.False(new Network().TryPickWalkableAddress(s_service, [], random, scratch, out _, out _));
        Assert.Empty(scratch);
    }

    [Fact]
    public void Walkable_addresses_exclude_verified_peers_and_are_filtered_by_service()
    {
        var network = new Network();
        var introducer = NewPeer("127.0.0.1:1000");
        var forUs = Address("127.0.0.1:2000");
        var forUsToo = Address("127.0.0.1:2001");
        var forOthers = Address("127.0.0.1:3000");
        network.DiscoverAddress(introducer, forUs, s_service);
        network.DiscoverAddress(introducer, forUsToo, s_service);
        network.DiscoverAddress(introducer, forOthers, s_otherService);

        Assert.Equal([forUs, forUsToo], network.GetWalkableAddresses(s_service));
        Assert.Equal([forOthers], network.GetWalkableAddresses(s_otherService));
        Assert.Equal([forUs, forUsToo, forOthers], network.GetWalkableAddresses()); // the introducer is verified

        // The address becomes a verified peer of the service: it is no longer walkable for it.
        var answered = network.AddVerifiedPeer(NewPeer("127.0.0.1:2000"))!;
        Assert.Equal([forUs, forUsToo], network.GetWalkableAddresses(s_service)); // a peer, but not known for it yet
        network.DiscoverServices(answered, s_service);
        Assert.Equal([forUsToo], network.GetWalkableAddresses(s_service));

        // An introducer that offers a service makes every address it introduced walkable for that service, the
        // address of a peer of another service included.
        network.DiscoverServices(introducer, s_otherService);
        Assert.Equal([forUs, forUsToo, forOthers], network.GetWalkableAddresses(s_otherService));
    }

    [Fact]
    public void Services_are_recorded_only_for_verified_peers()
    {
        var network = new Network();
        var stranger = NewPeer("127.0.0.1:1000");
        network.DiscoverServices(stranger, s_service);
        Assert.Empty(network.GetPeersForService(s_service));

        var peer = NewPeer("127.0.0.1:1001");
        network.AddVerifiedPeer(peer);
        network.DiscoverServices(peer, s_service);
        network.DiscoverServices(peer, s_service);

        Assert.Same(peer, Assert.Single(network.GetPeersForService(s_service)));
        Assert.Equal(1, network.CountPeersForService(s_service));
        Assert.Equal([s_service], network.GetServicesForPeer(peer));
        Assert.Empty(network.GetPeersForService(s_otherService));
    }

    [Fact]
    public void The_walkable_address_cap_evicts_the_oldest_unverified_address()
    {
        var network = new Network(new NetworkOptions { MaxWalkableAddresses = 3 });
        var introducer = NewPeer("127.0.0.1:1000");
        for (var port = 2001; port <= 2005; port++)
        {
            network.DiscoverAddress(introducer, Address($"127.0.0.1:{port}"), s_service);
        }

        Assert.Equal(3, network.KnownAddressCount);
        Assert.Equal([Address("127.0.0.1:2004"), Address("127.0.0.1:2005")], network.GetWalkableAddresses(s_service));
        Assert.Same(introducer, network.GetVerifiedByAddress(introducer.Address));
    }

    [Fact]
    public void The_verified_peer_cap_evicts_the_peer_heard_from_longest_ago()
    {
        var time = new FakeTimeProvider();
        var network = new Network(new NetworkOptions { MaxVerifiedPeers = 2 });
        var removed = new List<Peer>();
        var added = new List<Peer>();
        network.PeerRemoved += removed.Add;
        network.PeerAdded += added.Add;

        var oldest = NewPeer("127.0.0.1:1000", time);
        time.Advance(TimeSpan.FromSeconds(1));
        var middle = NewPeer("127.0.0.1:1001", time);
        time.Advance(TimeSpan.FromSeconds(1));
        var newest = NewPeer("127.0.0.1:1002", time);
        network.AddVerifiedPeer(middle);
        network.AddVerifiedPeer(oldest);
        network.DiscoverServices(oldest, s_service);

        // The oldest peer answers again: now the middle one is the stalest.
        time.Advance(TimeSpan.FromSeconds(1));
        oldest.Touch();
        network.AddVerifiedPeer(newest);

        Assert.Equal(2, network.VerifiedPeerCount);
        Assert.Equal([middle], removed);
        Assert.Equal([middle, oldest, newest], added);
        Assert.Null(network.GetVerifiedByAddress(middle.Address));
        Assert.Same(oldest, Assert.Single(network.GetPeersForService(s_service)));
    }

    [Fact]
    public void Blacklist_caps_forget_the_oldest_entries()
    {
        var network = new Network(new NetworkOptions { MaxBlacklistedAddresses = 2, MaxBlacklistedMids = 1 });
        network.BlacklistAddress(Address("127.0.0.1:1"));
        network.BlacklistAddress(Address("127.0.0.1:2"));
        network.BlacklistAddress(Address("127.0.0.1:3"));

        Assert.Equal(2, network.BlacklistedAddressCount);
        Assert.False(network.IsBlacklisted(Address("127.0.0.1:1")));
        Assert.True(network.IsBlacklisted(Address("127.0.0.1:3")));

        var first = NewKey().PublicKey;
        var second = NewKey().PublicKey;
        network.BlacklistMid(first.Mid);
        network.BlacklistMid(second.Mid);
        Assert.False(network.IsMidBlacklisted(first.Mid));
        Assert.True(network.IsMidBlacklisted(second.Mid));
    }

    [Fact]
    public void Network_caps_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Network(new NetworkOptions { MaxVerifiedPeers = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Network(new NetworkOptions { MaxWalkableAddresses = 0 }));
    }

    [Fact]
    public void Removing_by_address_forgets_the_address_and_the_peers_using_it()
    {
        var network = new Network();
        var introducer = NewPeer("127.0.0.1:1000");
        var walkable = Address("127.0.0.1:2000");
        network.DiscoverAddress(introducer, walkable, s_service);
        network.DiscoverServices(introducer, s_service);
        var removed = new List<Peer>();
        network.PeerRemoved += removed.Add;

        network.RemoveByAddress(walkable);
        Assert.Empty(network.GetWalkableAddresses(s_service));
        Assert.Equal(1, network.VerifiedPeerCount);

        network.RemoveByAddress(introducer.Address);
        Assert.Equal(0, network.VerifiedPeerCount);
        Assert.Empty(network.GetPeersForService(s_service));
        Assert.Equal([introducer], removed);
    }

    [Fact]
    public void A_lan_address_reported_by_a_verified_peer_finds_that_peer()
    {
        var network = new Network();
        var peer = NewPeer("127.0.0.1:1000");
        network.AddVerifiedPeer(peer);
        var lan = Address("127.0.0.1:5555");

        network.UpdateLanAddress(peer, lan);

        Assert.Equal(lan, peer.LanAddress);
        Assert.Same(peer, network.GetVerifiedByAddress(lan));
        Assert.True(peer.HasAddress(lan));
    }

    [Fact]
    public void A_peers_addresses_change_only_through_the_network_which_keeps_its_index()
    {
        // Nothing outside the engine can move a peer behind the network's back.
        Assert.False(typeof(Peer).GetProperty(nameof(Peer.Address))!.SetMethod!.IsPublic);
        Assert.False(typeof(Peer).GetProperty(nameof(Peer.LanAddress))!.SetMethod!.IsPublic);
        Assert.Null(typeof(Peer).GetMethod("MergeAddresses", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance));

        var network = new Network();
        var peer = NewPeer("127.0.0.1:1000");
        network.AddVerifiedPeer(peer);
        network.UpdateAddress(peer, Address("127.0.0.1:2000"));

        Assert.Null(network.GetVerifiedByAddress(Address("127.0.0.1:1000")));
        Assert.Same(peer, network.GetVerifiedByAddress(Address("127.0.0.1:2000")));
    }

    [Fact]
    public void A_peer_is_known_as_verified_without_a_lookup_until_it_is_removed()
    {
        var network = new Network();
        var peer = NewPeer("127.0.0.1:1000");
        var sameKey = new Peer(peer.Key, Address("127.0.0.1:1000"));
        Assert.False(network.IsVerified(peer));

        network.AddVerifiedPeer(peer);
        Assert.True(network.IsVerified(peer));
        Assert.False(network.IsVerified(sameKey)); // another instance of the key is not the verified one
        Assert.Same(peer, network.AddVerifiedPeer(sameKey));
        Assert.False(network.IsVerified(sameKey));

        network.RemovePeer(peer);
        Assert.False(network.IsVerified(peer));
        Assert.Null(network.GetVerifiedByAddress(Address("127.0.0.1:1000")));
    }

    [Fact]
    public void A_peer_instance_verified_in_two_networks_is_verified_in_each_until_removed_from_it()
    {
        var first = new Network();
        var second = new Network();
        var peer = NewPeer("127.0.0.1:1000");
        first.AddVerifiedPeer(peer);
        second.AddVerifiedPeer(peer);
        Assert.True(first.IsVerified(peer));
        Assert.True(second.IsVerified(peer));

        second.RemovePeer(peer);
        Assert.True(first.IsVerified(peer));
        Assert.False(second.IsVerified(peer));
        Assert.Same(peer, first.GetVerifiedByAddress(Address("127.0.0.1:1000")));
        Assert.Null(second.GetVerifiedByAddress(Address("127.0.0.1:1000")));

        first.RemovePeer(peer);
        Assert.False(first.IsVerified(peer));
        second.AddVerifiedPeer(peer);
        Assert.True(second.IsVerified(peer));
    }

    [Fact]
    public void Adding_a_peer_its_lan_address_and_a_service_at_once_is_the_same_as_one_after_the_other()
    {
        var network = new Network();
        var peer = NewPeer("127.0.0.1:1000");
        var lan = Address("10.0.0.1:1000");
        var added = new List<Peer>();
        network.PeerAdded += added.Add;

        Assert.Same(peer, network.AddVerifiedPeer(peer, s_service, lan));

        Assert.Equal([peer], added);
        Assert.Equal(lan, peer.LanAddress);
        Assert.Same(peer, network.GetVerifiedByAddress(lan));
        Assert.Equal([s_service], network.GetServicesForPeer(peer));
        Assert.Equal([peer], network.GetPeersForService(s_service));
        Assert.Equal(1, network.CountPeersForService(s_service));

        // A refused peer (a blacklisted mid) gets neither the service nor an entry.
        var refused = NewPeer("127.0.0.1:2000");
        network.BlacklistMid(refused.Mid);
        Assert.Null(network.AddVerifiedPeer(refused, s_service, lan));
        Assert.Equal(1, network.CountPeersForService(s_service));
    }

    [Fact]
    public void The_peers_of_a_service_are_a_shared_snapshot_until_the_service_gains_or_loses_a_peer()
    {
        var network = new Network();
        var a = NewPeer("127.0.0.1:1000");
        var b = NewPeer("127.0.0.1:2000");
        network.AddVerifiedPeer(a, s_service);
        var snapshot = network.GetPeersForService(s_service);
        Assert.Same(snapshot, network.GetPeersForService(s_service));

        network.AddVerifiedPeer(b, s_service);
        var grown = network.GetPeersForService(s_service);
        Assert.NotSame(snapshot, grown);
        Assert.Equal([a, b], grown);
        Assert.Equal([a], snapshot); // the old snapshot is not changed under its reader
        Assert.Equal(2, network.CountPeersForService(s_service));

        network.RemovePeer(a);
        Assert.Equal([b], network.GetPeersForService(s_service));
        Assert.Equal(1, network.CountPeersForService(s_service));
        Assert.Empty(network.GetPeersForService(s_otherService));
        Assert.Equal(0, network.CountPeersForService(s_otherService));
    }

    [Fact]
    public void A_network_sized_for_a_peer_limit_takes_that_many_peers_with_less_allocation_than_one_that_grows()
    {
        var peers = Enumerable.Range(0, 31).Select(i => NewPeer($"127.0.0.1:{3000 + i}")).ToArray();
        var introduced = Enumerable.Range(0, 31).Select(i => Address($"127.0.0.2:{4000 + i}")).ToArray();
        var sized = new Network();
        sized.Reserve(31);
        var grown = new Network();

        var sizedBytes = Fill(sized);
        var grownBytes = Fill(grown);

        Assert.True(sizedBytes < grownBytes, $"{sizedBytes} bytes to fill the sized network, {grownBytes} the growing one");
        foreach (var network in (Network[])[sized, grown])
        {
            Assert.Equal(31, network.VerifiedPeerCount);
            Assert.Equal(62, network.KnownAddressCount);
            Assert.All(peers, peer => Assert.Same(peer, network.GetVerifiedByAddress(peer.Address)));
        }

        long Fill(Network network)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < peers.Length; i++)
            {
                network.AddVerifiedPeer(peers[i], s_service);
                network.DiscoverAddress(peers[i], introduced[i], s_service, newStyle: true);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
    }

    [Fact]
    public void Sizing_a_network_for_more_peers_than_its_caps_keeps_the_caps()
    {
        var network = new Network(new NetworkOptions { MaxVerifiedPeers = 5, MaxWalkableAddresses = 8 });
        network.Reserve(100);
        network.Reserve(-1); // no limit: nothing to size
        for (var i = 0; i < 20; i++)
        {
            var peer = NewPeer($"127.0.0.1:{5000 + i}");
            network.AddVerifiedPeer(peer, s_service);
            network.DiscoverAddress(peer, Address($"127.0.0.2:{6000 + i}"), s_service, newStyle: true);
        }

        Assert.Equal(5, network.VerifiedPeerCount);
        Assert.Equal(8, network.KnownAddressCount);
    }

    private static UdpAddress Address(string text) => UdpAddress.Parse(text);

    // A random 20-byte mid (its argument is the index Select passes).
    private static byte[] RandomMid(int _) => System.Security.Cryptography.RandomNumberGenerator.GetBytes(20);

    // Whether the key's mid was computed (PublicKey hashes its bin on first use): tells whether the network hashed it.
    private static bool MidComputed(PublicKey key) =>
        (int)typeof(PublicKey).GetField("_midReady", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(key)! == 1;

    private LibNaClPrivateKey NewKey()
    {
        var key = LibNaClPrivateKey.Generate();
        _keys.Add(key);
        return key;
    }

    private Peer NewPeer(string address, TimeProvider? time = null) => new(NewKey().PublicKey, Address(address), timeProvider: time);
}

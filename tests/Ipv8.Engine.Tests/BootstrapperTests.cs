using System.Net;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary>The address-list and UDP beacon bootstrappers.</summary>
public sealed class BootstrapperTests : IDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(25);
    private static readonly UdpAddress s_here = UdpAddress.Parse("127.0.0.1:30000");
    private static readonly UdpAddress s_trackerA = UdpAddress.Parse("127.0.0.1:6421");
    private static readonly UdpAddress s_trackerB = UdpAddress.Parse("127.0.0.1:6422");

    private readonly LibNaClPrivateKey _key = LibNaClPrivateKey.Generate();

    public void Dispose() => _key.Dispose();

    [Fact]
    public async Task The_address_list_bootstrapper_blacklists_its_addresses_and_walks_to_them_at_most_once_per_interval()
    {
        var time = new FakeTimeProvider();
        var endpoint = new RecordingEndpoint(s_here);
        var community = new TestCommunity(Offline.Settings(_key, endpoint, time));
        var bootstrapper = new AddressListBootstrapper([s_trackerA, s_trackerB], timeProvider: time);
        Assert.Equal(TimeSpan.FromSeconds(30), bootstrapper.BootstrapInterval);
        Assert.False(bootstrapper.Initialized);

        await bootstrapper.InitializeAsync(community, CancellationToken.None);
        Assert.True(bootstrapper.Initialized);
        Assert.True(community.Network.IsBlacklisted(s_trackerA));
        Assert.True(community.Network.IsBlacklisted(s_trackerB));
        Assert.Equal([s_trackerA, s_trackerB], bootstrapper.Blacklist);

        Assert.Empty(await bootstrapper.GetAddressesAsync(community, TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Equal(1, endpoint.Count(DiscoveryMessages.IntroductionRequest, s_trackerA));
        Assert.Equal(1, endpoint.Count(DiscoveryMessages.IntroductionRequest, s_trackerB));

        time.Advance(TimeSpan.FromSeconds(29));
        await bootstrapper.GetAddressesAsync(community, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Equal(2, endpoint.Sent.Count);

        time.Advance(TimeSpan.FromSeconds(1.5));
        await bootstrapper.GetAddressesAsync(community, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Equal(2, endpoint.Count(DiscoveryMessages.IntroductionRequest, s_trackerA));
        Assert.Equal(2, endpoint.Count(DiscoveryMessages.IntroductionRequest, s_trackerB));

        bootstrapper.KeepAlive(community);
        Assert.Equal(5, endpoint.Sent.Count);
        Assert.Contains(endpoint.Sent[^1].Destination, new[] { s_trackerA, s_trackerB });
    }

    [Fact]
    public void The_public_tracker_list_is_exactly_py_ipv8s_default_configuration()
    {
        // Read from py-ipv8 itself (ipv8/configuration.py, DISPERSY_BOOTSTRAPPER), so that a change there fails here.
        var configuration = File.ReadAllText(Path.Combine(RepoPaths.Root, "..", "shared", "py-ipv8", "ipv8", "configuration.py"));
        var section = configuration[configuration.IndexOf("DISPERSY_BOOTSTRAPPER", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("bootstrap_timeout", StringComparison.Ordinal)];
        var ipPart = section[..section.IndexOf("dns_addresses", StringComparison.Ordinal)];
        var dnsPart = section[section.IndexOf("dns_addresses", StringComparison.Ordinal)..];
        var pair = new System.Text.RegularExpressions.Regex(@"\(""([^""]+)"",\s*(\d+)\)");
        var ips = pair.Matches(ipPart).Select(m => UdpAddress.Parse($"{m.Groups[1].Value}:{m.Groups[2].Value}")).ToList();
        var names = pair.Matches(dnsPart).Select(m => (m.Groups[1].Value, ushort.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();

        Assert.Equal(13, ips.Count);
        Assert.Equal(7, names.Count);
        Assert.Equal(ips, AddressListBootstrapper.PublicTrackerAddresses);
        Assert.Equal(names, AddressListBootstrapper.PublicTrackerNames);
        Assert.DoesNotContain(AddressListBootstrapper.PublicTrackerNames, n => n.Host.EndsWith("ip-v8.org", StringComparison.Ordinal));
    }

    [Fact]
    public void The_public_tracker_preset_contacts_nobody_until_a_community_bootstraps_from_it()
    {
        // Building it resolves nothing and sends nothing; it knows py-ipv8's addresses and names.
        var preset = AddressListBootstrapper.PublicTrackers();
        Assert.False(preset.Initialized);
        Assert.Equal(AddressListBootstrapper.PublicTrackerAddresses, preset.Blacklist);
    }

    [Fact]
    public async Task Bootstrappers_is_a_snapshot_that_adding_does_not_disturb_and_unload_empties_once_then_refuses_more()
    {
        var community = new TestCommunity(Offline.Settings(_key, new RecordingEndpoint(s_here)));
        var first = new RecordingBootstrapper();
        var second = new RecordingBootstrapper();
        community.AddBootstrapper(first);

        var seen = new List<IBootstrapper>();
        foreach (var bootstrapper in community.Bootstrappers)
        {
            community.AddBootstrapper(second); // what the walk thread sees while the user adds one: no exception
            seen.Add(bootstrapper);
        }

        Assert.Equal([first], seen);
        Assert.Equal([first, second], community.Bootstrappers);
        Assert.Throws<ArgumentNullException>(() => community.AddBootstrapper(null!));

        await community.UnloadAsync();

        Assert.Empty(community.Bootstrappers);
        Assert.Equal(1, first.UnloadCalls);
        Assert.Equal(1, second.UnloadCalls);
        Assert.Throws<InvalidOperationException>(() => community.AddBootstrapper(new RecordingBootstrapper()));
    }

    [Fact]
    public async Task Bootstrap_walks_to_at_most_max_peers_of_the_addresses_a_bootstrapper_returns()
    {
        var endpoint = new RecordingEndpoint(s_here);
        var settings = Offline.Settings(_key, endpoint);
        settings.MaxPeers = 2;
        var community = new TestCommunity(settings);
        var addresses = Enumerable.Range(0, 5).Select(i => UdpAddress.Parse($"127.0.0.1:{7000 + i}")).ToArray();
        var bootstrapper = new RecordingBootstrapper(addresses);
        community.AddBootstrapper(bootstrapper);

        community.Bootstrap();

        await Eventually.AssertAsync(() => community.Tasks.Count == 0 && bootstrapper.GetAddressesCalls == 1, "the bootstrap to finish", s_deadline);
        Assert.Equal(1, bootstrapper.InitializeCalls);
        Assert.Equal(addresses[..2], endpoint.Sent.Select(s => s.Destination));
    }

    [Fact]
    public void Get_new_introduction_keeps_initialized_bootstrappers_alive_about_5_percent_of_the_time()
    {
        var endpoint = new RecordingEndpoint(s_here);
        var community = new TestCommunity(Offline.Settings(_key, endpoint, seed: 5));
        using var peerKey = LibNaClPrivateKey.Generate();
        var peer = community.Network.AddVerifiedPeer(new Peers.Peer(peerKey.PublicKey, UdpAddress.Parse("127.0.0.1:7100")))!;
        community.Network.DiscoverServices(peer, community.CommunityId);
        var bootstrapper = new RecordingBootstrapper();
        community.AddBootstrapper(bootstrapper);
        _ = bootstrapper.InitializeAsync(community, CancellationToken.None);

        for (var i = 0; i < 1000; i++)
        {
            community.GetNewIntroduction();
        }

        var keepAlives = bootstrapper.KeepAliveCalls;
        Assert.InRange(keepAlives, 20, 90);
        Assert.Equal(1000 - keepAlives, endpoint.Count(DiscoveryMessages.IntroductionRequest, peer.Address));
    }

    [Fact]
    public async Task Udp_beacons_on_loopback_make_two_nodes_find_each_other()
    {
        using var sink = new RawUdp();
        var beaconA = new UdpBroadcastBootstrapper(UdpAddress.Parse("127.0.0.1:0"), sink.Address.Port, sink.Address.Port, IPAddress.Loopback);
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 1 }, n => n.Community.AddBootstrapper(beaconA));
        await beaconA.InitializeAsync(a.Community, CancellationToken.None);
        var listening = beaconA.LocalAddress!.Value;
        Assert.True(listening.IsLoopback);

        // A's own beacon went only where it was told: the beacon header, then A's community prefix.
        var beacon = sink.Receive(s_deadline);
        Assert.NotNull(beacon);
        Assert.Equal([.. UdpBroadcastBootstrapper.BeaconHeader, .. a.Community.GetPrefix()], beacon.Value.Data);

        // B beacons to the port A's bootstrapper listens on; A walks to B, and both become peers.
        var beaconB = new UdpBroadcastBootstrapper(UdpAddress.Parse("127.0.0.1:0"), listening.Port, listening.Port, IPAddress.Loopback);
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 2 }, n => n.Community.AddBootstrapper(beaconB));
        b.Community.Bootstrap();
        await Conversation.RepeatUntilAsync(
            () => beaconB.KeepAlive(b.Community),
            () => a.Community.HasPeer(b.PublicKey) && b.Community.HasPeer(a.PublicKey),
            "A and B to find each other through B's beacon",
            s_deadline,
            TimeSpan.FromSeconds(2));

        Assert.True(beaconB.Initialized);
        Assert.Empty(beaconB.Blacklist);
        Assert.Equal(a.Address, Assert.Single(b.Community.GetPeers()).Address);
        Assert.Equal(b.Address, Assert.Single(a.Community.GetPeers()).Address);
    }

    [Fact]
    public async Task A_beacon_for_another_community_is_ignored()
    {
        using var sink = new RawUdp();
        var endpoint = new RecordingEndpoint(s_here);
        var community = new TestCommunity(Offline.Settings(_key, endpoint));
        var beacon = new UdpBroadcastBootstrapper(UdpAddress.Parse("127.0.0.1:0"), sink.Address.Port, sink.Address.Port, IPAddress.Loopback);
        await beacon.InitializeAsync(community, CancellationToken.None);
        try
        {
            var stranger = UdpAddress.Parse("127.0.0.1:7200");
            beacon.Receive(stranger, [.. UdpBroadcastBootstrapper.BeaconHeader, .. TestIds.Other.ToPrefix()]);
            beacon.Receive(stranger, [.. UdpBroadcastBootstrapper.BeaconHeader, .. community.GetPrefix()[..10]]);
            Assert.Equal(0, endpoint.Count(DiscoveryMessages.IntroductionRequest));

            beacon.Receive(stranger, [.. UdpBroadcastBootstrapper.BeaconHeader, .. community.GetPrefix()]);
            Assert.Equal(1, endpoint.Count(DiscoveryMessages.IntroductionRequest, stranger));
        }
        finally
        {
            beacon.Unload();
        }
    }

    [Fact]
    public async Task A_flood_of_beacons_from_many_sources_gets_at_most_the_burst_of_walks_then_five_a_second()
    {
        using var sink = new RawUdp();
        var time = new FakeTimeProvider();
        var endpoint = new RecordingEndpoint(s_here);
        var community = new TestCommunity(Offline.Settings(_key, endpoint));
        var beacon = new UdpBroadcastBootstrapper(UdpAddress.Parse("127.0.0.1:0"), sink.Address.Port, sink.Address.Port, IPAddress.Loopback, timeProvider: time);
        await beacon.InitializeAsync(community, CancellationToken.None);
        try
        {
            byte[] datagram = [.. UdpBroadcastBootstrapper.BeaconHeader, .. community.GetPrefix()];
            for (var i = 0; i < 1000; i++)
            {
                beacon.Receive(UdpAddress.Parse($"127.0.{i / 250}.{(i % 250) + 1}:7300"), datagram);
            }

            Assert.Equal((int)UdpBroadcastBootstrapper.BeaconWalkBurst, endpoint.Count(DiscoveryMessages.IntroductionRequest));
            Assert.Equal(1000 - (long)UdpBroadcastBootstrapper.BeaconWalkBurst, beacon.BeaconsRefused);

            time.Advance(TimeSpan.FromSeconds(1));
            for (var i = 0; i < 100; i++)
            {
                beacon.Receive(UdpAddress.Parse($"127.1.0.{i + 1}:7300"), datagram);
            }

            Assert.Equal((int)(UdpBroadcastBootstrapper.BeaconWalkBurst + UdpBroadcastBootstrapper.BeaconWalksPerSecond), endpoint.Count(DiscoveryMessages.IntroductionRequest));
        }
        finally
        {
            beacon.Unload();
        }
    }

    [Fact]
    public void The_beacon_target_must_be_ipv4_and_the_ports_a_range()
    {
        Assert.Throws<ArgumentException>(() => new UdpBroadcastBootstrapper(UdpAddress.Parse("[::1]:0"), 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpBroadcastBootstrapper(UdpAddress.Parse("127.0.0.1:0"), 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpBroadcastBootstrapper(UdpAddress.Parse("127.0.0.1:0"), 10, 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpBroadcastBootstrapper(UdpAddress.Parse("127.0.0.1:0"), 10, 70_000));
    }
}

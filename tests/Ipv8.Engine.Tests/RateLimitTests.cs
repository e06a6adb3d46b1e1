using Ipv8.Tests.Shared;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Limits;
using Ipv8.Engine.Peers;
using Ipv8.Engine.Tests.Support;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

public class RateLimitTests
{
    private static readonly UdpAddress s_us = UdpAddress.Parse("127.0.0.1:40100");
    private static readonly UdpAddress s_victim = UdpAddress.Parse("127.0.0.9:9999");

    [Fact]
    public void A_bucket_lets_its_burst_through_then_refills_at_its_rate()
    {
        var time = new FakeTimeProvider();
        var limiter = new RateLimiter(perSecond: 5, burst: 10, capacity: 16, time);
        var source = UdpAddress.Parse("1.2.3.4:5");

        Assert.Equal(10, Enumerable.Range(0, 100).Count(_ => limiter.TryAcquire(source)));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(5, Enumerable.Range(0, 100).Count(_ => limiter.TryAcquire(source)));
        Assert.True(limiter.TryAcquire(UdpAddress.Parse("1.2.3.4:6")), "another address has its own bucket");
    }

    [Fact]
    public void A_costly_acquisition_takes_that_many_tokens_and_one_above_the_burst_takes_the_whole_burst()
    {
        var time = new FakeTimeProvider();
        var limiter = new RateLimiter(perSecond: 1, burst: 10, capacity: 16, time);
        var source = UdpAddress.Parse("1.2.3.4:5");

        Assert.True(limiter.TryAcquire(source, 6));
        Assert.False(limiter.TryAcquire(source, 6));
        Assert.True(limiter.TryAcquire(source, 4));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(limiter.TryAcquire(source, 50)); // charged as the burst: possible once the bucket is full
        Assert.False(limiter.TryAcquire(source, 1));
    }

    [Theory]
    [InlineData("sect163k1", 1)]
    [InlineData("sect233k1", 2)]
    [InlineData("sect409k1", 6)]
    [InlineData("sect571r1", 9)]
    public void An_ec_signature_check_is_charged_at_its_measured_cost_in_ed25519_checks(string curve, int cost)
    {
        // A puncture signed by one of py-ipv8's EC keys (ec-keys.json): the key parse costs 1, the check `cost`.
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Ipv8.Tests.Shared.RepoPaths.Vectors, "ec-keys.json")));
        var root = document.RootElement;
        var packet = Convert.FromHexString(root.GetProperty("vectors").EnumerateArray()
            .First(v => v.GetProperty("name").GetString() == "puncture" && v.GetProperty("curve").GetString() == curve)
            .GetProperty("packet").GetString()!);
        var id = CommunityId.Parse(root.GetProperty("community_id").GetString()!);
        using var key = LibNaClPrivateKey.Generate();
        var settings = Offline.Settings(key, new RecordingEndpoint(s_us), new FakeTimeProvider());
        settings.RateLimits = new RateLimitOptions { VerificationsPerSource = 0.001, VerificationBurst = 2 * (1 + cost) };
        var community = new TestCommunity(id, settings);
        var source = UdpAddress.Parse("127.0.0.1:30001");

        community.OnPacket(source, packet);
        community.OnPacket(source, packet);
        Assert.Equal(2, community.Counters.PacketsIn(DiscoveryMessages.Puncture));
        Assert.Equal(0, community.Counters.TotalDrops); // two checks fit a burst of 2 × (1 + cost)

        community.OnPacket(source, packet);
        Assert.Equal(1, community.Counters.Drops(DropReason.RateLimited));
        Assert.True(Packet.TryParseSigned(packet, out var framed, out _) && framed.VerifySignature(), "the packet itself is valid");
    }

    [Fact]
    public void The_limiter_tracks_at_most_its_capacity_and_forgets_the_least_recently_used()
    {
        var time = new FakeTimeProvider();
        var limiter = new RateLimiter(perSecond: 1, burst: 1, capacity: 8, time);
        var hot = UdpAddress.Parse("10.0.0.1:1");
        Assert.True(limiter.TryAcquire(hot));
        for (var i = 0; i < 10_000; i++)
        {
            limiter.TryAcquire(UdpAddress.FromIPv4((uint)(0x0B000000 + i), 1));
            Assert.False(limiter.TryAcquire(hot), "the address used on every step stays tracked, with its empty bucket");
        }

        Assert.Equal(8, limiter.Count);
    }

    [Fact]
    public void A_limiter_holds_no_table_before_its_first_address_and_grows_to_its_capacity()
    {
        var time = new FakeTimeProvider();
        _ = new RateLimiter(perSecond: 1, burst: 1, capacity: 10_000, time);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var limiter = new RateLimiter(perSecond: 1, burst: 1, capacity: 100, time);
        var made = GC.GetAllocatedBytesForCurrentThread() - before;

        // A 16-entry table and its index took about 1.5 KB; three limiters a community, 10,000 communities in a swarm.
        Assert.InRange(made, 1, 400);
        Assert.Equal(0, limiter.Count);
        Assert.True(limiter.HasTokens(UdpAddress.Parse("10.0.0.1:1")), "an address it does not track has a full bucket");
        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(limiter.TryAcquire(UdpAddress.FromIPv4((uint)(0x0B000000 + i), 1)), "a new address has a full bucket");
        }

        Assert.Equal(100, limiter.Count);
        Assert.False(limiter.TryAcquire(UdpAddress.FromIPv4(0x0B000000 + 999, 1)), "the last address is still tracked, its bucket empty");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    public void Under_random_churn_every_tracked_address_stays_findable_once_and_the_count_stays_bounded(int capacity)
    {
        // Burst 1 and a stopped clock: an address's bucket is empty exactly when the limiter tracks it, so that
        // HasTokens tells which addresses it tracks (a table whose deletions broke a probe chain would lose some, and
        // then track one twice).
        var limiter = new RateLimiter(perSecond: 1, burst: 1, capacity, new FakeTimeProvider());
        var random = new Random(1234);
        var pool = Enumerable.Range(0, 1_000)
            .Select(i => i % 3 == 0 ? UdpAddress.Parse($"[::{i:x}]:{1000 + (i % 7)}") : UdpAddress.FromIPv4((uint)(0x0A000000 + (i * 7919)), (ushort)(i % 5)))
            .ToArray();
        for (var step = 0; step < 20_000; step++)
        {
            var address = pool[random.Next(step % 2 == 0 ? 40 : pool.Length)]; // a hot set and a long tail
            limiter.TryAcquire(address);
            Assert.False(limiter.HasTokens(address), "the address just acquired is tracked");
            Assert.InRange(limiter.Count, 1, capacity);
            if (step % 500 == 0)
            {
                Assert.Equal(limiter.Count, pool.Count(a => !limiter.HasTokens(a)));
            }
        }

        Assert.Equal(Math.Min(capacity, pool.Length), limiter.Count);
        Assert.Equal(limiter.Count, pool.Count(a => !limiter.HasTokens(a)));
    }

    [Fact]
    public void Addresses_whose_buckets_refilled_are_forgotten_before_the_table_grows_and_come_back_as_new_ones()
    {
        var time = new FakeTimeProvider();
        var limiter = new RateLimiter(perSecond: 5, burst: 10, capacity: 10_000, time);
        var first = Enumerable.Range(0, 24).Select(i => UdpAddress.FromIPv4((uint)(0x0C000000 + i), 1)).ToArray();
        var second = Enumerable.Range(0, 20).Select(i => UdpAddress.FromIPv4((uint)(0x0D000000 + i), 1)).ToArray();
        var busy = UdpAddress.Parse("10.9.9.9:9");
        foreach (var address in first)
        {
            Assert.True(limiter.TryAcquire(address, 10), "a new address has a full bucket");
        }

        time.Advance(TimeSpan.FromSeconds(2)); // exactly the refill time of an emptied bucket
        Assert.True(limiter.TryAcquire(first[0], 10));
        Assert.True(limiter.TryAcquire(busy, 10)); // both empty now: they must be kept
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var address in second)
        {
            Assert.True(limiter.TryAcquire(address, 3));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated); // the table did not grow: the refilled addresses made room
        Assert.Equal(2 + second.Length, limiter.Count);
        Assert.False(limiter.TryAcquire(first[0]), "an address whose bucket is still empty is remembered");
        Assert.False(limiter.TryAcquire(busy));
        Assert.True(limiter.TryAcquire(first[1], 10), "a forgotten address has a full bucket, as before it was forgotten");
        Assert.False(limiter.TryAcquire(second[0], 8), "a partly used bucket is remembered");
    }

    [Fact]
    public void Acquiring_allocates_nothing_once_the_table_is_full()
    {
        var limiter = new RateLimiter(perSecond: 1e6, burst: 1e6, capacity: 64);
        var addresses = Enumerable.Range(0, 256).Select(i => UdpAddress.FromIPv4((uint)i, 7)).ToArray();
        foreach (var address in addresses)
        {
            limiter.TryAcquire(address);
        }

        var (allocated, _) = SteadyState.Allocated(() =>
        {
            for (var round = 0; round < 50; round++)
            {
                foreach (var address in addresses)
                {
                    limiter.TryAcquire(address);
                }
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_puncture_request_flood_sends_the_victim_no_more_than_the_per_target_limit()
    {
        var time = new FakeTimeProvider();
        var (community, endpoint) = Create(time, new RateLimitOptions());
        var prefix = community.GetPrefix().ToArray();
        for (var i = 0; i < 5_000; i++)
        {
            var source = UdpAddress.FromIPv4((uint)(0x7F000100 + (i % 200)), (ushort)(1000 + i));
            community.OnPacket(source, PunctureRequest(prefix, s_victim, (ulong)i + 1));
        }

        Assert.Equal(10, endpoint.Count(DiscoveryMessages.NewPuncture, s_victim));
        time.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 5_000; i++)
        {
            community.OnPacket(UdpAddress.Parse("127.0.0.5:5"), PunctureRequest(prefix, s_victim, (ulong)i + 10_000));
        }

        Assert.Equal(20, endpoint.Count(DiscoveryMessages.NewPuncture, s_victim)); // 10 burst + 2 s × 5/s
        Assert.True(community.Counters.Drops(DropReason.RateLimited) >= 9_980);

        // Another target is not starved by the flood on the victim.
        community.OnPacket(UdpAddress.Parse("127.0.0.5:5"), PunctureRequest(prefix, UdpAddress.Parse("127.0.0.7:7"), 99_999));
        Assert.Equal(1, endpoint.Count(DiscoveryMessages.NewPuncture, UdpAddress.Parse("127.0.0.7:7")));
    }

    [Fact]
    public void With_the_limits_disabled_a_puncture_request_flood_and_a_bad_signature_flood_are_all_handled_as_py_ipv8_handles_them()
    {
        var time = new FakeTimeProvider();
        var (community, endpoint) = Create(time, new RateLimitOptions { Enabled = false });
        var prefix = community.GetPrefix().ToArray();
        for (var i = 0; i < 2_000; i++)
        {
            community.OnPacket(UdpAddress.Parse("127.0.0.5:5"), PunctureRequest(prefix, s_victim, (ulong)i + 1));
        }

        Assert.Equal(2_000, endpoint.Count(DiscoveryMessages.NewPuncture, s_victim));
        using var key = LibNaClPrivateKey.Generate();
        var packet = Request(prefix, key, UdpAddress.Parse("127.0.0.3:3"), 1);
        packet[^1] ^= 1;
        for (var i = 0; i < 500; i++)
        {
            community.OnPacket(UdpAddress.Parse("127.0.0.3:3"), packet);
        }

        Assert.Equal(500, community.Counters.Drops(DropReason.BadSignature));
        Assert.Equal(0, community.Counters.Drops(DropReason.RateLimited));
        Assert.Equal(0, community.Limits.TrackedAddresses);
    }

    [Fact]
    public void Punctures_to_many_targets_are_capped_in_total()
    {
        var time = new FakeTimeProvider();
        var (community, endpoint) = Create(time, new RateLimitOptions { PuncturesTotal = 100, PunctureBurst = 200 });
        var prefix = community.GetPrefix().ToArray();
        for (var i = 0; i < 3_000; i++)
        {
            community.OnPacket(UdpAddress.Parse("127.0.0.5:5"), PunctureRequest(prefix, UdpAddress.FromIPv4((uint)(0x7F010000 + i), 9), (ulong)i + 1));
        }

        Assert.Equal(200, endpoint.Count(DiscoveryMessages.NewPuncture));
    }

    [Fact]
    public void A_bad_signature_flood_from_one_source_stops_being_verified_after_the_burst()
    {
        var time = new FakeTimeProvider();
        var (community, _) = Create(time, new RateLimitOptions());
        using var key = LibNaClPrivateKey.Generate();
        var packet = Request(community.GetPrefix().ToArray(), key, UdpAddress.Parse("127.0.0.3:3"), 1);
        packet[^1] ^= 1; // break the signature
        for (var i = 0; i < 1_000; i++)
        {
            community.OnPacket(UdpAddress.Parse("127.0.0.3:3"), packet);
        }

        Assert.Equal(200, community.Counters.Drops(DropReason.BadSignature));
        Assert.Equal(800, community.Counters.Drops(DropReason.RateLimited));
    }

    [Fact]
    public void A_verified_peer_at_its_address_is_not_charged_so_its_signed_messages_all_arrive_as_in_py_ipv8()
    {
        var time = new FakeTimeProvider();
        var (community, endpoint) = Create(time, new RateLimitOptions());
        using var key = LibNaClPrivateKey.Generate();
        var source = UdpAddress.Parse("127.0.0.7:7");
        var prefix = community.GetPrefix().ToArray();
        community.Network.AddVerifiedPeer(new Peer(key.PublicKey, source, timeProvider: time));

        // 1,000 signed messages at once: five times the burst of an unknown source, none dropped.
        for (var i = 0; i < 1_000; i++)
        {
            community.OnPacket(source, Request(prefix, key, source, (ulong)i + 1));
        }

        Assert.Equal(0, community.Counters.Drops(DropReason.RateLimited));
        Assert.Equal(1_000, endpoint.Count(DiscoveryMessages.NewIntroductionResponse, source));

        // The same key from another address is charged up front as any stranger (here: a spoofed flood of bad
        // signatures, 200 checked, the rest refused unchecked).
        var elsewhere = UdpAddress.Parse("127.0.0.8:8");
        var bad = Request(prefix, key, elsewhere, 2_000);
        bad[^1] ^= 1;
        for (var i = 0; i < 300; i++)
        {
            community.OnPacket(elsewhere, bad);
        }

        Assert.Equal(200, community.Counters.Drops(DropReason.BadSignature));
        Assert.Equal(100, community.Counters.Drops(DropReason.RateLimited));
    }

    [Fact]
    public void Bad_signatures_from_a_verified_peers_address_are_charged_and_cost_it_the_exemption_until_its_budget_refills()
    {
        var time = new FakeTimeProvider();
        var (community, endpoint) = Create(time, new RateLimitOptions());
        using var key = LibNaClPrivateKey.Generate();
        var source = UdpAddress.Parse("127.0.0.7:7");
        var prefix = community.GetPrefix().ToArray();
        community.Network.AddVerifiedPeer(new Peer(key.PublicKey, source, timeProvider: time));
        var bad = Request(prefix, key, source, 1);
        bad[^1] ^= 1;

        // A spoofed flood under the peer's key and address: 200 checks (the burst), then nothing is checked.
        for (var i = 0; i < 1_000; i++)
        {
            community.OnPacket(source, bad);
        }

        Assert.Equal(200, community.Counters.Drops(DropReason.BadSignature));
        Assert.Equal(800, community.Counters.Drops(DropReason.RateLimited));

        // The address is charged like a stranger until its budget is back: one token after 10 ms at 100/s.
        community.OnPacket(source, Request(prefix, key, source, 2));
        Assert.Equal(801, community.Counters.Drops(DropReason.RateLimited));
        time.Advance(TimeSpan.FromSeconds(3));
        for (var i = 0; i < 500; i++)
        {
            community.OnPacket(source, Request(prefix, key, source, (ulong)i + 3));
        }

        Assert.Equal(801, community.Counters.Drops(DropReason.RateLimited));
        Assert.Equal(500, endpoint.Count(DiscoveryMessages.NewIntroductionResponse, source));
    }

    [Fact]
    public void Normal_discovery_is_never_rate_limited()
    {
        var time = new FakeTimeProvider();
        var (community, endpoint) = Create(time, new RateLimitOptions());
        var prefix = community.GetPrefix().ToArray();
        var keys = Enumerable.Range(0, 5).Select(_ => LibNaClPrivateKey.Generate()).ToArray();
        try
        {
            // Five walkers, each sending 2 introduction requests per second for a minute, plus the puncture requests
            // a busy node gets when it is introduced.
            for (var step = 0; step < 120; step++)
            {
                for (var k = 0; k < keys.Length; k++)
                {
                    var source = UdpAddress.FromIPv4((uint)(0x7F000200 + k), 5000);
                    community.OnPacket(source, Request(prefix, keys[k], source, (ulong)step + 1));
                    community.OnPacket(source, PunctureRequest(prefix, UdpAddress.FromIPv4((uint)(0x7F000300 + k), 6000), (ulong)step + 1));
                }

                time.Advance(TimeSpan.FromSeconds(0.5));
            }

            Assert.Equal(0, community.Counters.Drops(DropReason.RateLimited));
            Assert.Equal(600, endpoint.Count(DiscoveryMessages.NewIntroductionResponse));
            Assert.Equal(600, endpoint.Count(DiscoveryMessages.NewPuncture));
        }
        finally
        {
            foreach (var key in keys)
            {
                key.Dispose();
            }
        }
    }

    [Fact]
    public void Replies_to_an_address_that_never_becomes_a_peer_are_capped()
    {
        var time = new FakeTimeProvider();
        using var ourKey = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(s_us);
        var network = new Network();
        var community = new TestCommunity(new CommunitySettings { Key = ourKey, Endpoint = endpoint, Network = network, TimeProvider = time, RandomSeed = 1 });
        using var stranger = LibNaClPrivateKey.Generate();
        var source = UdpAddress.Parse("127.0.0.4:4");
        network.BlacklistAddress(source); // it is answered (as py-ipv8 does) but never becomes a peer
        for (var i = 0; i < 100; i++)
        {
            community.OnPacket(source, Request(community.GetPrefix().ToArray(), stranger, source, (ulong)i + 1));
        }

        Assert.Equal(10, endpoint.Count(DiscoveryMessages.NewIntroductionResponse, source));
        Assert.Equal(90, community.Counters.Drops(DropReason.RateLimited));
    }

    [Fact]
    public void A_blacklisted_mid_is_dropped_before_its_signature_is_checked()
    {
        var time = new FakeTimeProvider();
        var (community, endpoint) = Create(time, new RateLimitOptions());
        using var refused = LibNaClPrivateKey.Generate();
        community.Network.BlacklistMid(refused.PublicKey.Mid);
        var packet = Request(community.GetPrefix().ToArray(), refused, UdpAddress.Parse("127.0.0.6:6"), 1);
        packet[^1] ^= 1; // a bad signature would be counted as such if it were checked
        community.OnPacket(UdpAddress.Parse("127.0.0.6:6"), packet);

        Assert.Equal(1, community.Counters.Drops(DropReason.Blacklisted));
        Assert.Equal(0, community.Counters.Drops(DropReason.BadSignature));
        Assert.Empty(endpoint.Sent);
    }

    [Fact]
    public void The_limiters_state_stays_bounded_under_spoofed_sources()
    {
        var time = new FakeTimeProvider();
        var (community, _) = Create(time, new RateLimitOptions { TrackedAddresses = 32 });
        var prefix = community.GetPrefix().ToArray();
        for (var i = 0; i < 2_000; i++)
        {
            community.OnPacket(UdpAddress.FromIPv4((uint)(0x7F100000 + i), 1), PunctureRequest(prefix, UdpAddress.FromIPv4((uint)(0x7F200000 + i), 2), (ulong)i + 1));
        }

        Assert.True(community.RateLimiterTrackedAddresses <= 32);
    }

    private static (TestCommunity Community, RecordingEndpoint Endpoint) Create(FakeTimeProvider time, RateLimitOptions limits)
    {
        var key = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(s_us);
        var community = new TestCommunity(new CommunitySettings
        {
            Key = key, Endpoint = endpoint, Network = new Network(), TimeProvider = time, RandomSeed = 1, RateLimits = limits, MaxPeers = -1,
        });
        return (community, endpoint);
    }

    private static byte[] PunctureRequest(byte[] prefix, UdpAddress walker, ulong time)
    {
        var payload = new NewPunctureRequestPayload { LanWalkerAddress = walker, WanWalkerAddress = walker, Identifier = (ushort)time };
        var packet = new byte[Packet.GetSize(default(GlobalTime), payload)];
        Packet.Write(packet, prefix, null, new GlobalTime(time), payload);
        return packet;
    }

    private static byte[] Request(byte[] prefix, LibNaClPrivateKey key, UdpAddress from, ulong time)
    {
        var payload = new NewIntroductionRequestPayload { DestinationAddress = s_us, SourceLanAddress = from, SourceWanAddress = from, Identifier = (ushort)time };
        var packet = new byte[Packet.GetSize(default(GlobalTime), payload)];
        Packet.Write(packet, prefix, key, new GlobalTime(time), payload);
        return packet;
    }
}

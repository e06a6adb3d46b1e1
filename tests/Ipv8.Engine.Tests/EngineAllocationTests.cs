using Ipv8.Engine.Tests.Support;
using System.Diagnostics.Metrics;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Engine.Tests;

public class EngineAllocationTests
{
    private static readonly CommunityId s_id = CommunityId.Parse("4444444444444444444444444444444444444444");

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a node's meter with a listener on every instrument: the histograms record on the packet path
    public void Handling_a_known_peers_messages_allocates_nothing_in_steady_state(bool withMetricsListener)
    {
        using var ourKey = LibNaClPrivateKey.Generate();
        using var peerKey = LibNaClPrivateKey.Generate();
        using var thirdKey = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:40000")) { KeepDatagrams = false };
        // Limits high enough never to refuse, so that the limiters run on every packet without dropping any.
        var limits = new Limits.RateLimitOptions { VerificationsPerSource = 1e9, VerificationBurst = 1e9, PuncturesTotal = 1e9, PunctureBurst = 1e9, PuncturesPerTarget = 1e9, PunctureTargetBurst = 1e9 };
        Ipv8Node? node = null;
        using var listener = new MeterListener();
        long histogramMeasurements = 0;
        PlainCommunity community;
        if (withMetricsListener)
        {
            node = new Ipv8Node(ourKey, endpoint, new Ipv8NodeOptions { Name = "allocation" });
            community = node.AddCommunity(new PlainCommunity(node.CreateSettings(s =>
            {
                s.RandomSeed = 1;
                s.RateLimits = limits;
            })));
            var meter = node.Metrics!.Meter;
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<double>((_, _, _, _) => histogramMeasurements++);
            listener.Start();
        }
        else
        {
            community = new PlainCommunity(new CommunitySettings { Key = ourKey, Endpoint = endpoint, Network = new Network(), RandomSeed = 1, RateLimits = limits });
        }

        var peerAddress = UdpAddress.Parse("127.0.0.1:40001");
        var thirdAddress = UdpAddress.Parse("127.0.0.1:40002");
        var prefix = s_id.ToPrefix();

        // A third peer is known, so every request is answered with an introduction and a puncture request.
        community.OnPacket(thirdAddress, Request(prefix, thirdKey, thirdAddress, 1));

        // Pre-built packets from the known peer: new- and old-style requests, punctures and puncture requests.
        var packets = new List<byte[]>();
        for (ulong t = 2; t < 66; t++)
        {
            packets.Add(Request(prefix, peerKey, peerAddress, t));
            packets.Add(PacketBuilder.Discovery(prefix, peerKey, t, new IntroductionRequestPayload
            {
                DestinationAddress = endpoint.Address, SourceLanAddress = peerAddress, SourceWanAddress = peerAddress,
                Flags = IntroductionRequestPayload.MakeFlags(ConnectionType.Unknown, true, true), Identifier = (ushort)t,
            }));
            packets.Add(PacketBuilder.Discovery(prefix, peerKey, t, new NewPuncturePayload { SourceLanAddress = peerAddress, SourceWanAddress = peerAddress, Identifier = (ushort)t }));
            packets.Add(PacketBuilder.Discovery(prefix, null, t, new NewPunctureRequestPayload { LanWalkerAddress = thirdAddress, WanWalkerAddress = thirdAddress, Identifier = (ushort)t }));
        }

        Deliver(community, peerAddress, packets, rounds: 3);

        Assert.Equal(2, community.GetPeers().Length);
        var sentBefore = endpoint.TotalSent;
        var (allocated, passes) = SteadyState.Allocated(() => Deliver(community, peerAddress, packets, rounds: 4), warmups: 0);

        Assert.Equal(0, community.Counters.TotalDrops);
        Assert.True(endpoint.TotalSent - sentBefore >= passes * 4 * packets.Count, "every message should have caused at least one reply");
        Assert.Equal(0, allocated);
        if (withMetricsListener)
        {
            // One signature-check measurement per signed packet (three of the four kinds), in every round.
            Assert.True(histogramMeasurements >= 7 * 3 * (packets.Count / 4), $"{histogramMeasurements} histogram measurements");
            node!.Metrics!.Dispose();
        }
    }

    [Fact]
    public void Handling_and_answering_three_payload_messages_allocates_nothing_in_steady_state()
    {
        using var ourKey = LibNaClPrivateKey.Generate();
        using var peerKey = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:40000")) { KeepDatagrams = false };
        var limits = new Limits.RateLimitOptions { VerificationsPerSource = 1e9, VerificationBurst = 1e9 };
        var community = new EchoCommunity(new CommunitySettings { Key = ourKey, Endpoint = endpoint, Network = new Network(), RandomSeed = 1, RateLimits = limits });
        var peerAddress = UdpAddress.Parse("127.0.0.1:40001");
        Assert.NotNull(community.Network.AddVerifiedPeer(new Peer(peerKey.PublicKey, peerAddress)));
        var prefix = s_id.ToPrefix();

        // Signed and unsigned [GlobalTime, ReadingTag, Reading]; every eighth carries a label too big for the stack,
        // so that its answer is written into a rented buffer.
        var packets = new List<byte[]>();
        for (ulong t = 1; t <= 64; t++)
        {
            var label = new byte[t % 8 == 0 ? 2000 : (int)t];
            packets.Add(PacketBuilder.Build(prefix, peerKey, new GlobalTime(t), new ReadingTag { Label = label, Counter = (uint)t }, new Reading { Value = t, Unit = "u"u8 }));
            packets.Add(PacketBuilder.Build(prefix, null, new GlobalTime(t), new ReadingTag { Label = label, Counter = (uint)t }, new UnsignedReading { Value = t }));
        }

        Deliver(community, peerAddress, packets, rounds: 3);

        var handledBefore = community.Handled;
        var sentBefore = endpoint.TotalSent;
        var (allocated, passes) = SteadyState.Allocated(() => Deliver(community, peerAddress, packets, rounds: 4), warmups: 0);

        Assert.Equal(0, community.Counters.TotalDrops);
        Assert.Equal(passes * 4 * packets.Count, community.Handled - handledBefore);
        Assert.Equal(passes * 4 * packets.Count, endpoint.TotalSent - sentBefore);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_walk_step_allocates_nothing_in_steady_state()
    {
        // A node stepping a RandomWalk (py-ipv8's defaults: window 5, reset chance 50/256) among 400 walkable addresses
        // and 30 peers of the community; a second passes between steps, so walks time out and their addresses are
        // forgotten (3 s), about one a step.
        using var ourKey = LibNaClPrivateKey.Generate();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var endpoint = new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:40000")) { KeepDatagrams = false };
        var node = new Ipv8Node(ourKey, endpoint, new Ipv8NodeOptions { EnableMetrics = false, WalkInterval = Timeout.InfiniteTimeSpan, SummaryInterval = TimeSpan.Zero, TimeProvider = time });
        var community = node.AddCommunity(new PlainCommunity(node.CreateSettings(s => s.RandomSeed = 1)));
        var walk = new Discovery.RandomWalk(community, randomSeed: 2);
        node.AddStrategy(community, walk);
        var peers = AddPeers(community, 30);
        for (var i = 0; i < 400; i++)
        {
            community.Network.DiscoverAddress(peers[i % peers.Count], UdpAddress.Parse($"127.0.2.{1 + (i % 200)}:{30000 + i}"), s_id);
        }

        void Steps()
        {
            for (var i = 0; i < 10; i++)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                node.Tick();
            }
        }

        var knownBefore = community.Network.KnownAddressCount;
        var sentBefore = endpoint.TotalSent;
        var (allocated, passes) = SteadyState.Allocated(Steps, warmups: 3);

        Assert.Equal(passes * 10, endpoint.TotalSent - sentBefore); // every step sent a walk or an introduction request
        Assert.True(community.Network.KnownAddressCount < knownBefore - 10, "walks should have timed out and their addresses been forgotten");
        Assert.True(walk.InFlight > 0);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Asking_a_random_peer_for_an_introduction_copies_no_peer_list_after_the_peers_change()
    {
        using var ourKey = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:40000")) { KeepDatagrams = false };
        var community = new PlainCommunity(Offline.Settings(ourKey, endpoint));
        AddPeers(community, 10);
        for (var i = 0; i < 20; i++)
        {
            community.GetNewIntroduction();
        }

        // Every attempt first changes the peers (not measured): a snapshot of them would be copied again each time.
        var fewest = long.MaxValue;
        for (var attempt = 0; attempt < 3 && fewest != 0; attempt++)
        {
            AddPeers(community, 1);
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10; i++)
            {
                community.GetNewIntroduction();
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(endpoint.TotalSent >= 30);
        Assert.Equal(0, fewest);
    }

    // Verified peers of the community (s_id), on 127.0.1.x.
    private static List<Peer> AddPeers(Community community, int count)
    {
        var peers = new List<Peer>();
        for (var i = 0; i < count; i++)
        {
            using var key = LibNaClPrivateKey.Generate();
            var known = community.Network.VerifiedPeerCount;
            var peer = community.Network.AddVerifiedPeer(new Peer(key.PublicKey, UdpAddress.Parse($"127.0.1.{1 + known}:{20000 + known}")))!;
            community.Network.DiscoverServices(peer, s_id);
            peers.Add(peer);
        }

        return peers;
    }

    /// <summary>Hands every packet of <paramref name="packets"/> to the community, <paramref name="rounds"/> times over.</summary>
    private static void Deliver(Community community, UdpAddress source, List<byte[]> packets, int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            foreach (var packet in packets)
            {
                community.OnPacket(source, packet);
            }
        }
    }

    private static byte[] Request(byte[] prefix, LibNaClPrivateKey key, UdpAddress from, ulong time) =>
        PacketBuilder.Discovery(prefix, key, time, new NewIntroductionRequestPayload
        {
            DestinationAddress = UdpAddress.Parse("127.0.0.1:40000"), SourceLanAddress = from, SourceWanAddress = from, Identifier = (ushort)time,
        });

    private sealed class PlainCommunity(CommunitySettings settings) : Community(s_id, settings);

    /// <summary>Answers every three-payload message with one of its own (py-ipv8 <c>ez_send(peer, a, b, c)</c>).</summary>
    private sealed class EchoCommunity : Community
    {
        public EchoCommunity(CommunitySettings settings)
            : base(s_id, settings)
        {
            AddMessageHandler<GlobalTime, ReadingTag, Reading>(OnReading);
            AddMessageHandler<GlobalTime, ReadingTag, UnsignedReading>(OnUnsignedReading);
        }

        public long Handled { get; private set; }

        private void OnReading(Peer peer, in GlobalTime time, in ReadingTag tag, in Reading reading)
        {
            Handled++;
            Send(peer, new GlobalTime(ClaimGlobalTime()), tag, new Reading { Value = reading.Value + time.Value, Unit = reading.Unit });
        }

        private void OnUnsignedReading(UdpAddress source, in GlobalTime time, in ReadingTag tag, in UnsignedReading reading)
        {
            Handled++;
            Send(source, time, tag, reading);
        }
    }
}

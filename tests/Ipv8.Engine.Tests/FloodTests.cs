using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Xunit.Abstractions;

namespace Ipv8.Engine.Tests;

/// <summary>
/// A node under a flood on 127.0.0.1: bad-signature introduction requests and puncture requests that all name one
/// victim port, while two honest nodes discover each other through it. Bounded: at most 12 s of flooding.
/// </summary>
public class FloodTests(ITestOutputHelper output)
{
    private const int PacketsPerSecondEach = 50_000;

    [Fact]
    public async Task Under_a_flood_honest_nodes_still_meet_the_victim_gets_at_most_the_limit_and_memory_stays_bounded()
    {
        using var victim = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        victim.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        victim.ReceiveTimeout = 100;
        var victimAddress = UdpAddress.FromIPEndPoint((IPEndPoint)victim.LocalEndPoint!);
        long victimReceived = 0;
        using var stop = new CancellationTokenSource();
        var victimThread = new Thread(() =>
        {
            var buffer = new byte[2048];
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    victim.Receive(buffer);
                    Interlocked.Increment(ref victimReceived);
                }
                catch (SocketException)
                {
                    // Timeout: look at the stop flag again.
                }
            }
        })
        { IsBackground = true };
        victimThread.Start();

        await using var hub = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new TestNodeOptions { Name = "hub", Seed = 11 });
        GC.Collect();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        // The flood: one socket, alternating a bad-signature introduction request and a puncture request naming the
        // victim, paced at 50,000 of each per second.
        var prefix = hub.Community.GetPrefix().ToArray();
        using var floodKey = LibNaClPrivateKey.Generate();
        var badRequest = new byte[Community.MaxDiscoveryPacketSize];
        var request = new IntroductionRequestPayload
        {
            DestinationAddress = hub.Address, SourceLanAddress = victimAddress, SourceWanAddress = victimAddress,
            Flags = IntroductionRequestPayload.MakeFlags(ConnectionType.Unknown, false, true), Identifier = 1,
        };
        var badLength = Packet.Write(badRequest, prefix, floodKey, new GlobalTime(1), request);
        badRequest[badLength - 1] ^= 0x55;
        var punctureRequest = new byte[64];
        var punctureLength = Packet.Write(punctureRequest, prefix, null, new GlobalTime(2), new PunctureRequestPayload { LanWalkerAddress = victimAddress, WanWalkerAddress = victimAddress, Identifier = 2 });

        var floodClock = Stopwatch.StartNew();
        long floodSent = 0;
        var flooder = new Thread(() =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var target = hub.Address.CreateSocketAddress();
            var limit = TimeSpan.FromSeconds(12);
            while (!stop.IsCancellationRequested && floodClock.Elapsed < limit)
            {
                // Pace: never ahead of 50,000 of each per second.
                var due = (long)(floodClock.Elapsed.TotalSeconds * PacketsPerSecondEach);
                while (Interlocked.Read(ref floodSent) < due)
                {
                    socket.SendTo(badRequest.AsSpan(0, badLength), SocketFlags.None, target);
                    socket.SendTo(punctureRequest.AsSpan(0, punctureLength), SocketFlags.None, target);
                    Interlocked.Increment(ref floodSent);
                }

                Thread.Sleep(1);
            }
        })
        { IsBackground = true };
        flooder.Start();

        await using var alice = StartWalker(hub.Address, 12);
        await using var bob = StartWalker(hub.Address, 13);
        try
        {
            await Eventually.AssertAsync(
                () => alice.Community.HasPeer(bob.PublicKey) && bob.Community.HasPeer(alice.PublicKey),
                "the honest nodes found each other through the flooded hub",
                TimeSpan.FromSeconds(60));

            // Keep the flood going for a few seconds whatever happened, so the victim check means something.
            await Eventually.WaitAsync(() => floodClock.Elapsed > TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10));
        }
        finally
        {
            await stop.CancelAsync();
            flooder.Join();
            victimThread.Join();
        }

        var floodSeconds = floodClock.Elapsed.TotalSeconds;
        output.WriteLine($"flood: {floodSent} pairs in {floodSeconds:F1} s; victim got {victimReceived}; hub drops: rate-limited {hub.Community.Counters.Drops(DropReason.RateLimited)}, bad signature {hub.Community.Counters.Drops(DropReason.BadSignature)}; limiter tracks {hub.Community.RateLimiterTrackedAddresses} addresses");
        var limits = new Limits.RateLimitOptions();
        var allowed = limits.PunctureTargetBurst + (limits.PuncturesPerTarget * floodSeconds) + 5;
        Assert.True(Interlocked.Read(ref floodSent) > PacketsPerSecondEach, $"the flood was too small to mean anything ({floodSent} pairs)");
        Assert.True(victimReceived <= allowed, $"the victim got {victimReceived} datagrams in {floodSeconds:F1} s; the limit allows {allowed:F0}");
        Assert.True(hub.Community.Counters.Drops(DropReason.RateLimited) > 0, "nothing was rate-limited");
        Assert.True(hub.Community.RateLimiterTrackedAddresses <= limits.TrackedAddresses);
        Assert.True(hub.Node.Network.VerifiedPeerCount <= hub.Node.Network.Options.MaxVerifiedPeers);

        GC.Collect();
        var grown = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        output.WriteLine($"managed heap grew by {grown / 1024} KiB");
        Assert.True(grown < 64L << 20, $"the managed heap grew by {grown / 1024 / 1024} MiB under the flood");
    }

    private static TestNode<TestCommunity> StartWalker(UdpAddress hub, int seed) =>
        TestNode<TestCommunity>.Start(
            s => new TestCommunity(s),
            new TestNodeOptions { Seed = seed },
            n =>
            {
                n.Community.AddBootstrapper(new AddressListBootstrapper([hub]));
                n.Node.AddStrategy(n.Community, new RandomWalk(n.Community, randomSeed: seed));
            });
}

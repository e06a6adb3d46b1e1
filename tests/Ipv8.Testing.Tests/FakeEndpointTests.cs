using Ipv8.Tests.Shared;
using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Peers;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Testing.Tests;

/// <summary>The fake endpoint and sink record what crosses them; the packet builder makes what py-ipv8 would send.</summary>
public sealed class FakeEndpointTests
{
    private static readonly UdpAddress s_here = UdpAddress.Parse("127.0.0.1:9000");
    private static readonly UdpAddress s_there = UdpAddress.Parse("127.0.0.1:9001");

    [Fact]
    public void A_recording_endpoint_keeps_what_a_community_sends_in_order()
    {
        using var key = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(s_here);
        var community = new EchoCommunity(new CommunitySettings { Key = key, Endpoint = endpoint, Network = new Network() });

        community.Send(s_there, new Echo { Number = 1 });
        community.WalkTo(s_there);

        Assert.Equal([1, 246], endpoint.Sent.Select(s => (int)s.MessageId));
        Assert.All(endpoint.Sent, s => Assert.Equal(s_there, s.Destination));
        Assert.All(endpoint.Sent, s => Assert.True(s.HasPrefix(community.GetPrefix())));
        Assert.True(endpoint.Sent[0].TryDecode(out Echo echo));
        Assert.Equal(1u, echo.Number);
        Assert.True(endpoint.Sent[1].TryDecode(out GlobalTime _, out IntroductionRequestPayload request));
        Assert.Equal(s_there, request.DestinationAddress);
        Assert.Equal(1, endpoint.Count(246));
        Assert.Equal(1, endpoint.Count(246, s_there));
        Assert.Equal(0, endpoint.Count(246, s_here));
        Assert.Equal(2, endpoint.TotalSent);
        Assert.Equal(2, endpoint.Counters.PacketsSent);
        Assert.Equal(endpoint.Sent.Sum(s => s.Data.Length), endpoint.Counters.BytesSent);
    }

    [Fact]
    public void A_tampered_copy_does_not_decode_when_verified()
    {
        using var key = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(s_here);
        var community = new EchoCommunity(new CommunitySettings { Key = key, Endpoint = endpoint, Network = new Network() });
        community.Send(s_there, new Echo { Number = 1 });
        var sent = endpoint.Sent[0];
        sent.Data[^70] ^= 1;

        Assert.False(sent.TryDecode(out Echo _));
        Assert.True(sent.TryDecode(out Echo _, verify: false));
    }

    [Fact]
    public void Clear_forgets_the_datagrams_and_the_counts()
    {
        var endpoint = new RecordingEndpoint(s_here);
        endpoint.Send(s_there, new byte[30]);

        endpoint.Clear();

        Assert.Empty(endpoint.Sent);
        Assert.Equal(0, endpoint.TotalSent);
        Assert.Equal(0, endpoint.Count(0));
    }

    [Fact]
    public void A_counting_endpoint_sends_without_allocating()
    {
        var endpoint = new RecordingEndpoint(s_here) { KeepDatagrams = false };
        var datagram = new byte[100];
        datagram[Packet.PrefixLength] = 9;
        for (var i = 0; i < 100; i++)
        {
            endpoint.Send(s_there, datagram);
        }

        var (allocated, passes) = SteadyState.Allocated(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                endpoint.Send(s_there, datagram);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(100 + (passes * 10_000), endpoint.Count(9));
        Assert.Empty(endpoint.Sent);
        Assert.Throws<InvalidOperationException>(() => endpoint.Count(9, s_there));
    }

    [Fact]
    public async Task An_endpoint_that_refuses_sends_counts_failures_and_records_nothing_and_so_does_a_closed_one()
    {
        var refusing = new RecordingEndpoint(s_here) { AcceptSends = false };
        Assert.False(refusing.Send(s_there, [1]));
        Assert.Equal(1, refusing.Counters.SendFailures);
        Assert.Empty(refusing.Sent);

        var closed = new RecordingEndpoint(s_here);
        await closed.CloseAsync();
        Assert.False(closed.IsOpen);
        Assert.False(closed.Send(s_there, [1]));
        Assert.Throws<InvalidOperationException>(() => closed.Open(new RecordingSink()));
    }

    [Fact]
    public void An_endpoint_can_have_both_families_or_none()
    {
        var v6 = UdpAddress.Parse("[::1]:9000");
        var both = new RecordingEndpoint(s_here, v6);
        var none = new RecordingEndpoint(null, null);

        Assert.Equal(s_here, both.Ipv4Address);
        Assert.Equal(v6, both.Ipv6Address);
        Assert.Equal(v6, new RecordingEndpoint(v6).Address);
        Assert.Null(new RecordingEndpoint(v6).Ipv4Address);
        Assert.Equal(UdpAddress.Any, none.Address);
        Assert.Throws<ArgumentException>(() => new RecordingEndpoint(v6, null));
    }

    [Fact]
    public async Task Deliver_hands_a_built_packet_to_the_node_that_opened_the_endpoint()
    {
        using var key = LibNaClPrivateKey.Generate();
        using var theirKey = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(s_here);
        await using var node = new Ipv8Node(key, endpoint, new Ipv8NodeOptions { EnableMetrics = false, WalkInterval = Timeout.InfiniteTimeSpan });
        var community = node.AddCommunity(new EchoCommunity(node.CreateSettings()));
        Assert.Throws<InvalidOperationException>(() => endpoint.Deliver(s_there, [1]));
        node.Start();

        endpoint.Deliver(s_there, PacketBuilder.Build(community.GetPrefix(), theirKey, new Echo { Number = 3, Hops = 1 }));

        Assert.Same(node, endpoint.Sink);
        Assert.Equal([3u], community.Seen);
        Assert.Equal(theirKey.PublicKey, community.Senders[0].Key);
        var answer = Assert.Single(endpoint.Sent);
        Assert.Equal(s_there, answer.Destination);
        Assert.True(answer.TryDecode(out Echo echo));
        Assert.Equal(0, echo.Hops);
        Assert.Equal(1, endpoint.Counters.PacketsReceived);
    }

    [Fact]
    public void A_built_introduction_request_is_answered_as_py_ipv8s_would_be()
    {
        using var key = LibNaClPrivateKey.Generate();
        using var theirKey = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(s_here);
        var community = new EchoCommunity(new CommunitySettings { Key = key, Endpoint = endpoint, Network = new Network() });

        community.OnPacket(s_there, PacketBuilder.IntroductionRequest(community.CommunityId, theirKey, s_here, s_there, identifier: 77));

        var response = Assert.Single(endpoint.Sent, s => s.MessageId == 245);
        Assert.True(response.TryDecode(out GlobalTime _, out IntroductionResponsePayload payload));
        Assert.Equal(77, payload.Identifier);
        Assert.Equal(s_there, response.Destination);
        Assert.Contains(community.GetPeers(), p => p.Key.Equals(theirKey.PublicKey));
    }

    [Fact]
    public void Built_packets_of_one_two_and_three_payloads_decode_to_what_went_in()
    {
        using var key = LibNaClPrivateKey.Generate();
        var prefix = CommunityId.Parse("ec40ec40ec40ec40ec40ec40ec40ec40ec40ec40").ToPrefix();

        Assert.True(Packet.TryDecode(PacketBuilder.Build(prefix, key, new Echo { Number = 4, Hops = 2 }), true, out var one, out Echo echo, out _));
        Assert.True(one.IsSigned);
        Assert.Equal((4u, (byte)2), (echo.Number, echo.Hops));

        Assert.True(Packet.TryDecode(PacketBuilder.Discovery(prefix, null, 12, new NewPunctureRequestPayload { LanWalkerAddress = s_here, WanWalkerAddress = s_there, Identifier = 5 }), true, out var two, out GlobalTime time, out NewPunctureRequestPayload puncture, out _));
        Assert.False(two.IsSigned);
        Assert.Equal((12ul, (ushort)5, s_there), (time.Value, puncture.Identifier, puncture.WanWalkerAddress));

        Assert.True(Packet.TryDecode(PacketBuilder.Build(prefix, key, new GlobalTime(3), new GlobalTime(4), new Echo { Number = 6 }), true, out _, out GlobalTime a, out GlobalTime b, out Echo c, out _));
        Assert.Equal((3ul, 4ul, 6u), (a.Value, b.Value, c.Number));
    }

    [Fact]
    public void A_recording_sink_keeps_copies_and_tells_its_callback()
    {
        var seen = new List<ReceivedDatagram>();
        var sink = new RecordingSink(seen.Add);
        var datagram = new byte[] { 1, 2 };

        sink.OnPacket(s_there, datagram);
        datagram[0] = 9;

        var received = Assert.Single(sink.Received);
        Assert.Equal(s_there, received.Source);
        Assert.Equal(new byte[] { 1, 2 }, received.Data);
        Assert.Same(received, Assert.Single(seen));
        sink.Clear();
        Assert.Equal(0, sink.Count);
    }
}

using Ipv8.Engine.Communities;
using Ipv8.Engine.Limits;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary>
/// <see cref="CommunityCounters.SignaturesCreated"/> and <see cref="CommunityCounters.SignaturesVerified"/>: every
/// signature a community makes and every signature check it runs, exactly (the swarm report's crypto ratio rests on them).
/// </summary>
public sealed class SignatureCounterTests : IDisposable
{
    private static readonly UdpAddress s_addressA = UdpAddress.Parse("127.0.0.1:31101");
    private static readonly UdpAddress s_addressB = UdpAddress.Parse("127.0.0.1:31102");
    private static readonly UdpAddress s_addressC = UdpAddress.Parse("127.0.0.1:31103");

    private readonly LibNaClPrivateKey _keyA = LibNaClPrivateKey.Generate();
    private readonly LibNaClPrivateKey _keyB = LibNaClPrivateKey.Generate();
    private readonly LibNaClPrivateKey _keyC = LibNaClPrivateKey.Generate();
    private readonly RecordingEndpoint _endpointA = new(s_addressA);
    private readonly RecordingEndpoint _endpointB = new(s_addressB);
    private readonly RecordingEndpoint _endpointC = new(s_addressC);

    public void Dispose()
    {
        _keyA.Dispose();
        _keyB.Dispose();
        _keyC.Dispose();
    }

    [Fact]
    public void A_walk_costs_each_side_one_signature_and_one_check()
    {
        var a = new TestCommunity(Offline.Settings(_keyA, _endpointA, seed: 1));
        var b = new TestCommunity(Offline.Settings(_keyB, _endpointB, seed: 2));

        a.WalkTo(s_addressB);
        b.OnPacket(s_addressA, Single(_endpointA, DiscoveryMessages.IntroductionRequest));
        a.OnPacket(s_addressB, Single(_endpointB, DiscoveryMessages.IntroductionResponse));

        Assert.True(a.HasPeer(_keyB.PublicKey));
        Assert.Single(_endpointB.Sent); // b had nobody to introduce: no puncture request
        Assert.Equal((1, 1), Counts(a)); // the request made, the response checked
        Assert.Equal((1, 1), Counts(b)); // the request checked, the response made
    }

    [Fact]
    public void An_introduction_costs_the_introduced_peer_a_puncture_signature_and_the_unsigned_request_no_check()
    {
        var a = new TestCommunity(Offline.Settings(_keyA, _endpointA, seed: 1));
        var b = new TestCommunity(Offline.Settings(_keyB, _endpointB, seed: 2));
        var c = new TestCommunity(Offline.Settings(_keyC, _endpointC, seed: 3));
        a.WalkTo(s_addressB);
        b.OnPacket(s_addressA, Single(_endpointA, DiscoveryMessages.IntroductionRequest));
        a.OnPacket(s_addressB, Single(_endpointB, DiscoveryMessages.IntroductionResponse));
        _endpointA.Clear();
        _endpointB.Clear();

        // c walks to b, whose only other peer is a: b introduces a and asks a (unsigned) to puncture towards c.
        c.WalkTo(s_addressB);
        b.OnPacket(s_addressC, Single(_endpointC, DiscoveryMessages.IntroductionRequest));
        a.OnPacket(s_addressB, Single(_endpointB, DiscoveryMessages.PunctureRequest));
        c.OnPacket(s_addressB, Single(_endpointB, DiscoveryMessages.IntroductionResponse));
        c.OnPacket(s_addressA, Single(_endpointA, DiscoveryMessages.Puncture));

        Assert.Equal((1 + 1, 1), Counts(a)); // its request; the puncture. The puncture request needed no check.
        Assert.Equal((2, 2), Counts(b)); // two responses made, two requests checked
        Assert.Equal((1, 2), Counts(c)); // its request; the response and the puncture checked
    }

    [Fact]
    public void Send_counts_a_signature_for_signed_message_kinds_only()
    {
        var chat = new ChatCommunity(Offline.Settings(_keyA, _endpointA));
        var readings = new ReadingCommunity(Offline.Settings(_keyB, _endpointB));

        chat.Send(s_addressC, new ChatMessage { Text = "signed", Number = 1 });
        chat.Send(s_addressC, new PingMessage { Nonce = 1 }); // unsigned
        chat.Send(s_addressC, new GlobalTime(5), new ChatMessage { Text = "two payloads", Number = 2 });
        readings.Send(s_addressC, new GlobalTime(5), new ReadingTag { Label = "x"u8, Counter = 1 }, new Reading { Value = 1, Unit = "m"u8 });
        readings.Send(s_addressC, new GlobalTime(6), new ReadingTag { Label = "y"u8, Counter = 2 }, new UnsignedReading { Value = 2 });

        Assert.Equal(3, _endpointA.Sent.Count);
        Assert.Equal((2, 0), Counts(chat));
        Assert.Equal(2, _endpointB.Sent.Count);
        Assert.Equal((1, 0), Counts(readings));
    }

    [Fact]
    public void Every_check_run_is_counted_valid_or_not_and_none_for_messages_dropped_before_it()
    {
        var receiver = new ChatCommunity(Offline.Settings(_keyA, _endpointA));
        var good = PacketBuilder.Build(receiver.GetPrefix(), _keyB, new ChatMessage { Text = "hi", Number = 7 });
        var badSignature = (byte[])good.Clone();
        badSignature[^1] ^= 0x01;

        receiver.OnPacket(s_addressB, good);
        receiver.OnPacket(s_addressB, badSignature);
        receiver.OnPacket(s_addressB, PacketBuilder.Build(receiver.GetPrefix(), _keyB, new PingMessage { Nonce = 3 })); // unsigned
        receiver.OnPacket(s_addressB, good[..(Packet.PrefixLength + 3)]); // truncated: refused by the frame, unchecked

        Assert.Single(receiver.Chats);
        Assert.Single(receiver.Pings);
        Assert.Equal(1, receiver.Counters.Drops(DropReason.BadSignature));
        Assert.Equal((0, 2), Counts(receiver));
    }

    [Fact]
    public void A_legacy_ec_signature_check_counts_once_and_a_rate_limited_message_not_at_all()
    {
        // A puncture signed by one of py-ipv8's EC keys (ec-keys.json); the limiter allows two checks of it, then drops.
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Ipv8.Tests.Shared.RepoPaths.Vectors, "ec-keys.json")));
        var root = document.RootElement;
        var packet = Convert.FromHexString(root.GetProperty("vectors").EnumerateArray()
            .First(v => v.GetProperty("name").GetString() == "puncture" && v.GetProperty("curve").GetString() == "sect163k1")
            .GetProperty("packet").GetString()!);
        var settings = Offline.Settings(_keyA, _endpointA, new FakeTimeProvider());
        settings.RateLimits = new RateLimitOptions { VerificationsPerSource = 0.001, VerificationBurst = 2 * (1 + 1) };
        var community = new TestCommunity(CommunityId.Parse(root.GetProperty("community_id").GetString()!), settings);

        community.OnPacket(s_addressB, packet);
        community.OnPacket(s_addressB, packet);
        community.OnPacket(s_addressB, packet);

        Assert.Equal(1, community.Counters.Drops(DropReason.RateLimited));
        Assert.Equal((0, 2), Counts(community));
    }

    private static (long Created, long Verified) Counts(Community community) =>
        (community.Counters.SignaturesCreated, community.Counters.SignaturesVerified);

    private static byte[] Single(RecordingEndpoint endpoint, byte messageId) =>
        endpoint.Sent.Single(p => p.MessageId == messageId).Data;
}

using Ipv8.Engine.Communities;
using Ipv8.Engine.Limits;
using Ipv8.Engine.Tests.Support;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary>
/// The tracker goes through the same verify-and-dispatch path as every community: blacklist, per-source verification
/// budget, signature, payloads, peer, handler (issue 12). On a recording endpoint and a fake clock.
/// </summary>
public sealed class TrackerTests : IDisposable
{
    private static readonly UdpAddress s_here = UdpAddress.Parse("127.0.0.5:30000");

    private readonly List<LibNaClPrivateKey> _keys = [];
    private readonly LibNaClPrivateKey _key = LibNaClPrivateKey.Generate();
    private readonly RecordingEndpoint _endpoint = new(s_here);
    private readonly FakeTimeProvider _time = new();

    public void Dispose()
    {
        _key.Dispose();
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    [Fact]
    public void The_tracker_drops_requests_of_a_blacklisted_mid_before_checking_their_signature()
    {
        var tracker = NewTracker();
        var refused = NewKey();
        tracker.Network.BlacklistMid(refused.PublicKey.Mid);
        var source = UdpAddress.Parse("127.0.0.6:6");
        var valid = PacketBuilder.IntroductionRequest(TestIds.Discovery, refused, s_here, source, 1);
        var forged = Forge(PacketBuilder.IntroductionRequest(TestIds.Discovery, refused, s_here, source, 2));

        tracker.AnyPrefix.OnPacket(source, valid);
        tracker.AnyPrefix.OnPacket(source, forged);

        Assert.Equal(2, tracker.Counters.Drops(DropReason.Blacklisted));
        Assert.Equal(0, tracker.Counters.Drops(DropReason.BadSignature)); // the forged one would count here if checked
        Assert.Equal(0, tracker.RequestsAnswered);
        Assert.Empty(_endpoint.Sent);
        Assert.Empty(tracker.Network.GetPeersForService(TestIds.Discovery));
    }

    [Fact]
    public void The_tracker_checks_at_most_the_verification_budget_of_forged_requests_from_one_source()
    {
        var tracker = NewTracker();
        var limits = new RateLimitOptions();
        var flooder = NewKey();
        var source = UdpAddress.Parse("127.0.0.7:7");
        var forged246 = Forge(PacketBuilder.IntroductionRequest(TestIds.Discovery, flooder, s_here, source, 1));
        var forged234 = Forge(PacketBuilder.Discovery(TestIds.Other.ToPrefix(), flooder, 2, new NewIntroductionRequestPayload
        {
            DestinationAddress = s_here, SourceLanAddress = source, SourceWanAddress = source, Identifier = 2,
        }));

        for (var i = 0; i < 1_000; i++)
        {
            tracker.AnyPrefix.OnPacket(source, forged246);
            tracker.AnyPrefix.OnPacket(source, forged234);
        }

        // Every drop for a bad signature is one signature checked: the burst, then nothing until the budget refills.
        Assert.Equal(limits.VerificationBurst, tracker.Counters.Drops(DropReason.BadSignature));
        Assert.Equal(2_000 - limits.VerificationBurst, tracker.Counters.Drops(DropReason.RateLimited));

        _time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 1_000; i++)
        {
            tracker.AnyPrefix.OnPacket(source, forged246);
        }

        Assert.Equal(limits.VerificationBurst + limits.VerificationsPerSource, tracker.Counters.Drops(DropReason.BadSignature));
        Assert.Equal(0, tracker.RequestsAnswered);
        Assert.Empty(_endpoint.Sent);
    }

    [Fact]
    public void The_tracker_still_answers_valid_requests_from_other_sources_while_one_source_floods_it()
    {
        var tracker = NewTracker();
        var flooder = NewKey();
        var floodSource = UdpAddress.Parse("127.0.0.7:7");
        var forged = Forge(PacketBuilder.IntroductionRequest(TestIds.Discovery, flooder, s_here, floodSource, 1));
        for (var i = 0; i < 1_000; i++)
        {
            tracker.AnyPrefix.OnPacket(floodSource, forged);
        }

        var first = UdpAddress.Parse("127.0.0.8:8");
        var second = UdpAddress.Parse("127.0.0.9:9");
        tracker.AnyPrefix.OnPacket(first, PacketBuilder.IntroductionRequest(TestIds.Discovery, NewKey(), s_here, first, 3));
        tracker.AnyPrefix.OnPacket(second, PacketBuilder.IntroductionRequest(TestIds.Discovery, NewKey(), s_here, second, 4));
        tracker.AnyPrefix.OnPacket(second, PacketBuilder.Discovery(TestIds.Other.ToPrefix(), NewKey(), 5, new NewIntroductionRequestPayload
        {
            DestinationAddress = s_here, SourceLanAddress = second, SourceWanAddress = second, Identifier = 5,
        }));

        Assert.Equal(3, tracker.RequestsAnswered);
        Assert.Equal(1, _endpoint.Count(DiscoveryMessages.IntroductionResponse, first));
        Assert.Equal(1, _endpoint.Count(DiscoveryMessages.IntroductionResponse, second));
        Assert.Equal(1, _endpoint.Count(DiscoveryMessages.NewIntroductionResponse, second)); // the 234, in the other community
        Assert.Equal(1, _endpoint.Count(DiscoveryMessages.PunctureRequest, first)); // the first was introduced to the second
        Assert.Equal(2, tracker.Network.GetPeersForService(TestIds.Discovery).Length);
        Assert.Single(tracker.Network.GetPeersForService(TestIds.Other));
    }

    [Fact]
    public void The_tracker_drops_every_other_message_unread_and_without_a_signature_check()
    {
        var tracker = NewTracker();
        var source = UdpAddress.Parse("127.0.0.8:8");
        var signedResponse = Forge(PacketBuilder.Discovery(TestIds.Discovery.ToPrefix(), NewKey(), 1, new IntroductionResponsePayload
        {
            DestinationAddress = s_here, SourceLanAddress = source, SourceWanAddress = source, LanIntroductionAddress = UdpAddress.Any,
            WanIntroductionAddress = UdpAddress.Any, Identifier = 1,
        }));
        byte[] deprecated = [.. TestIds.Discovery.ToPrefix(), 0xf7];

        tracker.AnyPrefix.OnPacket(source, signedResponse);
        tracker.AnyPrefix.OnPacket(source, deprecated);

        Assert.Equal(2, tracker.Counters.Drops(DropReason.UnknownMessage));
        Assert.Equal(0, tracker.Counters.Drops(DropReason.BadSignature));
        Assert.Empty(_endpoint.Sent);
    }

    private TrackerCommunity NewTracker() => new(Offline.Settings(_key, _endpoint, _time, seed: 3));

    /// <summary>Flips a signed byte (the one before the signature): the signature is well formed, and wrong.</summary>
    private static byte[] Forge(byte[] packet)
    {
        packet[^(Ed25519.SignatureLength + 1)] ^= 0x55;
        return packet;
    }

    private LibNaClPrivateKey NewKey()
    {
        var key = LibNaClPrivateKey.Generate();
        _keys.Add(key);
        return key;
    }
}

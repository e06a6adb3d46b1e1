using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Peers;
using Ipv8.Engine.Tests.Support;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary><see cref="WalkToPeers"/>: py-ipv8's <c>walk_to(address)</c> for fixed peers, retried until they answer.</summary>
public sealed class WalkToPeersTests : IDisposable
{
    private static readonly UdpAddress s_here = UdpAddress.Parse("127.0.0.5:30000");
    private static readonly UdpAddress s_peer = UdpAddress.Parse("127.0.0.1:41000");
    private readonly LibNaClPrivateKey _key = LibNaClPrivateKey.Generate();
    private readonly LibNaClPrivateKey _peerKey = LibNaClPrivateKey.Generate();
    private readonly RecordingEndpoint _endpoint = new(s_here);
    private readonly FakeTimeProvider _time = new();

    public void Dispose()
    {
        _key.Dispose();
        _peerKey.Dispose();
    }

    [Fact]
    public void A_peer_is_walked_to_at_once_then_again_every_retry_interval_until_it_answers_and_again_after_it_goes_away()
    {
        var community = new TestCommunity(Offline.Settings(_key, _endpoint, _time));
        var strategy = new WalkToPeers(community, [s_peer], TimeSpan.FromSeconds(5));

        strategy.TakeStep();
        Assert.Equal(1, _endpoint.Count(DiscoveryMessages.IntroductionRequest, s_peer));

        _time.Advance(TimeSpan.FromSeconds(4.9));
        strategy.TakeStep();
        Assert.Equal(1, _endpoint.Count(DiscoveryMessages.IntroductionRequest, s_peer));

        _time.Advance(TimeSpan.FromSeconds(0.2));
        strategy.TakeStep();
        Assert.Equal(2, _endpoint.Count(DiscoveryMessages.IntroductionRequest, s_peer));

        // It answers: it becomes a normal verified peer of the community (not blacklisted), and is left alone.
        community.OnPacket(s_peer, Response(community, s_peer));
        var peer = Assert.Single(community.GetPeers());
        Assert.Equal(s_peer, peer.Address);
        _time.Advance(TimeSpan.FromSeconds(60));
        strategy.TakeStep();
        Assert.Equal(2, _endpoint.Count(DiscoveryMessages.IntroductionRequest, s_peer));

        // It goes away: walked to again.
        community.Network.RemovePeer(peer);
        strategy.TakeStep();
        Assert.Equal(3, _endpoint.Count(DiscoveryMessages.IntroductionRequest, s_peer));
    }

    [Fact]
    public void A_peer_address_is_never_blacklisted()
    {
        var community = new TestCommunity(Offline.Settings(_key, _endpoint, _time));
        var strategy = new WalkToPeers(community, [s_peer]);
        strategy.TakeStep();

        Assert.False(community.Network.IsBlacklisted(s_peer));
    }

    [Theory]
    [InlineData("0.0.0.0:5000")]
    [InlineData("127.0.0.1:0")]
    public void An_address_without_a_host_or_a_port_is_refused(string address) =>
        Assert.Throws<ArgumentException>(() => new WalkToPeers(new TestCommunity(Offline.Settings(_key, _endpoint, _time)), [UdpAddress.Parse(address)]));

    [Theory]
    [InlineData("127.0.0.1:8090", "127.0.0.1:8090", null)]
    [InlineData("[::1]:8090", "[::1]:8090", null)]
    [InlineData("tracker.example.org:6421", null, "tracker.example.org")]
    public void Host_and_port_text_parses_to_an_address_or_a_dns_name(string text, string? address, string? name)
    {
        Assert.True(HostPort.TryParse(text, out var value, out var error), error);
        Assert.Equal(address is null ? null : UdpAddress.Parse(address), value.Address);
        Assert.Equal(name, value.DnsName);
        Assert.Equal(text, value.ToString());
    }

    [Theory]
    [InlineData("127.0.0.1", "is not HOST:PORT")]
    [InlineData("127.0.0.1:0", "is not HOST:PORT")]
    [InlineData("127.0.0.1:70000", "is not HOST:PORT")]
    [InlineData("0.0.0.0:8090", "names no host")]
    [InlineData("::1:8090", "without [brackets]")]
    [InlineData("bad_host!:8090", "does not name a host")]
    public void Bad_host_and_port_text_is_refused_with_a_reason(string text, string reason)
    {
        Assert.False(HostPort.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    private byte[] Response(TestCommunity community, UdpAddress from) =>
        PacketBuilder.Discovery(community.GetPrefix(), _peerKey, 9, new IntroductionResponsePayload
        {
            DestinationAddress = s_here,
            SourceLanAddress = from,
            SourceWanAddress = from,
            Flags = IntroductionResponsePayload.MakeFlags(ConnectionType.Unknown, supportsNewStyle: false, introSupportsNewStyle: false, peerLimitReached: false),
            Identifier = 9,
        });
}

using Ipv8.Tests.Shared;
using Ipv8.Engine.Peers;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary>PROTOCOL.md §5, Peer.</summary>
public sealed class PeerTests : IDisposable
{
    private readonly LibNaClPrivateKey _key = LibNaClPrivateKey.Generate();

    public void Dispose() => _key.Dispose();

    [Fact]
    public void The_ipv6_address_is_preferred_over_the_ipv4_one()
    {
        var v4 = UdpAddress.Parse("127.0.0.1:1000");
        var v6 = UdpAddress.Parse("[::1]:2000");
        var peer = new Peer(_key.PublicKey, v4);
        Assert.Equal(v4, peer.Address);
        Assert.Null(peer.GetAddress(ipv6: true));

        peer.Address = v6;
        Assert.Equal(v6, peer.Address);
        Assert.Equal(v4, peer.GetAddress(ipv6: false));
        Assert.Equal(v6, peer.GetAddress(ipv6: true));

        // A new IPv4 address replaces the IPv4 one only; IPv6 stays preferred.
        var v4b = UdpAddress.Parse("127.0.0.2:1000");
        peer.Address = v4b;
        Assert.Equal(v6, peer.Address);
        Assert.Equal(v4b, peer.GetAddress(ipv6: false));
        Assert.Equal([v4b, v6], peer.Addresses);
    }

    [Fact]
    public void Copying_the_addresses_gives_what_Addresses_lists_in_its_order_without_allocating()
    {
        var peer = new Peer(_key.PublicKey, UdpAddress.Parse("127.0.0.1:1000"));
        Assert.Equal(peer.Addresses, Listed(peer.CopyAddresses()));

        peer.Address = UdpAddress.Parse("[::1]:2000");
        peer.LanAddress = UdpAddress.Parse("10.0.0.5:1000"); // an address value only: nothing is sent
        Assert.Equal(3, peer.CopyAddresses().Count);
        Assert.Equal(peer.Addresses, Listed(peer.CopyAddresses()));
        Assert.Throws<ArgumentOutOfRangeException>(() => peer.CopyAddresses()[3]);

        var (allocated, _) = SteadyState.Allocated(() =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                foreach (var address in peer.CopyAddresses())
                {
                    _ = address.Port;
                }
            }
        });
        Assert.Equal(0, allocated);

        static List<UdpAddress> Listed(PeerAddresses addresses)
        {
            var list = new List<UdpAddress>();
            foreach (var address in addresses)
            {
                list.Add(address);
            }

            return list;
        }
    }

    [Fact]
    public void A_peer_without_an_address_reports_the_any_address()
    {
        var peer = new Peer(_key.PublicKey, UdpAddress.Any);
        Assert.Equal(UdpAddress.Any, peer.Address);
        Assert.Empty(peer.Addresses);
    }

    [Fact]
    public void The_median_ping_is_taken_over_the_last_five_pings()
    {
        var peer = new Peer(_key.PublicKey, UdpAddress.Parse("127.0.0.1:1000"));
        Assert.Null(peer.GetMedianPing());
        Assert.Null(peer.GetAveragePing());

        peer.AddPing(0.5);
        Assert.Equal(0.5, peer.GetMedianPing());
        peer.AddPing(0.1);
        Assert.Equal(0.3, peer.GetMedianPing()!.Value, 9);
        peer.AddPing(0.3);
        Assert.Equal(0.3, peer.GetMedianPing());

        // 0.5 0.1 0.3 0.9 0.7 1.1: the first ping falls out of the window of five.
        peer.AddPing(0.9);
        peer.AddPing(0.7);
        peer.AddPing(1.1);
        Assert.Equal(0.7, peer.GetMedianPing());
        Assert.Equal((0.1 + 0.3 + 0.9 + 0.7 + 1.1) / 5, peer.GetAveragePing()!.Value, 9);
    }

    [Fact]
    public void Peers_are_equal_when_their_public_keys_are()
    {
        using var other = LibNaClPrivateKey.Generate();
        var a = new Peer(_key.PublicKey, UdpAddress.Parse("127.0.0.1:1000"));
        var sameKey = new Peer(LibNaClPublicKey.Parse(_key.PublicKey.Bin), UdpAddress.Parse("[::1]:9"));
        var otherKey = new Peer(other.PublicKey, UdpAddress.Parse("127.0.0.1:1000"));

        Assert.Equal(a, sameKey);
        Assert.Equal(a.GetHashCode(), sameKey.GetHashCode());
        Assert.NotEqual(a, otherKey);
        Assert.Equal(System.Security.Cryptography.SHA1.HashData(_key.PublicKey.Bin), a.Mid.ToArray());
    }

    [Fact]
    public void A_peer_cannot_be_made_from_private_key_material()
    {
        Assert.False(LibNaClPublicKey.TryParse(_key.ToBin(), out var key, out _));
        Assert.Null(key);
    }

    [Fact]
    public void An_introduced_peer_never_responded_and_one_that_contacted_us_responded_now()
    {
        var time = new FakeTimeProvider();
        var introduced = new Peer(_key.PublicKey, UdpAddress.Parse("127.0.0.1:1000"), introduced: true, time);
        var contacted = new Peer(_key.PublicKey, UdpAddress.Parse("127.0.0.1:1000"), introduced: false, time);

        Assert.Equal(0, introduced.LastResponseTimestamp);
        Assert.Equal(double.PositiveInfinity, introduced.SecondsSinceLastResponse);
        Assert.Equal(0, contacted.SecondsSinceLastResponse);

        time.Advance(TimeSpan.FromSeconds(12));
        Assert.Equal(12, contacted.SecondsSinceLastResponse, 6);
        introduced.Touch();
        Assert.Equal(0, introduced.SecondsSinceLastResponse);
    }

    [Fact]
    public void The_lamport_clock_only_moves_forward_and_records_a_response()
    {
        var time = new FakeTimeProvider();
        var peer = new Peer(_key.PublicKey, UdpAddress.Parse("127.0.0.1:1000"), introduced: true, time);

        peer.UpdateClock(10);
        peer.UpdateClock(3);
        Assert.Equal(10UL, peer.LamportTimestamp);
        Assert.Equal(0, peer.SecondsSinceLastResponse);
    }

    [Fact]
    public void Merging_copies_the_interface_and_lan_addresses()
    {
        var peer = new Peer(_key.PublicKey, UdpAddress.Parse("127.0.0.1:1000"));
        var other = new Peer(_key.PublicKey, UdpAddress.Parse("[::1]:2000")) { LanAddress = UdpAddress.Parse("127.0.0.1:3000") };

        peer.MergeAddresses(other);

        Assert.Equal(UdpAddress.Parse("[::1]:2000"), peer.Address);
        Assert.Equal(UdpAddress.Parse("127.0.0.1:1000"), peer.GetAddress(ipv6: false));
        Assert.Equal(UdpAddress.Parse("127.0.0.1:3000"), peer.LanAddress);
        Assert.True(peer.HasAddress(UdpAddress.Parse("127.0.0.1:3000")));
        Assert.False(peer.HasAddress(UdpAddress.Parse("127.0.0.1:4000")));
    }
}

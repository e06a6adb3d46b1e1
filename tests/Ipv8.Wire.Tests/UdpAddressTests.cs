using Ipv8.Tests.Shared;
using System.Net;
using System.Net.Sockets;

namespace Ipv8.Wire.Tests;

public class UdpAddressTests
{
    [Theory]
    [InlineData("1.2.3.4:5", false)]
    [InlineData("0.0.0.0:0", false)]
    [InlineData("255.255.255.255:65535", false)]
    [InlineData("[::1]:39201", true)]
    [InlineData("[2001:db8:3315:71f9:2a0e:9618:5a76:ac85]:49114", true)]
    public void Parse_and_ToString_round_trip(string text, bool isIPv6)
    {
        var address = UdpAddress.Parse(text);
        Assert.Equal(isIPv6, address.IsIPv6);
        Assert.Equal(text, address.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3.4")]
    [InlineData("1.2.3.4:70000")]
    [InlineData("host:80")]
    public void Parse_rejects_bad_text_with_a_clear_error(string text)
    {
        Assert.False(UdpAddress.TryParse(text, out _));
        var ex = Assert.Throws<FormatException>(() => UdpAddress.Parse(text));
        Assert.Contains("host:port", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_is_the_no_address_of_py_ipv8()
    {
        Assert.Equal("0.0.0.0:0", default(UdpAddress).ToString());
        Assert.True(UdpAddress.Any.IsAny);
        Assert.False(UdpAddress.Parse("0.0.0.0:1").IsAny);
    }

    [Theory]
    [InlineData("127.0.0.1:8090")]
    [InlineData("[::1]:8090")]
    [InlineData("[fe80::1234]:1")]
    public void IPEndPoint_conversion_round_trips(string text)
    {
        var address = UdpAddress.Parse(text);
        var endPoint = address.ToIPEndPoint();
        Assert.Equal(address, UdpAddress.FromIPEndPoint(endPoint));
        Assert.Equal(endPoint, IPEndPoint.Parse(text));
    }

    [Theory]
    [InlineData("127.0.0.1:8090")]
    [InlineData("[::1]:8090")]
    public void SocketAddress_conversion_round_trips_and_matches_the_runtime(string text)
    {
        var address = UdpAddress.Parse(text);
        var socketAddress = address.CreateSocketAddress();
        Assert.Equal(IPEndPoint.Parse(text).Serialize(), socketAddress);
        Assert.True(UdpAddress.TryFromSocketAddress(socketAddress, out var back));
        Assert.Equal(address, back);
    }

    [Fact]
    public void Reading_a_SocketAddress_allocates_nothing()
    {
        var socketAddress = UdpAddress.Parse("127.0.0.1:4000").CreateSocketAddress();
        var other = UdpAddress.Parse("127.0.0.2:4001");
        UdpAddress.TryFromSocketAddress(socketAddress, out _);
        other.CopyTo(socketAddress);

        var (allocated, _) = SteadyState.Allocated(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                UdpAddress.TryFromSocketAddress(socketAddress, out var read);
                read.WithPort((ushort)i).CopyTo(socketAddress);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void CopyTo_refuses_a_socket_address_of_another_family()
    {
        var v6 = new SocketAddress(AddressFamily.InterNetworkV6);
        Assert.Throws<ArgumentException>(() => UdpAddress.Parse("1.2.3.4:5").CopyTo(v6));
    }

    [Theory]
    [InlineData("10.1.2.3:1", true)]
    [InlineData("172.16.0.1:1", true)]
    [InlineData("172.31.255.255:1", true)]
    [InlineData("172.32.0.1:1", false)]
    [InlineData("192.168.1.1:1", true)]
    [InlineData("192.169.1.1:1", false)]
    [InlineData("8.8.8.8:1", false)]
    [InlineData("[fd00::1]:1", false)]
    public void Private_ranges_are_those_py_ipv8_does_not_take_as_wan(string text, bool isPrivate) =>
        Assert.Equal(isPrivate, UdpAddress.Parse(text).IsPrivateIPv4);

    [Fact]
    public void Equality_covers_host_port_and_family()
    {
        Assert.Equal(UdpAddress.Parse("1.2.3.4:5"), UdpAddress.FromIPv4([1, 2, 3, 4], 5));
        Assert.NotEqual(UdpAddress.Parse("1.2.3.4:5"), UdpAddress.Parse("1.2.3.4:6"));
        Assert.NotEqual(UdpAddress.Parse("0.0.0.0:5"), UdpAddress.Parse("[::]:5"));
        Assert.True(UdpAddress.Parse("1.2.3.4:5").HostEquals(UdpAddress.Parse("1.2.3.4:6")));
    }
}

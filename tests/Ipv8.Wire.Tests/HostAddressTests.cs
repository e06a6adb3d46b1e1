namespace Ipv8.Wire.Tests;

/// <summary>
/// <see cref="HostAddress"/>: <see cref="HostAddress.Parse"/> chooses the address type as py-ipv8's <c>Address</c>
/// packer does (<c>inet_pton</c> IPv4, then IPv6, else a domain name); the <c>(string, ushort)</c> constructor is
/// always a domain name.
/// </summary>
public class HostAddressTests
{
    // The expected bytes are what py-ipv8's Address().pack((host, 6421)) wrote (Python 3 on this machine's glibc).
    [Theory]
    [InlineData("1.2.3.4", "01010203041915")]
    [InlineData("0.0.0.0", "01000000001915")]
    [InlineData("255.255.255.255", "01ffffffff1915")]
    [InlineData("127.0.0.1", "017f0000011915")]
    [InlineData("01.2.3.4", "02000830312e322e332e341915")]
    [InlineData("1.2.3.04", "020008312e322e332e30341915")]
    [InlineData("1.2.3.00", "020008312e322e332e30301915")]
    [InlineData("1.2.3", "020005312e322e331915")]
    [InlineData("1", "020001311915")]
    [InlineData("1.2.3.4.", "020008312e322e332e342e1915")]
    [InlineData("1.2.3.4.5", "020009312e322e332e342e351915")]
    [InlineData("256.1.1.1", "0200093235362e312e312e311915")]
    [InlineData("0x7f.0.0.1", "02000a307837662e302e302e311915")]
    [InlineData(" 1.2.3.4", "02000820312e322e332e341915")]
    [InlineData("1.2.3.4 ", "020008312e322e332e34201915")]
    [InlineData("::", "03000000000000000000000000000000001915")]
    [InlineData("::1", "03000000000000000000000000000000011915")]
    [InlineData("1::", "03000100000000000000000000000000001915")]
    [InlineData("1:2:3:4:5:6:7:8", "03000100020003000400050006000700081915")]
    [InlineData("1:2:3:4:5:6:7::", "03000100020003000400050006000700001915")]
    [InlineData("::2:3:4:5:6:7:8", "03000000020003000400050006000700081915")]
    [InlineData("1:2:3:4:5:6:7:8::", "020011313a323a333a343a353a363a373a383a3a1915")]
    [InlineData("1:2:3:4:5:6:7:8:9", "020011313a323a333a343a353a363a373a383a391915")]
    [InlineData("1::2::3", "020007313a3a323a3a331915")]
    [InlineData(":1", "0200023a311915")]
    [InlineData("1:", "020002313a1915")]
    [InlineData("1:::2", "020005313a3a3a321915")]
    [InlineData("12345::", "02000731323334353a3a1915")]
    [InlineData("0001:0db8::0a", "0300010db800000000000000000000000a1915")]
    [InlineData("::ffff:1.2.3.4", "0300000000000000000000ffff010203041915")]
    [InlineData("::FFFF:1.2.3.4", "0300000000000000000000ffff010203041915")]
    [InlineData("::1.2.3.4", "03000000000000000000000000010203041915")]
    [InlineData("1:2:3:4:5:6:1.2.3.4", "03000100020003000400050006010203041915")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4", "020015313a323a333a343a353a363a373a312e322e332e341915")]
    [InlineData("::ffff:01.2.3.4", "02000f3a3a666666663a30312e322e332e341915")]
    [InlineData("::ffff:1.2.3", "02000c3a3a666666663a312e322e331915")]
    [InlineData("1.2.3.4::", "020009312e322e332e343a3a1915")]
    [InlineData("fe80::1%eth0", "02000c666538303a3a3125657468301915")]
    [InlineData("[::1]", "0200055b3a3a315d1915")]
    [InlineData("2001:DB8::A", "0320010db800000000000000000000000a1915")]
    [InlineData("example.org", "02000b6578616d706c652e6f72671915")]
    [InlineData("localhost", "0200096c6f63616c686f73741915")]
    [InlineData("a.b", "020003612e621915")]
    [InlineData("", "0200001915")]
    [InlineData("tracker.例え.jp", "020011747261636b65722ee4be8be381882e6a701915")]
    public void Parse_picks_the_address_type_py_ipv8_packs_the_host_as(string host, string expectedHex)
    {
        var address = HostAddress.Parse(host, 6421);

        Assert.Equal(expectedHex, Convert.ToHexStringLower(Write(address)));
        Assert.Equal(expectedHex[..2] == "02", address.IsDomain);
    }

    [Fact]
    public void The_host_constructor_writes_a_domain_name_even_for_a_numeric_host()
    {
        var constructed = new HostAddress("1.2.3.4", 1);
        var parsed = HostAddress.Parse("1.2.3.4", 1);

        Assert.True(constructed.IsDomain);
        Assert.Equal("020007312e322e332e340001", Convert.ToHexStringLower(Write(constructed)));
        Assert.False(parsed.IsDomain);
        Assert.Equal(UdpAddress.Parse("1.2.3.4:1"), parsed.Address);
        Assert.Equal("01010203040001", Convert.ToHexStringLower(Write(parsed)));
    }

    [Fact]
    public void Parse_refuses_a_host_with_a_nul_character_as_python_does()
    {
        var error = Assert.Throws<ArgumentException>(() => HostAddress.Parse("1.2.3.4\0", 1));

        Assert.Equal("host", error.ParamName);
        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parsed_address_reads_back_as_the_same_value()
    {
        foreach (var host in new[] { "1.2.3.4", "::ffff:1.2.3.4", "2001:db8::a", "example.org", "1.2.3" })
        {
            var address = HostAddress.Parse(host, 6421);
            var reader = new WireReader(Write(address));

            Assert.True(reader.TryReadAddress(out var read));
            Assert.Equal(address, read);
        }
    }

    private static byte[] Write(HostAddress address)
    {
        var buffer = new byte[address.WireSize];
        var writer = new WireWriter(buffer);
        writer.WriteAddress(address);
        Assert.Equal(buffer.Length, writer.Written.Length);
        return buffer;
    }
}

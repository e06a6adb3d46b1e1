using System.Net;
using System.Text;
using Ipv8.Wire.Schemas;

namespace Ipv8.Wire.Tests.Schemas;

/// <summary>
/// Numbers and hosts print as py-ipv8's Python prints them. Expected texts come from CPython 3.11 on glibc 2.36
/// (<c>json.dumps(float)</c>, <c>socket.inet_ntop</c>).
/// </summary>
public class PythonFormattingTests
{
    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(0.0, "0.0")]
    [InlineData(1.5, "1.5")]
    [InlineData(-2.25, "-2.25")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(9999999999999998.0, "9999999999999998.0")]
    [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00012345, "0.00012345")]
    [InlineData(1e-5, "1e-05")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(2.5e-308, "2.5e-308")]
    [InlineData(1e300, "1e+300")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(-6831.30087779765, "-6831.30087779765")]
    [InlineData(1e22, "1e+22")]
    [InlineData(123.456, "123.456")]
    [InlineData((double)0.1f, "0.10000000149011612")]
    public void Doubles_print_as_python_repr(double value, string expected)
    {
        Span<byte> text = stackalloc byte[PythonFloat.MaxLength];

        var length = PythonFloat.Format(value, text);

        Assert.Equal(expected, Encoding.ASCII.GetString(text[..length]));
    }

    [Theory]
    [InlineData("::ffff:0.0.0.0", "::ffff:0.0.0.0")]
    [InlineData("::ffff:1.2.3.4", "::ffff:1.2.3.4")]
    [InlineData("::1.2.3.4", "::1.2.3.4")]
    [InlineData("::ffff:0:1.2.3.4", "::ffff:0:102:304")]
    [InlineData("::0.0.1.0", "::100")]
    [InlineData("1:0:0:2:0:0:0:3", "1:0:0:2::3")]
    [InlineData("1:0:0:0:2:0:0:3", "1::2:0:0:3")]
    [InlineData("0:0:1::", "0:0:1::")]
    [InlineData("::1:0:0:0", "::1:0:0:0")]
    [InlineData("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8")]
    [InlineData("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("2001:db8::bcaa", "2001:db8::bcaa")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    public void Hosts_print_as_glibc_inet_ntop(string address, string expected)
    {
        Span<byte> text = stackalloc byte[PythonAddress.MaxLength];

        var length = PythonAddress.FormatHost(UdpAddress.FromIPAddress(IPAddress.Parse(address), 1), text);

        Assert.Equal(expected, Encoding.ASCII.GetString(text[..length]));
    }
}

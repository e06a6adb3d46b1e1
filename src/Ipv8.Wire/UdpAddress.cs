using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Ipv8.Wire;

/// <summary>
/// An IPv4 or IPv6 host and UDP port, held by value so that the packet path never allocates. The default value is
/// <c>0.0.0.0:0</c>, which py-ipv8 uses for "no address". Convert to <see cref="IPEndPoint"/> or
/// <see cref="SocketAddress"/> only at the edges.
/// </summary>
public readonly struct UdpAddress : IEquatable<UdpAddress>, ISpanFormattable
{
    // Address bytes in network order: IPv6 uses both words, IPv4 only the low 32 bits of _lo.
    private readonly ulong _hi;
    private readonly ulong _lo;
    private readonly ushort _port;
    private readonly bool _isIPv6;

    private UdpAddress(ulong hi, ulong lo, ushort port, bool isIPv6)
    {
        _hi = hi;
        _lo = lo;
        _port = port;
        _isIPv6 = isIPv6;
    }

    /// <summary><c>0.0.0.0:0</c>: py-ipv8's "no address".</summary>
    public static UdpAddress Any => default;

    /// <summary>The UDP port.</summary>
    public ushort Port => _port;

    /// <summary>True for an IPv6 address.</summary>
    public bool IsIPv6 => _isIPv6;

    /// <summary>True for an IPv4 address.</summary>
    public bool IsIPv4 => !_isIPv6;

    /// <summary>The address family.</summary>
    public AddressFamily Family => _isIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    /// <summary>The IPv4 address as a big-endian integer (a.b.c.d = a&lt;&lt;24 | …). Zero for IPv6.</summary>
    public uint IPv4Value => _isIPv6 ? 0 : (uint)_lo;

    /// <summary>True when the host is all zeros (<c>0.0.0.0</c> or <c>::</c>), whatever the port.</summary>
    public bool IsUnspecifiedHost => _hi == 0 && _lo == 0;

    /// <summary>True for <c>0.0.0.0:0</c>, py-ipv8's "no address".</summary>
    public bool IsAny => _hi == 0 && _lo == 0 && _port == 0 && !_isIPv6;

    /// <summary>The number of address bytes: 4 or 16.</summary>
    public int AddressLength => _isIPv6 ? 16 : 4;

    /// <summary>Creates an IPv4 address from a big-endian integer and a port.</summary>
    public static UdpAddress FromIPv4(uint address, ushort port) => new(0, address, port, false);

    /// <summary>Creates an IPv4 address from its 4 bytes and a port.</summary>
    public static UdpAddress FromIPv4(ReadOnlySpan<byte> address, ushort port)
    {
        if (address.Length != 4)
        {
            ThrowHelper.ThrowArgument("An IPv4 address has 4 bytes.", nameof(address));
        }

        return new(0, BinaryPrimitives.ReadUInt32BigEndian(address), port, false);
    }

    /// <summary>Creates an IPv6 address from its 16 bytes and a port.</summary>
    public static UdpAddress FromIPv6(ReadOnlySpan<byte> address, ushort port)
    {
        if (address.Length != 16)
        {
            ThrowHelper.ThrowArgument("An IPv6 address has 16 bytes.", nameof(address));
        }

        return new(BinaryPrimitives.ReadUInt64BigEndian(address), BinaryPrimitives.ReadUInt64BigEndian(address[8..]), port, true);
    }

    /// <summary>An IPv6 address from its two big-endian halves, for the wire readers.</summary>
    internal static UdpAddress FromIPv6Unchecked(ulong high, ulong low, ushort port) => new(high, low, port, true);

    /// <summary>Returns this address with another port.</summary>
    public UdpAddress WithPort(ushort port) => new(_hi, _lo, port, _isIPv6);

    /// <summary>True when both addresses have the same host (family and bytes), whatever the ports.</summary>
    public bool HostEquals(UdpAddress other) => _hi == other._hi && _lo == other._lo && _isIPv6 == other._isIPv6;

    /// <summary>Writes the 4 or 16 address bytes and returns how many were written.</summary>
    public int WriteAddressBytes(Span<byte> destination)
    {
        if (_isIPv6)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, _hi);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _lo);
            return 16;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_lo);
        return 4;
    }

    /// <summary>
    /// True for an IPv4 address in 10/8, 172.16/12 or 192.168/16, the ranges py-ipv8 does not take as a WAN address.
    /// </summary>
    public bool IsPrivateIPv4
    {
        get
        {
            if (_isIPv6)
            {
                return false;
            }

            var v = (uint)_lo;
            return (v >> 24) == 10 || (v >> 20) == 0xAC1 || (v >> 16) == 0xC0A8;
        }
    }

    /// <summary>True for 127.0.0.0/8 or ::1.</summary>
    public bool IsLoopback => _isIPv6 ? _hi == 0 && _lo == 1 : ((uint)_lo >> 24) == 127;

    /// <summary>Converts from an <see cref="IPEndPoint"/>. IPv4-mapped IPv6 addresses stay IPv6.</summary>
    public static UdpAddress FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return FromIPAddress(endPoint.Address, checked((ushort)endPoint.Port));
    }

    /// <summary>Converts from an <see cref="IPAddress"/> and a port.</summary>
    public static UdpAddress FromIPAddress(IPAddress address, ushort port)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            ThrowHelper.ThrowArgument("Unsupported address.", nameof(address));
        }

        return written == 4 ? FromIPv4(bytes[..4], port) : FromIPv6(bytes[..16], port);
    }

    /// <summary>Creates a new <see cref="IPEndPoint"/> (this allocates; use it at the edges only).</summary>
    public IPEndPoint ToIPEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        var n = WriteAddressBytes(bytes);
        return new IPEndPoint(new IPAddress(bytes[..n]), _port);
    }

    /// <summary>
    /// Reads a socket address filled in by a receive call. Returns false for families other than IPv4 and IPv6.
    /// Does not allocate.
    /// </summary>
    public static bool TryFromSocketAddress(SocketAddress socketAddress, out UdpAddress address)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        var buffer = socketAddress.Buffer.Span;
        switch (socketAddress.Family)
        {
            case AddressFamily.InterNetwork when socketAddress.Size >= 8:
                address = new(0, BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]), BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]), false);
                return true;
            case AddressFamily.InterNetworkV6 when socketAddress.Size >= 24:
                address = new(
                    BinaryPrimitives.ReadUInt64BigEndian(buffer[8..]),
                    BinaryPrimitives.ReadUInt64BigEndian(buffer[16..]),
                    BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]),
                    true);
                return true;
            default:
                address = default;
                return false;
        }
    }

    /// <summary>
    /// Fills <paramref name="socketAddress"/>, whose family must match this address (create it with
    /// <see cref="CreateSocketAddress"/>), for a send call. Does not allocate.
    /// </summary>
    public void CopyTo(SocketAddress socketAddress)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        if (socketAddress.Family != Family)
        {
            ThrowHelper.ThrowArgument("The socket address has another address family.", nameof(socketAddress));
        }

        var buffer = socketAddress.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], _port);
        if (_isIPv6)
        {
            socketAddress.Size = 28;
            buffer[4..8].Clear();
            WriteAddressBytes(buffer[8..]);
            buffer[24..28].Clear();
        }
        else
        {
            socketAddress.Size = 16;
            WriteAddressBytes(buffer[4..]);
            buffer[8..16].Clear();
        }
    }

    /// <summary>Creates a <see cref="SocketAddress"/> of this address's family holding this address.</summary>
    public SocketAddress CreateSocketAddress()
    {
        var socketAddress = new SocketAddress(Family);
        CopyTo(socketAddress);
        return socketAddress;
    }

    /// <summary>Parses <c>host:port</c> or <c>[v6host]:port</c> with a numeric host.</summary>
    public static UdpAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out var address))
        {
            ThrowHelper.ThrowFormat($"'{text}' is not an address of the form host:port or [v6]:port.");
        }

        return address;
    }

    /// <summary>Tries to parse <c>host:port</c> or <c>[v6host]:port</c> with a numeric host.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out UdpAddress address)
    {
        address = default;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return false;
        }

        var host = text[..colon];
        if (host.Length >= 2 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1];
        }

        if (!IPAddress.TryParse(host, out var ip))
        {
            return false;
        }

        address = FromIPAddress(ip, port);
        return true;
    }

    /// <summary>Tries to parse a numeric host (IPv4 or IPv6) and combine it with a port.</summary>
    public static bool TryParseHost(ReadOnlySpan<char> host, ushort port, out UdpAddress address)
    {
        if (IPAddress.TryParse(host, out var ip))
        {
            address = FromIPAddress(ip, port);
            return true;
        }

        address = default;
        return false;
    }

    /// <summary>The host alone, as py-ipv8 prints it (<c>1.2.3.4</c>, or compressed IPv6 such as <c>::1</c>).</summary>
    public string HostToString()
    {
        Span<char> chars = stackalloc char[64];
        return TryFormatHost(chars, out var n) ? new string(chars[..n]) : string.Empty;
    }

    /// <summary>Formats the host alone.</summary>
    public bool TryFormatHost(Span<char> destination, out int charsWritten)
    {
        if (!_isIPv6)
        {
            var v = (uint)_lo;
            return destination.TryWrite(CultureInfo.InvariantCulture, $"{v >> 24}.{(v >> 16) & 0xFF}.{(v >> 8) & 0xFF}.{v & 0xFF}", out charsWritten);
        }

        Span<byte> bytes = stackalloc byte[16];
        WriteAddressBytes(bytes);
        return new IPAddress(bytes).TryFormat(destination, out charsWritten);
    }

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        charsWritten = 0;
        var pos = 0;
        if (_isIPv6)
        {
            if (destination.IsEmpty)
            {
                return false;
            }

            destination[pos++] = '[';
        }

        if (!TryFormatHost(destination[pos..], out var n))
        {
            return false;
        }

        pos += n;
        if (_isIPv6)
        {
            if (pos >= destination.Length)
            {
                return false;
            }

            destination[pos++] = ']';
        }

        if (!destination[pos..].TryWrite(CultureInfo.InvariantCulture, $":{_port}", out n))
        {
            return false;
        }

        charsWritten = pos + n;
        return true;
    }

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary><c>host:port</c>, or <c>[v6host]:port</c>.</summary>
    public override string ToString()
    {
        Span<char> chars = stackalloc char[72];
        return TryFormat(chars, out var n) ? new string(chars[..n]) : string.Empty;
    }

    /// <inheritdoc/>
    public bool Equals(UdpAddress other) =>
        _hi == other._hi && _lo == other._lo && _port == other._port && _isIPv6 == other._isIPv6;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is UdpAddress other && Equals(other);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode() => HashCode.Combine(_hi, _lo, _port, _isIPv6);

    /// <summary>Value equality.</summary>
    public static bool operator ==(UdpAddress left, UdpAddress right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(UdpAddress left, UdpAddress right) => !left.Equals(right);
}

using System.Buffers.Binary;

namespace Ipv8.Wire;

/// <summary>
/// Numeric hosts read exactly as glibc's <c>inet_pton</c> reads them, which is what py-ipv8's <c>Address</c> packer
/// asks (through Python's <c>socket.inet_pton</c>) to tell an IPv4 or IPv6 address from a domain name. It is stricter
/// than <see cref="System.Net.IPAddress.TryParse(string?, out System.Net.IPAddress?)"/>: IPv4 is exactly four decimal
/// parts without leading zeros (no <c>1.2.3</c>, <c>01.2.3.4</c>, <c>0x7f.0.0.1</c>), and IPv6 has no brackets, no
/// zone (<c>%eth0</c>) and at most four hex digits per group.
/// </summary>
internal static class InetPton
{
    /// <summary><c>inet_pton(AF_INET, host)</c>, then <c>inet_pton(AF_INET6, host)</c>; false when neither accepts it.</summary>
    public static bool TryParse(ReadOnlySpan<char> host, ushort port, out UdpAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (TryParseIPv4(host, bytes[..4]))
        {
            address = UdpAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes), port);
            return true;
        }

        if (TryParseIPv6(host, bytes))
        {
            address = UdpAddress.FromIPv6(bytes, port);
            return true;
        }

        address = default;
        return false;
    }

    /// <summary>glibc <c>inet_pton4</c>: four decimal parts of 0–255, no leading zeros, nothing else.</summary>
    public static bool TryParseIPv4(ReadOnlySpan<char> text, Span<byte> destination)
    {
        var parts = 0;
        var value = 0;
        var sawDigit = false;
        foreach (var c in text)
        {
            if (c is >= '0' and <= '9')
            {
                if (sawDigit && value == 0)
                {
                    return false; // a leading zero
                }

                value = (value * 10) + (c - '0');
                if (value > 255)
                {
                    return false;
                }

                if (!sawDigit)
                {
                    if (++parts > 4)
                    {
                        return false;
                    }

                    sawDigit = true;
                }
            }
            else if (c == '.' && sawDigit)
            {
                if (parts == 4)
                {
                    return false;
                }

                destination[parts - 1] = (byte)value;
                value = 0;
                sawDigit = false;
            }
            else
            {
                return false;
            }
        }

        if (parts < 4)
        {
            return false;
        }

        destination[3] = (byte)value;
        return true;
    }

    /// <summary>
    /// glibc <c>inet_pton6</c>: up to eight groups of one to four hex digits, one <c>::</c> for at least one zero group,
    /// and an optional dotted IPv4 address (as <see cref="TryParseIPv4"/>) in the last 32 bits.
    /// </summary>
    public static bool TryParseIPv6(ReadOnlySpan<char> text, Span<byte> destination)
    {
        Span<byte> result = stackalloc byte[16];
        result.Clear();
        if (text.IsEmpty)
        {
            return false;
        }

        var i = 0;
        if (text[0] == ':')
        {
            // A leading colon must be the start of "::".
            if (text.Length < 2 || text[1] != ':')
            {
                return false;
            }

            i = 1;
        }

        var written = 0;
        var gap = -1; // where "::" stands
        var token = i;
        var digits = 0;
        var value = 0;
        while (i < text.Length)
        {
            var c = text[i++];
            var digit = HexValue(c);
            if (digit >= 0)
            {
                if (digits == 4)
                {
                    return false;
                }

                value = (value << 4) | digit;
                digits++;
                continue;
            }

            if (c == ':')
            {
                token = i;
                if (digits == 0)
                {
                    if (gap >= 0)
                    {
                        return false;
                    }

                    gap = written;
                    continue;
                }

                if (i == text.Length || written + 2 > 16)
                {
                    return false; // a trailing single colon, or more than eight groups
                }

                BinaryPrimitives.WriteUInt16BigEndian(result[written..], (ushort)value);
                written += 2;
                digits = 0;
                value = 0;
                continue;
            }

            if (c == '.' && written + 4 <= 16 && TryParseIPv4(text[token..], result.Slice(written, 4)))
            {
                written += 4;
                digits = 0;
                break;
            }

            return false;
        }

        if (digits > 0)
        {
            if (written + 2 > 16)
            {
                return false;
            }

            BinaryPrimitives.WriteUInt16BigEndian(result[written..], (ushort)value);
            written += 2;
        }

        if (gap >= 0)
        {
            if (written == 16)
            {
                return false; // "::" must stand for at least one group
            }

            var tail = written - gap;
            result.Slice(gap, tail).CopyTo(destination[(16 - tail)..]);
            destination[gap..(16 - tail)].Clear();
            result[..gap].CopyTo(destination);
            return true;
        }

        if (written != 16)
        {
            return false;
        }

        result.CopyTo(destination);
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}

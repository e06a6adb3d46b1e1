using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace Ipv8.Wire.Schemas;

/// <summary>
/// Writes decoded values in the forms of py-ipv8's vectors (<c>payloads.json</c>): bytes as <c>{"hex": …}</c>, addresses
/// as <c>[host, port]</c>, floats as Python's <c>repr</c> writes them.
/// </summary>
internal static class JsonValues
{
    private const int HexChunk = 512;
    private const int TextChunk = 64 * 1024;

    private static readonly JsonEncodedText s_hex = JsonEncodedText.Encode("hex");

    /// <summary>Writes <c>{"hex": "…"}</c>.</summary>
    public static void WriteHexObject(Utf8JsonWriter writer, ReadOnlySpan<byte> bytes)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(s_hex);
        WriteHexString(writer, bytes);
        writer.WriteEndObject();
    }

    /// <summary>Writes a lowercase hex string, in segments so that no size limit of the writer applies.</summary>
    public static void WriteHexString(Utf8JsonWriter writer, ReadOnlySpan<byte> bytes)
    {
        Span<byte> hex = stackalloc byte[HexChunk * 2];
        if (bytes.Length <= HexChunk)
        {
            Convert.TryToHexStringLower(bytes, hex, out var written);
            writer.WriteStringValue(hex[..written]);
            return;
        }

        while (!bytes.IsEmpty)
        {
            var chunk = bytes[..Math.Min(HexChunk, bytes.Length)];
            bytes = bytes[chunk.Length..];
            Convert.TryToHexStringLower(chunk, hex, out var written);
            writer.WriteStringValueSegment(hex[..written], isFinalSegment: bytes.IsEmpty);
        }
    }

    /// <summary>Writes valid UTF-8 text as a JSON string, in segments when it is long.</summary>
    public static void WriteText(Utf8JsonWriter writer, ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length <= TextChunk)
        {
            writer.WriteStringValue(utf8);
            return;
        }

        // The writer carries a code point split between two segments over to the next one.
        while (!utf8.IsEmpty)
        {
            var chunk = utf8[..Math.Min(TextChunk, utf8.Length)];
            utf8 = utf8[chunk.Length..];
            writer.WriteStringValueSegment(chunk, isFinalSegment: utf8.IsEmpty);
        }
    }

    /// <summary>Writes <c>[host, port]</c>, the form of py-ipv8's address tuples.</summary>
    public static void WriteAddress(Utf8JsonWriter writer, UdpAddress address)
    {
        Span<byte> host = stackalloc byte[PythonAddress.MaxLength];
        var length = PythonAddress.FormatHost(address, host);
        writer.WriteStartArray();
        writer.WriteStringValue(host[..length]);
        writer.WriteNumberValue(address.Port);
        writer.WriteEndArray();
    }

    /// <summary>Writes <c>[host, port]</c> for an <c>address</c> value, which may be a domain name.</summary>
    public static void WriteAddress(Utf8JsonWriter writer, HostAddress address)
    {
        if (!address.IsDomain)
        {
            WriteAddress(writer, address.Address);
            return;
        }

        writer.WriteStartArray();
        writer.WriteStringValue(address.Host);
        writer.WriteNumberValue(address.Port);
        writer.WriteEndArray();
    }

    /// <summary>
    /// Writes a double as Python's <c>json.dumps</c> does (<c>repr</c>): the shortest digits that read back to the same
    /// value, always with a fraction or an exponent (<c>1.0</c>, <c>-0.0</c>, <c>1e+16</c>, <c>5e-324</c>), so that a
    /// reader keeps it a float and keeps the sign of zero. NaN and the infinities, which JSON cannot hold, are the
    /// strings <c>"NaN"</c>, <c>"Infinity"</c> and <c>"-Infinity"</c> (as System.Text.Json's named literals).
    /// </summary>
    public static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (!double.IsFinite(value))
        {
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
            return;
        }

        Span<byte> text = stackalloc byte[PythonFloat.MaxLength];
        writer.WriteRawValue(text[..PythonFloat.Format(value, text)], skipInputValidation: true);
    }
}

/// <summary>Python's <c>repr(float)</c> for finite doubles.</summary>
internal static class PythonFloat
{
    /// <summary>Room for the longest result, e.g. <c>-0.00012345678901234567</c> or <c>-1.2345678901234567e-308</c>.</summary>
    public const int MaxLength = 32;

    // repr switches to an exponent when the decimal exponent is below -4 or at least 16 (float_repr_style 'r').
    private const int SmallestFixedExponent = -4;
    private const int LargestFixedExponent = 15;

    /// <summary>Writes <paramref name="value"/> (finite) as ASCII into <paramref name="destination"/> and returns the length.</summary>
    public static int Format(double value, Span<byte> destination)
    {
        var n = 0;
        if (double.IsNegative(value))
        {
            destination[n++] = (byte)'-';
            value = -value;
        }

        if (value == 0)
        {
            "0.0"u8.CopyTo(destination[n..]);
            return n + 3;
        }

        // .NET's "R" gives the shortest round-trip digits (as Python's repr does), in its own layout: re-lay them.
        Span<char> shortest = stackalloc char[MaxLength];
        value.TryFormat(shortest, out var length, "R", CultureInfo.InvariantCulture);
        Span<byte> digits = stackalloc byte[MaxLength];
        var count = 0;
        var integerDigits = -1;
        var exponent = 0;
        for (var i = 0; i < length; i++)
        {
            var c = shortest[i];
            if (c == '.')
            {
                integerDigits = count;
            }
            else if (c is 'E' or 'e')
            {
                exponent = int.Parse(shortest[(i + 1)..length], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            else
            {
                digits[count++] = (byte)c;
            }
        }

        // value = 0.d₁d₂…dₙ × 10^point
        var point = (integerDigits < 0 ? count : integerDigits) + exponent;
        var start = 0;
        while (digits[start] == '0')
        {
            start++;
            point--;
        }

        while (digits[count - 1] == '0')
        {
            count--;
        }

        var d = digits[start..count];
        var scientific = point - 1;
        if (scientific is < SmallestFixedExponent or > LargestFixedExponent)
        {
            destination[n++] = d[0];
            if (d.Length > 1)
            {
                destination[n++] = (byte)'.';
                d[1..].CopyTo(destination[n..]);
                n += d.Length - 1;
            }

            destination[n++] = (byte)'e';
            destination[n++] = scientific < 0 ? (byte)'-' : (byte)'+';
            var magnitude = Math.Abs(scientific);
            if (magnitude < 10)
            {
                destination[n++] = (byte)'0';
            }

            magnitude.TryFormat(destination[n..], out var written, default, CultureInfo.InvariantCulture);
            return n + written;
        }

        if (point <= 0)
        {
            "0."u8.CopyTo(destination[n..]);
            n += 2;
            destination.Slice(n, -point).Fill((byte)'0');
            n += -point;
            d.CopyTo(destination[n..]);
            return n + d.Length;
        }

        if (point >= d.Length)
        {
            d.CopyTo(destination[n..]);
            n += d.Length;
            destination.Slice(n, point - d.Length).Fill((byte)'0');
            n += point - d.Length;
            ".0"u8.CopyTo(destination[n..]);
            return n + 2;
        }

        d[..point].CopyTo(destination[n..]);
        n += point;
        destination[n++] = (byte)'.';
        d[point..].CopyTo(destination[n..]);
        return n + d.Length - point;
    }
}

/// <summary>
/// The host of an address as py-ipv8 shows it: <c>socket.inet_ntop</c>, which is glibc's on the Linux machines py-ipv8
/// runs on. IPv6 follows glibc's rules, which differ from .NET's <c>IPAddress</c> on a few addresses: the longest run
/// of two or more zero words (the first of equal runs) becomes <c>::</c>, and the last 32 bits are a dotted quad only
/// after six zero words (<c>::1.2.3.4</c>) or five zero words and <c>ffff</c> (<c>::ffff:1.2.3.4</c>,
/// <c>::ffff:0.0.0.0</c>).
/// </summary>
internal static class PythonAddress
{
    /// <summary>Room for the longest host, <c>ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff</c>.</summary>
    public const int MaxLength = 48;

    /// <summary>Writes the host of <paramref name="address"/> as ASCII and returns the length.</summary>
    public static int FormatHost(UdpAddress address, Span<byte> destination)
    {
        Span<byte> bytes = stackalloc byte[16];
        var length = address.WriteAddressBytes(bytes);
        return length == 4 ? FormatIPv4(bytes[..4], destination) : FormatIPv6(bytes, destination);
    }

    private static int FormatIPv4(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        var n = 0;
        for (var i = 0; i < 4; i++)
        {
            if (i > 0)
            {
                destination[n++] = (byte)'.';
            }

            bytes[i].TryFormat(destination[n..], out var written, default, CultureInfo.InvariantCulture);
            n += written;
        }

        return n;
    }

    private static int FormatIPv6(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        Span<ushort> words = stackalloc ushort[8];
        for (var i = 0; i < 8; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt16BigEndian(bytes[(2 * i)..]);
        }

        // The longest run of zero words; a longer run only replaces an earlier one.
        int bestBase = -1, bestLength = 0, runBase = -1, runLength = 0;
        for (var i = 0; i < 8; i++)
        {
            if (words[i] == 0)
            {
                if (runBase < 0)
                {
                    runBase = i;
                    runLength = 0;
                }

                runLength++;
                if (runLength > bestLength)
                {
                    bestBase = runBase;
                    bestLength = runLength;
                }
            }
            else
            {
                runBase = -1;
            }
        }

        if (bestLength < 2)
        {
            bestBase = -1;
        }

        var n = 0;
        for (var i = 0; i < 8; i++)
        {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLength)
            {
                if (i == bestBase)
                {
                    destination[n++] = (byte)':';
                }

                continue;
            }

            if (i > 0)
            {
                destination[n++] = (byte)':';
            }

            if (i == 6 && bestBase == 0 && (bestLength == 6 || (bestLength == 5 && words[5] == 0xFFFF)))
            {
                return n + FormatIPv4(bytes[12..], destination[n..]);
            }

            words[i].TryFormat(destination[n..], out var written, "x", CultureInfo.InvariantCulture);
            n += written;
        }

        if (bestBase >= 0 && bestBase + bestLength == 8)
        {
            destination[n++] = (byte)':';
        }

        return n;
    }
}

using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Ipv8.Wire;

/// <summary>
/// A forward-only writer (big-endian, except inside the <c>arrayH-*</c> formats) into a caller-provided span, for every py-ipv8 field format. Running out of
/// room, or a value that the format cannot carry (an IPv6 address in <c>ipv4</c>, a 70,000-byte <c>varlenH</c>),
/// is a programming error and throws; size the destination with the payload's <c>GetSize()</c>.
/// </summary>
public ref struct WireWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    /// <summary>Creates a writer over <paramref name="buffer"/>.</summary>
    public WireWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Position => _position;

    /// <summary>The bytes written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Take(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _position))
        {
            ThrowHelper.ThrowDestinationTooSmall(count, _buffer.Length - _position);
        }

        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }

    /// <summary>Writes <c>B</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt8(byte value) => Take(1)[0] = value;

    /// <summary>Writes <c>bits</c> (the raw flag byte).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBits(byte value) => Take(1)[0] = value;

    /// <summary>Writes <c>?</c> as 0 or 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBool(bool value) => Take(1)[0] = value ? (byte)1 : (byte)0;

    /// <summary>Writes <c>H</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

    /// <summary>Writes <c>I</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

    /// <summary>Writes <c>Q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Take(8), value);

    /// <summary>Writes <c>q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Take(8), value);

    /// <summary>Writes <c>f</c>.</summary>
    public void WriteSingle(float value) => BinaryPrimitives.WriteSingleBigEndian(Take(4), value);

    /// <summary>Writes <c>d</c>.</summary>
    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleBigEndian(Take(8), value);

    /// <summary>Writes <c>ipv4</c>. The address must be IPv4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteIpv4(UdpAddress value)
    {
        if (value.IsIPv6)
        {
            ThrowHelper.ThrowArgument("The ipv4 format cannot carry an IPv6 address.", nameof(value));
        }

        var span = Take(6);
        BinaryPrimitives.WriteUInt32BigEndian(span, value.IPv4Value);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], value.Port);
    }

    /// <summary>Writes <c>ip_address</c>: type 1 and IPv4, or type 3 and IPv6.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteIpAddress(UdpAddress value)
    {
        var span = Take(value.IsIPv6 ? 19 : 7);
        span[0] = value.IsIPv6 ? (byte)3 : (byte)1;
        var n = value.WriteAddressBytes(span[1..]);
        BinaryPrimitives.WriteUInt16BigEndian(span[(1 + n)..], value.Port);
    }

    /// <summary>Writes <c>address</c>: an <c>ip_address</c>, or type 2 with a domain name.</summary>
    public void WriteAddress(HostAddress value)
    {
        if (!value.IsDomain)
        {
            WriteIpAddress(value.Address);
            return;
        }

        WriteUInt8(2);
        WriteVarLenHUtf8(value.Host!);
        WriteUInt16(value.Port);
    }

    /// <summary>Writes <c>raw</c>: the bytes as they are.</summary>
    public void WriteRaw(scoped ReadOnlySpan<byte> value) => value.CopyTo(Take(value.Length));

    /// <summary>Writes exactly <paramref name="length"/> bytes; <paramref name="value"/> must have that length.</summary>
    public void WriteFixed(scoped ReadOnlySpan<byte> value, int length)
    {
        if (value.Length != length)
        {
            ThrowHelper.ThrowArgument($"The field takes exactly {length} bytes, not {value.Length}.", nameof(value));
        }

        value.CopyTo(Take(length));
    }

    /// <summary>Writes <c>varlenH</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVarLenH(scoped ReadOnlySpan<byte> value)
    {
        WriteUInt16(CheckedLength(value.Length, ushort.MaxValue));
        value.CopyTo(Take(value.Length));
    }

    /// <summary>Writes <c>varlenI</c>.</summary>
    public void WriteVarLenI(scoped ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        value.CopyTo(Take(value.Length));
    }

    /// <summary>Writes <c>varlenBx2</c>. The length must be even and at most 510.</summary>
    public void WriteVarLenBx2(scoped ReadOnlySpan<byte> value)
    {
        if (value.Length % 2 != 0)
        {
            ThrowHelper.ThrowArgument("varlenBx2 takes a whole number of 2-byte units.", nameof(value));
        }

        WriteUInt8((byte)CheckedLength(value.Length / 2, byte.MaxValue));
        value.CopyTo(Take(value.Length));
    }

    /// <summary>Writes <c>varlenHx20</c>. The length must be a multiple of 20.</summary>
    public void WriteVarLenHx20(scoped ReadOnlySpan<byte> value)
    {
        if (value.Length % 20 != 0)
        {
            ThrowHelper.ThrowArgument("varlenHx20 takes a whole number of 20-byte units.", nameof(value));
        }

        WriteUInt16(CheckedLength(value.Length / 20, ushort.MaxValue));
        value.CopyTo(Take(value.Length));
    }

    /// <summary>Writes <c>varlenHutf8</c> from UTF-8 bytes.</summary>
    public void WriteVarLenHUtf8(scoped ReadOnlySpan<byte> value) => WriteVarLenH(value);

    /// <summary>Writes <c>varlenHutf8</c> from a string.</summary>
    public void WriteVarLenHUtf8(string? value)
    {
        var text = value ?? string.Empty;
        var length = Encoding.UTF8.GetByteCount(text);
        WriteUInt16(CheckedLength(length, ushort.MaxValue));
        Encoding.UTF8.GetBytes(text, Take(length));
    }

    /// <summary>Writes <c>varlenIutf8</c> from UTF-8 bytes.</summary>
    public void WriteVarLenIUtf8(scoped ReadOnlySpan<byte> value) => WriteVarLenI(value);

    /// <summary>Writes <c>varlenIutf8</c> from a string.</summary>
    public void WriteVarLenIUtf8(string? value)
    {
        var text = value ?? string.Empty;
        var length = Encoding.UTF8.GetByteCount(text);
        WriteUInt32((uint)length);
        Encoding.UTF8.GetBytes(text, Take(length));
    }

    /// <summary>Writes <c>varlenH-list</c>: at most 255 items of at most 65,535 bytes.</summary>
    public void WriteVarLenHList(byte[][]? value)
    {
        var items = value ?? [];
        WriteUInt8((byte)CheckedLength(items.Length, byte.MaxValue));
        foreach (var item in items)
        {
            WriteVarLenH(item);
        }
    }

    /// <summary>Writes a nested payload: its length <c>H</c>, then the payload.</summary>
    public void WritePayload<T>(scoped in T value) where T : IPayload<T>, allows ref struct
    {
        WriteUInt16(CheckedLength(value.GetSize(), ushort.MaxValue));
        value.Write(ref this);
    }

    /// <summary>Writes <c>payload-list</c>: at most 255 nested payloads.</summary>
    public void WritePayloadList<T>(T[]? value) where T : struct, IPayload<T>
    {
        var items = value ?? [];
        WriteUInt8((byte)CheckedLength(items.Length, byte.MaxValue));
        foreach (var item in items)
        {
            WritePayload(item);
        }
    }

    /// <summary>
    /// Writes <c>arrayH-?</c>: count and items in little-endian order, as py-ipv8's <c>array</c> module writes them
    /// (native order on every machine py-ipv8 runs on).
    /// </summary>
    public void WriteArrayHBool(scoped ReadOnlySpan<bool> value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Take(2), CheckedLength(value.Length, ushort.MaxValue));
        foreach (var item in value)
        {
            WriteBool(item);
        }
    }

    /// <summary>Writes <c>arrayH-q</c>: count and items little-endian, as py-ipv8's <c>array</c> module writes them.</summary>
    public void WriteArrayHInt64(scoped ReadOnlySpan<long> value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Take(2), CheckedLength(value.Length, ushort.MaxValue));
        var span = Take(8 * value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[(i * 8)..], value[i]);
        }
    }

    /// <summary>Writes <c>arrayH-d</c>: count and items little-endian, as py-ipv8's <c>array</c> module writes them.</summary>
    public void WriteArrayHDouble(scoped ReadOnlySpan<double> value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Take(2), CheckedLength(value.Length, ushort.MaxValue));
        var span = Take(8 * value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(span[(i * 8)..], value[i]);
        }
    }

    /// <summary>Writes <c>c</c>: one byte.</summary>
    public void WriteChar(byte value) => WriteUInt8(value);

    /// <summary>Writes <c>l</c>: a signed 32-bit integer.</summary>
    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Take(4), value);

    /// <summary>Writes <c>doublevarlenH</c> (the same bytes as <c>varlenH</c>).</summary>
    public void WriteDoubleVarLenH(scoped ReadOnlySpan<byte> value) => WriteVarLenH(value);

    /// <summary>Writes the struct format <c>BH</c>.</summary>
    public void WriteStructBH((byte, ushort) value)
    {
        WriteUInt8(value.Item1);
        WriteUInt16(value.Item2);
    }

    /// <summary>Writes the struct format <c>BBH</c>.</summary>
    public void WriteStructBBH((byte, byte, ushort) value)
    {
        WriteUInt8(value.Item1);
        WriteUInt8(value.Item2);
        WriteUInt16(value.Item3);
    }

    /// <summary>Writes the struct format <c>HH</c>.</summary>
    public void WriteStructHH((ushort, ushort) value)
    {
        WriteUInt16(value.Item1);
        WriteUInt16(value.Item2);
    }

    /// <summary>Writes the struct format <c>LL</c>.</summary>
    public void WriteStructLL((uint, uint) value)
    {
        WriteUInt32(value.Item1);
        WriteUInt32(value.Item2);
    }

    /// <summary>Writes the struct format <c>QH</c>.</summary>
    public void WriteStructQH((ulong, ushort) value)
    {
        WriteUInt64(value.Item1);
        WriteUInt16(value.Item2);
    }

    /// <summary>Writes the struct format <c>QL</c>.</summary>
    public void WriteStructQL((ulong, uint) value)
    {
        WriteUInt64(value.Item1);
        WriteUInt32(value.Item2);
    }

    /// <summary>Writes the struct format <c>QQHHBH</c>.</summary>
    public void WriteStructQQHHBH((ulong, ulong, ushort, ushort, byte, ushort) value)
    {
        WriteUInt64(value.Item1);
        WriteUInt64(value.Item2);
        WriteUInt16(value.Item3);
        WriteUInt16(value.Item4);
        WriteUInt8(value.Item5);
        WriteUInt16(value.Item6);
    }

    /// <summary>Writes the struct format <c>ccB</c>.</summary>
    public void WriteStructCcB((byte, byte, byte) value)
    {
        WriteUInt8(value.Item1);
        WriteUInt8(value.Item2);
        WriteUInt8(value.Item3);
    }

    /// <summary>Writes the struct format <c>4SH</c>: four address bytes and a port, the same bytes as <c>ipv4</c>.</summary>
    public void WriteStruct4SH(UdpAddress value) => WriteIpv4(value);

    private static ushort CheckedLength(int length, int max)
    {
        if (length > max)
        {
            ThrowHelper.ThrowArgument($"The field holds at most {max} items, not {length}.", "value");
        }

        return (ushort)length;
    }
}

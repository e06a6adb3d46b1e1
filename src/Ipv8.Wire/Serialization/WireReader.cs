using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Ipv8.Wire;

/// <summary>
/// A forward-only, bounds-checked reader (big-endian, except inside the <c>arrayH-*</c> formats) over a span, for every py-ipv8 field format. Bad wire data
/// makes a <c>TryRead…</c> call return false and sets <see cref="Error"/>; it never throws. Byte fields come back as
/// slices of the input, not copies.
/// </summary>
public ref partial struct WireReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    /// <summary>Creates a reader over <paramref name="buffer"/>.</summary>
    public WireReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
        Error = WireError.None;
    }

    /// <summary>Why the last failed read failed, or <see cref="WireError.None"/>.</summary>
    public WireError Error { get; private set; }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes left to read.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>The bytes left to read.</summary>
    public readonly ReadOnlySpan<byte> RemainingSpan => _buffer[_position..];

    /// <summary>Records <paramref name="error"/> and returns false, so a reader can <c>return reader.Fail(…)</c>.</summary>
    public bool Fail(WireError error)
    {
        Error = error;
        return false;
    }

    /// <summary>Succeeds when every byte was consumed, and fails with <see cref="WireError.TrailingBytes"/> otherwise.</summary>
    public bool TryReadEnd() => _position == _buffer.Length || Fail(WireError.TrailingBytes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryTake(int count, out ReadOnlySpan<byte> bytes)
    {
        // The unsigned compare also rejects negative counts.
        if ((uint)count > (uint)(_buffer.Length - _position))
        {
            bytes = default;
            return Fail(WireError.Truncated);
        }

        // Checked just above (0 <= _position <= _buffer.Length always holds): no second check in Slice.
        bytes = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), _position), count);
        _position += count;
        return true;
    }

    /// <summary>Reads <c>B</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadUInt8(out byte value)
    {
        if (_position < _buffer.Length)
        {
            value = _buffer[_position++];
            return true;
        }

        value = 0;
        return Fail(WireError.Truncated);
    }

    /// <summary>Reads <c>bits</c>: the raw flag byte (the first flag is bit 0x80).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadBits(out byte value) => TryReadUInt8(out value);

    /// <summary>Reads <c>?</c>: any non-zero byte is true.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadBool(out bool value)
    {
        var ok = TryReadUInt8(out var b);
        value = b != 0;
        return ok;
    }

    /// <summary>Reads <c>H</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadUInt16(out ushort value)
    {
        if (TryTake(2, out var b))
        {
            value = BinaryPrimitives.ReadUInt16BigEndian(b);
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Reads <c>I</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadUInt32(out uint value)
    {
        if (TryTake(4, out var b))
        {
            value = BinaryPrimitives.ReadUInt32BigEndian(b);
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Reads <c>Q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadUInt64(out ulong value)
    {
        if (TryTake(8, out var b))
        {
            value = BinaryPrimitives.ReadUInt64BigEndian(b);
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Reads <c>q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadInt64(out long value)
    {
        var ok = TryReadUInt64(out var v);
        value = (long)v;
        return ok;
    }

    /// <summary>Reads <c>f</c>.</summary>
    public bool TryReadSingle(out float value)
    {
        if (TryTake(4, out var b))
        {
            value = BinaryPrimitives.ReadSingleBigEndian(b);
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Reads <c>d</c>.</summary>
    public bool TryReadDouble(out double value)
    {
        if (TryTake(8, out var b))
        {
            value = BinaryPrimitives.ReadDoubleBigEndian(b);
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Reads <c>ipv4</c>: 4 address bytes and a port.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadIpv4(out UdpAddress value)
    {
        if (TryTake(6, out var b))
        {
            value = UdpAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(b), BinaryPrimitives.ReadUInt16BigEndian(b[4..]));
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Reads <c>ip_address</c>: type 1 (IPv4) or 3 (IPv6), the address and a port. Type 2 is malformed here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadIpAddress(out UdpAddress value)
    {
        // Inlined whole, IPv6 included, with one length check per branch: a call taking the reader by reference would
        // keep the reader out of registers for the whole decode, and per-read span checks doubled the cost of the
        // new-style messages (docs/benchmarks.md).
        var rest = _buffer[_position..];
        ref var type = ref MemoryMarshal.GetReference(rest);
        if (rest.Length >= 7 && type == 1)
        {
            value = UdpAddress.FromIPv4(BigEndianUInt32(ref type, 1), BigEndianUInt16(ref type, 5));
            _position += 7;
            return true;
        }

        if (rest.Length >= 19 && type == 3)
        {
            value = UdpAddress.FromIPv6Unchecked(BigEndianUInt64(ref type, 1), BigEndianUInt64(ref type, 9), BigEndianUInt16(ref type, 17));
            _position += 19;
            return true;
        }

        value = default;
        return Fail(rest.IsEmpty || rest[0] is 1 or 3 ? WireError.Truncated : WireError.InvalidAddressType);
    }

    // Big-endian integers at an offset whose bounds the caller has checked.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort BigEndianUInt16(ref byte start, int offset)
    {
        var value = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint BigEndianUInt32(ref byte start, int offset)
    {
        var value = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BigEndianUInt64(ref byte start, int offset)
    {
        var value = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
    }

    /// <summary>Reads <c>address</c>: an <c>ip_address</c>, or type 2, a UTF-8 domain name (length <c>H</c>) and a port.</summary>
    public bool TryReadAddress(out HostAddress value)
    {
        value = default;
        if (_position < _buffer.Length && _buffer[_position] == 2)
        {
            _position++;
            if (!TryReadVarLenH(out ReadOnlySpan<byte> host) || !TryReadUInt16(out var port))
            {
                return false;
            }

            if (!Utf8.IsValid(host))
            {
                return Fail(WireError.InvalidUtf8);
            }

            value = new HostAddress(Encoding.UTF8.GetString(host), port);
            return true;
        }

        if (!TryReadIpAddress(out var address))
        {
            return false;
        }

        value = new HostAddress(address);
        return true;
    }

    /// <summary>Reads <c>raw</c>: all remaining bytes.</summary>
    public bool TryReadRaw(out ReadOnlySpan<byte> value)
    {
        value = _buffer[_position..];
        _position = _buffer.Length;
        return true;
    }

    /// <summary>Reads <c>raw</c> into a new array.</summary>
    public bool TryReadRaw(out byte[] value)
    {
        TryReadRaw(out ReadOnlySpan<byte> span);
        value = span.ToArray();
        return true;
    }

    /// <summary>Reads exactly <paramref name="length"/> bytes (<c>20s</c>, <c>32s</c>, <c>64s</c>, <c>74s</c>, <c>c20s</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadFixed(int length, out ReadOnlySpan<byte> value) => TryTake(length, out value);

    /// <summary>Reads exactly <paramref name="length"/> bytes into a new array.</summary>
    public bool TryReadFixed(int length, out byte[] value) => ToArray(TryTake(length, out var span), span, out value);

    /// <summary>Reads <c>varlenH</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadVarLenH(out ReadOnlySpan<byte> value)
    {
        value = default;
        return TryReadUInt16(out var length) && TryTake(length, out value);
    }

    /// <summary>Reads <c>varlenH</c> into a new array.</summary>
    public bool TryReadVarLenH(out byte[] value) => ToArray(TryReadVarLenH(out ReadOnlySpan<byte> span), span, out value);

    /// <summary>Reads <c>varlenI</c>.</summary>
    public bool TryReadVarLenI(out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!TryReadUInt32(out var length))
        {
            return false;
        }

        return length <= int.MaxValue ? TryTake((int)length, out value) : Fail(WireError.Truncated);
    }

    /// <summary>Reads <c>varlenI</c> into a new array.</summary>
    public bool TryReadVarLenI(out byte[] value) => ToArray(TryReadVarLenI(out ReadOnlySpan<byte> span), span, out value);

    /// <summary>Reads <c>varlenBx2</c>: a count, then count × 2 bytes.</summary>
    public bool TryReadVarLenBx2(out ReadOnlySpan<byte> value)
    {
        value = default;
        return TryReadUInt8(out var count) && TryTake(count * 2, out value);
    }

    /// <summary>Reads <c>varlenBx2</c> into a new array.</summary>
    public bool TryReadVarLenBx2(out byte[] value) => ToArray(TryReadVarLenBx2(out ReadOnlySpan<byte> span), span, out value);

    /// <summary>Reads <c>varlenHx20</c>: a count, then count × 20 bytes.</summary>
    public bool TryReadVarLenHx20(out ReadOnlySpan<byte> value)
    {
        value = default;
        return TryReadUInt16(out var count) && TryTake(count * 20, out value);
    }

    /// <summary>Reads <c>varlenHx20</c> into a new array.</summary>
    public bool TryReadVarLenHx20(out byte[] value) => ToArray(TryReadVarLenHx20(out ReadOnlySpan<byte> span), span, out value);

    /// <summary>Reads <c>varlenHutf8</c> as UTF-8 bytes, checked to be valid UTF-8.</summary>
    public bool TryReadVarLenHUtf8(out ReadOnlySpan<byte> value) =>
        TryReadVarLenH(out value) && (Utf8.IsValid(value) || Fail(WireError.InvalidUtf8));

    /// <summary>Reads <c>varlenHutf8</c> as a new string.</summary>
    public bool TryReadVarLenHUtf8(out string value) => ToText(TryReadVarLenHUtf8(out ReadOnlySpan<byte> span), span, out value);

    /// <summary>Reads <c>varlenIutf8</c> as UTF-8 bytes, checked to be valid UTF-8.</summary>
    public bool TryReadVarLenIUtf8(out ReadOnlySpan<byte> value) =>
        TryReadVarLenI(out value) && (Utf8.IsValid(value) || Fail(WireError.InvalidUtf8));

    /// <summary>Reads <c>varlenIutf8</c> as a new string.</summary>
    public bool TryReadVarLenIUtf8(out string value) => ToText(TryReadVarLenIUtf8(out ReadOnlySpan<byte> span), span, out value);

    /// <summary>Reads <c>varlenH-list</c>: a count <c>B</c>, then that many <c>varlenH</c> items, each copied.</summary>
    public bool TryReadVarLenHList(out byte[][] value)
    {
        value = [];
        if (!TryReadUInt8(out var count))
        {
            return false;
        }

        var items = new byte[count][];
        for (var i = 0; i < items.Length; i++)
        {
            if (!TryReadVarLenH(out items[i]))
            {
                return false;
            }
        }

        value = items;
        return true;
    }

    /// <summary>Reads a nested payload: a length <c>H</c>, then <typeparamref name="T"/>, which must fill that length exactly.</summary>
    public bool TryReadPayload<T>(out T value) where T : IPayload<T>, allows ref struct
    {
        value = default!;
        if (!TryReadVarLenH(out ReadOnlySpan<byte> body))
        {
            return false;
        }

        var nested = new WireReader(body);
        if (!T.TryRead(ref nested, out value) || !nested.TryReadEnd())
        {
            return Fail(nested.Error);
        }

        return true;
    }

    /// <summary>Reads <c>payload-list</c>: a count <c>B</c>, then that many nested payloads.</summary>
    public bool TryReadPayloadList<T>(out T[] value) where T : struct, IPayload<T>
    {
        value = [];
        if (!TryReadUInt8(out var count))
        {
            return false;
        }

        var items = new T[count];
        for (var i = 0; i < items.Length; i++)
        {
            if (!TryReadPayload(out items[i]))
            {
                return false;
            }
        }

        value = items;
        return true;
    }

    /// <summary>
    /// Reads <c>arrayH-?</c>: count and items little-endian, as py-ipv8's <c>array</c> module writes them. Any non-zero
    /// byte is true.
    /// </summary>
    public bool TryReadArrayHBool(out bool[] value)
    {
        value = [];
        if (!TryReadArrayCount(1, out var count, out var bytes))
        {
            return false;
        }

        var items = new bool[count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = bytes[i] != 0;
        }

        value = items;
        return true;
    }

    /// <summary>Reads <c>arrayH-q</c>: count and items little-endian, as py-ipv8's <c>array</c> module writes them.</summary>
    public bool TryReadArrayHInt64(out long[] value)
    {
        value = [];
        if (!TryReadArrayCount(8, out var count, out var bytes))
        {
            return false;
        }

        var items = new long[count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]);
        }

        value = items;
        return true;
    }

    /// <summary>Reads <c>arrayH-d</c>: count and items little-endian, as py-ipv8's <c>array</c> module writes them.</summary>
    public bool TryReadArrayHDouble(out double[] value)
    {
        value = [];
        if (!TryReadArrayCount(8, out var count, out var bytes))
        {
            return false;
        }

        var items = new double[count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]);
        }

        value = items;
        return true;
    }

    /// <summary>Reads <c>c</c>: one byte.</summary>
    public bool TryReadChar(out byte value) => TryReadUInt8(out value);

    /// <summary>Reads <c>l</c>: a signed 32-bit integer.</summary>
    public bool TryReadInt32(out int value)
    {
        var ok = TryReadUInt32(out var v);
        value = (int)v;
        return ok;
    }

    /// <summary>Reads <c>doublevarlenH</c> (the same bytes as <c>varlenH</c>).</summary>
    public bool TryReadDoubleVarLenH(out ReadOnlySpan<byte> value) => TryReadVarLenH(out value);

    /// <summary>Reads <c>doublevarlenH</c> into a new array.</summary>
    public bool TryReadDoubleVarLenH(out byte[] value) => TryReadVarLenH(out value);

    /// <summary>Reads the struct format <c>BH</c>.</summary>
    public bool TryReadStructBH(out (byte, ushort) value)
    {
        value = default;
        if (!TryTake(3, out var b))
        {
            return false;
        }

        value = (b[0], BinaryPrimitives.ReadUInt16BigEndian(b[1..]));
        return true;
    }

    /// <summary>Reads the struct format <c>BBH</c>.</summary>
    public bool TryReadStructBBH(out (byte, byte, ushort) value)
    {
        value = default;
        if (!TryTake(4, out var b))
        {
            return false;
        }

        value = (b[0], b[1], BinaryPrimitives.ReadUInt16BigEndian(b[2..]));
        return true;
    }

    /// <summary>Reads the struct format <c>HH</c>.</summary>
    public bool TryReadStructHH(out (ushort, ushort) value)
    {
        value = default;
        if (!TryTake(4, out var b))
        {
            return false;
        }

        value = (BinaryPrimitives.ReadUInt16BigEndian(b), BinaryPrimitives.ReadUInt16BigEndian(b[2..]));
        return true;
    }

    /// <summary>Reads the struct format <c>LL</c>.</summary>
    public bool TryReadStructLL(out (uint, uint) value)
    {
        value = default;
        if (!TryTake(8, out var b))
        {
            return false;
        }

        value = (BinaryPrimitives.ReadUInt32BigEndian(b), BinaryPrimitives.ReadUInt32BigEndian(b[4..]));
        return true;
    }

    /// <summary>Reads the struct format <c>QH</c>.</summary>
    public bool TryReadStructQH(out (ulong, ushort) value)
    {
        value = default;
        if (!TryTake(10, out var b))
        {
            return false;
        }

        value = (BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt16BigEndian(b[8..]));
        return true;
    }

    /// <summary>Reads the struct format <c>QL</c>.</summary>
    public bool TryReadStructQL(out (ulong, uint) value)
    {
        value = default;
        if (!TryTake(12, out var b))
        {
            return false;
        }

        value = (BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt32BigEndian(b[8..]));
        return true;
    }

    /// <summary>Reads the struct format <c>QQHHBH</c>.</summary>
    public bool TryReadStructQQHHBH(out (ulong, ulong, ushort, ushort, byte, ushort) value)
    {
        value = default;
        if (!TryTake(23, out var b))
        {
            return false;
        }

        value = (
            BinaryPrimitives.ReadUInt64BigEndian(b),
            BinaryPrimitives.ReadUInt64BigEndian(b[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(b[16..]),
            BinaryPrimitives.ReadUInt16BigEndian(b[18..]),
            b[20],
            BinaryPrimitives.ReadUInt16BigEndian(b[21..]));
        return true;
    }

    /// <summary>Reads the struct format <c>ccB</c>.</summary>
    public bool TryReadStructCcB(out (byte, byte, byte) value)
    {
        value = default;
        if (!TryTake(3, out var b))
        {
            return false;
        }

        value = (b[0], b[1], b[2]);
        return true;
    }

    /// <summary>Reads the struct format <c>4SH</c>: four address bytes and a port, the same bytes as <c>ipv4</c>.</summary>
    public bool TryReadStruct4SH(out UdpAddress value) => TryReadIpv4(out value);

    // The count of an arrayH-* format is little-endian too, unlike every other length.
    private bool TryReadArrayCount(int itemSize, out int count, out ReadOnlySpan<byte> items)
    {
        count = 0;
        items = default;
        if (!TryTake(2, out var b))
        {
            return false;
        }

        count = BinaryPrimitives.ReadUInt16LittleEndian(b);
        return TryTake(count * itemSize, out items);
    }

    private static bool ToArray(bool ok, ReadOnlySpan<byte> span, out byte[] value)
    {
        value = ok ? span.ToArray() : [];
        return ok;
    }

    private static bool ToText(bool ok, ReadOnlySpan<byte> span, out string value)
    {
        value = ok ? Encoding.UTF8.GetString(span) : string.Empty;
        return ok;
    }
}

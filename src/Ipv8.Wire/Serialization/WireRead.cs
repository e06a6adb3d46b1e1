using System.Buffers.Binary;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Ipv8.Wire;

/// <summary>
/// Reads fixed-size fields at an offset of a block that was already taken whole from a <see cref="WireReader"/>. The
/// generator uses these for runs of fixed-size fields: one bounds check and one position update for the run instead
/// of one per field. Every read is still bounds-checked by the span.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WireRead
{
    /// <summary><c>B</c> at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte UInt8(ReadOnlySpan<byte> block, int offset) => block[offset];

    /// <summary><c>bits</c> at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Bits(ReadOnlySpan<byte> block, int offset) => block[offset];

    /// <summary><c>?</c> at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Bool(ReadOnlySpan<byte> block, int offset) => block[offset] != 0;

    /// <summary><c>H</c> at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort UInt16(ReadOnlySpan<byte> block, int offset) => BinaryPrimitives.ReadUInt16BigEndian(block[offset..]);

    /// <summary><c>I</c> at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint UInt32(ReadOnlySpan<byte> block, int offset) => BinaryPrimitives.ReadUInt32BigEndian(block[offset..]);

    /// <summary><c>Q</c> at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong UInt64(ReadOnlySpan<byte> block, int offset) => BinaryPrimitives.ReadUInt64BigEndian(block[offset..]);

    /// <summary><c>q</c> at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Int64(ReadOnlySpan<byte> block, int offset) => BinaryPrimitives.ReadInt64BigEndian(block[offset..]);

    /// <summary><c>f</c> at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Single(ReadOnlySpan<byte> block, int offset) => BinaryPrimitives.ReadSingleBigEndian(block[offset..]);

    /// <summary><c>d</c> at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Double(ReadOnlySpan<byte> block, int offset) => BinaryPrimitives.ReadDoubleBigEndian(block[offset..]);

    /// <summary><c>ipv4</c> at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UdpAddress Ipv4(ReadOnlySpan<byte> block, int offset)
    {
        var field = block.Slice(offset, 6);
        return UdpAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(field), BinaryPrimitives.ReadUInt16BigEndian(field[4..]));
    }
}

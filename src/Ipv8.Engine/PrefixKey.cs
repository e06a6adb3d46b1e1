using System.Buffers.Binary;

namespace Ipv8.Engine;

/// <summary>A 22-byte community prefix held by value, as a dictionary key.</summary>
internal readonly record struct PrefixKey(ulong A, ulong B, ulong C)
{
    public static PrefixKey From(ReadOnlySpan<byte> prefix) =>
        new(
            BinaryPrimitives.ReadUInt64LittleEndian(prefix),
            BinaryPrimitives.ReadUInt64LittleEndian(prefix[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(prefix[16..]) | ((ulong)BinaryPrimitives.ReadUInt16LittleEndian(prefix[20..]) << 32));
}

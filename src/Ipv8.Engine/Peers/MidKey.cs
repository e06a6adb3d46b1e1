using System.Buffers.Binary;

namespace Ipv8.Engine.Peers;

/// <summary>A 20-byte mid held by value, for blacklists.</summary>
internal readonly record struct MidKey(ulong A, ulong B, uint C)
{
    public static MidKey From(ReadOnlySpan<byte> mid) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(mid), BinaryPrimitives.ReadUInt64BigEndian(mid[8..]), BinaryPrimitives.ReadUInt32BigEndian(mid[16..]));
}

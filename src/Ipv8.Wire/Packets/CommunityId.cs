using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Ipv8.Wire;

/// <summary>
/// A community's 20-byte id (py-ipv8 <c>community_id</c>), held by value. The 22-byte packet prefix is
/// <c>0x00</c>, the version <c>0x02</c>, then this id.
/// </summary>
public readonly struct CommunityId : IEquatable<CommunityId>, IComparable<CommunityId>
{
    /// <summary>The length of an id.</summary>
    public const int Length = 20;

    private readonly ulong _a;
    private readonly ulong _b;
    private readonly uint _c;

    private CommunityId(ulong a, ulong b, uint c)
    {
        _a = a;
        _b = b;
        _c = c;
    }

    /// <summary>Creates an id from its 20 bytes.</summary>
    public static CommunityId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            ThrowHelper.ThrowArgument($"A community id has {Length} bytes, not {bytes.Length}.", nameof(bytes));
        }

        return new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]), BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]));
    }

    /// <summary>Parses 40 hex digits.</summary>
    public static bool TryParse(ReadOnlySpan<char> hex, out CommunityId id)
    {
        Span<byte> bytes = stackalloc byte[Length];
        if (hex.Length != 2 * Length || Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != Length)
        {
            id = default;
            return false;
        }

        id = FromBytes(bytes);
        return true;
    }

    /// <summary>Parses 40 hex digits, throwing <see cref="FormatException"/> otherwise.</summary>
    public static CommunityId Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!TryParse(hex, out var id))
        {
            ThrowHelper.ThrowFormat($"A community id is 40 hex digits (20 bytes); '{hex}' is not.");
        }

        return id;
    }

    /// <summary>Compares the ids as their bytes, in order (the order of their hex forms).</summary>
    public int CompareTo(CommunityId other)
    {
        var a = _a.CompareTo(other._a);
        if (a != 0)
        {
            return a;
        }

        var b = _b.CompareTo(other._b);
        return b != 0 ? b : _c.CompareTo(other._c);
    }

    /// <summary>Writes the 20 id bytes.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            ThrowHelper.ThrowDestinationTooSmall(Length, destination.Length);
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], _c);
    }

    /// <summary>A new array with the 20 id bytes.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>Writes the 22-byte packet prefix: 0x00, <paramref name="version"/>, the id.</summary>
    public void WritePrefix(Span<byte> destination, byte version = Packet.Version)
    {
        if (destination.Length < Packet.PrefixLength)
        {
            ThrowHelper.ThrowDestinationTooSmall(Packet.PrefixLength, destination.Length);
        }

        destination[0] = 0;
        destination[1] = version;
        CopyTo(destination[2..]);
    }

    /// <summary>A new array with the 22-byte packet prefix.</summary>
    public byte[] ToPrefix(byte version = Packet.Version)
    {
        var prefix = new byte[Packet.PrefixLength];
        WritePrefix(prefix, version);
        return prefix;
    }

    /// <summary>True when <paramref name="prefix"/> is this community's 22-byte prefix (any version).</summary>
    public bool MatchesPrefix(ReadOnlySpan<byte> prefix) =>
        prefix.Length >= Packet.PrefixLength && prefix[0] == 0
        && BinaryPrimitives.ReadUInt64BigEndian(prefix[2..]) == _a
        && BinaryPrimitives.ReadUInt64BigEndian(prefix[10..]) == _b
        && BinaryPrimitives.ReadUInt32BigEndian(prefix[18..]) == _c;

    /// <summary>The id in lowercase hex.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <inheritdoc/>
    public bool Equals(CommunityId other) => _a == other._a && _b == other._b && _c == other._c;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is CommunityId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_a, _b, _c);

    /// <summary>Value equality.</summary>
    public static bool operator ==(CommunityId left, CommunityId right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(CommunityId left, CommunityId right) => !left.Equals(right);

    /// <summary>Byte order: <paramref name="left"/> sorts before <paramref name="right"/>.</summary>
    public static bool operator <(CommunityId left, CommunityId right) => left.CompareTo(right) < 0;

    /// <summary>Byte order: <paramref name="left"/> sorts before or equals <paramref name="right"/>.</summary>
    public static bool operator <=(CommunityId left, CommunityId right) => left.CompareTo(right) <= 0;

    /// <summary>Byte order: <paramref name="left"/> sorts after <paramref name="right"/>.</summary>
    public static bool operator >(CommunityId left, CommunityId right) => left.CompareTo(right) > 0;

    /// <summary>Byte order: <paramref name="left"/> sorts after or equals <paramref name="right"/>.</summary>
    public static bool operator >=(CommunityId left, CommunityId right) => left.CompareTo(right) >= 0;
}

using Ipv8.Wire.Crypto;

namespace Ipv8.Engine.Peers;

/// <summary>Compares public keys by their bins, and lets dictionaries be searched with a span of key bytes.</summary>
internal sealed class KeyComparer : IEqualityComparer<PublicKey>, IAlternateEqualityComparer<ReadOnlySpan<byte>, PublicKey>
{
    public static readonly KeyComparer Instance = new();

    public bool Equals(PublicKey? x, PublicKey? y) => ReferenceEquals(x, y) || (x is not null && x.Equals(y));

    public int GetHashCode(PublicKey obj) => obj.GetHashCode();

    public bool Equals(ReadOnlySpan<byte> alternate, PublicKey other) => other.BinEquals(alternate);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => PublicKey.ComputeHash(alternate);

    public PublicKey Create(ReadOnlySpan<byte> alternate) => PublicKey.Parse(alternate);
}

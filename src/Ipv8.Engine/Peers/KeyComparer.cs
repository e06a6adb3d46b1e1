using Ipv8.Wire.Crypto;

namespace Ipv8.Engine.Peers;

/// <summary>Compares public keys by their bins, and lets dictionaries be searched with a span of key bytes.</summary>
internal sealed class KeyComparer : IEqualityComparer<LibNaClPublicKey>, IAlternateEqualityComparer<ReadOnlySpan<byte>, LibNaClPublicKey>
{
    public static readonly KeyComparer Instance = new();

    public bool Equals(LibNaClPublicKey? x, LibNaClPublicKey? y) => ReferenceEquals(x, y) || (x is not null && x.Equals(y));

    public int GetHashCode(LibNaClPublicKey obj) => obj.GetHashCode();

    public bool Equals(ReadOnlySpan<byte> alternate, LibNaClPublicKey other) => other.BinEquals(alternate);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => LibNaClPublicKey.ComputeHash(alternate);

    public LibNaClPublicKey Create(ReadOnlySpan<byte> alternate) => LibNaClPublicKey.Parse(alternate);
}

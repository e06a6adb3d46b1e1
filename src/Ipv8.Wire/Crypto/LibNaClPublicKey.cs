using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Ipv8.Wire.Crypto;

/// <summary>
/// A peer's LibNaCL public key (py-ipv8 <c>LibNaCLPK</c>): the 74-byte bin <c>"LibNaCLPK:"</c> + 32-byte X25519
/// key + 32-byte Ed25519 verify key, and its mid (SHA-1 of the bin). Two keys are equal when their bins are.
/// </summary>
public sealed class LibNaClPublicKey : IEquatable<LibNaClPublicKey>
{
    /// <summary>The length of a key bin.</summary>
    public const int BinLength = 74;

    /// <summary>The length of a mid.</summary>
    public const int MidLength = 20;

    private const int PrefixLength = 10;

    private readonly byte[] _bin;
    private readonly byte[] _mid;
    private readonly int _hash;

    private LibNaClPublicKey(ReadOnlySpan<byte> bin)
    {
        _bin = bin.ToArray();
        _mid = SHA1.HashData(_bin);
        _hash = ComputeHash(_bin);
    }

    /// <summary>The bin prefix, <c>LibNaCLPK:</c>.</summary>
    public static ReadOnlySpan<byte> BinPrefix => "LibNaCLPK:"u8;

    /// <summary>The 74-byte key bin, as it travels on the wire.</summary>
    public ReadOnlySpan<byte> Bin => _bin;

    /// <summary>The 32-byte X25519 (encryption) public key.</summary>
    public ReadOnlySpan<byte> EncryptionKey => _bin.AsSpan(PrefixLength, 32);

    /// <summary>The 32-byte Ed25519 verify key.</summary>
    public ReadOnlySpan<byte> VerifyKey => _bin.AsSpan(PrefixLength + 32, 32);

    /// <summary>The mid: SHA-1 of the bin (20 bytes).</summary>
    public ReadOnlySpan<byte> Mid => _mid;

    /// <summary>Checks that <paramref name="bin"/> is a LibNaCL public key bin, without allocating.</summary>
    public static KeyError Validate(ReadOnlySpan<byte> bin)
    {
        if (bin.StartsWith(BinPrefix))
        {
            return bin.Length == BinLength ? KeyError.None : KeyError.WrongLength;
        }

        return bin.StartsWith(LibNaClPrivateKey.BinPrefix) ? KeyError.PrivateKeyMaterial : KeyError.UnsupportedKeyType;
    }

    /// <summary>Parses a key bin. Private key material and non-LibNaCL keys are refused with a reason.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bin, [NotNullWhen(true)] out LibNaClPublicKey? key, out KeyError error)
    {
        error = Validate(bin);
        key = error == KeyError.None ? new LibNaClPublicKey(bin) : null;
        return key is not null;
    }

    /// <summary>Parses a key bin, throwing <see cref="FormatException"/> with the reason on failure.</summary>
    public static LibNaClPublicKey Parse(ReadOnlySpan<byte> bin)
    {
        if (!TryParse(bin, out var key, out var error))
        {
            ThrowHelper.ThrowFormat(error.Describe());
        }

        return key;
    }

    /// <summary>Verifies an Ed25519 signature made by this key.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) => Ed25519.Verify(signature, message, VerifyKey);

    /// <summary>True when <paramref name="bin"/> is this key's bin.</summary>
    public bool BinEquals(ReadOnlySpan<byte> bin) => bin.SequenceEqual(_bin);

    /// <inheritdoc/>
    public bool Equals(LibNaClPublicKey? other) => other is not null && (ReferenceEquals(this, other) || _bin.AsSpan().SequenceEqual(other._bin));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as LibNaClPublicKey);

    /// <inheritdoc/>
    public override int GetHashCode() => _hash;

    /// <summary>A hash of a key bin that equals <see cref="GetHashCode"/> of the key it parses to.</summary>
    public static int ComputeHash(ReadOnlySpan<byte> bin)
    {
        var hash = default(HashCode);
        hash.AddBytes(bin);
        return hash.ToHashCode();
    }

    /// <summary>The bin in lowercase hex.</summary>
    public override string ToString() => Convert.ToHexStringLower(_bin);
}

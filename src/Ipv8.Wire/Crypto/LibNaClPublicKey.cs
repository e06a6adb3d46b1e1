using System.Diagnostics.CodeAnalysis;

namespace Ipv8.Wire.Crypto;

/// <summary>
/// A peer's LibNaCL public key (py-ipv8 <c>LibNaCLPK</c>): the 74-byte bin <c>"LibNaCLPK:"</c> + 32-byte X25519
/// key + 32-byte Ed25519 verify key, and its mid (SHA-1 of the bin). Two keys are equal when their bins are.
/// </summary>
public sealed class LibNaClPublicKey : PublicKey
{
    /// <summary>The length of a key bin.</summary>
    public const int BinLength = 74;

    private const int PrefixLength = 10;

    private readonly BinBuffer _bin;

    private LibNaClPublicKey(ReadOnlySpan<byte> bin)
        : base(ComputeHash(bin))
    {
        bin.CopyTo(_bin);
    }

    // The bin, inside this object (PublicKey.Bin reads it).
    internal ReadOnlySpan<byte> InlineBin => _bin;

    /// <summary>The bin prefix, <c>LibNaCLPK:</c>.</summary>
    public static ReadOnlySpan<byte> BinPrefix => "LibNaCLPK:"u8;

    /// <summary>The 32-byte X25519 (encryption) public key.</summary>
    public ReadOnlySpan<byte> EncryptionKey => Bin.Slice(PrefixLength, 32);

    /// <summary>The 32-byte Ed25519 verify key.</summary>
    public ReadOnlySpan<byte> VerifyKey => Bin.Slice(PrefixLength + 32, 32);

    /// <summary>64: an Ed25519 signature.</summary>
    public override int SignatureLength => Ed25519.SignatureLength;

    /// <summary>1: the unit of the verification budget.</summary>
    public override int VerificationCost => 1;

    /// <summary>Checks that <paramref name="bin"/> is a LibNaCL public key bin, without allocating.</summary>
    public static KeyError Validate(ReadOnlySpan<byte> bin)
    {
        if (bin.StartsWith(BinPrefix))
        {
            return bin.Length == BinLength ? KeyError.None : KeyError.WrongLength;
        }

        return bin.StartsWith(LibNaClPrivateKey.BinPrefix) ? KeyError.PrivateKeyMaterial : KeyError.UnsupportedKeyType;
    }

    /// <summary>Parses a LibNaCL key bin. Private key material and other key types are refused with a reason.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bin, [NotNullWhen(true)] out LibNaClPublicKey? key, out KeyError error)
    {
        error = Validate(bin);
        key = error == KeyError.None ? new LibNaClPublicKey(bin) : null;
        return key is not null;
    }

    /// <summary>Parses a LibNaCL key bin, throwing <see cref="FormatException"/> with the reason on failure.</summary>
    public static new LibNaClPublicKey Parse(ReadOnlySpan<byte> bin)
    {
        if (!TryParse(bin, out var key, out var error))
        {
            ThrowHelper.ThrowFormat(error.Describe());
        }

        return key;
    }

    /// <summary>Verifies an Ed25519 signature made by this key. Allocates nothing.</summary>
    public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) => Ed25519.Verify(signature, message, VerifyKey);
}

/// <summary>The 74 bytes of a <see cref="LibNaClPublicKey"/>'s bin, inside the key object.</summary>
[System.Runtime.CompilerServices.InlineArray(LibNaClPublicKey.BinLength)]
internal struct BinBuffer
{
    private byte _element;
}

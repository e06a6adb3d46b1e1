using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Ipv8.Wire.Crypto;

/// <summary>
/// A peer's public key as py-ipv8 knows it (<c>keyvault.keys.PublicKey</c>): a <see cref="LibNaClPublicKey"/>
/// (Curve25519/Ed25519, the default) or a legacy <see cref="M2CryptoPublicKey"/> (ECDSA on a binary curve). A key has a
/// bin, as it travels on the wire, and a mid, the SHA-1 of the bin. Two keys are equal when their bins are equal.
/// </summary>
public abstract class PublicKey : IEquatable<PublicKey>
{
    /// <summary>The length of a mid.</summary>
    public const int MidLength = 20;

    // The bin of a key kept in an array; null for a LibNaClPublicKey, which holds its 74 bytes inline (one object per key,
    // not two: a key is parsed for every signed message of an unknown sender).
    private readonly byte[]? _bin;
    // Computed on first use, into the key object itself (no array): the keys parsed from unknown senders' messages are
    // mostly never asked for their mid (the blacklist check hashes the bin on the stack).
    private MidBuffer _mid;
    private int _midReady; // 1 once _mid holds the hash
    private readonly int _hash;

    private protected PublicKey(ReadOnlySpan<byte> bin)
    {
        _bin = bin.ToArray();
        _hash = ComputeHash(bin);
    }

    // For a LibNaClPublicKey only, which stores the bin itself: Bin relies on it (a null _bin means this is one).
    private protected PublicKey(int hash)
    {
        _hash = hash;
    }

    /// <summary>The key bin, as it travels on the wire (py-ipv8 <c>key_to_bin()</c>).</summary>
    public ReadOnlySpan<byte> Bin => _bin ?? System.Runtime.CompilerServices.Unsafe.As<LibNaClPublicKey>(this).InlineBin;

    /// <summary>The mid: SHA-1 of the bin, 20 bytes (py-ipv8 <c>key_to_hash()</c>).</summary>
    public ReadOnlySpan<byte> Mid
    {
        get
        {
            if (Volatile.Read(ref _midReady) == 0)
            {
                ComputeMid();
            }

            return _mid;
        }
    }

    // Two threads may both hash: each hashes into its own stack buffer and copies the same 20 bytes in, so a reader that
    // saw the flag (set only after the copy) never sees the hash function's work in progress.
    private void ComputeMid()
    {
        Span<byte> mid = stackalloc byte[MidLength];
        SHA1.HashData(Bin, mid);
        mid.CopyTo(_mid);
        Volatile.Write(ref _midReady, 1);
    }

    /// <summary>The length in bytes of this key's signatures (py-ipv8 <c>get_signature_length()</c>).</summary>
    public abstract int SignatureLength { get; }

    /// <summary>
    /// How many Ed25519 verifications one verification with this key costs, rounded up (1 for LibNaCL keys). The
    /// per-source verification budget charges this many tokens.
    /// </summary>
    public abstract int VerificationCost { get; }

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="message"/> (py-ipv8 <c>verify</c>). Never throws on bad input.</summary>
    public abstract bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);

    /// <summary>
    /// Checks the shape of a public key bin and finds its signature length, without allocating and without the
    /// full point validation of <see cref="TryParse"/>. Used to frame a signed packet before anything expensive runs.
    /// </summary>
    public static KeyError Validate(ReadOnlySpan<byte> bin, out int signatureLength)
    {
        if (bin.StartsWith(LibNaClPublicKey.BinPrefix))
        {
            signatureLength = Ed25519.SignatureLength;
            return bin.Length == LibNaClPublicKey.BinLength ? KeyError.None : KeyError.WrongLength;
        }

        if (bin.StartsWith(LibNaClPrivateKey.BinPrefix))
        {
            signatureLength = 0;
            return KeyError.PrivateKeyMaterial;
        }

        return M2CryptoPublicKey.Validate(bin, out signatureLength);
    }

    /// <summary>Parses a public key bin of either kind. Private key material and malformed keys are refused with a reason.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bin, [NotNullWhen(true)] out PublicKey? key, out KeyError error)
    {
        if (bin.StartsWith(LibNaClPublicKey.BinPrefix) || bin.StartsWith(LibNaClPrivateKey.BinPrefix))
        {
            var parsed = LibNaClPublicKey.TryParse(bin, out var libNaCl, out error);
            key = libNaCl;
            return parsed;
        }

        var ok = M2CryptoPublicKey.TryParse(bin, out var ec, out error);
        key = ec;
        return ok;
    }

    /// <summary>Parses a public key bin, throwing <see cref="FormatException"/> with the reason on failure.</summary>
    public static PublicKey Parse(ReadOnlySpan<byte> bin)
    {
        if (!TryParse(bin, out var key, out var error))
        {
            ThrowHelper.ThrowFormat(error.Describe());
        }

        return key;
    }

    /// <summary>True when <paramref name="bin"/> is this key's bin.</summary>
    public bool BinEquals(ReadOnlySpan<byte> bin) => bin.SequenceEqual(Bin);

    /// <inheritdoc/>
    public bool Equals(PublicKey? other) => other is not null && (ReferenceEquals(this, other) || Bin.SequenceEqual(other.Bin));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PublicKey);

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
    public override string ToString() => Convert.ToHexStringLower(Bin);
}

/// <summary>The 20 bytes of a key's mid, inside the key object.</summary>
[System.Runtime.CompilerServices.InlineArray(PublicKey.MidLength)]
internal struct MidBuffer
{
    private byte _element;
}

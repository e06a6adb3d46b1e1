using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Ipv8.Wire.Crypto;

/// <summary>
/// A LibNaCL private key (py-ipv8 <c>LibNaCLSK</c>): the 74-byte bin <c>"LibNaCLSK:"</c> + 32-byte X25519 secret key
/// + 32-byte Ed25519 seed. Keys are derived and signed with libsodium through
/// <see cref="Ed25519"/> and <see cref="Curve25519"/>, over spans.
/// </summary>
public sealed class LibNaClPrivateKey : IDisposable
{
    /// <summary>The length of a key bin.</summary>
    public const int BinLength = 74;

    private const int PrefixLength = 10;

    private readonly byte[] _bin;
    private readonly byte[] _signingKey;

    private LibNaClPrivateKey(ReadOnlySpan<byte> encryptionSecret, ReadOnlySpan<byte> seed)
    {
        _bin = new byte[BinLength];
        BinPrefix.CopyTo(_bin);
        encryptionSecret.CopyTo(_bin.AsSpan(PrefixLength));
        seed.CopyTo(_bin.AsSpan(PrefixLength + 32));

        // Both halves straight from libsodium into the bins, with no intermediate arrays.
        _signingKey = new byte[Ed25519.SecretKeyLength];
        Span<byte> publicBin = stackalloc byte[LibNaClPublicKey.BinLength];
        LibNaClPublicKey.BinPrefix.CopyTo(publicBin);
        Curve25519.PublicKeyFromSecret(encryptionSecret, publicBin.Slice(PrefixLength, Curve25519.KeyLength));
        Ed25519.KeyPairFromSeed(seed, publicBin.Slice(PrefixLength + Curve25519.KeyLength, Ed25519.PublicKeyLength), _signingKey);
        PublicKey = LibNaClPublicKey.Parse(publicBin);
    }

    /// <summary>The bin prefix, <c>LibNaCLSK:</c>.</summary>
    public static ReadOnlySpan<byte> BinPrefix => "LibNaCLSK:"u8;

    /// <summary>The matching public key.</summary>
    public LibNaClPublicKey PublicKey { get; }

    /// <summary>Generates a new random key from the system CSPRNG (<see cref="System.Security.Cryptography.RandomNumberGenerator"/>).</summary>
    public static LibNaClPrivateKey Generate()
    {
        // The encryption secret and the signing seed, from the system's CSPRNG, on the stack.
        Span<byte> secrets = stackalloc byte[64];
        RandomNumberGenerator.Fill(secrets);
        try
        {
            return new LibNaClPrivateKey(secrets[..32], secrets[32..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secrets);
        }
    }

    /// <summary>Loads a key from its 74-byte bin.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bin, [NotNullWhen(true)] out LibNaClPrivateKey? key, out KeyError error)
    {
        key = null;
        if (!bin.StartsWith(BinPrefix))
        {
            error = bin.StartsWith(LibNaClPublicKey.BinPrefix) ? KeyError.PublicKeyMaterial : KeyError.UnsupportedKeyType;
            return false;
        }

        if (bin.Length != BinLength)
        {
            error = KeyError.WrongLength;
            return false;
        }

        error = KeyError.None;
        key = new LibNaClPrivateKey(bin.Slice(PrefixLength, 32), bin.Slice(PrefixLength + 32, 32));
        return true;
    }

    /// <summary>Loads a key from its 74-byte bin, throwing <see cref="FormatException"/> with the reason on failure.</summary>
    public static LibNaClPrivateKey Parse(ReadOnlySpan<byte> bin)
    {
        if (!TryParse(bin, out var key, out var error))
        {
            ThrowHelper.ThrowFormat(error.Describe());
        }

        return key;
    }

    /// <summary>A copy of the 74-byte private key bin. Keep it secret.</summary>
    public byte[] ToBin() => (byte[])_bin.Clone();

    /// <summary>Signs <paramref name="message"/> into the first 64 bytes of <paramref name="signature"/>. Allocates nothing.</summary>
    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature) => Ed25519.Sign(signature, message, _signingKey);

    /// <summary>Wipes the key material held by this object.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_bin);
        CryptographicOperations.ZeroMemory(_signingKey);
    }
}

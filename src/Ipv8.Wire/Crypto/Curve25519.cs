using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ipv8.Wire.Crypto;

/// <summary>
/// The Curve25519 half of a libnacl key (py-ipv8 <c>LibNaCLSK</c>'s encryption key): the public key of a secret scalar,
/// <c>crypto_scalarmult_base</c>, straight from libsodium into the caller's span.
/// </summary>
internal static unsafe partial class Curve25519
{
    public const int KeyLength = 32;

    /// <summary>Writes the public key of <paramref name="secret"/> (32 bytes) into <paramref name="publicKey"/> (32 bytes).</summary>
    public static void PublicKeyFromSecret(ReadOnlySpan<byte> secret, Span<byte> publicKey)
    {
        if (secret.Length != KeyLength || publicKey.Length < KeyLength)
        {
            ThrowHelper.ThrowArgument("Needs a 32-byte secret and a 32-byte public key.", nameof(secret));
        }

        Ed25519.EnsureInitialized();
        fixed (byte* q = publicKey)
        fixed (byte* n = secret)
        {
            // Fails only for a secret whose public key is the identity, which libnacl refuses as well.
            if (crypto_scalarmult_base(q, n) != 0)
            {
                ThrowHelper.ThrowInvalidOperation("libsodium failed to derive a Curve25519 public key.");
            }
        }
    }

    [LibraryImport("libsodium")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int crypto_scalarmult_base(byte* q, byte* n);
}

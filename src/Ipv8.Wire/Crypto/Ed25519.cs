using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ipv8.Wire.Crypto;

/// <summary>
/// Ed25519 detached signatures over spans, through the native libsodium that Sodium.Core ships. Sodium.Core's own
/// API takes and returns arrays; these entry points take spans and allocate nothing.
/// </summary>
public static unsafe partial class Ed25519
{
    /// <summary>The length of a signature.</summary>
    public const int SignatureLength = 64;

    /// <summary>The length of a verify (public) key.</summary>
    public const int PublicKeyLength = 32;

    /// <summary>The length of libsodium's secret key (seed followed by the public key).</summary>
    public const int SecretKeyLength = 64;

    /// <summary>The length of a seed.</summary>
    public const int SeedLength = 32;

    private const string Library = "libsodium";

    // sodium_init is idempotent and thread-safe; running it from a static initializer runs it once per process.
    private static readonly int s_initialized = Initialize();

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="message"/> with <paramref name="publicKey"/>.</summary>
    /// <returns>False for a bad signature or wrong-sized arguments; never throws for bad data.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Verify(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> message, ReadOnlySpan<byte> publicKey)
    {
        if (signature.Length != SignatureLength || publicKey.Length != PublicKeyLength)
        {
            return false;
        }

        _ = s_initialized;
        fixed (byte* sig = signature)
        fixed (byte* msg = message)
        fixed (byte* pk = publicKey)
        {
            return crypto_sign_verify_detached(sig, msg, (ulong)message.Length, pk) == 0;
        }
    }

    /// <summary>Signs <paramref name="message"/> into <paramref name="signature"/> (64 bytes) with a 64-byte libsodium secret key.</summary>
    public static void Sign(Span<byte> signature, ReadOnlySpan<byte> message, ReadOnlySpan<byte> secretKey)
    {
        if (signature.Length < SignatureLength)
        {
            ThrowHelper.ThrowArgument("The signature needs 64 bytes.", nameof(signature));
        }

        if (secretKey.Length != SecretKeyLength)
        {
            ThrowHelper.ThrowArgument("An Ed25519 secret key has 64 bytes.", nameof(secretKey));
        }

        _ = s_initialized;
        fixed (byte* sig = signature)
        fixed (byte* msg = message)
        fixed (byte* sk = secretKey)
        {
            if (crypto_sign_detached(sig, null, msg, (ulong)message.Length, sk) != 0)
            {
                ThrowHelper.ThrowInvalidOperation("libsodium failed to sign.");
            }
        }
    }

    /// <summary>Derives the 32-byte public key and 64-byte secret key from a 32-byte seed.</summary>
    public static void KeyPairFromSeed(ReadOnlySpan<byte> seed, Span<byte> publicKey, Span<byte> secretKey)
    {
        if (seed.Length != SeedLength || publicKey.Length < PublicKeyLength || secretKey.Length < SecretKeyLength)
        {
            ThrowHelper.ThrowArgument("Needs a 32-byte seed, a 32-byte public key and a 64-byte secret key.", nameof(seed));
        }

        _ = s_initialized;
        fixed (byte* s = seed)
        fixed (byte* pk = publicKey)
        fixed (byte* sk = secretKey)
        {
            if (crypto_sign_seed_keypair(pk, sk, s) != 0)
            {
                ThrowHelper.ThrowInvalidOperation("libsodium failed to derive a key pair.");
            }
        }
    }

    /// <summary>Runs sodium_init once per process (for the other libsodium calls of this assembly).</summary>
    internal static void EnsureInitialized() => _ = s_initialized;

    private static int Initialize()
    {
        var result = sodium_init();
        if (result < 0)
        {
            ThrowHelper.ThrowInvalidOperation("libsodium failed to initialize.");
        }

        return result;
    }

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int crypto_sign_verify_detached(byte* sig, byte* m, ulong mlen, byte* pk);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int crypto_sign_detached(byte* sig, ulong* siglen, byte* m, ulong mlen, byte* sk);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int crypto_sign_seed_keypair(byte* pk, byte* sk, byte* seed);
}

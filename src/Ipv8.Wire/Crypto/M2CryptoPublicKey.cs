using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace Ipv8.Wire.Crypto;

/// <summary>
/// A legacy elliptic-curve public key (py-ipv8 <c>M2CryptoPK</c>, from Dispersy): the bin is a DER
/// SubjectPublicKeyInfo of a named binary curve, one of py-ipv8's four security levels (very-low sect163k1, low
/// sect233k1, medium sect409k1, high sect571r1). Signatures are ECDSA over the SHA-1 digest of the signed bytes, written
/// as r‖s with each half zero-padded to the curve's byte length (21, 30, 52 or 72 bytes). py-ipv8's tracker service
/// signs with a very-low key. Verification only: this library signs with Ed25519.
/// </summary>
/// <remarks>
/// Verification goes through BouncyCastle, which verifies these curves 5–8 times faster than .NET's <c>ECDsa</c> over
/// OpenSSL on Linux (docs/benchmarks.md) and works on every platform (Windows and macOS have no binary curves).
/// </remarks>
public sealed class M2CryptoPublicKey : PublicKey
{
    // SEQUENCE(16) { OID 1.2.840.10045.2.1 (id-ecPublicKey), OID 1.3.132.0.x }: the AlgorithmIdentifier of every named
    // curve of the SEC 2 arc; the byte after it selects the curve.
    private static ReadOnlySpan<byte> AlgorithmPrefix => [0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x05, 0x2B, 0x81, 0x04, 0x00];

    private readonly ECPublicKeyParameters _parameters;

    private M2CryptoPublicKey(ReadOnlySpan<byte> bin, EcCurve curve, ECPublicKeyParameters parameters)
        : base(bin)
    {
        Curve = curve;
        _parameters = parameters;
    }

    /// <summary>The curve.</summary>
    public EcCurve Curve { get; }

    /// <summary>Twice the curve's byte length: 42, 60, 104 or 144.</summary>
    public override int SignatureLength => 2 * Curve.FieldLength;

    /// <summary>The measured cost of one verification, in Ed25519 verifications.</summary>
    public override int VerificationCost => Curve.VerificationCost;

    /// <summary>
    /// Checks that <paramref name="bin"/> is a DER SubjectPublicKeyInfo of one of py-ipv8's curves, with lengths that add
    /// up, and gives the signature length. Allocates nothing; the point itself is checked by <see cref="TryParse"/>.
    /// </summary>
    public static new KeyError Validate(ReadOnlySpan<byte> bin, out int signatureLength)
    {
        signatureLength = 0;
        if (!TryReadHeader(bin, 0x30, out var outerLength, out var outerHeader) || outerHeader + outerLength != bin.Length)
        {
            return bin.Length > 0 && bin[0] == 0x30 ? KeyError.InvalidKey : KeyError.UnsupportedKeyType;
        }

        var body = bin[outerHeader..];
        if (!body.StartsWith(AlgorithmPrefix) || body.Length <= AlgorithmPrefix.Length)
        {
            return KeyError.UnsupportedCurve;
        }

        var curve = EcCurve.FromOidByte(body[AlgorithmPrefix.Length]);
        if (curve is null)
        {
            return KeyError.UnsupportedCurve;
        }

        var rest = body[(AlgorithmPrefix.Length + 1)..];
        if (!TryReadHeader(rest, 0x03, out var bitsLength, out var bitsHeader) || bitsHeader + bitsLength != rest.Length)
        {
            return KeyError.InvalidKey;
        }

        // BIT STRING: no unused bits, then an uncompressed (04 x y) or compressed (02/03 x) point.
        var point = rest[bitsHeader..];
        var field = curve.FieldLength;
        var valid = point.Length >= 2 && point[0] == 0 &&
            ((point[1] == 0x04 && point.Length == 2 + (2 * field)) || (point[1] is 0x02 or 0x03 && point.Length == 2 + field));
        if (!valid)
        {
            return KeyError.InvalidKey;
        }

        signatureLength = 2 * field;
        return KeyError.None;
    }

    /// <summary>Parses an EC key bin, checking the point is on its curve.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bin, [NotNullWhen(true)] out M2CryptoPublicKey? key, out KeyError error)
    {
        key = null;
        error = Validate(bin, out _);
        if (error != KeyError.None)
        {
            return false;
        }

        ECPublicKeyParameters parameters;
        try
        {
            parameters = (ECPublicKeyParameters)PublicKeyFactory.CreateKey(bin.ToArray());
        }
#pragma warning disable CA1031 // BouncyCastle reports a bad point with several exception types; wire data must not throw out of here.
        catch (Exception)
#pragma warning restore CA1031
        {
            error = KeyError.InvalidKey;
            return false;
        }

        key = new M2CryptoPublicKey(bin, EcCurve.FromOidByte(FindCurveByte(bin))!, parameters);
        return true;
    }

    /// <summary>
    /// Verifies py-ipv8's r‖s signature: ECDSA over SHA-1 of <paramref name="message"/>. A signature of the wrong length,
    /// or with r or s zero or not below the group order, is invalid.
    /// </summary>
    public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureLength)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(message, digest);
        var half = Curve.FieldLength;
        var r = new BigInteger(1, signature[..half]);
        var s = new BigInteger(1, signature[half..]);
        var signer = new ECDsaSigner();
        signer.Init(false, _parameters);
        return signer.VerifySignature(digest.ToArray(), r, s);
    }

    private static byte FindCurveByte(ReadOnlySpan<byte> bin)
    {
        TryReadHeader(bin, 0x30, out _, out var header);
        return bin[header + AlgorithmPrefix.Length];
    }

    // A DER tag and a definite length of up to two length bytes (every key here is shorter than 64 KiB).
    private static bool TryReadHeader(ReadOnlySpan<byte> data, byte tag, out int length, out int headerLength)
    {
        length = 0;
        headerLength = 0;
        if (data.Length < 2 || data[0] != tag)
        {
            return false;
        }

        var first = data[1];
        if (first < 0x80)
        {
            length = first;
            headerLength = 2;
            return true;
        }

        if (first == 0x81 && data.Length >= 3 && data[2] >= 0x80)
        {
            length = data[2];
            headerLength = 3;
            return true;
        }

        if (first == 0x82 && data.Length >= 4 && data[2] != 0)
        {
            length = (data[2] << 8) | data[3];
            headerLength = 4;
            return true;
        }

        return false;
    }
}

/// <summary>One of py-ipv8's four legacy EC curves (<c>keyvault/crypto.py</c> <c>_CURVES</c>).</summary>
public sealed class EcCurve
{
    private EcCurve(string name, string securityLevel, byte oidByte, int fieldLength, int verificationCost)
    {
        Name = name;
        SecurityLevel = securityLevel;
        OidByte = oidByte;
        FieldLength = fieldLength;
        VerificationCost = verificationCost;
    }

    /// <summary>sect163k1, py-ipv8's "very-low" level: what its tracker service signs with. 42-byte signatures.</summary>
    public static EcCurve Sect163K1 { get; } = new("sect163k1", "very-low", 0x01, 21, 1);

    /// <summary>sect233k1, py-ipv8's "low" level. 60-byte signatures.</summary>
    public static EcCurve Sect233K1 { get; } = new("sect233k1", "low", 0x1A, 30, 2);

    /// <summary>sect409k1, py-ipv8's "medium" level. 104-byte signatures.</summary>
    public static EcCurve Sect409K1 { get; } = new("sect409k1", "medium", 0x24, 52, 6);

    /// <summary>sect571r1, py-ipv8's "high" level. 144-byte signatures.</summary>
    public static EcCurve Sect571R1 { get; } = new("sect571r1", "high", 0x27, 72, 9);

    /// <summary>The SEC 2 name.</summary>
    public string Name { get; }

    /// <summary>py-ipv8's security level name.</summary>
    public string SecurityLevel { get; }

    /// <summary>The last arc of the curve's OID, 1.3.132.0.x.</summary>
    public byte OidByte { get; }

    /// <summary>The byte length of a field element, and of each half of a signature.</summary>
    public int FieldLength { get; }

    /// <summary>One verification, in Ed25519 verifications (measured; docs/benchmarks.md), for the verification budget.</summary>
    public int VerificationCost { get; }

    /// <summary>The four curves.</summary>
    public static IReadOnlyList<EcCurve> All { get; } = [Sect163K1, Sect233K1, Sect409K1, Sect571R1];

    /// <summary>The curve with OID 1.3.132.0.<paramref name="oidByte"/>, or null.</summary>
    public static EcCurve? FromOidByte(byte oidByte) => oidByte switch
    {
        0x01 => Sect163K1,
        0x1A => Sect233K1,
        0x24 => Sect409K1,
        0x27 => Sect571R1,
        _ => null,
    };

    /// <inheritdoc/>
    public override string ToString() => Name;
}

namespace Ipv8.Wire.Crypto;

/// <summary>Why key bytes were not accepted.</summary>
public enum KeyError
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The bytes are <c>LibNaCLSK:</c> private key material where a public key belongs.</summary>
    PrivateKeyMaterial,

    /// <summary>The bytes are a LibNaCL public key where a private key belongs.</summary>
    PublicKeyMaterial,

    /// <summary>Neither a LibNaCL key nor a DER SubjectPublicKeyInfo of an elliptic-curve key.</summary>
    UnsupportedKeyType,

    /// <summary>A LibNaCL prefix with a length other than 74 bytes.</summary>
    WrongLength,

    /// <summary>An elliptic-curve key on a curve other than py-ipv8's four (sect163k1, sect233k1, sect409k1, sect571r1).</summary>
    UnsupportedCurve,

    /// <summary>Key bytes of a known type whose content is invalid (a malformed DER structure, or a point not on the curve).</summary>
    InvalidKey,
}

/// <summary>Reasons for <see cref="KeyError"/>.</summary>
public static class KeyErrors
{
    /// <summary>A one-line reason.</summary>
    public static string Describe(this KeyError error) => error switch
    {
        KeyError.None => "ok",
        KeyError.PrivateKeyMaterial => "private key material (LibNaCLSK:) is never accepted as a public key",
        KeyError.PublicKeyMaterial => "a public key (LibNaCLPK:) is not a private key",
        KeyError.UnsupportedKeyType => "unsupported key type: neither a LibNaCL key nor an M2Crypto EC key (DER SubjectPublicKeyInfo)",
        KeyError.WrongLength => "a LibNaCL key bin is exactly 74 bytes",
        KeyError.UnsupportedCurve => "unsupported curve: py-ipv8's EC keys use sect163k1, sect233k1, sect409k1 or sect571r1",
        KeyError.InvalidKey => "invalid key: malformed DER or a point that is not on the curve",
        _ => "unknown key error",
    };
}

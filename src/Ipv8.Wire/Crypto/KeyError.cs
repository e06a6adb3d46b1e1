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

    /// <summary>Not a LibNaCL key (for example a legacy M2Crypto EC key, which is not supported).</summary>
    UnsupportedKeyType,

    /// <summary>A LibNaCL prefix with a length other than 74 bytes.</summary>
    WrongLength,
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
        KeyError.UnsupportedKeyType => "unsupported key type: only LibNaCL (Curve25519/Ed25519) keys are supported",
        KeyError.WrongLength => "a LibNaCL key bin is exactly 74 bytes",
        _ => "unknown key error",
    };
}

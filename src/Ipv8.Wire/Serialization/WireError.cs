namespace Ipv8.Wire;

/// <summary>Why wire data was rejected. Every <c>Try…</c> read reports one of these instead of throwing.</summary>
public enum WireError : byte
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The data ended before the field did.</summary>
    Truncated,

    /// <summary>Bytes were left after the last field.</summary>
    TrailingBytes,

    /// <summary>An address type byte other than 1 (IPv4) or 3 (IPv6), or 2 where domains are not allowed.</summary>
    InvalidAddressType,

    /// <summary>Text that is not valid UTF-8.</summary>
    InvalidUtf8,

    /// <summary>The packet is shorter than a community prefix and a message id (23 bytes).</summary>
    TooShort,

    /// <summary>The packet belongs to another community (its first 22 bytes differ).</summary>
    WrongPrefix,

    /// <summary>The sender's key is neither a LibNaCL public key (<c>LibNaCLPK:</c>, 74 bytes) nor a well-formed EC key on one of py-ipv8's curves.</summary>
    UnsupportedKey,

    /// <summary>The sender's key is private key material.</summary>
    PrivateKeyMaterial,

    /// <summary>The Ed25519 signature does not match.</summary>
    BadSignature,

    /// <summary>The message id has no decoder.</summary>
    UnknownMessage,

    /// <summary>The message id (byte 22) is not the id of the payload type asked for.</summary>
    WrongMessageId,
}

/// <summary>Human-readable reasons for <see cref="WireError"/>.</summary>
public static class WireErrors
{
    /// <summary>A short lowercase reason, as printed by <c>ipv8 decode</c>.</summary>
    public static string Describe(this WireError error) => error switch
    {
        WireError.None => "ok",
        WireError.Truncated => "truncated: data ended inside a field",
        WireError.TrailingBytes => "trailing bytes after the last field",
        WireError.InvalidAddressType => "invalid address type",
        WireError.InvalidUtf8 => "invalid utf-8 text",
        WireError.TooShort => "packet shorter than prefix and message id (23 bytes)",
        WireError.WrongPrefix => "wrong community prefix",
        WireError.UnsupportedKey => "unsupported key: neither a LibNaCL key nor an EC key on one of py-ipv8's curves",
        WireError.PrivateKeyMaterial => "private key material where a public key belongs",
        WireError.BadSignature => "invalid signature",
        WireError.UnknownMessage => "unknown message id",
        WireError.WrongMessageId => "message id is not the payload's",
        _ => "unknown error",
    };
}

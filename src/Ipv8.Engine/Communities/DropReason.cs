namespace Ipv8.Engine.Communities;

/// <summary>Why an incoming datagram was dropped. Each reason has its own counter.</summary>
public enum DropReason
{
    /// <summary>No community has the datagram's 22-byte prefix (counted by the node's dispatcher).</summary>
    BadPrefix,

    /// <summary>The datagram is too short for a prefix and a message id (py-ipv8 raises on a 22-byte packet).</summary>
    TooShort,

    /// <summary>The datagram does not decode (truncated, trailing bytes, bad field).</summary>
    Malformed,

    /// <summary>The signature is invalid.</summary>
    BadSignature,

    /// <summary>The sender's key is neither a LibNaCL key nor a usable EC key, or is private key material.</summary>
    UnsupportedKey,

    /// <summary>No handler is registered for the message id.</summary>
    UnknownMessage,

    /// <summary>A deprecated message id (235–244, 247, 248, 251–255): logged and ignored.</summary>
    Deprecated,

    /// <summary>The handler threw; the exception was caught and logged.</summary>
    HandlerError,

    /// <summary>An introduction request arrived while the community was over its peer limit.</summary>
    PeerLimit,

    /// <summary>The sender is blacklisted (by address or mid).</summary>
    Blacklisted,

    /// <summary>A rate limit refused the work.</summary>
    RateLimited,
}

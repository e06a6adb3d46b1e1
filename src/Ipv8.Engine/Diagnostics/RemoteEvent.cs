namespace Ipv8.Engine.Diagnostics;

/// <summary>
/// The kinds of log events a remote sender can cause. Each kind has its own rate gate in a <see cref="RemoteLog"/>;
/// docs/logging.md lists them with their event ids.
/// </summary>
internal enum RemoteEvent
{
    /// <summary>A message id without a handler (event 2001).</summary>
    UnknownMessage,

    /// <summary>A deprecated discovery message id (event 2002).</summary>
    DeprecatedMessage,

    /// <summary>A handler threw (event 2003).</summary>
    HandlerError,

    /// <summary>A message that does not decode or verify (event 2004).</summary>
    DecodeFailure,

    /// <summary>An introduction request over the peer limit (event 2005).</summary>
    PeerLimit,

    /// <summary>A signed message under this node's own key (event 2006).</summary>
    OwnKeyHeard,

    /// <summary>The endpoint's packet sink threw (event 3004).</summary>
    SinkError,

    /// <summary>A beacon for this community (event 4002).</summary>
    BeaconReceived,
}

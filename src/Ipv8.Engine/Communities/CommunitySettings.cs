using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Limits;
using Ipv8.Engine.Peers;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Communities;

/// <summary>
/// What a <see cref="Community"/> is built with (py-ipv8 <c>CommunitySettings</c>): its peer limit and anonymity
/// wish, plus the node's key, endpoint and network. <see cref="Ipv8Node.CreateSettings"/> fills in the node parts.
/// </summary>
public sealed class CommunitySettings
{
    /// <summary>The py-ipv8 default peer limit.</summary>
    public const int DefaultMaxPeers = 30;

    /// <summary>
    /// The number of peers at which the community stops answering introduction requests (py-ipv8 <c>max_peers</c>).
    /// -1 means unlimited. Default 30.
    /// </summary>
    public int MaxPeers { get; set; } = DefaultMaxPeers;

    /// <summary>Route this community through an anonymizing endpoint when there is one (py-ipv8 <c>anonymize</c>). Default false.</summary>
    public bool Anonymize { get; set; }

    /// <summary>Per-source limits applied before expensive work (see docs/security.md). Default: <see cref="RateLimitOptions"/>'s defaults.</summary>
    public RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>This node's private key. Required.</summary>
    public LibNaClPrivateKey? Key { get; set; }

    /// <summary>The endpoint to send through. Required.</summary>
    public IEndpoint? Endpoint { get; set; }

    /// <summary>The peer table, shared by the node's communities. Required.</summary>
    public Network? Network { get; set; }

    /// <summary>This node's own peer; shared by its communities so they share one Lamport clock. Created from <see cref="Key"/> when null.</summary>
    public Peer? MyPeer { get; set; }

    /// <summary>Logging. Default: none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock for timers and timeouts. Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The seed of the community's random choices (walks, introductions), or null for a random seed. Tests set it.</summary>
    public int? RandomSeed { get; set; }

    /// <summary>
    /// Each kind of log event a remote sender can cause (unknown or deprecated message ids, handler errors, decode
    /// failures...) is logged at most once per this interval, each kind on its own clock, with the number suppressed in
    /// between; every such message is still counted. Zero logs every one (still off the packet path). A message under
    /// this node's own key is logged at most once a minute whatever this says. Default 1 s. See docs/logging.md.
    /// </summary>
    public TimeSpan RemoteEventLogInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Called on the dispatch thread with every exception a message handler throws, before the (rate-limited,
    /// asynchronous) log line: Ipv8.Testing's <c>TestNetwork</c> reports each one to the test that caused it.
    /// </summary>
    internal Action<Exception>? HandlerErrorObserver { get; set; }

    /// <summary>A shallow copy.</summary>
    public CommunitySettings Clone() => (CommunitySettings)MemberwiseClone();
}

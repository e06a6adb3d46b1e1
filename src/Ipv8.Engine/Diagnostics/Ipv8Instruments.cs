namespace Ipv8.Engine.Diagnostics;

/// <summary>
/// The names of the instruments on the <see cref="Ipv8Metrics.MeterName"/> meter, for <c>dotnet-counters</c> and
/// OpenTelemetry views. Every measurement carries a <c>node</c> tag (<see cref="Ipv8Node.Name"/>); per-community
/// instruments also carry <c>community</c> (the community's type name).
/// </summary>
public static class Ipv8Instruments
{
    /// <summary>Counter: packets that reached a community, tags <c>node</c>, <c>community</c>, <c>msg_id</c>.</summary>
    public const string PacketsReceived = "ipv8.community.packets.received";

    /// <summary>Counter: bytes that reached a community, tags <c>node</c>, <c>community</c>, <c>msg_id</c>.</summary>
    public const string BytesReceived = "ipv8.community.bytes.received";

    /// <summary>Counter: packets a community sent, tags <c>node</c>, <c>community</c>, <c>msg_id</c>.</summary>
    public const string PacketsSent = "ipv8.community.packets.sent";

    /// <summary>Counter: bytes a community sent, tags <c>node</c>, <c>community</c>, <c>msg_id</c>.</summary>
    public const string BytesSent = "ipv8.community.bytes.sent";

    /// <summary>Counter: datagrams a community dropped, tags <c>node</c>, <c>community</c>, <c>reason</c> (a <see cref="Communities.DropReason"/> name).</summary>
    public const string Drops = "ipv8.community.drops";

    /// <summary>
    /// Counter: signatures a community made with its node's key (every signed message it built), tags <c>node</c>,
    /// <c>community</c>.
    /// </summary>
    public const string SignaturesCreated = "ipv8.community.signatures.created";

    /// <summary>
    /// Counter: signature checks a community ran on incoming messages, valid or not (Ed25519 and legacy EC keys), tags
    /// <c>node</c>, <c>community</c>.
    /// </summary>
    public const string SignaturesVerified = "ipv8.community.signatures.verified";

    /// <summary>Gauge: verified peers of a community, tags <c>node</c>, <c>community</c>.</summary>
    public const string Peers = "ipv8.community.peers";

    /// <summary>Gauge: verified peers in the node's peer table (all communities), tag <c>node</c>.</summary>
    public const string NetworkPeers = "ipv8.network.peers";

    /// <summary>
    /// Histogram, seconds: from sending an introduction request to handling its verified response (the walk's round
    /// trip), tags <c>node</c>, <c>community</c>.
    /// </summary>
    public const string WalkRoundTrip = "ipv8.walk.rtt";

    /// <summary>Histogram, seconds: one Ed25519 signature check of an incoming message, tags <c>node</c>, <c>community</c>.</summary>
    public const string VerifyDuration = "ipv8.signature.verify.duration";

    /// <summary>Counter: datagrams dropped before reaching a community, tags <c>node</c>, <c>reason</c> (<c>bad_prefix</c>, <c>too_short</c>).</summary>
    public const string NodeDrops = "ipv8.node.drops";

    /// <summary>Counter: datagrams the endpoint received, tag <c>node</c>.</summary>
    public const string EndpointPacketsReceived = "ipv8.endpoint.packets.received";

    /// <summary>Counter: datagrams the endpoint sent, tag <c>node</c>.</summary>
    public const string EndpointPacketsSent = "ipv8.endpoint.packets.sent";

    /// <summary>Counter: bytes the endpoint received, tag <c>node</c>.</summary>
    public const string EndpointBytesReceived = "ipv8.endpoint.bytes.received";

    /// <summary>Counter: bytes the endpoint sent, tag <c>node</c>.</summary>
    public const string EndpointBytesSent = "ipv8.endpoint.bytes.sent";

    /// <summary>Counter: sends the endpoint could not complete, tag <c>node</c>.</summary>
    public const string EndpointSendFailures = "ipv8.endpoint.send_failures";
}

using Ipv8.Wire;

namespace Ipv8.Engine.Endpoints;

/// <summary>Receives datagrams from an endpoint. Called from the endpoint's dispatch loop; must not throw.</summary>
public interface IPacketSink
{
    /// <summary>
    /// Handles one datagram. <paramref name="datagram"/> is valid only during the call: copy what you keep.
    /// </summary>
    void OnPacket(UdpAddress source, ReadOnlySpan<byte> datagram);
}

/// <summary>A datagram transport (py-ipv8 <c>Endpoint</c>): UDP sockets, or an in-memory network for simulations.</summary>
public interface IEndpoint : IAsyncDisposable
{
    /// <summary>The bound IPv4 address, if the endpoint serves IPv4.</summary>
    UdpAddress? Ipv4Address { get; }

    /// <summary>The bound IPv6 address, if the endpoint serves IPv6.</summary>
    UdpAddress? Ipv6Address { get; }

    /// <summary>True between <see cref="Open"/> and <see cref="CloseAsync"/>.</summary>
    bool IsOpen { get; }

    /// <summary>Byte and packet counters.</summary>
    EndpointCounters Counters { get; }

    /// <summary>A short description for reports, such as "udp" or "in-memory".</summary>
    string Kind { get; }

    /// <summary>Opens the endpoint and starts delivering datagrams to <paramref name="sink"/>.</summary>
    void Open(IPacketSink sink);

    /// <summary>Sends a datagram. Returns false (and counts it) when it could not be sent. Never throws for network errors.</summary>
    bool Send(UdpAddress destination, ReadOnlySpan<byte> datagram);

    /// <summary>Stops receiving and releases the sockets.</summary>
    ValueTask CloseAsync();
}

/// <summary>
/// An endpoint that can route a community's traffic through an anonymizing tunnel (py-ipv8 <c>TunnelEndpoint</c>).
/// A community with <c>Anonymize</c> set asks its endpoint for this capability and, when it is missing, logs a
/// warning and carries on in the clear, as py-ipv8 does.
/// </summary>
public interface IAnonymizingEndpoint : IEndpoint
{
    /// <summary>Turns anonymity on or off for the community with this 22-byte prefix.</summary>
    void SetAnonymity(ReadOnlySpan<byte> prefix, bool enabled);
}

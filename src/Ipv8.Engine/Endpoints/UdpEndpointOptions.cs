using System.Net;

namespace Ipv8.Engine.Endpoints;

/// <summary>How a <see cref="UdpEndpoint"/> receives.</summary>
public enum ReceiveMode
{
    /// <summary>
    /// A dedicated thread per socket doing blocking receives straight into pipe memory: the fastest path (see
    /// PERF-NOTES.md), for nodes with one or two sockets.
    /// </summary>
    DedicatedThread,

    /// <summary>
    /// Asynchronous receives on the thread pool: scales to hundreds of endpoints in one process (swarms), at some cost
    /// per datagram.
    /// </summary>
    Async,
}

/// <summary>Settings of a <see cref="UdpEndpoint"/>.</summary>
public sealed class UdpEndpointOptions
{
    /// <summary>The IPv4 address to bind, or null for no IPv4 socket. Default 0.0.0.0 (all interfaces), as py-ipv8.</summary>
    public IPAddress? Ipv4Host { get; set; } = IPAddress.Any;

    /// <summary>The IPv6 address to bind, or null for no IPv6 socket (the default). The socket sets IPV6_V6ONLY.</summary>
    public IPAddress? Ipv6Host { get; set; }

    /// <summary>The port for both sockets. 0 picks a free port (IPv4 first; IPv6 then uses the same number if it can).</summary>
    public int Port { get; set; } = 8090;

    /// <summary>
    /// When the port is in use, try up to this many following ports, as py-ipv8 does. Default 0: a port in use is an
    /// error.
    /// </summary>
    public int PortRetries { get; set; }

    /// <summary>How datagrams are received (ignored when <see cref="Group"/> is set).</summary>
    public ReceiveMode ReceiveMode { get; set; } = ReceiveMode.DedicatedThread;

    /// <summary>
    /// Receive threads shared with other endpoints of this process (many nodes in one process): the sockets join the
    /// group's threads instead of running loops, pipes and buffers of their own, and <see cref="ReceiveMode"/>,
    /// <see cref="Workers"/>, <see cref="PauseWriterThreshold"/> and <see cref="FlushBatch"/> do not apply. Default null:
    /// the endpoint receives on its own.
    /// </summary>
    public UdpEndpointGroup? Group { get; set; }

    /// <summary>
    /// Receive workers per address family in <see cref="ReceiveMode.DedicatedThread"/> mode on Linux: that many
    /// SO_REUSEPORT sockets on the same port, each with its own receive thread, pipe and dispatch thread, so verification
    /// and signing use every core. The kernel keeps each source on one socket, so a peer's messages stay in order.
    /// Default: all cores. Note that SO_REUSEPORT also lets another process of the same user bind the port.
    /// </summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>The kernel receive buffer (SO_RCVBUF) to ask for, in bytes. Default 4 MiB.</summary>
    public int ReceiveBufferSize { get; set; } = 4 << 20;

    /// <summary>The kernel send buffer (SO_SNDBUF) to ask for, in bytes. Default 1 MiB.</summary>
    public int SendBufferSize { get; set; } = 1 << 20;

    /// <summary>
    /// Bytes waiting in the pipe between the receive and dispatch loops before the receive loop stops reading (and the
    /// kernel drops what arrives). Default 1 MiB (about 4,700 discovery-sized datagrams, on top of the kernel's
    /// receive buffer). In <see cref="ReceiveMode.DedicatedThread"/> mode the segments for this much are allocated when the
    /// endpoint opens (about 4 MiB per socket), so that bursts allocate nothing.
    /// </summary>
    public long PauseWriterThreshold { get; set; } = 1 << 20;

    /// <summary>Bytes waiting below which receiving resumes. Default 512 KiB.</summary>
    public long ResumeWriterThreshold { get; set; } = 512 << 10;

    /// <summary>Datagrams received before the receive loop flushes to the dispatch loop even if more are waiting. Default 64.</summary>
    public int FlushBatch { get; set; } = 64;

    /// <summary>
    /// Refuse (and count as a send failure) every destination outside 127.0.0.0/8 and ::1. For tests, benchmarks and
    /// demos. Default false.
    /// </summary>
    public bool LoopbackOnly { get; set; }

    internal void Validate()
    {
        if (Ipv4Host is null && Ipv6Host is null)
        {
            throw new ArgumentException("A UDP endpoint needs an IPv4 host, an IPv6 host or both.", nameof(Ipv4Host));
        }

        if (Ipv4Host is { AddressFamily: not System.Net.Sockets.AddressFamily.InterNetwork })
        {
            throw new ArgumentException($"Ipv4Host must be an IPv4 address, not {Ipv4Host}.", nameof(Ipv4Host));
        }

        if (Ipv6Host is { AddressFamily: not System.Net.Sockets.AddressFamily.InterNetworkV6 })
        {
            throw new ArgumentException($"Ipv6Host must be an IPv6 address, not {Ipv6Host}.", nameof(Ipv6Host));
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "A port is 0-65535.");
        }

        if (Workers < 1 || Workers > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "Workers is 1-256.");
        }

        if (PortRetries < 0 || FlushBatch < 1 || ResumeWriterThreshold > PauseWriterThreshold)
        {
            throw new ArgumentException("PortRetries must be >= 0, FlushBatch >= 1 and ResumeWriterThreshold <= PauseWriterThreshold.");
        }
    }
}

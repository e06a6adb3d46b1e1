using System.Net.Sockets;
using Ipv8.Wire;

namespace Ipv8.Engine.Endpoints;

/// <summary>The bound sockets of a <see cref="UdpEndpoint"/>: one primary socket per family, plus the SO_REUSEPORT worker sockets.</summary>
internal sealed class UdpSocketSet(Socket? ipv4, Socket? ipv6, IReadOnlyList<Socket> workers) : IDisposable
{
    /// <summary>The primary IPv4 socket (sends go through it), or null.</summary>
    public Socket? Ipv4 { get; } = ipv4;

    /// <summary>The primary IPv6 socket (sends go through it), or null.</summary>
    public Socket? Ipv6 { get; } = ipv6;

    /// <summary>The address <see cref="Ipv4"/> is bound to.</summary>
    public UdpAddress? Ipv4Address { get; } = ipv4 is null ? null : UdpSocketBinder.LocalAddress(ipv4);

    /// <summary>The address <see cref="Ipv6"/> is bound to.</summary>
    public UdpAddress? Ipv6Address { get; } = ipv6 is null ? null : UdpSocketBinder.LocalAddress(ipv6);

    /// <summary>Every socket that receives: the primaries, then the workers.</summary>
    public IEnumerable<Socket> All
    {
        get
        {
            if (Ipv4 is not null)
            {
                yield return Ipv4;
            }

            if (Ipv6 is not null)
            {
                yield return Ipv6;
            }

            foreach (var socket in workers)
            {
                yield return socket;
            }
        }
    }

    /// <summary>Closes every socket, which ends the receive loops.</summary>
    public void Dispose()
    {
        foreach (var socket in All)
        {
            socket.Dispose();
        }
    }
}

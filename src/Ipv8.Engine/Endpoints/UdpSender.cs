using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Ipv8.Engine.Diagnostics;
using Ipv8.Wire;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// The send side of a <see cref="UdpEndpoint"/> (Kestrel's <c>SocketSender</c>, for datagrams): synchronous sends from
/// the caller's span through the primary socket of the destination's family, with a per-thread
/// <see cref="SocketAddress"/> per family so that a send allocates nothing. Never throws for network errors: a failure
/// returns false and is counted.
/// </summary>
internal sealed class UdpSender(UdpSocketSet sockets, bool loopbackOnly, EndpointCounters counters, RemoteLog log)
{
    [ThreadStatic]
    private static SocketAddress? t_send4;

    [ThreadStatic]
    private static SocketAddress? t_send6;

    private int _missingFamilyLogged; // bit 1: IPv4, bit 2: IPv6

    /// <summary>Sends one datagram; false (counted) when it could not be sent.</summary>
    public bool Send(UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        var socket = destination.IsIPv6 ? sockets.Ipv6 : sockets.Ipv4;
        if (socket is null || (loopbackOnly && !destination.IsLoopback))
        {
            counters.SendFailed();
            if (socket is null)
            {
                LogMissingFamily(destination);
            }

            return false;
        }

        SocketAddress socketAddress;
        if (destination.IsIPv6)
        {
            socketAddress = t_send6 ??= new SocketAddress(AddressFamily.InterNetworkV6);
        }
        else
        {
            socketAddress = t_send4 ??= new SocketAddress(AddressFamily.InterNetwork);
        }

        destination.CopyTo(socketAddress);
        try
        {
            socket.SendTo(datagram, SocketFlags.None, socketAddress);
            counters.Sent(datagram.Length);
            return true;
        }
        catch (SocketException)
        {
            counters.SendFailed();
            return false;
        }
        catch (ObjectDisposedException)
        {
            counters.SendFailed();
            return false;
        }
    }

    /// <summary>
    /// A send to a family without a socket (an IPv4 destination of an IPv6-only endpoint, or the reverse) can never
    /// succeed: say so once per family, so that it is not only a number in the send failures.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LogMissingFamily(UdpAddress destination)
    {
        var bit = destination.IsIPv6 ? 2 : 1;
        if ((Interlocked.Or(ref _missingFamilyLogged, bit) & bit) != 0)
        {
            return;
        }

        EndpointLog.MissingFamily(log, destination, sockets.Ipv4Address ?? sockets.Ipv6Address ?? UdpAddress.Any);
    }
}

using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ipv8.Engine.Diagnostics;
using Ipv8.Wire;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// The send side of a <see cref="UdpEndpoint"/> (Kestrel's <c>SocketSender</c>, for datagrams): synchronous sends from
/// the caller's span through the primary socket of the destination's family. On Linux a send is one <c>sendto</c> call
/// (<see cref="LinuxNative.SendTo"/>, the sockaddr on the stack); elsewhere, and when a non-blocking descriptor has no
/// room, it is <c>Socket.SendTo</c> with a per-thread <see cref="SocketAddress"/> per family. Either way a send
/// allocates nothing and never throws for network errors: a failure returns false and is counted.
/// </summary>
internal sealed class UdpSender(UdpSocketSet sockets, bool loopbackOnly, EndpointCounters counters, RemoteLog log)
{
    // The sockets' handles, so that a send on Linux touches neither the socket set nor the Socket. Null when the family
    // has no socket.
    private readonly SafeHandle? _ipv4Handle = sockets.Ipv4?.SafeHandle;
    private readonly SafeHandle? _ipv6Handle = sockets.Ipv6?.SafeHandle;

    [ThreadStatic]
    private static SocketAddress? t_send4;

    [ThreadStatic]
    private static SocketAddress? t_send6;

    private int _missingFamilyLogged; // bit 1: IPv4, bit 2: IPv6

    /// <summary>Sends one datagram; false (counted) when it could not be sent.</summary>
    public bool Send(UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        var handle = destination.IsIPv6 ? _ipv6Handle : _ipv4Handle;
        if (handle is null || (loopbackOnly && !destination.IsLoopback))
        {
            counters.SendFailed();
            if (handle is null)
            {
                LogMissingFamily(destination);
            }

            return false;
        }

        if (OperatingSystem.IsLinux())
        {
            var error = LinuxNative.SendTo(handle, destination, datagram);
            if (error == 0)
            {
                counters.Sent(datagram.Length);
                return true;
            }

            return AfterNativeError(error, destination, datagram);
        }

        return SendManaged(destination, datagram);
    }

    /// <summary>
    /// What a failed <c>sendto</c> (<paramref name="error"/>, its errno) becomes. <c>EAGAIN</c>: the descriptor is
    /// non-blocking (.NET makes it so once an async receive runs on the socket, in <see cref="ReceiveMode.Async"/>) and
    /// the send buffer is full; <c>Socket.SendTo</c> then waits for room, as it does for a socket that is blocking to
    /// .NET, so the datagram goes through it, as it always did. Anything else (a closed socket included) is a counted
    /// failure, as the <see cref="SocketException"/> it was.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool AfterNativeError(int error, UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        if (error == LinuxNative.Eagain)
        {
            return SendManaged(destination, datagram);
        }

        counters.SendFailed();
        return false;
    }

    /// <summary>The portable send: <c>Socket.SendTo</c> with a per-thread <see cref="SocketAddress"/>.</summary>
    private bool SendManaged(UdpAddress destination, ReadOnlySpan<byte> datagram)
    {
        var socket = (destination.IsIPv6 ? sockets.Ipv6 : sockets.Ipv4)!; // Send checked the family has one
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

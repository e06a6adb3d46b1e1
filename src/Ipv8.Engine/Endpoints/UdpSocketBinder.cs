using System.Net;
using System.Net.Sockets;
using Ipv8.Wire;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// Binds the sockets of a <see cref="UdpEndpoint"/> (the part Kestrel's <c>SocketConnectionListener.Bind</c> does): a
/// primary socket per family on the configured port, trying the following ports as <see cref="UdpEndpointOptions.PortRetries"/>
/// allows, then the SO_REUSEPORT worker sockets on the same port. Either everything is bound, or nothing is left open
/// and the exception says why.
/// </summary>
internal static class UdpSocketBinder
{
    /// <summary>
    /// Receive loops per address family: <see cref="UdpEndpointOptions.Workers"/> in dedicated-thread mode on Linux, where
    /// each is its own SO_REUSEPORT socket; otherwise 1.
    /// </summary>
    public static int WorkersFor(UdpEndpointOptions options) =>
        options.Group is null && options.ReceiveMode == ReceiveMode.DedicatedThread && OperatingSystem.IsLinux() ? Math.Max(1, options.Workers) : 1;

    /// <summary>Binds every socket of an endpoint with <paramref name="options"/>.</summary>
    public static UdpSocketSet Bind(UdpEndpointOptions options)
    {
        var workers = WorkersFor(options);
        var (ipv4, ipv6) = BindPrimary(options, workers);
        var workerSockets = new List<Socket>();
        try
        {
            for (var worker = 1; worker < workers; worker++)
            {
                if (ipv4 is not null)
                {
                    workerSockets.Add(CreateSocket(options, workers, options.Ipv4Host!, LocalAddress(ipv4).Port));
                }

                if (ipv6 is not null)
                {
                    workerSockets.Add(CreateSocket(options, workers, options.Ipv6Host!, LocalAddress(ipv6).Port));
                }
            }
        }
        catch
        {
            new UdpSocketSet(ipv4, ipv6, workerSockets).Dispose();
            throw;
        }

        return new UdpSocketSet(ipv4, ipv6, workerSockets);
    }

    /// <summary>The address a bound socket listens on.</summary>
    public static UdpAddress LocalAddress(Socket socket) => UdpAddress.FromIPEndPoint((IPEndPoint)socket.LocalEndPoint!);

    private static (Socket? Ipv4, Socket? Ipv6) BindPrimary(UdpEndpointOptions options, int workers)
    {
        var port = options.Port;
        var takenOn = new List<IPAddress>(); // the address of each port found in use, to say where
        for (var attempt = 0; ; attempt++)
        {
            Socket? ipv4 = null;
            Socket? ipv6 = null;
            try
            {
                if (options.Ipv4Host is { } v4)
                {
                    ipv4 = CreateSocket(options, workers, v4, ReservePort(workers, v4, port));
                    port = LocalAddress(ipv4).Port;
                }

                if (options.Ipv6Host is { } v6)
                {
                    ipv6 = CreateSocket(options, workers, v6, ReservePort(workers, v6, port));
                }

                return (ipv4, ipv6);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                var host = ipv4 is null && options.Ipv4Host is { } failedV4 ? failedV4 : options.Ipv6Host!;
                ipv4?.Dispose();
                ipv6?.Dispose();
                if (!takenOn.Contains(host))
                {
                    takenOn.Add(host);
                }

                if (attempt >= options.PortRetries || options.Port == 0 || port >= 65535)
                {
                    var where = string.Join(" or ", takenOn);
                    throw new SocketException((int)SocketError.AddressAlreadyInUse, attempt == 0
                        ? $"UDP port {port} is already in use on {where}."
                        : $"UDP ports {options.Port}-{port} are all in use on {where}.");
                }

                port = options.Port + attempt + 1;
            }
            catch
            {
                ipv4?.Dispose();
                ipv6?.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// With SO_REUSEPORT a bind succeeds on a port that another SO_REUSEPORT socket of this user holds (and Linux even
    /// hands such a port out for port 0), so two endpoints could silently share a port. A plain bind first finds a port
    /// that is really free (or throws AddressAlreadyInUse); the workers then bind it.
    /// </summary>
    private static int ReservePort(int workers, IPAddress host, int port)
    {
        if (workers <= 1)
        {
            return port;
        }

        using var probe = new Socket(host.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (host.AddressFamily == AddressFamily.InterNetworkV6)
        {
            probe.DualMode = false;
        }

        probe.Bind(new IPEndPoint(host, port));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static Socket CreateSocket(UdpEndpointOptions options, int workers, IPAddress host, int port)
    {
        var socket = new Socket(host.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (host.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false; // IPV6_V6ONLY: IPv4 has its own socket
            }

            if (workers > 1)
            {
                // SO_REUSEPORT (Linux: SOL_SOCKET 1, option 15): every worker socket binds the same port.
                socket.SetRawSocketOption(1, 15, BitConverter.GetBytes(1));
            }

            socket.ReceiveBufferSize = options.ReceiveBufferSize;
            socket.SendBufferSize = options.SendBufferSize;
            if (options.Group is null && options.ReceiveMode == ReceiveMode.DedicatedThread)
            {
                // Lets the blocking receive loop notice a close even where closing does not wake it.
                socket.ReceiveTimeout = 250;
            }

            socket.Bind(new IPEndPoint(host, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

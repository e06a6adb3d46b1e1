using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Ipv8.Engine.Endpoints;
using Ipv8.Wire;

namespace Ipv8.Bench;

/// <summary>
/// One 200-byte datagram sent to a loopback socket: <c>Socket.SendTo</c> with a reused <see cref="SocketAddress"/> (what
/// <c>UdpSender</c> did), the engine's direct <c>sendto</c> (<c>LinuxNative.SendTo</c>, what it does now on Linux), and
/// <see cref="UdpEndpoint.Send"/> (lifecycle check, counters, the direct send). A thread drains the receiver with
/// recvmmsg so that its queue does not fill; the receiver's drops (from /proc/net/udp) are printed at the end. Linux only.
/// </summary>
[MemoryDiagnoser]
public unsafe class SendBenchmarks
{
    private const int Batch = 64;
    private const int MsgWaitForOne = 0x10000;

    private readonly byte[] _datagram = new byte[200];
    private Socket _receiver = null!;
    private Socket _sender = null!;
    private SocketAddress _socketAddress = null!;
    private UdpEndpoint _endpoint = null!;
    private UdpAddress _destination;
    private Thread _drain = null!;
    private volatile bool _stop;
    private long _drained;

    [GlobalSetup]
    public void Setup()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the direct sendto is the engine's Linux path");
        }

        new Random(200).NextBytes(_datagram);
        _receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 8 << 20, ReceiveTimeout = 200 };
        _receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _destination = UdpAddress.FromIPEndPoint((IPEndPoint)_receiver.LocalEndPoint!);
        _drain = new Thread(Drain) { IsBackground = true, Name = "send-bench-drain" };
        _drain.Start();

        // Blocking, as the dedicated-thread and group modes leave the engine's sockets.
        _sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { SendBufferSize = 1 << 20 };
        _sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socketAddress = new SocketAddress(AddressFamily.InterNetwork);

        _endpoint = new UdpEndpoint(new UdpEndpointOptions { Ipv4Host = IPAddress.Loopback, Port = 0, LoopbackOnly = true });
        _endpoint.Open(new NullSink());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _drain.Join();
        Console.WriteLine($"// receiver: {Interlocked.Read(ref _drained):N0} datagrams drained, {ReceiverDrops()} dropped");
        _endpoint.CloseAsync().AsTask().GetAwaiter().GetResult();
        _sender.Dispose();
        _receiver.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Socket.SendTo + SocketAddress (before)")]
    public int SocketSendTo()
    {
        _destination.CopyTo(_socketAddress);
        return _sender.SendTo(_datagram, SocketFlags.None, _socketAddress);
    }

    [Benchmark(Description = "LinuxNative.SendTo: one sendto (after)")]
    public int DirectSendTo() => LinuxNative.SendTo(_sender.SafeHandle, _destination, _datagram);

    [Benchmark(Description = "UdpEndpoint.Send (after: counters + sendto)")]
    public bool EndpointSend() => _endpoint.Send(_destination, _datagram);

    private void Drain()
    {
        var fd = (int)_receiver.Handle;
        var buffers = new byte[Batch * 2048];
        var headers = new LinuxNative.MMsgHdr[Batch];
        var iovecs = new LinuxNative.IoVec[Batch];
        fixed (byte* data = buffers)
        fixed (LinuxNative.MMsgHdr* hdr = headers)
        fixed (LinuxNative.IoVec* iov = iovecs)
        {
            for (var i = 0; i < Batch; i++)
            {
                iov[i].Base = data + (i * 2048);
                iov[i].Length = 2048;
                hdr[i].Header.Iov = &iov[i];
                hdr[i].Header.IovLength = 1;
            }

            while (!_stop)
            {
                var n = LinuxNative.recvmmsg(fd, hdr, Batch, MsgWaitForOne, null);
                if (n > 0)
                {
                    Interlocked.Add(ref _drained, n);
                }
            }
        }
    }

    /// <summary>The receiver's drop count, the last column of its line in /proc/net/udp.</summary>
    private string ReceiverDrops()
    {
        var local = $"0100007F:{_destination.Port:X4}";
        foreach (var line in File.ReadLines("/proc/net/udp"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 2 && fields[1] == local)
            {
                return long.Parse(fields[^1], CultureInfo.InvariantCulture).ToString("N0", CultureInfo.InvariantCulture);
            }
        }

        return "?";
    }

    private sealed class NullSink : IPacketSink
    {
        public void OnPacket(UdpAddress source, ReadOnlySpan<byte> datagram)
        {
        }
    }
}

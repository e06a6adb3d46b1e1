using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using static Ipv8.Engine.Endpoints.LinuxNative;

namespace Ipv8.Bench.Throughput;

/// <summary>The 185-byte unsigned user message of the udp-ingest scenario: header, H, and a 158-byte varlenH.</summary>
[Payload(MessageId = 1, Signed = false)]
internal readonly ref partial struct IngestMessage
{
    [Field(Format.UInt16)] public ushort Sequence { get; init; }

    [Field(Format.VarLenH)] public ReadOnlySpan<byte> Body { get; init; }
}

/// <summary>
/// UDP scenarios on 127.0.0.1: a sender in another process (this program, <c>throughput-sender</c>, using sendmmsg)
/// sends 185-byte datagrams; <c>udp-ingest</c> receives them with a full node (endpoint, pipe, dispatch, community,
/// generated decoder, handler), <c>udp-baseline</c> with a bare recvmmsg loop, for the ratio.
/// </summary>
internal static unsafe partial class UdpScenarios
{
    private const int Batch = 64;
    private const int MsgWaitForOne = 0x10000;
    private static readonly CommunityId s_id = CommunityId.Parse("8888888888888888888888888888888888888888");

    public static ScenarioResult Ingest(ThroughputOptions options)
    {
        using var key = LibNaClPrivateKey.Generate();
        var endpoint = new UdpEndpoint(new UdpEndpointOptions
        {
            Ipv4Host = IPAddress.Loopback,
            Port = 0,
            LoopbackOnly = true,
            ReceiveMode = ReceiveMode.DedicatedThread,
            Workers = options.Workers,
        });
        var node = new Ipv8Node(key, endpoint, new Ipv8NodeOptions { EnableMetrics = false });
        var community = node.AddCommunity(new IngestCommunity(node.CreateSettings()));
        node.Start();
        try
        {
            var target = endpoint.Ipv4Address!.Value;
            return Measure(options, target, () => community.Received, () => endpoint.Counters.PacketsReceived);
        }
        finally
        {
            node.StopAsync().GetAwaiter().GetResult();
        }
    }

    public static ScenarioResult Baseline(ThroughputOptions options)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.ReceiveBufferSize = 4 << 20;
        socket.ReceiveTimeout = 200;
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        long received = 0;
        var stop = false;
        var thread = new Thread(() =>
        {
            var fd = (int)socket.Handle;
            var buffers = new byte[Batch * 2048];
            var headers = new MMsgHdr[Batch];
            var iovecs = new IoVec[Batch];
            fixed (byte* data = buffers)
            fixed (MMsgHdr* hdr = headers)
            fixed (IoVec* iov = iovecs)
            {
                for (var i = 0; i < Batch; i++)
                {
                    iov[i].Base = data + (i * 2048);
                    iov[i].Length = 2048;
                    hdr[i].Header.Iov = &iov[i];
                    hdr[i].Header.IovLength = 1;
                }

                while (!Volatile.Read(ref stop))
                {
                    var n = LinuxNative.recvmmsg(fd, hdr, Batch, MsgWaitForOne, null);
                    if (n > 0)
                    {
                        Interlocked.Add(ref received, n);
                    }
                }
            }
        })
        { IsBackground = true, Name = "recvmmsg-baseline" };
        thread.Start();
        try
        {
            var target = UdpAddress.FromIPEndPoint((IPEndPoint)socket.LocalEndPoint!);
            return Measure(options, target, () => Interlocked.Read(ref received), () => Interlocked.Read(ref received));
        }
        finally
        {
            Volatile.Write(ref stop, true);
            thread.Join();
        }
    }

    /// <summary><c>throughput-sender --target HOST:PORT --seconds N</c>: sends 185-byte datagrams with sendmmsg until the time is up.</summary>
    public static int RunSender(string[] args)
    {
        if (args is not ["--target", var targetText, "--seconds", var secondsText]
            || !UdpAddress.TryParse(targetText, out var target) || !target.IsLoopback
            || !double.TryParse(secondsText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds is <= 0 or > 600)
        {
            Console.Error.WriteLine("usage: throughput-sender --target 127.0.0.1:PORT --seconds N (loopback targets only)");
            return 2;
        }

        var packet = IngestPacket();

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.SendBufferSize = 4 << 20;
        var name = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(name, (ushort)AddressFamily.InterNetwork);
        BinaryPrimitives.WriteUInt16BigEndian(name.AsSpan(2), target.Port);
        target.WriteAddressBytes(name.AsSpan(4));

        long sent = 0;
        var fd = (int)socket.Handle;
        var headers = new MMsgHdr[Batch];
        var clock = Stopwatch.StartNew();
        fixed (byte* data = packet)
        fixed (byte* address = name)
        fixed (MMsgHdr* hdr = headers)
        {
            var iov = new IoVec { Base = data, Length = (nuint)packet.Length };
            for (var i = 0; i < Batch; i++)
            {
                hdr[i].Header.Name = address;
                hdr[i].Header.NameLength = 16;
                hdr[i].Header.Iov = &iov;
                hdr[i].Header.IovLength = 1;
            }

            var deadline = TimeSpan.FromSeconds(seconds);
            while (clock.Elapsed < deadline)
            {
                var n = sendmmsg(fd, hdr, Batch, 0);
                if (n > 0)
                {
                    sent += n;
                }
            }
        }

        Console.WriteLine(sent.ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    /// <summary>The 185-byte datagram every sender sends.</summary>
    public static byte[] IngestPacket()
    {
        var payload = new IngestMessage { Sequence = 1, Body = new byte[158] };
        var packet = new byte[Packet.GetSize(payload)];
        Packet.Write(packet, s_id.ToPrefix(), null, payload);
        return packet;
    }

    private static ScenarioResult Measure(ThroughputOptions options, UdpAddress target, Func<long> handled, Func<long> received)
    {
        var warmup = 1.0;
        // The same-run C baseline first (a C sender into a C recvmmsg loop), then the scenario with the C sender.
        var baseline = NativeTool.MeasureBaseline(options.Seconds);
        var packetFile = Path.GetTempFileName();
        File.WriteAllBytes(packetFile, IngestPacket());
        var sender = NativeTool.Path is not null
            ? NativeTool.Start("send", "127.0.0.1", target.Port.ToString(CultureInfo.InvariantCulture), (warmup + options.Seconds + 1).ToString(CultureInfo.InvariantCulture), packetFile)
            : StartSender(target, warmup + options.Seconds + 1);
        try
        {
            Thread.Sleep(TimeSpan.FromSeconds(warmup));
            var before = handled();
            var receivedBefore = received();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            Thread.Sleep(TimeSpan.FromSeconds(options.Seconds));
            var packets = handled() - before;
            var seconds = clock.Elapsed.TotalSeconds;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var datagrams = received() - receivedBefore;
            sender.WaitForExit(TimeSpan.FromSeconds(options.Seconds + 30));
            var sentText = sender.StandardOutput.ReadToEnd().Trim();
            var extra = new Dictionary<string, object>
            {
                ["sender"] = NativeTool.Path is not null ? "c-sendmmsg" : "csharp-sendmmsg",
                ["datagrams_received"] = datagrams,
                ["sender_sent_total"] = long.TryParse(sentText, NumberStyles.None, CultureInfo.InvariantCulture, out var total) ? total : -1,
                ["sender_seconds"] = warmup + options.Seconds + 1,
            };
            if (baseline is { } rate)
            {
                extra["c_recvmmsg_baseline_per_second"] = Math.Round(rate, 1);
                extra["ratio_to_c_recvmmsg"] = Math.Round(packets / seconds / rate, 3);
            }

            return new ScenarioResult(packets, seconds, allocated, extra);
        }
        finally
        {
            File.Delete(packetFile);
            if (!sender.HasExited)
            {
                sender.Kill();
            }

            sender.Dispose();
        }
    }

    private static Process StartSender(UdpAddress target, double seconds)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var host = Environment.ProcessPath!;
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(UdpScenarios).Assembly.Location);
        }

        foreach (var arg in new[] { "throughput-sender", "--target", target.ToString(), "--seconds", seconds.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start the sender process");
    }

    /// <summary>The send half of <see cref="LinuxNative.recvmmsg"/>, which the engine does not need.</summary>
    [LibraryImport("libc", SetLastError = true)]
    private static partial int sendmmsg(int fd, LinuxNative.MMsgHdr* messages, uint count, int flags);

    /// <summary>The community of the ingest datagram: counts what reaches its handler (also used by ReceiveBenchmarks).</summary>
    internal sealed class IngestCommunity : Community
    {
        private long _received;

        public IngestCommunity(CommunitySettings settings)
            : base(s_id, settings) => AddMessageHandler<IngestMessage>(OnIngest);

        public long Received => Volatile.Read(ref _received);

        private void OnIngest(UdpAddress source, in IngestMessage message) => Interlocked.Increment(ref _received);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Bench.Throughput;

/// <summary>
/// <c>dotnet run -c Release --project bench -- flood [--seconds N] [--rate R] [--json FILE]</c>: the flood of
/// docs/security.md against a node hub and then against a tracker, in one run. A sender in another process (this
/// program, <c>flood-sender</c>) sends, from one source, R bad-signature introduction requests (246) and R puncture
/// requests (250) per second for N seconds; this process runs the target and reports the CPU it spent (user + system),
/// so the sender's own work is not counted. Both targets are flooded for 2 s first, unmeasured, so that neither is
/// charged for compiling the code. 127.0.0.1 only.
/// </summary>
internal static class FloodHarness
{
    private static readonly CommunityId s_id = CommunityId.Parse("5151515151515151515151515151515151515151");
    private static readonly string[] s_targets = ["node-hub", "tracker"];

    public static int Run(string[] args)
    {
        var seconds = 10.0;
        var rate = 50_000;
        string? json = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--seconds" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s is > 0 and <= 120:
                    seconds = s;
                    i++;
                    break;
                case "--rate" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r is > 0 and <= 1_000_000:
                    rate = r;
                    i++;
                    break;
                case "--json" when !string.IsNullOrWhiteSpace(value):
                    json = value;
                    i++;
                    break;
                default:
                    // One line, as the ipv8 command and the throughput harness say bad arguments.
                    Console.Error.WriteLine($"error: unknown or invalid argument '{args[i]}' (usage: flood [--seconds N (10)] [--rate PER_SECOND_EACH (50000)] [--json FILE]).");
                    return 2;
            }
        }

        // Checked before the run, in the words of the ipv8 command's --report.
        if (json is not null && OutputFiles.Problem("--json", new FileInfo(json)) is { } problem)
        {
            Console.Error.WriteLine($"error: {problem}");
            return 2;
        }

        // Warm-up, not measured: both targets' code is compiled and tiered up before either is timed, so the first
        // target is not charged for the JIT.
        Console.Error.WriteLine("warming up both targets (2 s each)...");
        foreach (var target in s_targets)
        {
            Measure(target, 2, rate);
        }

        var results = new List<Dictionary<string, object>>();
        foreach (var target in s_targets)
        {
            Console.Error.WriteLine($"flooding the {target} for {seconds} s ({rate:N0}/s bad-signature 246 + {rate:N0}/s 250 from one source)...");
            var result = Measure(target, seconds, rate);
            foreach (var (key, value) in result)
            {
                Console.Error.WriteLine($"  {key,-28} {Convert.ToString(value, CultureInfo.InvariantCulture)}");
            }

            results.Add(result);
        }

        var text = JsonSerializer.Serialize(results);
        return ThroughputHarness.WriteReport(text, json, Console.Out, Console.Error);
    }

    private static Dictionary<string, object> Measure(string target, double seconds, int rate)
    {
        using var key = LibNaClPrivateKey.Generate();
        using var victim = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        victim.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var victimAddress = UdpAddress.FromIPEndPoint((IPEndPoint)victim.LocalEndPoint!);
        var endpoint = new UdpEndpoint(new UdpEndpointOptions { Ipv4Host = IPAddress.Loopback, Port = 0, LoopbackOnly = true });
        var node = new Ipv8Node(key, endpoint, new Ipv8NodeOptions { Name = target });
        Community community;
        if (target == "tracker")
        {
            // As `ipv8 tracker` builds it: the tracker is the fallback of every prefix, so the flood's prefix reaches it.
            var tracker = node.AddCommunity(new TrackerCommunity(node.CreateSettings()));
            node.SetFallback(tracker.AnyPrefix);
            community = tracker;
        }
        else
        {
            community = node.AddCommunity(new HubCommunity(node.CreateSettings()));
        }

        node.Start();
        try
        {
            var cpuBefore = Environment.CpuUsage;
            var clock = Stopwatch.StartNew();
            using var sender = StartSender(endpoint.Ipv4Address!.Value, victimAddress, seconds, rate);
            var sentText = sender.StandardOutput.ReadToEnd().Trim();
            sender.WaitForExit();

            // Let the node finish what is queued in its pipes before the CPU is read.
            var received = endpoint.Counters.PacketsReceived;
            for (var i = 0; i < 50; i++)
            {
                Thread.Sleep(100);
                var now = endpoint.Counters.PacketsReceived;
                if (now == received)
                {
                    break;
                }

                received = now;
            }

            var cpuAfter = Environment.CpuUsage;
            var counters = community.Counters;
            var cpu = (cpuAfter.TotalTime - cpuBefore.TotalTime).TotalSeconds;
            return new Dictionary<string, object>
            {
                ["target"] = target,
                ["wall_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
                ["cpu_seconds"] = Math.Round(cpu, 2),
                ["cpu_microseconds_per_datagram"] = received == 0 ? 0 : Math.Round(cpu * 1e6 / received, 2),
                ["cpu_user_seconds"] = Math.Round((cpuAfter.UserTime - cpuBefore.UserTime).TotalSeconds, 2),
                ["cpu_system_seconds"] = Math.Round((cpuAfter.PrivilegedTime - cpuBefore.PrivilegedTime).TotalSeconds, 2),
                ["pairs_sent"] = long.TryParse(sentText, NumberStyles.None, CultureInfo.InvariantCulture, out var sent) ? sent : -1,
                ["datagrams_received"] = received,
                ["signatures_failed"] = counters.Drops(DropReason.BadSignature),
                ["rate_limited"] = counters.Drops(DropReason.RateLimited),
                ["unknown_message"] = counters.Drops(DropReason.UnknownMessage),
                ["datagrams_sent"] = endpoint.Counters.PacketsSent,
            };
        }
        finally
        {
            node.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// <c>flood-sender --target 127.0.0.1:P --victim 127.0.0.1:V --seconds N --rate R</c>: from one socket, alternates a
    /// bad-signature introduction request and a puncture request naming the victim, never ahead of R of each per
    /// second, for N seconds; prints the pairs sent.
    /// </summary>
    public static int RunSender(string[] args)
    {
        if (args is not ["--target", var targetText, "--victim", var victimText, "--seconds", var secondsText, "--rate", var rateText]
            || !UdpAddress.TryParse(targetText, out var target) || !target.IsLoopback
            || !UdpAddress.TryParse(victimText, out var victim) || !victim.IsLoopback
            || !double.TryParse(secondsText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds is <= 0 or > 120
            || !int.TryParse(rateText, NumberStyles.None, CultureInfo.InvariantCulture, out var rate) || rate is <= 0 or > 1_000_000)
        {
            Console.Error.WriteLine("usage: flood-sender --target 127.0.0.1:PORT --victim 127.0.0.1:PORT --seconds N --rate R (loopback only)");
            return 2;
        }

        var prefix = s_id.ToPrefix();
        using var floodKey = LibNaClPrivateKey.Generate();
        var badRequest = new byte[Community.MaxDiscoveryPacketSize];
        var request = new IntroductionRequestPayload
        {
            DestinationAddress = target, SourceLanAddress = victim, SourceWanAddress = victim,
            Flags = IntroductionRequestPayload.MakeFlags(ConnectionType.Unknown, false, true), Identifier = 1,
        };
        var badLength = Packet.Write(badRequest, prefix, floodKey, new GlobalTime(1), request);
        // Corrupt a signed byte, not the signature: a signature whose scalar is out of range is refused before any curve
        // arithmetic, while this one costs a full verification.
        badRequest[badLength - Ed25519.SignatureLength - 1] ^= 0x55;
        var punctureRequest = new byte[64];
        var punctureLength = Packet.Write(punctureRequest, prefix, null, new GlobalTime(2), new PunctureRequestPayload { LanWalkerAddress = victim, WanWalkerAddress = victim, Identifier = 2 });

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.SendBufferSize = 4 << 20;
        var address = target.CreateSocketAddress();
        var clock = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(seconds);
        long sent = 0;
        while (clock.Elapsed < limit)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            while (sent < due)
            {
                socket.SendTo(badRequest.AsSpan(0, badLength), SocketFlags.None, address);
                socket.SendTo(punctureRequest.AsSpan(0, punctureLength), SocketFlags.None, address);
                sent++;
            }

            Thread.Sleep(1);
        }

        Console.WriteLine(sent.ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    private static Process StartSender(UdpAddress target, UdpAddress victim, double seconds, int rate)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false };
        var host = Environment.ProcessPath!;
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(FloodHarness).Assembly.Location);
        }

        string[] args =
        [
            "flood-sender", "--target", target.ToString(), "--victim", victim.ToString(),
            "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--rate", rate.ToString(CultureInfo.InvariantCulture),
        ];
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start the flood sender");
    }

    private sealed class HubCommunity(CommunitySettings settings) : Community(s_id, settings);
}

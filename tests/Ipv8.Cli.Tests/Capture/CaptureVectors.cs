using System.Net;
using System.Text.Json.Nodes;
using Ipv8.Tests.Shared;

namespace Ipv8.Cli.Tests.Capture;

/// <summary>Datagrams for test captures: py-ipv8's reference packets (community.json, discovery-community.json), over IPv4 and IPv6 loopback.</summary>
internal static class CaptureVectors
{
    public static readonly DateTimeOffset Start = new(2026, 11, 30, 4, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<IReadOnlyList<byte[]>> s_packets = new(() =>
    {
        var packets = new List<byte[]>();
        foreach (var file in new[] { "community.json", "discovery-community.json" })
        {
            var root = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, file)))!;
            packets.AddRange(((JsonArray)root["vectors"]!).Select(v => Convert.FromHexString((string)v!["packet"]!)));
        }

        return packets;
    });

    /// <summary>Every reference packet, in file order.</summary>
    public static IReadOnlyList<byte[]> Packets => s_packets.Value;

    /// <summary>
    /// The reference packets as datagrams, alternating between 127.0.0.1 and ::1 and between two port pairs, a
    /// millisecond and 1.5 µs apart (so that a lost fraction shows).
    /// </summary>
    public static List<TestDatagram> Datagrams(int count = int.MaxValue, bool ipv6 = true)
    {
        var list = new List<TestDatagram>();
        for (var i = 0; i < Math.Min(count, Packets.Count); i++)
        {
            var v6 = ipv6 && i % 2 == 1;
            var host = v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
            var (from, to) = i % 3 == 0 ? (40001, 8090) : (8090, 52000 + i);
            list.Add(new TestDatagram(new IPEndPoint(host, from), new IPEndPoint(host, to), Packets[i], Start.AddTicks((i * TimeSpan.TicksPerMillisecond) + (i * 15))));
        }

        return list;
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}

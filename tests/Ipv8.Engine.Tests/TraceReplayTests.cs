using System.Text.Json.Nodes;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Engine.Tests;

/// <summary>
/// Replays the conversations recorded from real py-ipv8 nodes into a .NET node standing at the recorded node's address,
/// and checks that it answers with the same kinds of reply, to the same addresses, in the same situations.
/// </summary>
public class TraceReplayTests
{
    // Replies are what a node sends because of a message; introduction requests (246/234) are its own walks.
    private static readonly HashSet<int> s_replyKinds = [245, 233, 250, 232, 249, 231];

    public static IEnumerable<object[]> RecordedNodes() =>
    [
        ["trace-three-nodes", "tracker.json"],
        ["trace-three-nodes", "early.json"],
        ["trace-three-nodes", "late.json"],
        ["trace-ipv6-pair", "listener.json"],
        ["trace-ipv6-pair", "walker.json"],
    ];

    [Theory]
    [MemberData(nameof(RecordedNodes))]
    public void A_dotnet_node_replies_as_the_recorded_py_ipv8_node_did(string folder, string file)
    {
        var trace = Load(folder, file);
        using var key = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(UdpAddress.Parse((string)trace["node"]!));
        var community = new ReplayCommunity(CommunityId.Parse((string)trace["community_id"]!), key, endpoint);

        var events = trace["events"]!.AsArray().Select(e => e!.AsObject()).ToList();
        var replayed = 0;
        for (var i = 0; i < events.Count; i++)
        {
            if ((string)events[i]["dir"]! != "in")
            {
                continue;
            }

            var expected = new List<string>();
            for (var j = i + 1; j < events.Count && (string)events[j]["dir"]! == "out"; j++)
            {
                var packet = Convert.FromHexString((string)events[j]["packet"]!);
                if (s_replyKinds.Contains(packet[22]))
                {
                    expected.Add(Describe(packet[22], UdpAddress.Parse((string)events[j]["peer"]!)));
                }
            }

            var incoming = Convert.FromHexString((string)events[i]["packet"]!);
            endpoint.Clear();
            community.OnPacket(UdpAddress.Parse((string)events[i]["peer"]!), incoming);
            var actual = endpoint.Sent.Where(s => s_replyKinds.Contains(s.MessageId)).Select(s => Describe(s.MessageId, s.Destination)).ToList();

            expected.Sort(StringComparer.Ordinal);
            actual.Sort(StringComparer.Ordinal);
            Assert.True(
                expected.SequenceEqual(actual),
                $"{folder}/{file} event {i} (t={events[i]["t"]}, {incoming[22]} from {events[i]["peer"]}): py-ipv8 sent [{string.Join(", ", expected)}], we sent [{string.Join(", ", actual)}]");
            replayed++;
        }

        Assert.True(replayed > 10, $"only {replayed} incoming events were replayed");
        Assert.Equal(0, community.Counters.TotalDrops);
    }

    [Theory]
    [MemberData(nameof(RecordedNodes))]
    public void After_the_replay_the_dotnet_node_has_the_recorded_nodes_final_peers(string folder, string file)
    {
        var trace = Load(folder, file);
        using var key = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(UdpAddress.Parse((string)trace["node"]!));
        var community = new ReplayCommunity(CommunityId.Parse((string)trace["community_id"]!), key, endpoint);

        foreach (var e in trace["events"]!.AsArray().Select(e => e!.AsObject()).Where(e => (string)e["dir"]! == "in"))
        {
            community.OnPacket(UdpAddress.Parse((string)e["peer"]!), Convert.FromHexString((string)e["packet"]!));
        }

        var expected = trace["final_peers"]!.AsArray()
            .Select(p => $"{p!["public_key"]}@{UdpAddress.FromIPEndPoint(new System.Net.IPEndPoint(System.Net.IPAddress.Parse((string)p["host"]!), (int)p["port"]!))}")
            .Order(StringComparer.Ordinal).ToList();
        var actual = community.GetPeers().Select(p => $"{p.Key}@{p.Address}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_puncture_request_quirk_names_our_own_address_as_the_lan_walker()
    {
        // tracker.json: late (39103) asks the tracker for an introduction; the tracker introduces early (39102) and
        // sends early a puncture request whose lan_walker is the tracker's own address as late saw it.
        var trace = Load("trace-three-nodes", "tracker.json");
        using var key = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:39101"));
        var community = new ReplayCommunity(CommunityId.Parse((string)trace["community_id"]!), key, endpoint);
        foreach (var e in trace["events"]!.AsArray().Select(e => e!.AsObject()))
        {
            if ((string)e["dir"]! != "in")
            {
                continue;
            }

            endpoint.Clear();
            community.OnPacket(UdpAddress.Parse((string)e["peer"]!), Convert.FromHexString((string)e["packet"]!));
            var punctureRequest = endpoint.Sent.FirstOrDefault(s => s.MessageId == 250);
            if (punctureRequest is null)
            {
                continue;
            }

            Assert.True(Packet.TryDecode(punctureRequest.Data, true, out _, out GlobalTime time1, out Wire.Discovery.PunctureRequestPayload payload, out _));
            Assert.Equal(UdpAddress.Parse("127.0.0.1:39101"), payload.LanWalkerAddress);
            Assert.Equal(UdpAddress.Parse("127.0.0.1:39103"), payload.WanWalkerAddress);
            Assert.Equal(UdpAddress.Parse("127.0.0.1:39102"), punctureRequest.Destination);
            return;
        }

        Assert.Fail("the replay never produced a puncture request");
    }

    private static string Describe(int messageId, UdpAddress destination) => $"{messageId}->{destination}";

    private static JsonObject Load(string folder, string file) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, folder, file)))!.AsObject();

    private sealed class ReplayCommunity(CommunityId id, LibNaClPrivateKey key, IEndpoint endpoint)
        : Community(id, new CommunitySettings { Key = key, Endpoint = endpoint, Network = new Network(), RandomSeed = 7 });
}

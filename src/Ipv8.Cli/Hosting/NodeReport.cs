using System.Text.Json;
using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Wire;
using Ipv8.Wire.Discovery;

namespace Ipv8.Cli.Hosting;

/// <summary>
/// The report of <c>ipv8 node</c>:
/// <c>{"public_key":hex,"mid":hex,"address":"host:port","peers":[{"public_key":hex,"mid":hex,"host":…,"port":…,"services":[hex…],"median_ping_ms":x|null}],"walkable":["host:port",…],"discovery":{…}|null,"stats":{…}}</c>.
/// </summary>
internal static class NodeReport
{
    public static string Build(Ipv8Node node, Community community, DiscoveryCommunity? discovery, UdpAddress address, TimeSpan uptime) => Json.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("public_key", node.Key.PublicKey.ToString());
        writer.WriteString("mid", Convert.ToHexStringLower(node.Key.PublicKey.Mid));
        writer.WriteString("address", address.ToString());

        writer.WriteStartArray("peers");
        foreach (var peer in community.GetPeers())
        {
            var peerAddress = peer.Address;
            writer.WriteStartObject();
            writer.WriteString("public_key", peer.Key.ToString());
            writer.WriteString("mid", Convert.ToHexStringLower(peer.Mid));
            writer.WriteString("host", peerAddress.HostToString());
            writer.WriteNumber("port", peerAddress.Port);
            writer.WriteStartArray("services");
            foreach (var service in node.Network.GetServicesForPeer(peer).Order())
            {
                writer.WriteStringValue(service.ToString());
            }

            writer.WriteEndArray();
            if (peer.GetMedianPing() is { } ping)
            {
                writer.WriteNumber("median_ping_ms", Math.Round(ping * 1000, 3));
            }
            else
            {
                writer.WriteNull("median_ping_ms");
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        writer.WriteStartArray("walkable");
        foreach (var walkable in community.GetWalkableAddresses())
        {
            writer.WriteStringValue(walkable.ToString());
        }

        writer.WriteEndArray();

        if (discovery is null)
        {
            writer.WriteNull("discovery");
        }
        else
        {
            writer.WriteStartObject("discovery");
            writer.WriteString("community_id", discovery.CommunityId.ToString());
            writer.WriteNumber("peers", discovery.GetPeers().Length);
            writer.WriteNumber("pings_sent", discovery.PingsSent);
            writer.WriteNumber("pings_answered", discovery.PongsReceived);
            writer.WriteNumber("pings_timed_out", discovery.PingsTimedOut);
            writer.WriteNumber("churned_peers", node.Strategies.Select(s => s.Strategy).OfType<Engine.Discovery.RandomChurn>().Sum(c => c.Churned));
            writer.WriteNumber("similarity_requests_sent", discovery.SimilarityRequestsSent);
            writer.WriteNumber("similarity_responses_received", discovery.SimilarityResponsesReceived);
            writer.WriteNumber("pings_received", discovery.Counters.PacketsIn(DiscoveryCommunityMessages.Ping));
            writer.WriteNumber("pongs_sent", discovery.Counters.PacketsOut(DiscoveryCommunityMessages.Pong));
            writer.WriteNumber("pongs_refused", discovery.PongsRefused);
            WriteDrops(writer, discovery.Counters, null);
            writer.WriteEndObject();
        }

        writer.WritePropertyName("stats");
        WriteStats(writer, node, community, uptime);
        writer.WriteEndObject();
    });

    /// <summary>
    /// Endpoint counters (what crossed the socket), community counters per message (what reached the community), and
    /// drops by reason (the node's dispatcher and the community together).
    /// </summary>
    private static void WriteStats(Utf8JsonWriter writer, Ipv8Node node, Community community, TimeSpan uptime)
    {
        // The drops before the endpoint's counters: a datagram is counted as received before anything can drop it, so
        // drops read first never exceed packets_in read after, even while datagrams keep arriving (a flood).
        var drops = ReadDrops(community.Counters, node);
        var endpoint = node.Endpoint.Counters;
        var counters = community.Counters;
        writer.WriteStartObject();
        writer.WriteString("transport", node.Endpoint.Kind);
        writer.WriteString("community_id", community.CommunityId.ToString());
        writer.WriteNumber("uptime_seconds", Math.Round(uptime.TotalSeconds, 3));
        writer.WriteNumber("packets_in", endpoint.PacketsReceived);
        writer.WriteNumber("bytes_in", endpoint.BytesReceived);
        writer.WriteNumber("packets_out", endpoint.PacketsSent);
        writer.WriteNumber("bytes_out", endpoint.BytesSent);
        writer.WriteNumber("send_failures", endpoint.SendFailures);
        writer.WriteNumber("receive_errors", endpoint.ReceiveErrors);
        writer.WriteNumber("verified_peers", community.GetPeers().Length);
        writer.WriteNumber("walkable_addresses", community.GetWalkableAddresses().Count);
        writer.WriteNumber("max_peers", community.MaxPeers);

        WriteMessages(writer, "messages_in", counters.PacketsIn, counters.BytesIn);
        WriteMessages(writer, "messages_out", counters.PacketsOut, counters.BytesOut);

        WriteDrops(writer, drops);
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>"drops":{reason:count,…}</c>: one community's drops by reason, plus, for the user community, the node
    /// dispatcher's (unknown prefix, too short).
    /// </summary>
    private static void WriteDrops(Utf8JsonWriter writer, CommunityCounters counters, Ipv8Node? node) =>
        WriteDrops(writer, ReadDrops(counters, node));

    private static void WriteDrops(Utf8JsonWriter writer, (DropReason Reason, long Count)[] drops)
    {
        writer.WriteStartObject("drops");
        foreach (var (reason, count) in drops)
        {
            writer.WriteNumber(JsonNamingPolicy.SnakeCaseLower.ConvertName(reason.ToString()), count);
        }

        writer.WriteEndObject();
    }

    private static (DropReason Reason, long Count)[] ReadDrops(CommunityCounters counters, Ipv8Node? node) =>
        [.. Enum.GetValues<DropReason>().Select(reason => (reason, counters.Drops(reason) + reason switch
        {
            DropReason.BadPrefix => node?.DroppedUnknownPrefix ?? 0,
            DropReason.TooShort => node?.DroppedTooShort ?? 0,
            _ => 0,
        }))];

    private static void WriteMessages(Utf8JsonWriter writer, string name, Func<byte, long> packets, Func<byte, long> bytes)
    {
        writer.WriteStartObject(name);
        for (var id = 0; id < 256; id++)
        {
            var count = packets((byte)id);
            if (count == 0)
            {
                continue;
            }

            writer.WriteStartObject(DiscoveryKinds.Registry.TryFind(null, (byte)id, out var kind) ? kind.Name : id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteNumber("msg_id", id);
            writer.WriteNumber("packets", count);
            writer.WriteNumber("bytes", bytes((byte)id));
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}

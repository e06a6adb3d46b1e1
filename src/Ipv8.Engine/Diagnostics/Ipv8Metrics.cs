using System.Diagnostics.Metrics;
using Ipv8.Engine.Communities;

namespace Ipv8.Engine.Diagnostics;

/// <summary>
/// Publishes a node's counters through System.Diagnostics.Metrics, on a meter named <see cref="MeterName"/>. The
/// instruments are observable: the packet path only increments plain counters, and the values are read when a
/// listener (dotnet-counters, OpenTelemetry) collects.
/// </summary>
/// <remarks>
/// Instruments: <c>ipv8.community.packets.received</c>, <c>ipv8.community.bytes.received</c>,
/// <c>ipv8.community.packets.sent</c>, <c>ipv8.community.bytes.sent</c> (tags <c>node</c>, <c>community</c>,
/// <c>msg_id</c>); <c>ipv8.community.drops</c> (tags <c>node</c>, <c>community</c>, <c>reason</c>);
/// <c>ipv8.community.peers</c> (gauge); <c>ipv8.node.drops</c> (tag <c>reason</c>: <c>bad_prefix</c>,
/// <c>too_short</c>); <c>ipv8.endpoint.packets.received</c>, <c>ipv8.endpoint.packets.sent</c>,
/// <c>ipv8.endpoint.bytes.received</c>, <c>ipv8.endpoint.bytes.sent</c>, <c>ipv8.endpoint.send_failures</c>.
/// </remarks>
public sealed class Ipv8Metrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Ipv8";

    private static readonly DropReason[] s_reasons = Enum.GetValues<DropReason>();
    private static readonly string[] s_reasonNames = s_reasons.Select(r => r.ToString()).ToArray();

    private readonly Meter _meter;
    private readonly Ipv8Node _node;
    private readonly Lock _lock = new();
    private readonly List<(Community Community, string Name)> _communities = [];

    internal Ipv8Metrics(Ipv8Node node)
    {
        _node = node;
        _meter = new Meter(MeterName);
        var nodeTag = new KeyValuePair<string, object?>("node", node.Name);
        _meter.CreateObservableCounter("ipv8.community.packets.received", () => PerMessage((c, id) => c.PacketsIn(id)), "{packet}", "Packets received per community and message id");
        _meter.CreateObservableCounter("ipv8.community.bytes.received", () => PerMessage((c, id) => c.BytesIn(id)), "By", "Bytes received per community and message id");
        _meter.CreateObservableCounter("ipv8.community.packets.sent", () => PerMessage((c, id) => c.PacketsOut(id)), "{packet}", "Packets sent per community and message id");
        _meter.CreateObservableCounter("ipv8.community.bytes.sent", () => PerMessage((c, id) => c.BytesOut(id)), "By", "Bytes sent per community and message id");
        _meter.CreateObservableCounter("ipv8.community.drops", PerReason, "{packet}", "Datagrams dropped per community and reason");
        _meter.CreateObservableGauge("ipv8.community.peers", Peers, "{peer}", "Verified peers per community");
        _meter.CreateObservableCounter("ipv8.node.drops", () => new[]
        {
            new Measurement<long>(_node.DroppedUnknownPrefix, nodeTag, new("reason", "bad_prefix")),
            new Measurement<long>(_node.DroppedTooShort, nodeTag, new("reason", "too_short")),
        }, "{packet}", "Datagrams dropped before reaching a community");
        _meter.CreateObservableCounter("ipv8.endpoint.packets.received", () => new Measurement<long>(_node.Endpoint.Counters.PacketsReceived, nodeTag), "{packet}");
        _meter.CreateObservableCounter("ipv8.endpoint.packets.sent", () => new Measurement<long>(_node.Endpoint.Counters.PacketsSent, nodeTag), "{packet}");
        _meter.CreateObservableCounter("ipv8.endpoint.bytes.received", () => new Measurement<long>(_node.Endpoint.Counters.BytesReceived, nodeTag), "By");
        _meter.CreateObservableCounter("ipv8.endpoint.bytes.sent", () => new Measurement<long>(_node.Endpoint.Counters.BytesSent, nodeTag), "By");
        _meter.CreateObservableCounter("ipv8.endpoint.send_failures", () => new Measurement<long>(_node.Endpoint.Counters.SendFailures, nodeTag), "{packet}");
    }

    internal void Add(Community community)
    {
        lock (_lock)
        {
            if (!_communities.Exists(c => ReferenceEquals(c.Community, community)))
            {
                _communities.Add((community, community.GetType().Name));
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    private (Community Community, string Name)[] Snapshot()
    {
        lock (_lock)
        {
            return [.. _communities];
        }
    }

    private IEnumerable<Measurement<long>> PerMessage(Func<CommunityCounters, byte, long> read)
    {
        foreach (var (community, name) in Snapshot())
        {
            for (var id = 0; id < 256; id++)
            {
                var value = read(community.Counters, (byte)id);
                if (value != 0)
                {
                    yield return new Measurement<long>(value, new("node", _node.Name), new("community", name), new("msg_id", id));
                }
            }
        }
    }

    private IEnumerable<Measurement<long>> PerReason()
    {
        foreach (var (community, name) in Snapshot())
        {
            for (var i = 0; i < s_reasons.Length; i++)
            {
                var value = community.Counters.Drops(s_reasons[i]);
                if (value != 0)
                {
                    yield return new Measurement<long>(value, new("node", _node.Name), new("community", name), new("reason", s_reasonNames[i]));
                }
            }
        }
    }

    private IEnumerable<Measurement<int>> Peers()
    {
        foreach (var (community, name) in Snapshot())
        {
            yield return new Measurement<int>(community.GetPeers().Length, new("node", _node.Name), new("community", name));
        }
    }
}

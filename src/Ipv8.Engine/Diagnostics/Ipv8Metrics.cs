using System.Diagnostics.Metrics;
using Ipv8.Engine.Communities;

namespace Ipv8.Engine.Diagnostics;

/// <summary>
/// Publishes a node's counters through System.Diagnostics.Metrics, on a meter named <see cref="MeterName"/> (see
/// <see cref="Ipv8Instruments"/> for the instrument names). Counters and gauges are observable: the packet path only
/// increments plain counters, and the values are read when a listener (dotnet-counters, OpenTelemetry) collects. The
/// two histograms (walk round trip, signature check time) are recorded on the packet path only while a listener has
/// enabled them.
/// </summary>
/// <remarks>
/// With an <see cref="IMeterFactory"/> (<see cref="Ipv8NodeOptions.MeterFactory"/>, as a generic host provides) the
/// meter comes from the factory, tagged with the node's name, and the factory owns it; otherwise the node creates
/// and disposes its own. After the node stops, its observable instruments report nothing.
/// </remarks>
public sealed class Ipv8Metrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Ipv8";

    private static readonly DropReason[] s_reasons = Enum.GetValues<DropReason>();
    private static readonly string[] s_reasonNames = s_reasons.Select(r => r.ToString()).ToArray();

    // Bucket advice for the histograms (seconds). Signature checks take tens of microseconds; a loopback walk takes
    // under a millisecond, a walk across the internet up to the 3 s walk timeout.
    private static readonly double[] s_verifyBuckets = [0.000_01, 0.000_025, 0.000_05, 0.000_075, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.005, 0.01];
    private static readonly double[] s_rttBuckets = [0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Ipv8Node _node;
    private readonly KeyValuePair<string, object?> _nodeTag;
    private readonly Histogram<double> _walkRoundTrip;
    private readonly Histogram<double> _verifyDuration;
    private readonly Lock _lock = new();
    private readonly List<(Community Community, string Name)> _communities = [];
    private volatile bool _disposed;

    internal Ipv8Metrics(Ipv8Node node, IMeterFactory? meterFactory)
    {
        _node = node;
        _nodeTag = new KeyValuePair<string, object?>("node", node.Name);
        var meterOptions = new MeterOptions(MeterName) { Tags = [_nodeTag] };
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(meterOptions) ?? new Meter(meterOptions);

        _meter.CreateObservableCounter(Ipv8Instruments.PacketsReceived, () => PerMessage((c, id) => c.PacketsIn(id)), "{packet}", "Packets received per community and message id");
        _meter.CreateObservableCounter(Ipv8Instruments.BytesReceived, () => PerMessage((c, id) => c.BytesIn(id)), "By", "Bytes received per community and message id");
        _meter.CreateObservableCounter(Ipv8Instruments.PacketsSent, () => PerMessage((c, id) => c.PacketsOut(id)), "{packet}", "Packets sent per community and message id");
        _meter.CreateObservableCounter(Ipv8Instruments.BytesSent, () => PerMessage((c, id) => c.BytesOut(id)), "By", "Bytes sent per community and message id");
        _meter.CreateObservableCounter(Ipv8Instruments.Drops, PerReason, "{packet}", "Datagrams dropped per community and reason");
        _meter.CreateObservableCounter(Ipv8Instruments.SignaturesCreated, () => PerCommunity(c => c.SignaturesCreated), "{signature}", "Signatures made per community");
        _meter.CreateObservableCounter(Ipv8Instruments.SignaturesVerified, () => PerCommunity(c => c.SignaturesVerified), "{signature}", "Signature checks of incoming messages per community");
        _meter.CreateObservableGauge(Ipv8Instruments.Peers, Peers, "{peer}", "Verified peers per community");
        _meter.CreateObservableGauge(Ipv8Instruments.NetworkPeers, () => NodeValue(_node.Network.VerifiedPeerCount), "{peer}", "Verified peers in the node's peer table");
        _meter.CreateObservableCounter(Ipv8Instruments.NodeDrops, NodeDrops, "{packet}", "Datagrams dropped before reaching a community");
        _meter.CreateObservableCounter(Ipv8Instruments.EndpointPacketsReceived, () => NodeValue(_node.Endpoint.Counters.PacketsReceived), "{packet}", "Datagrams received by the endpoint");
        _meter.CreateObservableCounter(Ipv8Instruments.EndpointPacketsSent, () => NodeValue(_node.Endpoint.Counters.PacketsSent), "{packet}", "Datagrams sent by the endpoint");
        _meter.CreateObservableCounter(Ipv8Instruments.EndpointBytesReceived, () => NodeValue(_node.Endpoint.Counters.BytesReceived), "By", "Bytes received by the endpoint");
        _meter.CreateObservableCounter(Ipv8Instruments.EndpointBytesSent, () => NodeValue(_node.Endpoint.Counters.BytesSent), "By", "Bytes sent by the endpoint");
        _meter.CreateObservableCounter(Ipv8Instruments.EndpointSendFailures, () => NodeValue(_node.Endpoint.Counters.SendFailures), "{packet}", "Sends the endpoint could not complete");
        _walkRoundTrip = _meter.CreateHistogram(
            Ipv8Instruments.WalkRoundTrip,
            "s",
            "Time from an introduction request to its verified response",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_rttBuckets });
        _verifyDuration = _meter.CreateHistogram(
            Ipv8Instruments.VerifyDuration,
            "s",
            "Time to check one incoming signature",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_verifyBuckets });
    }

    /// <summary>The meter the instruments live on.</summary>
    public Meter Meter => _meter;

    internal void Add(Community community)
    {
        lock (_lock)
        {
            if (!_communities.Exists(c => ReferenceEquals(c.Community, community)))
            {
                var name = community.GetType().Name;
                _communities.Add((community, name));
                community.Instruments = new CommunityInstruments(_walkRoundTrip, _verifyDuration, _node.Name, name);
            }
        }
    }

    /// <summary>Stops reporting; disposes the meter unless a factory owns it.</summary>
    public void Dispose()
    {
        _disposed = true;
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private (Community Community, string Name)[] Snapshot()
    {
        if (_disposed)
        {
            return [];
        }

        lock (_lock)
        {
            return [.. _communities];
        }
    }

    private Measurement<long>[] NodeValue(long value) => _disposed ? [] : [new Measurement<long>(value, _nodeTag)];

    private Measurement<long>[] NodeDrops() => _disposed
        ? []
        :
        [
            new Measurement<long>(_node.DroppedUnknownPrefix, _nodeTag, new("reason", "bad_prefix")),
            new Measurement<long>(_node.DroppedTooShort, _nodeTag, new("reason", "too_short")),
        ];

    private IEnumerable<Measurement<long>> PerMessage(Func<CommunityCounters, byte, long> read)
    {
        foreach (var (community, name) in Snapshot())
        {
            for (var id = 0; id < 256; id++)
            {
                var value = read(community.Counters, (byte)id);
                if (value != 0)
                {
                    yield return new Measurement<long>(value, _nodeTag, new("community", name), new("msg_id", id));
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
                    yield return new Measurement<long>(value, _nodeTag, new("community", name), new("reason", s_reasonNames[i]));
                }
            }
        }
    }

    private IEnumerable<Measurement<long>> PerCommunity(Func<CommunityCounters, long> read)
    {
        foreach (var (community, name) in Snapshot())
        {
            yield return new Measurement<long>(read(community.Counters), _nodeTag, new("community", name));
        }
    }

    private IEnumerable<Measurement<int>> Peers()
    {
        foreach (var (community, name) in Snapshot())
        {
            yield return new Measurement<int>(_node.Network.CountPeersForService(community.CommunityId), _nodeTag, new("community", name));
        }
    }
}

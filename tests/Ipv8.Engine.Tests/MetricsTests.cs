using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Diagnostics;
using Ipv8.Engine.Tests.Support;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary>The "Ipv8" meter: counters per message id and drop reason, peers, the walk round trip and signature check histograms.</summary>
public sealed class MetricsTests : IDisposable
{
    private static readonly UdpAddress s_addressA = UdpAddress.Parse("127.0.0.1:31001");
    private static readonly UdpAddress s_addressB = UdpAddress.Parse("127.0.0.1:31002");

    private readonly LibNaClPrivateKey _keyA = LibNaClPrivateKey.Generate();
    private readonly LibNaClPrivateKey _keyB = LibNaClPrivateKey.Generate();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
    private readonly RecordingEndpoint _endpointA = new(s_addressA);
    private readonly RecordingEndpoint _endpointB = new(s_addressB);

    public void Dispose()
    {
        _keyA.Dispose();
        _keyB.Dispose();
    }

    [Fact]
    public async Task A_walk_records_its_round_trip_and_each_signature_check_its_duration()
    {
        await using var a = NewNode(_keyA, _endpointA, "a");
        await using var b = NewNode(_keyB, _endpointB, "b");
        using var recorder = new Recorder(a.Node, b.Node);

        a.Community.WalkTo(s_addressB);
        _time.Advance(TimeSpan.FromMilliseconds(40));
        b.Node.OnPacket(s_addressA, _endpointA.Sent[^1].Data);
        var response = _endpointB.Sent.Single(p => p.MessageId == DiscoveryMessages.IntroductionResponse);
        a.Node.OnPacket(s_addressB, response.Data);

        Assert.True(a.Community.HasPeer(_keyB.PublicKey));
        var rtt = Assert.Single(recorder.Histogram(Ipv8Instruments.WalkRoundTrip));
        Assert.Equal(0.040, rtt.Value, precision: 6);
        Assert.Equal("a", rtt.Tags["node"]);
        Assert.Equal(nameof(TestCommunity), rtt.Tags["community"]);

        // One check on each side: b checked the request, a the response.
        var checks = recorder.Histogram(Ipv8Instruments.VerifyDuration);
        Assert.Equal(["a", "b"], checks.Select(c => (string)c.Tags["node"]!).Order());
        Assert.All(checks, c => Assert.InRange(c.Value, 1e-7, 1.0));
    }

    [Fact]
    public async Task A_response_to_no_request_of_ours_records_no_round_trip()
    {
        await using var a = NewNode(_keyA, _endpointA, "a");
        await using var b = NewNode(_keyB, _endpointB, "b");
        using var recorder = new Recorder(a.Node, b.Node);

        // b asks a; a answers; the answer, replayed to a itself as if from b, matches no request a sent.
        b.Community.WalkTo(s_addressA);
        a.Node.OnPacket(s_addressB, _endpointB.Sent[^1].Data);
        var response = _endpointA.Sent.Single(p => p.MessageId == DiscoveryMessages.IntroductionResponse);
        b.Node.OnPacket(s_addressA, response.Data);
        Assert.Single(recorder.Histogram(Ipv8Instruments.WalkRoundTrip)); // b's own walk

        b.Node.OnPacket(s_addressA, response.Data); // the same response again: its request was already answered
        Assert.Single(recorder.Histogram(Ipv8Instruments.WalkRoundTrip));
    }

    [Fact]
    public async Task Counters_report_packets_and_bytes_per_message_id_drops_per_reason_and_peers()
    {
        await using var a = NewNode(_keyA, _endpointA, "a");
        await using var b = NewNode(_keyB, _endpointB, "b");
        using var recorder = new Recorder(a.Node, b.Node);

        a.Community.WalkTo(s_addressB);
        var request = _endpointA.Sent[^1].Data;
        b.Node.OnPacket(s_addressA, request);
        var corrupted = (byte[])request.Clone();
        corrupted[^1] ^= 1; // a broken signature
        b.Node.OnPacket(s_addressA, corrupted);
        b.Node.OnPacket(s_addressA, [1, 2, 3]); // shorter than a prefix

        var observed = recorder.Observe();
        var requestId = request[Packet.PrefixLength];
        Assert.Equal(2, observed.Value(Ipv8Instruments.PacketsReceived, "b", ("msg_id", (int)requestId)));
        Assert.Equal(2 * request.Length, observed.Value(Ipv8Instruments.BytesReceived, "b", ("msg_id", (int)requestId)));
        Assert.Equal(1, observed.Value(Ipv8Instruments.PacketsSent, "a", ("msg_id", (int)requestId)));
        Assert.Equal(1, observed.Value(Ipv8Instruments.PacketsSent, "b", ("msg_id", (int)DiscoveryMessages.IntroductionResponse)));
        Assert.Equal(1, observed.Value(Ipv8Instruments.Drops, "b", ("reason", nameof(DropReason.BadSignature))));
        Assert.Equal(1, observed.Value(Ipv8Instruments.NodeDrops, "b", ("reason", "too_short")));
        Assert.Equal(1, observed.Value(Ipv8Instruments.Peers, "b", ("community", nameof(TestCommunity))));
        Assert.Equal(1, observed.Value(Ipv8Instruments.NetworkPeers, "b"));
        Assert.Equal(0, observed.Value(Ipv8Instruments.Peers, "a", ("community", nameof(TestCommunity))));
        Assert.Equal(1, observed.Value(Ipv8Instruments.SignaturesCreated, "a", ("community", nameof(TestCommunity)))); // the request
        Assert.Equal(1, observed.Value(Ipv8Instruments.SignaturesCreated, "b")); // the response
        Assert.Equal(2, observed.Value(Ipv8Instruments.SignaturesVerified, "b")); // the request and the broken one
        Assert.Equal(0, observed.Value(Ipv8Instruments.SignaturesVerified, "a"));
    }

    [Fact]
    public async Task A_meter_from_a_factory_outlives_the_node_which_then_reports_nothing()
    {
        using var factory = new TestMeterFactory();
        var node = new Ipv8Node(_keyA, _endpointA, new Ipv8NodeOptions { MeterFactory = factory, Name = "factory-node" });
        var meter = node.Metrics!.Meter;
        Assert.Same(factory, meter.Scope);
        Assert.Equal(Ipv8Metrics.MeterName, meter.Name);
        Assert.Contains(meter.Tags!, t => t.Key == "node" && (string?)t.Value == "factory-node");
        using var recorder = new Recorder(node);
        Assert.Contains(recorder.Observe().Measurements, m => m.Instrument == Ipv8Instruments.EndpointPacketsSent);

        await node.DisposeAsync();
        Assert.Equal(0, recorder.Completed); // the factory's meter is not disposed by the node
        Assert.Empty(recorder.Observe().Measurements);

        factory.Dispose();
        Assert.True(recorder.Completed > 0);
    }

    [Fact]
    public async Task A_nodes_own_meter_is_disposed_with_the_node()
    {
        var node = new Ipv8Node(_keyA, _endpointA, new Ipv8NodeOptions { Name = "own-meter" });
        Assert.Null(node.Metrics!.Meter.Scope);
        using var recorder = new Recorder(node);
        await node.DisposeAsync();
        Assert.True(recorder.Completed > 0);
    }

    [Fact]
    public void Without_metrics_a_node_has_no_meter()
    {
        var node = new Ipv8Node(_keyA, _endpointA, new Ipv8NodeOptions { EnableMetrics = false });
        Assert.Null(node.Metrics);
    }

    private TestPair NewNode(LibNaClPrivateKey key, RecordingEndpoint endpoint, string name)
    {
        var node = new Ipv8Node(key, endpoint, new Ipv8NodeOptions { Name = name, TimeProvider = _time });
        return new TestPair(node, node.AddCommunity(new TestCommunity(node.CreateSettings(s => s.RandomSeed = 1))));
    }

    private sealed record TestPair(Ipv8Node Node, TestCommunity Community) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private sealed record Measured(string Instrument, double Value, Dictionary<string, object?> Tags);

    private sealed class Observed(List<Measured> measurements)
    {
        public List<Measured> Measurements => measurements;

        public double Value(string instrument, string node, params (string Key, object Value)[] tags) =>
            measurements
                .Where(m => m.Instrument == instrument && Equals(m.Tags["node"], node) && tags.All(t => Equals(m.Tags.GetValueOrDefault(t.Key), t.Value)))
                .Sum(m => m.Value);
    }

    /// <summary>Listens to the given nodes' meters only (tests run in parallel, each with its own nodes).</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measured> _histograms = new();
        private readonly List<Measured> _observed = [];
        private int _completed;

        public Recorder(params Ipv8Node[] nodes)
        {
            var meters = nodes.Select(n => n.Metrics!.Meter).ToHashSet();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (meters.Contains(instrument.Meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => _histograms.Enqueue(new(instrument.Name, value, ToDictionary(tags))));
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _observed.Add(new(instrument.Name, value, ToDictionary(tags))));
            _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => _observed.Add(new(instrument.Name, value, ToDictionary(tags))));
            _listener.MeasurementsCompleted = (_, _) => Interlocked.Increment(ref _completed);
            _listener.Start();
        }

        public int Completed => Volatile.Read(ref _completed);

        public List<Measured> Histogram(string name) => [.. _histograms.Where(m => m.Instrument == name)];

        public Observed Observe()
        {
            _observed.Clear();
            _listener.RecordObservableInstruments();
            return new Observed([.. _observed]);
        }

        public void Dispose() => _listener.Dispose();

        private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var result = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                result[tag.Key] = tag.Value;
            }

            return result;
        }
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            options.Scope = this;
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}

using BenchmarkDotNet.Attributes;
using Ipv8.Bench.Throughput;
using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Testing;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Bench;

/// <summary>
/// A node's own per-datagram work for an unsigned user message, without sockets: the udp-ingest scenario's 185-byte
/// datagram handed to a node (through <see cref="RecordingEndpoint.Deliver"/>, on the calling thread): route by prefix,
/// peer lookup, counters, handler table, rate limit, generated decoder, handler. What udp-ingest measures besides the
/// kernel and the receive thread's hand-off.
/// </summary>
[MemoryDiagnoser]
public class ReceiveBenchmarks
{
    private readonly UdpAddress _source = UdpAddress.Parse("127.0.0.1:40000");
    private LibNaClPrivateKey _key = null!;
    private RecordingEndpoint _endpoint = null!;
    private Ipv8Node _node = null!;
    private UdpScenarios.IngestCommunity _community = null!;
    private byte[] _packet = [];

    [GlobalSetup]
    public void Setup()
    {
        _key = LibNaClPrivateKey.Generate();
        _endpoint = new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:40001"));
        _node = new Ipv8Node(_key, _endpoint, new Ipv8NodeOptions { EnableMetrics = false, WalkInterval = Timeout.InfiniteTimeSpan });
        _community = _node.AddCommunity(new UdpScenarios.IngestCommunity(_node.CreateSettings()));
        _node.Start();
        _packet = UdpScenarios.IngestPacket();

        // Throws unless every packet reaches the handler (none dropped by a rate limit), so that no row measures a drop.
        var before = _community.Received;
        for (var i = 0; i < 1_000_000; i++)
        {
            DeliverUnsigned();
        }

        if (_community.Received != before + 1_000_000)
        {
            throw new InvalidOperationException($"{1_000_000 - (_community.Received - before)} of 1,000,000 ingest packets did not reach their handler");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _node.StopAsync().GetAwaiter().GetResult();
        _key.Dispose();
    }

    [Benchmark(Description = "unsigned 185-byte user message, node to handler")]
    public void DeliverUnsigned() => _endpoint.Deliver(_source, _packet);
}

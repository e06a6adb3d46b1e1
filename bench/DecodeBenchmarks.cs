using BenchmarkDotNet.Attributes;
using Ipv8.Wire.Discovery;

namespace Ipv8.Bench;

/// <summary>
/// Decoding py-ipv8's own packets without the signature check: frame, key check and payload, for each discovery
/// message, and for all 64 reference packets dispatched by message id.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private VectorSet _vectors = null!;
    private byte[][] _all = [];
    private byte[] _introductionRequest = [];
    private byte[] _introductionResponse = [];
    private byte[] _punctureRequest = [];
    private byte[] _puncture = [];
    private byte[] _newIntroductionRequest = [];
    private byte[] _newIntroductionResponse = [];
    private byte[] _newPunctureRequest = [];
    private byte[] _newPuncture = [];

    [GlobalSetup]
    public void Setup()
    {
        _vectors = VectorSet.Load();
        _all = _vectors.Packets.Select(vector => vector.Packet).ToArray();
        _introductionRequest = _vectors.First(DiscoveryMessages.IntroductionRequest).Packet;
        _introductionResponse = _vectors.First(DiscoveryMessages.IntroductionResponse).Packet;
        _punctureRequest = _vectors.First(DiscoveryMessages.PunctureRequest).Packet;
        _puncture = _vectors.First(DiscoveryMessages.Puncture).Packet;
        _newIntroductionRequest = _vectors.First(DiscoveryMessages.NewIntroductionRequest).Packet;
        _newIntroductionResponse = _vectors.First(DiscoveryMessages.NewIntroductionResponse).Packet;
        _newPunctureRequest = _vectors.First(DiscoveryMessages.NewPunctureRequest).Packet;
        _newPuncture = _vectors.First(DiscoveryMessages.NewPuncture).Packet;

        // Throws if any reference packet does not decode, so that no row measures a fast rejection.
        DecodeVectorMix();
    }

    [GlobalCleanup]
    public void Cleanup() => _vectors.Dispose();

    [Benchmark]
    public ulong IntroductionRequest() => Decoders.IntroductionRequest(_introductionRequest, verify: false);

    [Benchmark]
    public ulong IntroductionResponse() => Decoders.IntroductionResponse(_introductionResponse);

    [Benchmark]
    public ulong PunctureRequest() => Decoders.PunctureRequest(_punctureRequest);

    [Benchmark]
    public ulong Puncture() => Decoders.Puncture(_puncture);

    [Benchmark]
    public ulong NewIntroductionRequest() => Decoders.NewIntroductionRequest(_newIntroductionRequest);

    [Benchmark]
    public ulong NewIntroductionResponse() => Decoders.NewIntroductionResponse(_newIntroductionResponse);

    [Benchmark]
    public ulong NewPunctureRequest() => Decoders.NewPunctureRequest(_newPunctureRequest);

    [Benchmark]
    public ulong NewPuncture() => Decoders.NewPuncture(_newPuncture);

    /// <summary>All 64 reference packets, one after another; the reported time is per packet.</summary>
    [Benchmark(OperationsPerInvoke = VectorSet.PacketCount)]
    public ulong DecodeVectorMix()
    {
        ulong sum = 0;
        foreach (var datagram in _all)
        {
            sum += Decoders.Any(datagram);
        }

        return sum;
    }

    /// <summary>The vector mix through a plain id switch (<see cref="Decoders.AnySwitch"/>): the baseline for <see cref="DecodeVectorMix"/>.</summary>
    [Benchmark(OperationsPerInvoke = VectorSet.PacketCount)]
    public ulong DecodeVectorMixSwitch()
    {
        ulong sum = 0;
        foreach (var datagram in _all)
        {
            sum += Decoders.AnySwitch(datagram);
        }

        return sum;
    }
}

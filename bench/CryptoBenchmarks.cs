using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Sodium;

namespace Ipv8.Bench;

/// <summary>
/// Ed25519 through our span entry points, on a reference packet and on a 200-byte message, against Sodium.Core's
/// own array API on the same 200-byte message (the baselines). Rows are grouped by category, so the Ratio column
/// compares each row with its category's baseline within one run.
/// </summary>
/// <remarks>
/// The packet rows verify a signature over the packet's first 121 bytes rather than 200; at that size Ed25519
/// verification hardly depends on length, so they still read against the verify baseline.
/// </remarks>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class CryptoBenchmarks
{
    private const string Verify = "Verify";
    private const string Sign = "Sign";
    private const int MessageLength = 200;

    private readonly byte[] _signature = new byte[Ed25519.SignatureLength];
    private VectorSet _vectors = null!;
    private byte[] _introductionRequest = [];
    private LibNaClPrivateKey _key = null!;
    private byte[] _message = [];
    private byte[] _messageSignature = [];
    private byte[] _verifyKey = [];
    private byte[] _sodiumSecretKey = [];

    [GlobalSetup]
    public void Setup()
    {
        _vectors = VectorSet.Load();
        var vector = _vectors.First(DiscoveryMessages.IntroductionRequest);
        _introductionRequest = vector.Packet;
        _key = _vectors.Keys[vector.SenderKey];
        _verifyKey = _key.PublicKey.VerifyKey.ToArray();

        // Sodium.Core wants libsodium's 64-byte secret key; it derives from the Ed25519 seed, the last 32 bytes of the bin.
        var bin = _key.ToBin();
        _sodiumSecretKey = PublicKeyAuth.GenerateKeyPair(bin[^Ed25519.SeedLength..]).PrivateKey;

        _message = new byte[MessageLength];
        for (var i = 0; i < _message.Length; i++)
        {
            _message[i] = (byte)((i * 31) + 7);
        }

        _messageSignature = new byte[Ed25519.SignatureLength];
        _key.Sign(_message, _messageSignature);

        // Both sides must agree before their speeds are compared.
        if (!PacketTryReadSigned() || DecodeVerifyIntroductionRequest() == 0 || !SpanVerify() || !SodiumVerifyDetached()
            || !SodiumSignDetached().AsSpan().SequenceEqual(_messageSignature))
        {
            throw new InvalidOperationException("Ed25519 through Ipv8.Wire and through Sodium.Core disagree.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _vectors.Dispose();

    /// <summary>Parse the frame of a reference introduction request and verify its signature.</summary>
    [Benchmark]
    [BenchmarkCategory(Verify)]
    public bool PacketTryReadSigned() => Packet.TryReadSigned(_introductionRequest, out _, out _);

    /// <summary>The full receive-side decode: frame, signature, then payload.</summary>
    [Benchmark]
    [BenchmarkCategory(Verify)]
    public ulong DecodeVerifyIntroductionRequest() => Decoders.IntroductionRequest(_introductionRequest, verify: true);

    [Benchmark]
    [BenchmarkCategory(Verify)]
    public bool SpanVerify() => Ed25519.Verify(_messageSignature, _message, _verifyKey);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Verify)]
    public bool SodiumVerifyDetached() => PublicKeyAuth.VerifyDetached(_messageSignature, _message, _verifyKey);

    [Benchmark]
    [BenchmarkCategory(Sign)]
    public byte[] SpanSign()
    {
        _key.Sign(_message, _signature);
        return _signature;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Sign)]
    public byte[] SodiumSignDetached() => PublicKeyAuth.SignDetached(_message, _sodiumSecretKey);
}

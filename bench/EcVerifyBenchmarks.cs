using System.Security.Cryptography;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Crypto;

namespace Ipv8.Bench;

/// <summary>
/// Verifying py-ipv8's legacy EC signatures (ec-keys.json's puncture of each curve): our <see cref="M2CryptoPublicKey"/>
/// (BouncyCastle) against .NET's own <see cref="ECDsa"/> (OpenSSL on Linux) on the same key and signature, and the cost
/// of parsing a key. The baseline row of each curve is .NET's ECDsa.
/// </summary>
[MemoryDiagnoser]
public class EcVerifyBenchmarks
{
    private M2CryptoPublicKey _key = null!;
    private ECDsa _dotnet = null!;
    private byte[] _bin = [];
    private byte[] _signed = [];
    private byte[] _signature = [];

    [Params("sect163k1", "sect233k1", "sect409k1", "sect571r1")]
    public string Curve { get; set; } = "sect163k1";

    [GlobalSetup]
    public void Setup()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, "ec-keys.json")));
        var root = document.RootElement;
        var vector = root.GetProperty("vectors").EnumerateArray()
            .First(v => v.GetProperty("name").GetString() == "puncture" && v.GetProperty("curve").GetString() == Curve);
        _bin = Convert.FromHexString(root.GetProperty("keys")[vector.GetProperty("sender_key").GetInt32()].GetProperty("public_key_bin").GetString()!);
        var packet = Convert.FromHexString(vector.GetProperty("packet").GetString()!);
        _key = (M2CryptoPublicKey)PublicKey.Parse(_bin);
        _signed = packet[..^_key.SignatureLength];
        _signature = packet[^_key.SignatureLength..];
        _dotnet = ECDsa.Create();
        _dotnet.ImportSubjectPublicKeyInfo(_bin, out _);
        if (!BouncyCastleVerify() || !DotNetEcdsaVerify())
        {
            throw new InvalidOperationException($"The {Curve} vector does not verify with both implementations.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _dotnet.Dispose();

    /// <summary>What the engine runs: SHA-1, then ECDSA through BouncyCastle.</summary>
    [Benchmark]
    public bool BouncyCastleVerify() => _key.Verify(_signed, _signature);

    /// <summary>.NET's ECDsa over OpenSSL, with the signature in py-ipv8's r‖s form (IEEE P1363).</summary>
    [Benchmark(Baseline = true)]
    public bool DotNetEcdsaVerify() =>
        _dotnet.VerifyHash(SHA1.HashData(_signed), _signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>Parsing a key bin the first time a sender is seen (DER, point decompression and check).</summary>
    [Benchmark]
    public bool ParseKey() => PublicKey.TryParse(_bin, out _, out _);
}

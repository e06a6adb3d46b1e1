using System.Diagnostics;
using System.Text.Json;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Bench.Throughput;

/// <summary>
/// Signature checks of py-ipv8's legacy EC keys (<c>ec-keys.json</c>), on one core: for each curve, how many
/// verifications per second with a parsed key, how many key parses per second, and the cost of one verification in
/// libsodium Ed25519 verifications measured in the same run (what <see cref="EcCurve.VerificationCost"/> should be).
/// </summary>
internal static class CryptoScenarios
{
    /// <summary>
    /// One libsodium verify and one sign per "packet", each worker with its own key and message: what an introduction
    /// request costs without the engine. With W workers its rate over the one-worker rate is the machine's own
    /// scaling ceiling for the introduction-request scenario (two vCPUs of a shared host need not give twice one).
    /// </summary>
    public static ScenarioResult Libsodium(ThroughputOptions options)
    {
        var probes = Enumerable.Range(0, options.Workers).Select(_ => RateProbe.Steps()).ToArray();
        try
        {
            return WorkerPool.Run(options, worker =>
            {
                var (verify, sign, _) = probes[worker];
                return () => verify() + sign() - 1;
            });
        }
        finally
        {
            foreach (var (_, _, key) in probes)
            {
                key.Dispose();
            }
        }
    }

    /// <summary>
    /// One puncture per curve, on one core: after an untimed warm-up of 0.1 s per loop, <c>--seconds</c> is divided
    /// among the curves, and each curve's share in thirds: its verifications, its key parses, and libsodium Ed25519
    /// verifications right after (the unit of the cost).
    /// </summary>
    public static ScenarioResult VerifyEc(ThroughputOptions options)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, "ec-keys.json")));
        var keys = document.RootElement.GetProperty("keys").EnumerateArray()
            .Select(k => Convert.FromHexString(k.GetProperty("public_key_bin").GetString()!)).ToArray();
        var punctures = document.RootElement.GetProperty("vectors").EnumerateArray()
            .Where(v => v.GetProperty("name").GetString() == "puncture")
            .DistinctBy(v => v.GetProperty("sender_key").GetInt32()) // one per key, so each curve is measured once
            .ToList();
        var extra = new Dictionary<string, object>();
        var slice = TimeSpan.FromSeconds(options.Seconds / punctures.Count / 3);
        var (ed25519Verify, _, ed25519Key) = RateProbe.Steps();
        using var disposeKey = ed25519Key;
        var curves = punctures.Select(vector =>
        {
            var bin = keys[vector.GetProperty("sender_key").GetInt32()];
            var packet = Convert.FromHexString(vector.GetProperty("packet").GetString()!);
            var key = (M2CryptoPublicKey)PublicKey.Parse(bin);
            var signed = packet.AsSpan(0, packet.Length - key.SignatureLength).ToArray();
            var signature = packet.AsSpan(packet.Length - key.SignatureLength).ToArray();
            return key.Verify(signed, signature)
                ? (Bin: bin, Key: key, Signed: signed, Signature: signature)
                : throw new InvalidDataException($"ec-keys.json: the {key.Curve} puncture does not verify.");
        }).ToList();

        // Warm-up, untimed: the code of every curve compiled and tiered up before any is measured.
        var warm = TimeSpan.FromSeconds(0.1);
        Loop(warm, () => ed25519Verify() > 0);
        foreach (var (bin, key, signed, signature) in curves)
        {
            Loop(warm, () => key.Verify(signed, signature));
            Loop(warm, () => PublicKey.TryParse(bin, out _, out _));
        }

        long total = 0;
        var clock = Stopwatch.StartNew();
        foreach (var (bin, key, signed, signature) in curves)
        {
            var verifies = Loop(slice, () => key.Verify(signed, signature));
            var parses = Loop(slice, () => PublicKey.TryParse(bin, out _, out _));
            var ed25519 = Loop(slice, () => ed25519Verify() > 0);
            total += (long)(verifies * slice.TotalSeconds);
            var name = key.Curve.Name;
            extra[$"{name}_verify_per_second"] = Math.Round(verifies);
            extra[$"{name}_parse_per_second"] = Math.Round(parses);
            extra[$"{name}_cost_in_ed25519_verifies"] = Math.Round(ed25519 / verifies, 2);
            extra[$"{name}_configured_cost"] = key.VerificationCost;
            Console.Error.WriteLine($"  {name}: {verifies:0} verifies/s, {parses:0} parses/s, Ed25519 {ed25519:0}/s: one verify = {ed25519 / verifies:0.00} Ed25519 verifies (configured {key.VerificationCost})");
        }

        return new ScenarioResult(total, clock.Elapsed.TotalSeconds, 0, extra);
    }

    private static double Loop(TimeSpan duration, Func<bool> step)
    {
        var clock = Stopwatch.StartNew();
        long n = 0;
        while (clock.Elapsed < duration)
        {
            for (var i = 0; i < 16; i++)
            {
                if (!step())
                {
                    throw new InvalidOperationException("A step failed.");
                }
            }

            n += 16;
        }

        return n / clock.Elapsed.TotalSeconds;
    }
}

using System.Diagnostics;
using System.Text.Json;
using Ipv8.Cli.Hosting;
using Ipv8.Wire.Crypto;

namespace Ipv8.Cli.Commands;

/// <summary>Ed25519 operations per second of one core, as one <see cref="LibsodiumProbe"/> measured them.</summary>
internal readonly record struct CryptoRates(double SignPerSecond, double VerifyPerSecond);

/// <summary>
/// Measures libsodium's Ed25519 sign and verify rates on the calling thread: a fixed number of each, timed by the
/// thread's CPU clock (so that other threads and processes taking the core do not count), by the wall clock where
/// there is no thread clock.
/// </summary>
internal static class LibsodiumProbe
{
    /// <summary>Signatures per probe (about 0.1 s of one core at 40,000/s).</summary>
    public const int Signs = 4_000;

    /// <summary>Verifications per probe (about 0.15 s at 13,000/s).</summary>
    public const int Verifies = 2_000;

    // About the size of what a walk signs: a signed introduction request or response without its signature.
    private const int MessageLength = 160;
    private const int Warmup = 50;

    public static CryptoRates Run(int signs = Signs, int verifies = Verifies)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(signs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(verifies, 1);
        using var key = LibNaClPrivateKey.Generate();
        var verifyKey = key.PublicKey.VerifyKey.ToArray();
        var message = new byte[MessageLength];
        for (var i = 0; i < message.Length; i++)
        {
            message[i] = (byte)(i * 31);
        }

        // Distinct messages, so that every verification checks a different signature.
        var signatures = new byte[Math.Min(verifies, 256) * Ed25519.SignatureLength];
        var count = signatures.Length / Ed25519.SignatureLength;
        for (var i = 0; i < Warmup + count; i++)
        {
            var index = i % count;
            Stamp(message, index);
            key.Sign(message, signatures.AsSpan(index * Ed25519.SignatureLength, Ed25519.SignatureLength));
        }

        var signTime = Time(() =>
        {
            Span<byte> signature = stackalloc byte[Ed25519.SignatureLength];
            for (var i = 0; i < signs; i++)
            {
                Stamp(message, i);
                key.Sign(message, signature);
            }
        });
        var verifyTime = Time(() =>
        {
            for (var i = 0; i < verifies; i++)
            {
                var index = i % count;
                Stamp(message, index);
                if (!Ed25519.Verify(signatures.AsSpan(index * Ed25519.SignatureLength, Ed25519.SignatureLength), message, verifyKey))
                {
                    throw new InvalidOperationException("libsodium refused a signature it made.");
                }
            }
        });
        return new CryptoRates(signs / signTime, verifies / verifyTime);
    }

    private static void Stamp(byte[] message, int index) => BitConverter.TryWriteBytes(message.AsSpan(0, sizeof(int)), index);

    private static double Time(Action work)
    {
        if (ProcessStats.TryThreadCpuSeconds(out var before))
        {
            work();
            if (ProcessStats.TryThreadCpuSeconds(out var after) && after > before)
            {
                return after - before;
            }
        }

        var clock = Stopwatch.StartNew();
        work();
        return Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
    }
}

/// <summary>
/// What a swarm run cost: process CPU and memory, the nodes' signatures, libsodium's rates in the same process, and
/// the kernel's UDP receive drops over the run.
/// </summary>
/// <param name="CpuSeconds">Process CPU time (user + system) from just before the tracker started to the end of the run, the probes excluded.</param>
/// <param name="PeakWorkingSetBytes">The process's peak resident set (Linux VmHWM).</param>
/// <param name="SignaturesCreated">Signatures the nodes and the tracker made (their communities' counters).</param>
/// <param name="SignaturesVerified">Signature checks they ran on incoming messages.</param>
/// <param name="StartProbe">libsodium's rates before the tracker started.</param>
/// <param name="EndProbe">libsodium's rates at the end of the run, the nodes still up.</param>
/// <param name="DatagramsDroppedByKernel">The growth of the machine-wide UDP RcvbufErrors counters over the run; null without /proc or without sockets (in-memory).</param>
internal sealed record SwarmCosts(
    double CpuSeconds,
    long PeakWorkingSetBytes,
    long SignaturesCreated,
    long SignaturesVerified,
    CryptoRates StartProbe,
    CryptoRates EndProbe,
    long? DatagramsDroppedByKernel)
{
    /// <summary>Bytes the process allocated on the managed heap over the run (<see cref="GC.GetTotalAllocatedBytes(bool)"/>), the probes excluded.</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Garbage collections over the run (every generation; <see cref="GC.CollectionCount(int)"/> of generation 0).</summary>
    public int GarbageCollections { get; init; }

    /// <summary>The mean of the two probes' sign rates.</summary>
    public double SignPerSecond => (StartProbe.SignPerSecond + EndProbe.SignPerSecond) / 2;

    /// <summary>The mean of the two probes' verify rates.</summary>
    public double VerifyPerSecond => (StartProbe.VerifyPerSecond + EndProbe.VerifyPerSecond) / 2;

    /// <summary>The CPU seconds the run's Ed25519 work takes at the probed rates.</summary>
    public double CryptoSeconds => CryptoWorkSeconds(SignaturesCreated, SignaturesVerified, SignPerSecond, VerifyPerSecond);

    /// <summary><see cref="CpuSeconds"/> over <see cref="CryptoSeconds"/>; null when there was no Ed25519 work.</summary>
    public double? CryptoRatio => Ratio(CpuSeconds, SignaturesCreated, SignaturesVerified, SignPerSecond, VerifyPerSecond);

    /// <summary>created / signRate + verified / verifyRate: the CPU seconds of that many operations at those rates.</summary>
    public static double CryptoWorkSeconds(long created, long verified, double signPerSecond, double verifyPerSecond) =>
        (created > 0 ? created / signPerSecond : 0) + (verified > 0 ? verified / verifyPerSecond : 0);

    /// <summary>cpu / (created / signRate + verified / verifyRate); null when that work is zero (or the rates are not positive).</summary>
    public static double? Ratio(double cpuSeconds, long created, long verified, double signPerSecond, double verifyPerSecond)
    {
        if (signPerSecond <= 0 || verifyPerSecond <= 0)
        {
            return null;
        }

        var work = CryptoWorkSeconds(created, verified, signPerSecond, verifyPerSecond);
        return work > 0 ? cpuSeconds / work : null;
    }

    /// <summary>Writes the report's cost fields into the open object.</summary>
    public void Write(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumber("cpu_seconds", Math.Round(CpuSeconds, 3));
        writer.WriteNumber("peak_working_set_bytes", PeakWorkingSetBytes);
        writer.WriteNumber("allocated_bytes", AllocatedBytes);
        writer.WriteNumber("gc_collections", GarbageCollections);
        writer.WriteNumber("signatures_created", SignaturesCreated);
        writer.WriteNumber("signatures_verified", SignaturesVerified);
        writer.WriteNumber("libsodium_sign_per_second", Math.Round(SignPerSecond, 1));
        writer.WriteNumber("libsodium_verify_per_second", Math.Round(VerifyPerSecond, 1));
        writer.WriteStartObject("libsodium_probes");
        WriteProbe(writer, "start", StartProbe);
        WriteProbe(writer, "end", EndProbe);
        writer.WriteEndObject();
        if (CryptoRatio is { } ratio)
        {
            writer.WriteNumber("crypto_ratio", Math.Round(ratio, 3));
        }
        else
        {
            writer.WriteNull("crypto_ratio");
        }

        if (DatagramsDroppedByKernel is { } drops)
        {
            writer.WriteNumber("datagrams_dropped_by_kernel", drops);
        }
        else
        {
            writer.WriteNull("datagrams_dropped_by_kernel");
        }
    }

    private static void WriteProbe(Utf8JsonWriter writer, string name, CryptoRates rates)
    {
        writer.WriteStartObject(name);
        writer.WriteNumber("sign_per_second", Math.Round(rates.SignPerSecond, 1));
        writer.WriteNumber("verify_per_second", Math.Round(rates.VerifyPerSecond, 1));
        writer.WriteEndObject();
    }
}

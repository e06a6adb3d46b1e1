using System.Diagnostics;
using System.Text.Json;
using Ipv8.Cli.Hosting;
using Ipv8.Wire.Crypto;

namespace Ipv8.Cli.Commands;

/// <summary>Ed25519 operations per second of one core, as libsodium probes measured them.</summary>
internal readonly record struct CryptoRates(double SignPerSecond, double VerifyPerSecond);

/// <summary>
/// Ed25519 operations that libsodium probes ran and the CPU seconds they took, per kind: what rates are made of.
/// Probes combine by adding both (<see cref="Add"/>), so that the <see cref="Rates"/> of a sum are its total operations
/// over its total seconds: each probe weighs by its work, not by its count.
/// </summary>
internal readonly record struct ProbeWork(long Signs, double SignSeconds, long Verifies, double VerifySeconds)
{
    /// <summary>Operations per second of each kind; 0 for a kind without operations or time.</summary>
    public CryptoRates Rates => new(Rate(Signs, SignSeconds), Rate(Verifies, VerifySeconds));

    /// <summary>Both probes' operations and seconds together.</summary>
    public ProbeWork Add(ProbeWork other) =>
        new(Signs + other.Signs, SignSeconds + other.SignSeconds, Verifies + other.Verifies, VerifySeconds + other.VerifySeconds);

    /// <summary>The sum of the probes (<see cref="Add"/>): the rates of the whole are total operations over total seconds.</summary>
    public static ProbeWork Sum(params ReadOnlySpan<ProbeWork> probes)
    {
        var sum = default(ProbeWork);
        foreach (var probe in probes)
        {
            sum = sum.Add(probe);
        }

        return sum;
    }

    private static double Rate(long operations, double seconds) => operations > 0 && seconds > 0 ? operations / seconds : 0;
}

/// <summary>The probe work one CPU did: <paramref name="Cpu"/> is the CPU the probe was pinned to, −1 when it was not pinned.</summary>
internal readonly record struct CpuWork(int Cpu, ProbeWork Work);

/// <summary>
/// Probe work by CPU (<see cref="ThreadAffinity"/>): the probes pin themselves to each CPU the process may use in turn,
/// because the CPUs of one machine need not be equally fast (on this project's shared VM one vCPU ran libsodium 25%
/// slower than the other for hours). Within a CPU, probes combine by their work (<see cref="ProbeWork.Add"/>); the
/// <see cref="Rates"/> of several CPUs are the mean of each CPU's rates, which is the run's own rate when its threads had
/// each CPU for the same time, as the scheduler shares them. Where nothing could be pinned, all work is under CPU −1.
/// Immutable; <c>default</c> is the empty set.
/// </summary>
internal readonly struct ProbeSet : IEquatable<ProbeSet>
{
    private readonly CpuWork[]? _cpus;

    private ProbeSet(CpuWork[] cpus) => _cpus = cpus;

    /// <summary>Each CPU's work, by ascending CPU number (−1, unpinned, first).</summary>
    public ReadOnlySpan<CpuWork> Cpus => _cpus;

    /// <summary>Every CPU's work summed: all the operations and all their seconds.</summary>
    public ProbeWork Total
    {
        get
        {
            var total = default(ProbeWork);
            foreach (var cpu in Cpus)
            {
                total = total.Add(cpu.Work);
            }

            return total;
        }
    }

    /// <summary>
    /// Per kind, the mean over the CPUs that did operations of that kind of each CPU's operations per second; 0 for a kind
    /// no CPU did. Unpinned work (CPU −1) counts only when nothing was pinned.
    /// </summary>
    public CryptoRates Rates
    {
        get
        {
            double sign = 0, verify = 0;
            int signCpus = 0, verifyCpus = 0;
            var pinned = HasPinned;
            foreach (var cpu in Cpus)
            {
                if (pinned && cpu.Cpu < 0)
                {
                    continue; // work that could not be pinned, on whichever CPU: the mean is of the CPUs measured as such
                }

                var rates = cpu.Work.Rates;
                if (rates.SignPerSecond > 0)
                {
                    sign += rates.SignPerSecond;
                    signCpus++;
                }

                if (rates.VerifyPerSecond > 0)
                {
                    verify += rates.VerifyPerSecond;
                    verifyCpus++;
                }
            }

            return new(signCpus > 0 ? sign / signCpus : 0, verifyCpus > 0 ? verify / verifyCpus : 0);
        }
    }

    /// <summary>Whether any of the work was pinned to a CPU (then unpinned work, CPU −1, is left out of <see cref="Rates"/>).</summary>
    public bool HasPinned
    {
        get
        {
            foreach (var cpu in Cpus)
            {
                if (cpu.Cpu >= 0)
                {
                    return true;
                }
            }

            return false;
        }
    }

    public static bool operator ==(ProbeSet left, ProbeSet right) => left.Equals(right);

    public static bool operator !=(ProbeSet left, ProbeSet right) => !left.Equals(right);

    /// <summary>A set of one CPU's work (<paramref name="cpu"/> −1: not pinned).</summary>
    public static ProbeSet Of(ProbeWork work, int cpu = -1) => new([new CpuWork(cpu, work)]);

    /// <summary>The sum of the sets: each CPU's work added up (<see cref="ProbeWork.Add"/>).</summary>
    public static ProbeSet Sum(params ReadOnlySpan<ProbeSet> sets)
    {
        var sum = default(ProbeSet);
        foreach (var set in sets)
        {
            foreach (var cpu in set.Cpus)
            {
                sum = sum.Add(cpu.Cpu, cpu.Work);
            }
        }

        return sum;
    }

    /// <summary>This set with <paramref name="work"/> added to <paramref name="cpu"/>'s.</summary>
    public ProbeSet Add(int cpu, ProbeWork work)
    {
        var cpus = Cpus;
        var index = 0;
        while (index < cpus.Length && cpus[index].Cpu < cpu)
        {
            index++;
        }

        if (index < cpus.Length && cpus[index].Cpu == cpu)
        {
            var same = cpus.ToArray();
            same[index] = new CpuWork(cpu, same[index].Work.Add(work));
            return new ProbeSet(same);
        }

        var grown = new CpuWork[cpus.Length + 1];
        cpus[..index].CopyTo(grown);
        grown[index] = new CpuWork(cpu, work);
        cpus[index..].CopyTo(grown.AsSpan(index + 1));
        return new ProbeSet(grown);
    }

    public bool Equals(ProbeSet other) => Cpus.SequenceEqual(other.Cpus);

    public override bool Equals(object? obj) => obj is ProbeSet other && Equals(other);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var cpu in Cpus)
        {
            hash.Add(cpu);
        }

        return hash.ToHashCode();
    }
}

/// <summary>What the probe thread measured during a run (<see cref="LibsodiumProbeThread"/>).</summary>
/// <param name="Work">The batches' operations and seconds, summed by CPU (each batch pinned to the next CPU in turn).</param>
/// <param name="Batches">Batches measured (none in a run shorter than the probe interval).</param>
/// <param name="ThreadCpuSeconds">
/// The probe thread's whole CPU time, from its thread clock; where there is no thread clock, the batches' own (wall
/// clock) times, which leave out the thread's setup and waits.
/// </param>
/// <param name="AllocatedBytes">What the probe thread allocated on the managed heap (its key pair and buffers, made once).</param>
/// <param name="Failure">Why the probe thread stopped early (libsodium failed), or null.</param>
internal readonly record struct DuringProbes(ProbeSet Work, int Batches, double ThreadCpuSeconds, long AllocatedBytes = 0, string? Failure = null);

/// <summary>
/// Measures libsodium's Ed25519 sign and verify rates on each CPU: a fixed number of each, timed by the probing thread's
/// CPU clock (so that other threads and processes taking the core do not count), by the wall clock where there is no
/// thread clock.
/// </summary>
internal static class LibsodiumProbe
{
    /// <summary>Signatures per probe, split over the CPUs (about 0.1 s of one core at 40,000/s).</summary>
    public const int Signs = 4_000;

    /// <summary>Verifications per probe, split over the CPUs (about 0.15 s at 13,000/s).</summary>
    public const int Verifies = 2_000;

    /// <summary>The fewest signatures one CPU gets, however many CPUs share a probe (on more than 40 CPUs a probe signs more than <see cref="Signs"/>).</summary>
    public const int MinSignsPerCpu = 100;

    /// <summary>The fewest verifications one CPU gets.</summary>
    public const int MinVerifiesPerCpu = 40;

    // Untimed operations on each CPU before its timed ones: the thread has just moved there, its caches cold (the probe
    // thread's batches warm up as much, LibsodiumProbeThread).
    internal const int WarmupSigns = 20;
    internal const int WarmupVerifies = 10;

    /// <summary>
    /// Measures libsodium on every CPU the process may use (<see cref="ThreadAffinity.AllowedCpus"/>), on a thread of its
    /// own that pins itself to each in turn: each CPU signs ⌈<paramref name="signs"/> / CPUs⌉ messages (at least
    /// <see cref="MinSignsPerCpu"/>, never more than <paramref name="signs"/>) and verifies likewise, after a few untimed
    /// ones. Where no CPU can be pinned, one unpinned run of the whole counts, under CPU −1. Blocks until done; libsodium's
    /// failures surface as the exception they were.
    /// </summary>
    public static ProbeSet Run(int signs = Signs, int verifies = Verifies)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(signs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(verifies, 1);
        var result = default(ProbeSet);
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    result = Measure(ThreadAffinity.AllowedCpus(), signs, verifies);
                }
#pragma warning disable CA1031 // rethrown on the caller's thread below
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
                }
            },
            maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = "ipv8 swarm probe",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>The measurement itself, on the calling thread (which it pins, CPU after CPU, and leaves pinned to the last).</summary>
    internal static ProbeSet Measure(IReadOnlyList<int> cpus, int signs, int verifies)
    {
        using var workload = new Ed25519Workload(verifies);
        var set = default(ProbeSet);
        foreach (var cpu in cpus)
        {
            if (!ThreadAffinity.TryPinCurrentThread(cpu))
            {
                continue;
            }

            workload.WarmUp(WarmupSigns, WarmupVerifies);
            set = set.Add(cpu, workload.Measure(Share(signs, cpus.Count, MinSignsPerCpu), Share(verifies, cpus.Count, MinVerifiesPerCpu)));
        }

        return set.Cpus.IsEmpty ? ProbeSet.Of(workload.Measure(signs, verifies)) : set;
    }

    /// <summary>⌈<paramref name="total"/> / <paramref name="cpus"/>⌉, at least <paramref name="min"/>, at most <paramref name="total"/>.</summary>
    internal static int Share(int total, int cpus, int min)
    {
        var each = Math.Max(cpus, 1);
        return Math.Min(total, Math.Max(min, (total + each - 1) / each));
    }
}

/// <summary>
/// One key pair and a set of signatures over distinct messages, about the size of what a walk signs, for timing
/// libsodium: <see cref="Measure"/> signs distinct messages and verifies distinct signatures, each kind timed on the
/// calling thread's CPU clock (the wall clock where there is none). Allocates only when created.
/// </summary>
internal sealed class Ed25519Workload : IDisposable
{
    // About the size of what a walk signs: a signed introduction request or response without its signature.
    private const int MessageLength = 160;
    private const int Warmup = 50;

    private readonly LibNaClPrivateKey _key = LibNaClPrivateKey.Generate();
    private readonly byte[] _verifyKey;
    private readonly byte[] _message = new byte[MessageLength];
    private readonly byte[] _signatures;
    private readonly byte[] _signature = new byte[Ed25519.SignatureLength];
    private readonly int _count;
    private int _signed;
    private int _verified;

    /// <summary>Makes the key pair and min(<paramref name="verifies"/>, 256) signatures to check, after a warm-up.</summary>
    public Ed25519Workload(int verifies)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(verifies, 1);
        _verifyKey = _key.PublicKey.VerifyKey.ToArray();
        for (var i = 0; i < _message.Length; i++)
        {
            _message[i] = (byte)(i * 31);
        }

        // Distinct messages, so that every verification checks a different signature.
        _count = Math.Min(verifies, 256);
        _signatures = new byte[_count * Ed25519.SignatureLength];
        for (var i = 0; i < Warmup + _count; i++)
        {
            var index = i % _count;
            Stamp(index);
            _key.Sign(_message, _signatures.AsSpan(index * Ed25519.SignatureLength, Ed25519.SignatureLength));
        }
    }

    /// <summary>Signs <paramref name="signs"/> distinct messages, then verifies <paramref name="verifies"/> signatures, each kind timed.</summary>
    public ProbeWork Measure(int signs, int verifies) =>
        new(signs, Time(sign: true, signs), verifies, Time(sign: false, verifies));

    /// <summary>Signs and verifies a few untimed, so that a batch after a pause starts with libsodium in the caches.</summary>
    public void WarmUp(int signs, int verifies)
    {
        Sign(signs);
        Verify(verifies);
    }

    public void Dispose() => _key.Dispose();

    private double Time(bool sign, int count)
    {
        if (ProcessStats.TryThreadCpuSeconds(out var before))
        {
            Run(sign, count);
            if (ProcessStats.TryThreadCpuSeconds(out var after) && after > before)
            {
                return after - before;
            }
        }

        var start = Stopwatch.GetTimestamp();
        Run(sign, count);
        return Math.Max(Stopwatch.GetElapsedTime(start).TotalSeconds, 1e-9);
    }

    private void Run(bool sign, int count)
    {
        if (sign)
        {
            Sign(count);
        }
        else
        {
            Verify(count);
        }
    }

    private void Sign(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Stamp(unchecked(_signed++)); // distinct across calls: a batch never signs what the last one did
            _key.Sign(_message, _signature);
        }
    }

    private void Verify(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var index = _verified;
            _verified = (_verified + 1) % _count;
            Stamp(index);
            if (!Ed25519.Verify(_signatures.AsSpan(index * Ed25519.SignatureLength, Ed25519.SignatureLength), _message, _verifyKey))
            {
                throw new InvalidOperationException("libsodium refused a signature it made.");
            }
        }
    }

    private void Stamp(int index) => BitConverter.TryWriteBytes(_message.AsSpan(0, sizeof(int)), index);
}

/// <summary>
/// What a swarm run cost: process CPU and memory, the nodes' signatures, libsodium's rates in the same process, and
/// the kernel's UDP receive drops over the run.
/// </summary>
/// <param name="CpuSeconds">
/// Process CPU time (user + system) from just before the tracker started to the end of the run, the probes excluded:
/// the start and end probes run outside that span, and the probe thread's own CPU time is subtracted
/// (<see cref="RunCpuSeconds"/>), so that it is the nodes' CPU.
/// </param>
/// <param name="PeakWorkingSetBytes">The process's peak resident set (Linux VmHWM).</param>
/// <param name="SignaturesCreated">Signatures the nodes and the tracker made (their communities' counters).</param>
/// <param name="SignaturesVerified">Signature checks they ran on incoming messages.</param>
/// <param name="StartProbe">libsodium's work and time before the tracker started.</param>
/// <param name="EndProbe">libsodium's work and time at the end of the run, the nodes still up.</param>
/// <param name="DatagramsDroppedByKernel">The growth of the machine-wide UDP RcvbufErrors counters over the run; null without /proc or without sockets (in-memory).</param>
internal sealed record SwarmCosts(
    double CpuSeconds,
    long PeakWorkingSetBytes,
    long SignaturesCreated,
    long SignaturesVerified,
    ProbeSet StartProbe,
    ProbeSet EndProbe,
    long? DatagramsDroppedByKernel)
{
    /// <summary>Bytes the process allocated on the managed heap over the run (<see cref="GC.GetTotalAllocatedBytes(bool)"/>), the probes excluded.</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Garbage collections over the run (every generation; <see cref="GC.CollectionCount(int)"/> of generation 0).</summary>
    public int GarbageCollections { get; init; }

    /// <summary>The probe thread's batches during the run; none by default (a run shorter than the probe interval).</summary>
    public DuringProbes DuringProbe { get; init; }

    /// <summary>Every probe's work together: start, the batches during the run, end.</summary>
    public ProbeSet AllProbes => ProbeSet.Sum(StartProbe, DuringProbe.Work, EndProbe);

    /// <summary>
    /// The batches during the run from which their rates alone are the run's (1,000 signs and 400 verifies in all: ten
    /// seconds of the run; on 2 CPUs, 5 batches each). The start and end probes (4,000 signs each) would otherwise
    /// outweigh them, and they see the machine at two moments only: in two 10,000-node runs of one build, the rates of all
    /// probes gave 1.62 and 1.47, the batches' alone 1.59 and 1.63, perf's libsodium share 1.61 and 1.61.
    /// </summary>
    public const int MinDuringBatches = 10;

    /// <summary>
    /// True when the rates are the batches' during the run: at least <see cref="MinDuringBatches"/> of them, and on every
    /// CPU the start probe measured (a machine of more CPUs than batches falls back to every probe, so that the mean is
    /// over all its CPUs).
    /// </summary>
    public bool RatesFromDuring => DuringProbe.Batches >= MinDuringBatches && Covers(DuringProbe.Work, StartProbe);

    /// <summary>
    /// The probes the rates come from: the batches during the run when <see cref="RatesFromDuring"/>, else every probe
    /// (<see cref="AllProbes"/>), each by its work within its CPU; the rates are the mean of the CPUs' (<see cref="ProbeSet.Rates"/>).
    /// </summary>
    public ProbeSet RateProbes => RatesFromDuring ? DuringProbe.Work : AllProbes;

    /// <summary>Signatures over their CPU seconds in <see cref="RateProbes"/>, per CPU, averaged over the CPUs.</summary>
    public double SignPerSecond => RateProbes.Rates.SignPerSecond;

    /// <summary>Verifications over their CPU seconds in <see cref="RateProbes"/>, per CPU, averaged over the CPUs.</summary>
    public double VerifyPerSecond => RateProbes.Rates.VerifyPerSecond;

    // Whether "set" has work on every CPU "other" was pinned to (any work at all when "other" was not pinned).
    private static bool Covers(ProbeSet set, ProbeSet other)
    {
        if (!other.HasPinned)
        {
            return !set.Cpus.IsEmpty;
        }

        foreach (var cpu in other.Cpus)
        {
            if (cpu.Cpu < 0)
            {
                continue;
            }

            var found = false;
            foreach (var mine in set.Cpus)
            {
                found |= mine.Cpu == cpu.Cpu;
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The CPU seconds the run's Ed25519 work takes at the probed rates.</summary>
    public double CryptoSeconds => CryptoWorkSeconds(SignaturesCreated, SignaturesVerified, SignPerSecond, VerifyPerSecond);

    /// <summary><see cref="CpuSeconds"/> over <see cref="CryptoSeconds"/>; null when there was no Ed25519 work.</summary>
    public double? CryptoRatio => Ratio(CpuSeconds, SignaturesCreated, SignaturesVerified, SignPerSecond, VerifyPerSecond);

    /// <summary>
    /// The process's CPU over a run less the probe thread's (never below 0): the probe thread runs inside the span that
    /// <see cref="CpuSeconds"/> covers, and its work is not the nodes'.
    /// </summary>
    public static double RunCpuSeconds(double processCpuSeconds, double probeThreadCpuSeconds) =>
        Math.Max(0, processCpuSeconds - probeThreadCpuSeconds);

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
        WriteProbe(writer, "start", StartProbe.Rates);
        writer.WriteStartObject("during");
        if (DuringProbe.Batches > 0)
        {
            var during = DuringProbe.Work.Rates;
            writer.WriteNumber("sign_per_second", Math.Round(during.SignPerSecond, 1));
            writer.WriteNumber("verify_per_second", Math.Round(during.VerifyPerSecond, 1));
        }
        else
        {
            writer.WriteNull("sign_per_second");
            writer.WriteNull("verify_per_second");
        }

        writer.WriteNumber("batches", DuringProbe.Batches);
        if (DuringProbe.Failure is { } failure)
        {
            writer.WriteString("failure", failure);
        }

        writer.WriteEndObject();
        WriteProbe(writer, "end", EndProbe.Rates);
        writer.WriteString("rates_from", RatesFromDuring ? "during" : "all");
        writer.WriteStartArray("per_cpu");
        foreach (var cpu in RateProbes.Cpus)
        {
            writer.WriteStartObject();
            if (cpu.Cpu >= 0)
            {
                writer.WriteNumber("cpu", cpu.Cpu);
            }
            else
            {
                writer.WriteNull("cpu");
            }

            var rates = cpu.Work.Rates;
            writer.WriteNumber("sign_per_second", Math.Round(rates.SignPerSecond, 1));
            writer.WriteNumber("verify_per_second", Math.Round(rates.VerifyPerSecond, 1));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
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

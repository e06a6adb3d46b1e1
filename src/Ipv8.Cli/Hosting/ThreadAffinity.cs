using System.Runtime.InteropServices;

namespace Ipv8.Cli.Hosting;

/// <summary>
/// The CPUs this process may run on, and pinning the calling thread to one of them (Linux <c>sched_getaffinity</c> and
/// <c>sched_setaffinity</c> with pid 0: the calling thread). The swarm's libsodium probes measure every CPU, because the
/// CPUs of one machine need not be equally fast: on the shared 2-vCPU VM this project is measured on, one vCPU signed and
/// verified 25% slower than the other for hours (its host core busy with another tenant), so a probe that ran wherever
/// the scheduler put it measured one CPU or the other by chance. Elsewhere (not Linux) nothing is pinned.
/// </summary>
internal static partial class ThreadAffinity
{
    // cpu_set_t: 1,024 CPUs, one bit each.
    private const int MaskBytes = 128;

    /// <summary>
    /// The CPUs the calling thread may run on, ascending (Linux; the process's affinity as the thread inherited it). Empty
    /// where the system cannot tell (not Linux; a machine with more than 1,024 possible CPUs refuses this 1,024-bit mask):
    /// callers then run unpinned, and the report says so (<c>"cpu": null</c>).
    /// </summary>
    public static int[] AllowedCpus()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        Span<byte> mask = stackalloc byte[MaskBytes];
        mask.Clear();
        try
        {
            if (sched_getaffinity(0, MaskBytes, ref MemoryMarshal.GetReference(mask)) < 0)
            {
                return [];
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return [];
        }

        var cpus = new List<int>();
        for (var cpu = 0; cpu < MaskBytes * 8; cpu++)
        {
            if ((mask[cpu >> 3] & (1 << (cpu & 7))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return [.. cpus];
    }

    /// <summary>
    /// Pins the calling thread to <paramref name="cpu"/> (0–1,023); false where that fails (not Linux, a CPU outside the
    /// process's set), and the thread then runs where it did. Only for threads of one's own (not the thread pool's).
    /// </summary>
    public static bool TryPinCurrentThread(int cpu) => TrySetCurrentThread([cpu]);

    /// <summary>
    /// Lets the calling thread run on <paramref name="cpus"/> only (each 0–1,023), e.g. all of
    /// <see cref="AllowedCpus"/> again after <see cref="TryPinCurrentThread"/>; false where that fails (not Linux, an
    /// empty set, a CPU outside the range or the process's set), and the thread then runs where it did.
    /// </summary>
    public static bool TrySetCurrentThread(ReadOnlySpan<int> cpus)
    {
        if (!OperatingSystem.IsLinux() || cpus.IsEmpty)
        {
            return false;
        }

        Span<byte> mask = stackalloc byte[MaskBytes];
        mask.Clear();
        foreach (var cpu in cpus)
        {
            if ((uint)cpu >= MaskBytes * 8)
            {
                return false;
            }

            mask[cpu >> 3] |= (byte)(1 << (cpu & 7));
        }

        try
        {
            return sched_setaffinity(0, MaskBytes, ref MemoryMarshal.GetReference(mask)) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_getaffinity")]
    private static partial int sched_getaffinity(int pid, nuint size, ref byte mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity")]
    private static partial int sched_setaffinity(int pid, nuint size, ref byte mask);
}

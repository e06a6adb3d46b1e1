using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Ipv8.Cli.Hosting;

/// <summary>
/// What the process and the machine measure about a run: CPU time (the process's and one thread's), the peak working set
/// and the kernel's count of UDP datagrams dropped for want of receive-buffer room. Linux reads <c>/proc</c> and
/// <c>clock_gettime</c>; elsewhere the portable <see cref="Process"/> numbers (or nothing) stand in.
/// </summary>
internal static partial class ProcessStats
{
    private const int ClockProcessCpuTime = 2; // CLOCK_PROCESS_CPUTIME_ID on Linux
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID on Linux

    private static bool s_clockMissing;

    /// <summary>CPU time (user + system) of the whole process so far, in seconds.</summary>
    public static double ProcessCpuSeconds() =>
        TryClock(ClockProcessCpuTime, out var seconds) ? seconds : Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>
    /// CPU time of the calling thread so far, in seconds; false where the system cannot tell (then time the work by the
    /// wall clock instead).
    /// </summary>
    public static bool TryThreadCpuSeconds(out double seconds) => TryClock(ClockThreadCpuTime, out seconds);

    /// <summary>The process's peak resident set (Linux <c>VmHWM</c>), in bytes; <see cref="Process.PeakWorkingSet64"/> elsewhere.</summary>
    public static long PeakWorkingSetBytes()
    {
        if (OperatingSystem.IsLinux() && TryReadProc("/proc/self/status") is { } status && ParseVmHwmBytes(status) is { } bytes)
        {
            return bytes;
        }

        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    /// <summary>
    /// The kernel's <c>RcvbufErrors</c> counters of UDP over IPv4 (<c>/proc/net/snmp</c>) and IPv6
    /// (<c>/proc/net/snmp6</c>), summed: datagrams dropped because a socket's receive buffer was full. They count for
    /// the whole network namespace (every process on the machine, as a rule), not for this process. Null where
    /// <c>/proc/net/snmp</c> cannot be read.
    /// </summary>
    public static long? UdpReceiveBufferErrors()
    {
        if (!OperatingSystem.IsLinux() || TryReadProc("/proc/net/snmp") is not { } snmp || ParseSnmpUdpRcvbufErrors(snmp) is not { } ipv4)
        {
            return null;
        }

        var ipv6 = TryReadProc("/proc/net/snmp6") is { } snmp6 ? ParseSnmp6Udp6RcvbufErrors(snmp6) ?? 0 : 0;
        return ipv4 + ipv6;
    }

    /// <summary>
    /// The <c>RcvbufErrors</c> column of the <c>Udp:</c> rows of <c>/proc/net/snmp</c> (a header row of names, then a
    /// row of values; <c>UdpLite:</c> rows are not UDP's). Null when absent or not a number.
    /// </summary>
    public static long? ParseSnmpUdpRcvbufErrors(string snmp)
    {
        ArgumentNullException.ThrowIfNull(snmp);
        string[]? header = null;
        foreach (var line in snmp.Split('\n'))
        {
            if (!line.StartsWith("Udp:", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (header is null)
            {
                header = fields;
                continue;
            }

            var column = Array.IndexOf(header, "RcvbufErrors");
            return column > 0 && column < fields.Length && long.TryParse(fields[column], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : null;
        }

        return null;
    }

    /// <summary>The <c>Udp6RcvbufErrors</c> row of <c>/proc/net/snmp6</c> (name, white space, value). Null when absent.</summary>
    public static long? ParseSnmp6Udp6RcvbufErrors(string snmp6) => NamedValue(snmp6, "Udp6RcvbufErrors");

    /// <summary>The <c>VmHWM:</c> row of <c>/proc/self/status</c> (in kB there), in bytes. Null when absent.</summary>
    public static long? ParseVmHwmBytes(string status)
    {
        ArgumentNullException.ThrowIfNull(status);
        foreach (var line in status.Split('\n'))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line["VmHWM:".Length..].Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return fields.Length == 2 && fields[1] == "kB" && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kilobytes)
                ? kilobytes * 1024
                : null;
        }

        return null;
    }

    private static long? NamedValue(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var line in text.Split('\n'))
        {
            var fields = line.Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length == 2 && fields[0] == name)
            {
                return long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
            }
        }

        return null;
    }

    private static string? TryReadProc(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool TryClock(int clock, out double seconds)
    {
        seconds = 0;
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref s_clockMissing))
        {
            return false;
        }

        try
        {
            if (clock_gettime(clock, out var time) != 0)
            {
                return false;
            }

            seconds = time.Seconds + (time.Nanoseconds / 1e9);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref s_clockMissing, true);
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int clock_gettime(int clockId, out TimeSpec time);

    // struct timespec on Linux: two C longs (pointer-sized).
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }
}

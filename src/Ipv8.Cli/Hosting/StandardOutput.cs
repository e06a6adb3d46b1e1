using System.Runtime.InteropServices;
using System.Text;

namespace Ipv8.Cli.Hosting;

/// <summary>
/// Writes a report to the process's standard output so that a failure is seen. .NET's console stream drops a write
/// that fails with EPIPE without a word (the runtime ignores SIGPIPE, so write(2) returns EPIPE when the reader closed
/// the pipe: <c>ipv8 swarm … | (exec 0&lt;&amp;-)</c> lost the report and exited 0), and reports EBADF (standard output
/// closed, <c>&gt;&amp;-</c>) as "Access to the path is denied". Outside Windows the report therefore goes out with
/// write(2) on descriptor 1, which also keeps the shared file offset of a redirected file; a failure is an
/// <see cref="IOException"/> whose message is the true reason, for <c>OutputFiles.CannotWrite</c>.
/// </summary>
internal static partial class StandardOutput
{
    private const int StdoutFileno = 1;
    private const int Eintr = 4;
    private const int Ebadf = 9;
    private const int Epipe = 32;

    /// <summary>"the reader closed standard output (broken pipe)": the message of a write that failed with EPIPE.</summary>
    public const string BrokenPipe = "the reader closed standard output (broken pipe)";

    /// <summary>The message of a write that failed with EBADF: descriptor 1 is closed (or open only for reading).</summary>
    public const string Closed = "standard output is closed (bad file descriptor)";

    /// <summary>
    /// Writes <paramref name="text"/> and a newline to <paramref name="output"/> and flushes it; when that is the
    /// console's standard output (outside Windows), with write(2), throwing an <see cref="IOException"/> on failure.
    /// </summary>
    public static void WriteLine(TextWriter output, string text)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (OperatingSystem.IsWindows() || !ReferenceEquals(output, Console.Out))
        {
            output.WriteLine(text);
            output.Flush();
            return;
        }

        output.Flush(); // whatever the console still holds goes first
        Write(StdoutFileno, Encoding.UTF8.GetBytes(text + "\n"));
    }

    /// <summary>Writes all of <paramref name="bytes"/> to descriptor <paramref name="fd"/>; an <see cref="IOException"/> with the reason when it fails.</summary>
    internal static unsafe void Write(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            var done = 0;
            while (done < bytes.Length)
            {
                var written = write(fd, start + done, bytes.Length - done);
                if (written >= 0)
                {
                    done += (int)written;
                    continue;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Eintr)
                {
                    continue;
                }

                if (errno == (OperatingSystem.IsLinux() ? 11 : 35))
                {
                    // EAGAIN: a non-blocking descriptor whose pipe is full; the reader is still there (and may be slow).
                    Thread.Sleep(10);
                    continue;
                }

                throw new IOException(Reason(errno), errno);
            }
        }
    }

    /// <summary>Why a write to standard output failed with <paramref name="errno"/>, in words.</summary>
    internal static string Reason(int errno) => errno switch
    {
        Epipe => BrokenPipe,
        Ebadf => Closed,
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nint count);
}

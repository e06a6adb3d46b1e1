namespace Ipv8.Shared;

/// <summary>
/// The words for an output file that cannot be written (<c>--report</c>, <c>--plot</c>, <c>--out</c>, the bench
/// harness's <c>--json</c>), shared by the <c>ipv8</c> command and the bench program (compiled into each, as
/// src/Shared/Suggest.cs is), so that both say it the same way.
/// </summary>
internal static class OutputFiles
{
    /// <summary>
    /// Why <paramref name="file"/> cannot be written as the value of option <paramref name="option"/>, checked before
    /// any work starts ("--report 'PATH' is a directory, not a file."); null when it can be.
    /// </summary>
    public static string? Problem(string option, FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (Directory.Exists(file.FullName))
        {
            return $"{option} '{file.FullName}' is a directory, not a file.";
        }

        return file.Directory is { Exists: true } ? null : $"{option} '{file.FullName}': the folder '{file.DirectoryName}' does not exist.";
    }

    /// <summary>
    /// Why a file that does not exist yet cannot be made, found out before a long run rather than after it (a read-only
    /// folder, <c>/proc</c>); null when it can, or when the file exists (an existing file is not opened: a FIFO would
    /// block, and whether root or an ACL may write it only the write itself tells). The file is created and removed
    /// again by the same handle; if the folder lets it be created but not removed, the check does not refuse the run.
    /// </summary>
    public static string? CannotCreate(string option, FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (File.Exists(file.FullName) || Directory.Exists(file.FullName))
        {
            return null;
        }

        try
        {
            using (new FileStream(file.FullName, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (IOException ex) when (File.Exists(file.FullName) || ex.HResult is 17 or unchecked((int)0x80070050))
        {
            return null; // made meanwhile by another process (EEXIST): writable or not, the write will say
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // The folder is there, yet creating a file in it said "not found": /proc and /sys take no new files.
            return $"{option} '{file.FullName}' cannot be created in '{file.DirectoryName}': that folder takes no new files.";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{option} '{file.FullName}' cannot be created in '{file.DirectoryName}': {Reason(ex, file.FullName)}.";
        }
    }

    /// <summary>
    /// The system's reason for a failure on <paramref name="path"/>, without the path .NET puts into it (" : 'PATH'",
    /// " 'PATH'"), which the error line already gives once: "Could not find a part of the path", "The path is too long".
    /// </summary>
    private static string Reason(Exception exception, string path) =>
        exception.Message
            .Replace($" : '{path}'", string.Empty, StringComparison.Ordinal)
            .Replace($" '{path}'", string.Empty, StringComparison.Ordinal)
            .Trim()
            .TrimEnd('.');

    /// <summary>
    /// "error: cannot write --report 'PATH': REASON." for a write that failed: the path once, in quotes, and the
    /// system's reason without the " : 'PATH'" that .NET appends to it. Without a file (the report went to standard
    /// output, e.g. redirected to a full disk): "error: cannot write the report to standard output: REASON."
    /// </summary>
    public static string CannotWrite(string option, FileInfo? file, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (file is null)
        {
            return $"error: cannot write the report to standard output: {exception.Message.Trim().TrimEnd('.')}.";
        }

        return $"error: cannot write {option} '{file.FullName}': {Reason(exception, file.FullName)}.";
    }
}

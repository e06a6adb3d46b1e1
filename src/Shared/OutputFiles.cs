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

        var reason = exception.Message.Replace($" : '{file.FullName}'", string.Empty, StringComparison.Ordinal).Trim().TrimEnd('.');
        return $"error: cannot write {option} '{file.FullName}': {reason}.";
    }
}

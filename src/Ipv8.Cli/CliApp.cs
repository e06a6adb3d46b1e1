using System.CommandLine;
using Ipv8.Cli.Commands;

namespace Ipv8.Cli;

/// <summary>The <c>ipv8</c> command line: builds the commands, parses, reports parse errors on one line, runs.</summary>
internal static class CliApp
{
    public static RootCommand CreateRoot() => new("ipv8: tools for Ipv8 for .NET, a py-ipv8 compatible peer-to-peer overlay.")
    {
        SwarmCommand.Create(),
        NodeCommand.Create(),
        TrackerCommand.Create(),
        DecodeCommand.Create(),
        KeygenCommand.Create(),
    };

    /// <summary>Runs the command line; returns the exit code (2 for bad arguments, with one line on <paramref name="error"/>).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parsed = CreateRoot().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line, as the CLI contract asks; `ipv8 COMMAND --help` shows the usage.
            error.WriteLine($"error: {string.Join("; ", parsed.Errors.Select(e => e.Message.ReplaceLineEndings(" ")))} (see 'ipv8 --help')");
            return 2;
        }

        return parsed.Invoke(new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // The long-running commands handle Ctrl+C and SIGTERM themselves, so that they can stop cleanly and still
            // write their report.
            ProcessTerminationTimeout = null,
        });
    }
}

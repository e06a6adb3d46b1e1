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
        FuzzCommand.Create(),
    };

    /// <summary>Runs the command line; returns the exit code (2 for bad arguments, with one line on <paramref name="error"/>).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parsed = CreateRoot().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine(ErrorLine(parsed));
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

    /// <summary>
    /// The one line the CLI contract asks for: what is wrong, a "did you mean" for an unknown command or option close to
    /// a known one, and the help of the command being parsed (<c>ipv8 node --help</c>, not the top-level one).
    /// </summary>
    internal static string ErrorLine(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        var help = $"(see '{CommandPath(parsed)} --help')";
        if (command.Subcommands.Count > 0)
        {
            // No subcommand was recognized: an unknown word is the command that was meant, and every other error
            // ("Required command was not provided", the rest of the line unmatched) follows from it.
            var names = string.Join(", ", command.Subcommands.Select(c => c.Name));
            var word = parsed.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-'));
            var unknownOptions = string.Concat(parsed.UnmatchedTokens.Where(t => t.StartsWith('-')).Select(t => $"; unrecognized option '{t}'"));
            return word is null
                ? $"error: no command given{unknownOptions}; the commands are {names} {help}"
                : $"error: '{word}' is not a command{DidYouMean(word, command.Subcommands.SelectMany(Names))}; the commands are {names} {help}";
        }

        var options = command.Options.Concat(parsed.RootCommandResult.Command.Options.Where(o => o.Recursive)).Where(o => !o.Hidden).SelectMany(Names).ToList();
        var unknown = parsed.UnmatchedTokens.Where(t => t.StartsWith('-')).ToList();
        var valuesOfUnknown = ValuesOfUnknownOptions(parsed);
        var messages = new List<string>();
        foreach (var message in parsed.Errors.Select(e => e.Message.ReplaceLineEndings(" ").TrimEnd('.')))
        {
            // An unmatched token's error names it in quotes: say it as an unknown option, with the nearest known one;
            // the value after an unknown option is not an error of its own.
            if (unknown.FirstOrDefault(t => message.Contains($"'{t}'", StringComparison.Ordinal)) is { } option)
            {
                messages.Add($"unknown option '{option}'{DidYouMean(option, options)}");
            }
            else if (!valuesOfUnknown.Any(v => message.Contains($"'{v}'", StringComparison.Ordinal)))
            {
                messages.Add(message);
            }
        }

        return $"error: {string.Join("; ", messages.Distinct(StringComparer.Ordinal))}. {help}";
    }

    /// <summary>The unmatched words right after an unmatched option (<c>1</c> in <c>--prot 1</c>): most likely its value.</summary>
    private static HashSet<string> ValuesOfUnknownOptions(ParseResult parsed)
    {
        var unmatched = parsed.UnmatchedTokens.ToHashSet(StringComparer.Ordinal);
        var values = new HashSet<string>(StringComparer.Ordinal);
        var tokens = parsed.Tokens;
        for (var i = 1; i < tokens.Count; i++)
        {
            var previous = tokens[i - 1].Value;
            var value = tokens[i].Value;
            if (previous.StartsWith('-') && unmatched.Contains(previous) && !value.StartsWith('-') && unmatched.Contains(value))
            {
                values.Add(value);
            }
        }

        return values;
    }

    /// <summary><c>ipv8 node</c> for the node command's errors; <c>ipv8</c> for the root's.</summary>
    private static string CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(result.Command is RootCommand ? "ipv8" : result.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    private static IEnumerable<string> Names(Symbol symbol) => symbol switch
    {
        Option option => [option.Name, .. option.Aliases],
        Command command => [command.Name, .. command.Aliases],
        _ => [symbol.Name],
    };

    /// <summary>
    /// <c>" (did you mean 'node'?)"</c> for the known names nearest to <paramref name="token"/> (at most two edits, one
    /// for short words, a swap of neighbours counting as one), or nothing. System.CommandLine's own typo corrections
    /// print several lines and propose any name within three edits (<c>-h</c> for <c>xyz</c>), so the CLI does its own.
    /// </summary>
    internal static string DidYouMean(string token, IEnumerable<string> candidates)
    {
        var word = token.TrimStart('-');
        var limit = word.Length <= 4 ? 1 : 2;
        var nearest = candidates
            .Where(c => c.TrimStart('-').Length > 1 && !string.Equals(c, token, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Select(c => (Name: c, Distance: EditDistance(word, c.TrimStart('-'))))
            .Where(c => c.Distance <= limit)
            .ToList();
        if (nearest.Count == 0)
        {
            return string.Empty;
        }

        var best = nearest.Min(c => c.Distance);
        return $" (did you mean {string.Join(" or ", nearest.Where(c => c.Distance == best).Select(c => $"'{c.Name}'").Order(StringComparer.Ordinal))}?)";
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours, case-insensitive.</summary>
    internal static int EditDistance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var d = new int[a.Length + 1][];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i] = new int[b.Length + 1];
            d[i][0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0][j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i][j] = Math.Min(Math.Min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i][j] = Math.Min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }

        return d[a.Length][b.Length];
    }
}

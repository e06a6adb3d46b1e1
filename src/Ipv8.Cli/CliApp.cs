using System.CommandLine;
using Ipv8.Cli.Hosting;
using System.CommandLine.Parsing;
using System.Globalization;
using Ipv8.Cli.Commands;
using Ipv8.Shared;

namespace Ipv8.Cli;

/// <summary>The <c>ipv8</c> command line: builds the commands, parses, reports parse errors on one line, runs.</summary>
internal static class CliApp
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("ipv8: tools for Ipv8 for .NET, a py-ipv8 compatible peer-to-peer overlay.")
        {
            SwarmCommand.Create(),
            NodeCommand.Create(),
            TrackerCommand.Create(),
            DecodeCommand.Create(),
            DissectorCommand.Create(),
            KeygenCommand.Create(),
            BenchCommand.Create(),
            FuzzCommand.Create(),
        };
        CliArguments.ReadNumbersInvariantly(root); // "0.5" is half a second in every locale, "0,5" an error
        return root;
    }

    /// <summary>Runs the command line; returns the exit code (2 for bad arguments, with one line on <paramref name="error"/>).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parsed = CreateRoot().Parse(args);
        if (parsed.Errors.Count > 0 || OptionsWithoutValue(parsed).Count > 0)
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
        // Unmatched words that look like options, and those an argument that takes any word refused as options
        // (decode's packets).
        var unknown = parsed.UnmatchedTokens
            .Concat(parsed.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).Select(t => t.Value))
            .Where(t => t.StartsWith('-'))
            .ToList();
        var valuesOfUnknown = ValuesOfUnknownOptions(parsed);
        var withoutValue = OptionsWithoutValue(parsed);
        var known = KnownOptionNames(parsed);
        // In "--log-level --nodes 3", "3" is the value of the --nodes that --log-level took: not an error of its own.
        var swallowed = withoutValue.SelectMany(r => r.Tokens).ToHashSet();
        for (var i = 1; i < parsed.Tokens.Count; i++)
        {
            if (swallowed.Contains(parsed.Tokens[i - 1]) && parsed.UnmatchedTokens.Contains(parsed.Tokens[i].Value))
            {
                valuesOfUnknown.Add(parsed.Tokens[i].Value);
            }
        }

        var messages = withoutValue.Select(r => $"{r.Option.Name} needs a value").ToList();
        // The word taken as the value is an option of its own: one not known is an unknown option, said as any other.
        messages.AddRange(withoutValue.SelectMany(r => r.Tokens).Select(t => t.Value).Where(v => LooksLikeAnOption(v) && !known.Contains(v))
            .Select(v => $"unknown option '{v}'{DidYouMean(v, options)}"));
        foreach (var message in parsed.Errors.Where(e => !withoutValue.Contains(e.SymbolResult) && !withoutValue.Contains(e.SymbolResult?.Parent)).Select(e => e.Message.ReplaceLineEndings(" ").TrimEnd('.')))
        {
            // An unmatched token's error names it in quotes: say it as an unknown option, with the nearest known one;
            // the value after an unknown option is not an error of its own.
            if (unknown.FirstOrDefault(t => message.Contains($"'{t}'", StringComparison.Ordinal)) is { } option)
            {
                messages.Add($"unknown option '{option}'{DidYouMean(option, options)}");
            }
            else if (OwnMessage(parsed, message) is { } own)
            {
                messages.Add(own);
            }
            else if (command.Arguments.Count == 0
                && parsed.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-') && !valuesOfUnknown.Contains(t) && message.Contains($"'{t}'", StringComparison.Ordinal)) is { } word)
            {
                // A word where a command takes only options: said in the CLI's words, not "Unrecognized command or argument".
                messages.Add($"unexpected argument '{word}': {CommandPath(parsed)} takes options only");
            }
            else if (!valuesOfUnknown.Any(v => message.Contains($"'{v}'", StringComparison.Ordinal)))
            {
                messages.Add(message);
            }
        }

        return $"error: {string.Join("; ", messages.Distinct(StringComparer.Ordinal))}. {help}";
    }

    /// <summary>
    /// Says System.CommandLine's own errors about an option of the command in the CLI's words: "--port is required",
    /// "--port needs a value", "--nodes must be a whole number, got 'x'" instead of "Cannot parse argument 'x' for
    /// option '--nodes' as expected type 'System.Int32'". Null for any other error (the option's own checks already
    /// speak the CLI's words).
    /// </summary>
    private static string? OwnMessage(ParseResult parsed, string message)
    {
        var command = parsed.CommandResult.Command;
        foreach (var option in command.Options.Concat(parsed.RootCommandResult.Command.Options.Where(o => o.Recursive)))
        {
            if (!message.Contains($"'{option.Name}'", StringComparison.Ordinal))
            {
                continue;
            }

            var result = parsed.GetResult(option);
            if (result is null || (result.Implicit && result.Tokens.Count == 0 && result.IdentifierTokenCount == 0))
            {
                return option.Required ? $"{option.Name} is required" : null;
            }

            if (result.Tokens.Count == 0)
            {
                return option.Arity.MinimumNumberOfValues > 0 ? $"{option.Name} needs a value" : null;
            }

            if (result.Tokens.Count > option.Arity.MaximumNumberOfValues && message.Contains("expects a single argument", StringComparison.Ordinal))
            {
                return $"{option.Name} given {result.Tokens.Count} times; give it once";
            }

            var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
            var text = result.Tokens[0].Value;
            return Expected(type, text) is { } expected ? $"{option.Name} must be {expected}, got '{text}'" : null;
        }

        return null;
    }

    /// <summary>What a value of <paramref name="type"/> looks like, when <paramref name="text"/> is not one; otherwise null.</summary>
    private static string? Expected(Type type, string text)
    {
        if (type == typeof(int))
        {
            return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? null : "a whole number";
        }

        if (type == typeof(double))
        {
            return double.TryParse(text, InvariantNumber.Style, CultureInfo.InvariantCulture, out _) ? null : "a number";
        }

        if (type.IsEnum)
        {
            return Enum.TryParse(type, text, ignoreCase: true, out _) ? null : $"one of {string.Join(", ", Enum.GetNames(type))}";
        }

        return null;
    }

    /// <summary>
    /// The options of the command that took an option as their value (<c>--nodes --quiet</c>, <c>--report --quiet</c>):
    /// System.CommandLine hands the next word to an option that needs a value, even a word that names an option. No
    /// value is a known option or a word of the form <c>--name</c>, so these are options given without their value.
    /// </summary>
    private static List<OptionResult> OptionsWithoutValue(ParseResult parsed)
    {
        var names = KnownOptionNames(parsed);
        return parsed.CommandResult.Children.OfType<OptionResult>()
            .Where(r => r.Tokens.Any(t => names.Contains(t.Value) || LooksLikeAnOption(t.Value)))
            .ToList();
    }

    /// <summary><c>--name</c>: two dashes and a letter (a negative number such as <c>-1</c> is a value).</summary>
    private static bool LooksLikeAnOption(string word) => word.Length > 2 && word.StartsWith("--", StringComparison.Ordinal) && char.IsAsciiLetter(word[2]);

    private static HashSet<string> KnownOptionNames(ParseResult parsed) => parsed.CommandResult.Command.Options
        .Concat(parsed.RootCommandResult.Command.Options.Where(o => o.Recursive))
        .SelectMany(Names)
        .ToHashSet(StringComparer.Ordinal);

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

    /// <inheritdoc cref="Suggest.DidYouMean"/>
    internal static string DidYouMean(string token, IEnumerable<string> candidates) => Suggest.DidYouMean(token, candidates);

    /// <inheritdoc cref="Suggest.EditDistance"/>
    internal static int EditDistance(string a, string b) => Suggest.EditDistance(a, b);
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using Ipv8.Cli.Commands;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Shared;
using Ipv8.Wire;
using Microsoft.Extensions.Logging;

namespace Ipv8.Cli.Hosting;

/// <summary>
/// The options that several commands share, with validators: a bad value is a parse error, which the program prints
/// as one line before exiting with code 2.
/// </summary>
internal static class CliArguments
{
    /// <summary>
    /// Adds a check of the converted value. A value that does not convert at all (<c>--port abc</c>) is already a parse
    /// error of its own, so the check is skipped then.
    /// </summary>
    public static Option<T> Check<T>(this Option<T> option, Func<T, bool> valid, Func<T, string> message)
    {
        option.Validators.Add(result =>
        {
            if (Converted(result, out T value) && !valid(value))
            {
                result.AddError(message(value));
            }
        });
        return option;
    }

    /// <summary>The option's value, false when it does not convert (then a parse error of its own).</summary>
    private static bool Converted<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    /// <summary>
    /// Makes every option of <paramref name="command"/> and its subcommands that takes a number with decimals
    /// (<see cref="double"/> or <see cref="Nullable{Double}"/>) read it the same way in every locale
    /// (<see cref="InvariantNumber"/>); anything else is one error: "--name must be a number, got 'TEXT'". A whole
    /// number (<see cref="int"/> or <see cref="Nullable{Int32}"/>) without a parser of its own is read as
    /// <see cref="Check(Option{int}, IntRange)"/> reads one: digits with an optional sign, nothing around them; anything
    /// else is "--name must be a whole number, got 'TEXT'". A space before or after a number is refused by both
    /// (System.CommandLine alone took <c>" 2"</c> for 2).
    /// </summary>
    public static void ReadNumbersInvariantly(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in command.Options)
        {
            switch (option)
            {
                case Option<double> { CustomParser: null } number:
                    number.CustomParser = result => TryNumber(result, number.Name, out var value) ? value : default;
                    break;
                case Option<double?> { CustomParser: null } optional:
                    optional.CustomParser = result => TryNumber(result, optional.Name, out var value) ? value : null;
                    break;
                case Option<int> { CustomParser: null } whole:
                    whole.CustomParser = result => TryWholeNumber(result, whole.Name, out var value) ? value : default;
                    break;
                case Option<int?> { CustomParser: null } optionalWhole:
                    optionalWhole.CustomParser = result => TryWholeNumber(result, optionalWhole.Name, out var value) ? value : null;
                    break;
            }
        }

        foreach (var subcommand in command.Subcommands)
        {
            ReadNumbersInvariantly(subcommand);
        }
    }

    private static bool TryNumber(ArgumentResult result, string name, out double value)
    {
        value = 0;
        if (result.Tokens.Count == 0)
        {
            return false; // no value: "needs a value", said elsewhere
        }

        if (InvariantNumber.TryParse(result.Tokens[0].Value, name, out value, out var error))
        {
            return true;
        }

        result.AddError(error!);
        return false;
    }

    private static bool TryWholeNumber(ArgumentResult result, string name, out int value)
    {
        value = 0;
        if (result.Tokens.Count == 0)
        {
            return false; // no value: "needs a value", said elsewhere
        }

        var text = result.Tokens[0].Value;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        result.AddError($"{name} must be a whole number, got '{text}'.");
        return false;
    }

    /// <summary>
    /// Adds a check of a number that echoes the value as the user typed it: "RULE, got 'TEXT'." A number too large for a
    /// double (<c>1e400</c>) converts to infinity, and its own text, not "Infinity", is what the user should read back.
    /// A value that does not convert at all is already a parse error of its own.
    /// </summary>
    public static Option<double> CheckAsGiven(this Option<double> option, Func<double, bool> valid, string rule) =>
        AsGiven(option, value => value, valid, rule);

    /// <summary>
    /// <see cref="CheckAsGiven(Option{double}, Func{double, bool}, string)"/> for an option that may be left out: no
    /// value (null) is not checked.
    /// </summary>
    public static Option<double?> CheckAsGiven(this Option<double?> option, Func<double, bool> valid, string rule) =>
        AsGiven(option, value => value, valid, rule);

    private static Option<T> AsGiven<T>(Option<T> option, Func<T, double?> number, Func<double, bool> valid, string rule)
    {
        option.Validators.Add(result =>
        {
            if (Converted(result, out T value) && number(value) is { } given && (!double.IsFinite(given) || !valid(given)))
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : given.ToString(CultureInfo.InvariantCulture);
                result.AddError($"{rule}, got '{text}'.");
            }
        });
        return option;
    }

    /// <summary>
    /// Parses the value as a whole number in <paramref name="range"/>; anything else, a word or a number outside it, is
    /// one error: "--name must be a whole number RANGE, got 'VALUE'."
    /// </summary>
    public static Option<int> Check(this Option<int> option, IntRange range)
    {
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && range.Contains(value))
            {
                return value;
            }

            result.AddError($"{option.Name} must be {WholeNumber(range)}, got '{text}'.");
            return default;
        };
        return option;
    }

    /// <summary>"a whole number from 0 to 65535", "a whole number, -1 (unlimited) or at least 0".</summary>
    public static string WholeNumber(IntRange range) =>
        range.Text.StartsWith("from ", StringComparison.Ordinal) ? $"a whole number {range.Text}" : $"a whole number, {range.Text}";

    public static Option<int> Port(string description, bool required) =>
        new Option<int>("--port") { Description = description, Required = required }.Check(SettingRanges.Port);

    public static Option<IPAddress> Host(string description) => new("--host")
    {
        Description = description,
        DefaultValueFactory = _ => IPAddress.Any,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (IPAddress.TryParse(text, out var address))
            {
                return address;
            }

            result.AddError($"--host must be a numeric IPv4 or IPv6 address, got '{text}'.");
            return null;
        },
    };

    /// <summary>The longest <c>--duration</c> of <c>node</c>, <c>tracker</c> and <c>fuzz</c>: 30 days, in seconds.</summary>
    private const double MaxDurationSeconds = 30 * 24 * 3600;

    /// <summary>
    /// <c>--duration</c> of <c>node</c>, <c>tracker</c> and <c>fuzz</c>: more than 0 (at least the clock's 100 ns: a
    /// smaller value would be a limit of 0) and at most 30 days; an error echoes the value as given (<c>1e400</c>, not
    /// "Infinity").
    /// </summary>
    public static Option<double?> Duration(string description) =>
        new Option<double?>("--duration") { Description = description, HelpName = "seconds" }
            .CheckAsGiven(
                value => value is > 0 and <= MaxDurationSeconds && TimeSpan.FromSeconds(value) > TimeSpan.Zero,
                "--duration must be a positive number of seconds (at most 30 days)");

    public static Option<FileInfo?> Report(string description) => OutputFile("--report", description);

    /// <summary>
    /// An option naming a file the command writes: a folder, or a file in a folder that does not exist, is a parse
    /// error (exit 2, before any work starts), and so is a file that does not exist yet and cannot be created
    /// (<see cref="OutputFiles.CannotCreate"/>: found out before a run that may take minutes, not after it); the command
    /// never creates folders.
    /// </summary>
    public static Option<FileInfo?> OutputFile(string name, string description)
    {
        var option = new Option<FileInfo?>(name)
        {
            Description = description,
            HelpName = "file",
            CustomParser = result => Named(result, name, "a file") is { } text ? new FileInfo(text) : null,
        };
        option.Validators.Add(result =>
        {
            FileInfo? value;
            try
            {
                value = result.GetValueOrDefault<FileInfo?>();
            }
            catch (InvalidOperationException)
            {
                return; // no value, or one that did not parse: its own error says so
            }

            if (value is { } file && (OutputFiles.Problem(name, file) ?? OutputFiles.CannotCreate(name, file)) is { } problem)
            {
                result.AddError(problem);
            }
        });
        return option;
    }

    /// <summary>
    /// An option naming an SVG file the command writes: an <see cref="OutputFile"/> (a directory or a missing folder is
    /// refused in the same words as <c>--report</c>) whose name must also end in <c>.svg</c>, with a name before it.
    /// </summary>
    public static Option<FileInfo?> SvgFile(string name, string description)
    {
        var option = OutputFile(name, description);
        option.HelpName = "file.svg";
        option.Validators.Add(result =>
        {
            FileInfo? value;
            try
            {
                value = result.GetValueOrDefault<FileInfo?>();
            }
            catch (InvalidOperationException)
            {
                return;
            }

            // A directory is OutputFile's error; only a file's name is checked here.
            if (value is { } file && !Directory.Exists(file.FullName) && Plotting.SwarmPlot.CheckName(name, file) is { } problem)
            {
                result.AddError(problem);
            }
        });
        return option;
    }

    /// <summary>
    /// "--a and --b name the same file 'PATH'; ..." when two output file options of a command name one file (the later
    /// write would silently replace the earlier); null otherwise.
    /// </summary>
    public static string? SameFile(CommandResult result, Option<FileInfo?> first, Option<FileInfo?> second)
    {
        ArgumentNullException.ThrowIfNull(result);
        FileInfo? a, b;
        try
        {
            a = result.GetValue(first);
            b = result.GetValue(second);
        }
        catch (InvalidOperationException)
        {
            return null; // a value that does not parse is its own error
        }

        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return a is not null && b is not null && string.Equals(Resolved(a), Resolved(b), comparison)
            ? $"{first.Name} and {second.Name} name the same file '{a.FullName}'; give each its own file"
            : null;

        // Through symbolic links (the file's own, and its folders'), so that a link and its target count as one file.
        static string Resolved(FileInfo file)
        {
            try
            {
                if (file.Exists && file.ResolveLinkTarget(returnFinalTarget: true) is { } target)
                {
                    file = new FileInfo(target.FullName);
                }

                var path = Path.GetPathRoot(file.FullName) ?? "/";
                foreach (var part in (file.DirectoryName ?? string.Empty).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
                {
                    path = Path.Combine(path, part);
                    if (new DirectoryInfo(path).ResolveLinkTarget(returnFinalTarget: true) is { } folder)
                    {
                        path = folder.FullName;
                    }
                }

                return Path.Combine(path, file.Name);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return file.FullName; // a link loop or an unreadable link: the names as given
            }
        }
    }

    /// <summary>
    /// The value of option <paramref name="name"/> when it is a name (not empty nor blank); otherwise adds the error
    /// "--name needs WHAT name, got ''" and returns null.
    /// </summary>
    public static string? Named(ArgumentResult result, string name, string what)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (!string.IsNullOrWhiteSpace(text))
        {
            return text;
        }

        result.AddError($"{name} needs {what} name, got '{text}'.");
        return null;
    }

    /// <summary>
    /// Parses a <c>--community</c> value: 40 hex digits, not all zero; anything else is an error naming the value.
    /// </summary>
    public static CommunityId? ParseCommunity(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (CommunityId.TryParse(text, out var id) && id != default)
        {
            return id;
        }

        result.AddError($"--community must be 40 hex digits (20 bytes, not all zero), got '{text}'.");
        return null;
    }

    public static Option<LogLevel> LogLevel(LogLevel defaultLevel) => new("--log-level")
    {
        Description = "Minimum level of the log lines written to standard error (Trace, Debug, Information, Warning, Error, Critical, None).",
        DefaultValueFactory = _ => defaultLevel,
    };

    public static Option<int> MaxPeers() =>
        new Option<int>("--max-peers")
        {
            Description = "Peers above which the community stops answering introduction requests (py-ipv8 max_peers); -1 is unlimited.",
            DefaultValueFactory = _ => Engine.Communities.CommunitySettings.DefaultMaxPeers,
        }.Check(SettingRanges.MaxPeers);

    public static Option<int> WalkTarget(string description) =>
        new Option<int>("--walk-target")
        {
            Description = description,
            DefaultValueFactory = _ => SwarmConfig.DefaultWalkTarget,
        }.Check(SettingRanges.TargetPeers);

    /// <summary>A number of seconds from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<double> Seconds(string name, string description, double defaultValue, double min, double max) =>
        new Option<double>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            HelpName = "seconds",
        }.CheckAsGiven(value => value >= min && value <= max, string.Create(CultureInfo.InvariantCulture, $"{name} must be {min}-{max} seconds"));

    /// <summary>
    /// An option whose values are <c>HOST:PORT</c> (an IP address, <c>[IPv6]</c> or a DNS name), checked by
    /// <see cref="HostPort.TryParse"/>; with <paramref name="allowPublic"/>, also <c>public</c> (py-ipv8's public trackers).
    /// </summary>
    public static Option<string[]> HostPorts(string name, string description, bool allowPublic = false)
    {
        var option = new Option<string[]>(name)
        {
            Description = description,
            HelpName = "host:port",
            Arity = ArgumentArity.OneOrMore,
            DefaultValueFactory = _ => [],
        };
        option.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!(allowPublic && IsPublic(value)) && !HostPort.TryParse(value, out _, out var reason))
                {
                    result.AddError($"{name} {value} {reason}{(allowPublic ? " (or 'public')" : string.Empty)}.");
                }
            }
        });
        return option;
    }

    /// <summary>
    /// Splits the values of a <see cref="HostPorts"/> option (already checked) into servers and whether <c>public</c>
    /// was among them.
    /// </summary>
    public static (List<HostPort> Servers, bool Public) ParseHostPorts(IEnumerable<string> values)
    {
        var servers = new List<HostPort>();
        var publicTrackers = false;
        foreach (var value in values)
        {
            if (IsPublic(value))
            {
                publicTrackers = true;
            }
            else if (HostPort.TryParse(value, out var server, out var reason))
            {
                servers.Add(server);
            }
            else
            {
                throw new ArgumentException($"{value} {reason}.", nameof(values));
            }
        }

        return (servers, publicTrackers);
    }

    private static bool IsPublic(string value) => string.Equals(value, "public", StringComparison.OrdinalIgnoreCase);
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using Ipv8.Engine.Bootstrapping;
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
            T value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return;
            }

            if (!valid(value))
            {
                result.AddError(message(value));
            }
        });
        return option;
    }

    public static Option<int> Port(string description, bool required) =>
        new Option<int>("--port") { Description = description, Required = required }
            .Check(value => value is >= 0 and <= 65535, value => $"--port must be 0-65535, not {value}.");

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

            result.AddError($"--host must be a numeric IPv4 or IPv6 address, not '{text}'.");
            return null;
        },
    };

    public static Option<double?> Duration(string description) =>
        new Option<double?>("--duration") { Description = description, HelpName = "seconds" }
            .Check(
                value => value is null or (> 0 and <= 30 * 24 * 3600),
                value => $"--duration must be a positive number of seconds (at most 30 days), not {value?.ToString(CultureInfo.InvariantCulture)}.");

    public static Option<FileInfo?> Report(string description) => new("--report")
    {
        Description = description,
        HelpName = "file",
    };

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
        }.Check(value => value >= -1, _ => "--max-peers must be -1 (unlimited) or at least 0.");

    /// <summary>Parses one <c>--bootstrap</c> value: <c>public</c>, <c>IP:PORT</c>, <c>[IPv6]:PORT</c> or <c>NAME:PORT</c>.</summary>
    public static bool TryParseBootstrap(string text, out BootstrapTarget target, out string error)
    {
        target = default;
        if (string.Equals(text, "public", StringComparison.OrdinalIgnoreCase))
        {
            target = new BootstrapTarget(default, IsPublic: true);
            error = string.Empty;
            return true;
        }

        if (!HostPort.TryParse(text, out var hostPort, out var reason))
        {
            error = $"--bootstrap {text} {reason} (or 'public').";
            return false;
        }

        target = new BootstrapTarget(hostPort, IsPublic: false);
        error = string.Empty;
        return true;
    }

    /// <summary>An option whose values are <c>HOST:PORT</c> (an IP address, <c>[IPv6]</c> or a DNS name), checked by <see cref="HostPort.TryParse"/>.</summary>
    public static Option<string[]> HostPorts(string name, string description)
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
                if (!HostPort.TryParse(value, out _, out var reason))
                {
                    result.AddError($"{name} {value} {reason}.");
                }
            }
        });
        return option;
    }
}

/// <summary>One <c>--bootstrap</c> value: a host and port, or py-ipv8's public trackers.</summary>
internal readonly record struct BootstrapTarget(HostPort Server, bool IsPublic)
{
    public override string ToString() => IsPublic ? "public" : Server.ToString();
}

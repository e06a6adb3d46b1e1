using Ipv8.Engine.Bootstrapping;
using System.Net;
using System.Net.Sockets;
using Ipv8.Shared;
using Microsoft.Extensions.Options;

namespace Ipv8.Hosting;

/// <summary>Checks <see cref="Ipv8Options"/> when the host starts; every problem is named with its configuration key.</summary>
internal sealed class Ipv8OptionsValidator : IValidateOptions<Ipv8Options>
{
    /// <summary>
    /// The one exception a hosted node is refused with at start, whatever the reason (a value out of range, an unknown
    /// key, a key file in use or unreadable, a port that cannot be bound): an <see cref="OptionsValidationException"/>
    /// whose message is one line that names the setting, so that a program catches one type and prints one line; a
    /// program that does not catch it (or the host's "Hosting failed to start" log line) shows that line, no stack trace.
    /// </summary>
    public static OptionsValidationException Refuse(string message) => new Ipv8RefusedException(message);

    public ValidateOptionsResult Validate(string? name, Ipv8Options options)
    {
        var errors = new List<string>();
        Check(errors, "Ipv8:Port", options.Port, SettingRanges.Port);

        if (options.PortRetries is < 0 or > 1000)
        {
            errors.Add($"Ipv8:PortRetries {options.PortRetries} is not from 0 to 1000.");
        }

        if (options.Workers is < 0 or > 256)
        {
            errors.Add($"Ipv8:Workers {options.Workers} is not from 0 (one per core) to 256.");
        }

        var families = new HashSet<AddressFamily>();
        for (var i = 0; i < options.Interfaces.Count; i++)
        {
            var text = options.Interfaces[i];
            if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            {
                errors.Add($"Ipv8:Interfaces:{i} '{text}' is not an IPv4 or IPv6 address.");
            }
            else if (!families.Add(ip.AddressFamily))
            {
                errors.Add($"Ipv8:Interfaces:{i} '{text}': only one {(ip.AddressFamily == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} interface can be bound.");
            }
        }

        if (options.KeyFile is { Length: > 0 } keyFile && !File.Exists(keyFile) && options.CreateKeyFile)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(keyFile));
            if (directory is not null && !Directory.Exists(directory))
            {
                errors.Add($"Ipv8:KeyFile {keyFile}: the directory {directory} does not exist, so the key cannot be created.");
            }
        }

        CheckHostPorts(errors, "Ipv8:Bootstrap:Addresses", options.Bootstrap.Addresses);
        CheckHostPorts(errors, "Ipv8:Peers", options.Peers);

        if (options.Bootstrap.Interval < TimeSpan.Zero)
        {
            errors.Add($"Ipv8:Bootstrap:Interval {options.Bootstrap.Interval} is negative.");
        }

        if (!SettingRanges.Interval.Contains(options.WalkInterval))
        {
            errors.Add($"Ipv8:WalkInterval {options.WalkInterval} is not {SettingRanges.Interval.Text}.");
        }

        if (options.SummaryInterval != TimeSpan.Zero && !SettingRanges.Interval.Contains(options.SummaryInterval))
        {
            errors.Add($"Ipv8:SummaryInterval {options.SummaryInterval} is not 0 (off) or {SettingRanges.Interval.Text}.");
        }

        Check(errors, "Ipv8:MaxPeers", options.MaxPeers, SettingRanges.MaxPeers);
        CheckWalkers(errors, "Ipv8:Walkers", options.Walkers);
        foreach (var (communityName, community) in options.Communities)
        {
            if (community.MaxPeers is { } maxPeers)
            {
                Check(errors, $"Ipv8:Communities:{communityName}:MaxPeers", maxPeers, SettingRanges.MaxPeers);
            }

            CheckWalkers(errors, $"Ipv8:Communities:{communityName}:Walkers", community.Walkers, discovery: string.Equals(communityName, Ipv8NodeFactory.DiscoveryCommunityName, StringComparison.OrdinalIgnoreCase));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckHostPorts(List<string> errors, string key, IList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (!HostPort.TryParse(values[i], out _, out var reason))
            {
                errors.Add($"{key}:{i} '{values[i]}' {reason}.");
            }
        }
    }

    private static void Check(List<string> errors, string key, int value, IntRange range)
    {
        if (!range.Contains(value))
        {
            errors.Add($"{key} {value} is not {range.Text}.");
        }
    }

    private static void CheckWalkers(List<string> errors, string key, IList<Ipv8WalkerOptions> walkers, bool discovery = false)
    {
        for (var i = 0; i < walkers.Count; i++)
        {
            var walker = walkers[i];
            var strategy = walker.Strategy.ToUpperInvariant();
            if (strategy is not ("RANDOMWALK" or "EDGEWALK") && !(discovery && strategy is ("RANDOMCHURN" or "PERIODICSIMILARITY")))
            {
                errors.Add(discovery
                    ? $"{key}:{i}:Strategy '{walker.Strategy}' is not RandomWalk, EdgeWalk, RandomChurn or PeriodicSimilarity."
                    : $"{key}:{i}:Strategy '{walker.Strategy}' is not RandomWalk or EdgeWalk (RandomChurn and PeriodicSimilarity are for the DiscoveryCommunity only).");
            }

            Check(errors, $"{key}:{i}:TargetPeers", walker.TargetPeers, SettingRanges.TargetPeers);

            if (walker.Timeout <= TimeSpan.Zero)
            {
                errors.Add($"{key}:{i}:Timeout {walker.Timeout} is not positive.");
            }

            Check(errors, $"{key}:{i}:WindowSize", walker.WindowSize, SettingRanges.WindowSize);
            Check(errors, $"{key}:{i}:ResetChance", walker.ResetChance, SettingRanges.ResetChance);
            Check(errors, $"{key}:{i}:EdgeLength", walker.EdgeLength, SettingRanges.EdgeLength);
            Check(errors, $"{key}:{i}:NeighborhoodSize", walker.NeighborhoodSize, SettingRanges.NeighborhoodSize);
        }
    }
}

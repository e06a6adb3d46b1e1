using System.Globalization;
using System.Text;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Shared;
using Ipv8.Wire;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine;

/// <summary>The periodic summary line (event 1004): what a user at the default log level needs to see that something is wrong.</summary>
public sealed partial class Ipv8Node
{
    private static readonly DropReason[] s_dropReasons = Enum.GetValues<DropReason>();
    private static readonly string[] s_dropNames = [.. s_dropReasons.Select(r => Words(r.ToString()))];

    private Task? _summary;

    private Task? StartSummary()
    {
        var interval = _options.SummaryInterval;
        if (interval <= TimeSpan.Zero)
        {
            return null;
        }

        // The timer is made here, not in the task, so that a test's fake clock cannot run ahead of it.
        var timer = new PeriodicTimer(interval, _options.TimeProvider);
        var first = TakeSnapshot();
        return Task.Run(() => SummaryLoopAsync(timer, first));
    }

    private async Task SummaryLoopAsync(PeriodicTimer timer, SummarySnapshot previous)
    {
        using (timer)
        {
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
                {
                    try
                    {
                        var current = TakeSnapshot();
                        if (_logger.IsEnabled(LogLevel.Information))
                        {
                            WriteSummary(previous, current);
                        }

                        previous = current;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // A summary must never stop the node (a user's community or bootstrapper may throw when asked).
                        NodeLog.SummaryFailed(_logger, ex);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }
    }

    private SummarySnapshot TakeSnapshot()
    {
        var drops = new long[s_dropReasons.Length];
        long answers = 0, suppressed = 0, lost = 0, lastAnswer = 0;
        var servers = new HashSet<UdpAddress>();
        var bootstrappers = 0;
        foreach (var community in Communities)
        {
            for (var i = 0; i < drops.Length; i++)
            {
                drops[i] += community.Counters.Drops(s_dropReasons[i]);
            }

            answers += community.BootstrapAnswers;
            lastAnswer = Math.Max(lastAnswer, community.LastBootstrapAnswer);
            suppressed += community.RemoteLog.Suppressed;
            lost += community.RemoteLog.Lost;
            foreach (var bootstrapper in community.Bootstrappers)
            {
                bootstrappers++;
                servers.UnionWith(bootstrapper.Blacklist);
            }
        }

        // A bootstrap server's answer is refused as a peer (counted as blacklisted), but it is no dropped message.
        drops[(int)DropReason.Blacklisted] -= answers;
        drops[(int)DropReason.BadPrefix] += DroppedUnknownPrefix;
        drops[(int)DropReason.TooShort] += DroppedTooShort;
        return new SummarySnapshot(
            Endpoint.Counters.PacketsReceived, Endpoint.Counters.PacketsSent, drops, bootstrappers, servers.Count, lastAnswer, suppressed, lost);
    }

    private void WriteSummary(SummarySnapshot previous, SummarySnapshot current)
    {
        var culture = CultureInfo.InvariantCulture;
        var byCommunity = new StringBuilder();
        foreach (var community in Communities)
        {
            byCommunity.Append(culture, $"{(byCommunity.Length == 0 ? " (" : ", ")}{community.GetType().Name} {community.GetPeers().Length}");
        }

        if (byCommunity.Length > 0)
        {
            byCommunity.Append(')');
        }

        long dropped = 0;
        var byReason = new StringBuilder();
        for (var i = 0; i < current.Drops.Length; i++)
        {
            var delta = Math.Max(0, current.Drops[i] - previous.Drops[i]);
            if (delta > 0)
            {
                dropped += delta;
                byReason.Append(culture, $"{(byReason.Length == 0 ? " (" : ", ")}{s_dropNames[i]} {delta}");
            }
        }

        if (byReason.Length > 0)
        {
            byReason.Append(')');
        }

        NodeLog.Summary(
            _logger,
            Name,
            Network.VerifiedPeerCount,
            byCommunity.ToString(),
            string.Create(culture, $"{_options.SummaryInterval.TotalSeconds:0.###} s"),
            Math.Max(0, current.PacketsIn - previous.PacketsIn),
            Math.Max(0, current.PacketsOut - previous.PacketsOut),
            dropped,
            byReason.ToString(),
            DescribeBootstrap(current),
            Math.Max(0, current.Suppressed - previous.Suppressed),
            Math.Max(0, current.Lost - previous.Lost));
    }

    private string DescribeBootstrap(SummarySnapshot snapshot)
    {
        var culture = CultureInfo.InvariantCulture;
        if (snapshot.Bootstrappers == 0)
        {
            return "none";
        }

        if (snapshot.Servers == 0)
        {
            return $"{Counted.Of(snapshot.Bootstrappers, "bootstrapper")}, no server address";
        }

        var servers = Counted.Of(snapshot.Servers, "server");
        if (snapshot.LastAnswer == 0)
        {
            return servers + ", no answer yet";
        }

        var ago = _options.TimeProvider.GetElapsedTime(snapshot.LastAnswer);
        return string.Create(culture, $"{servers}, last answer {ago.TotalSeconds:0} s ago");
    }

    // "UnknownMessage" → "unknown message"; BadPrefix (the node's unknown prefixes) reads "unknown prefix".
    private static string Words(string name)
    {
        if (name == nameof(DropReason.BadPrefix))
        {
            return "unknown prefix";
        }

        var words = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(c));
        }

        return words.ToString();
    }

    private sealed record SummarySnapshot(
        long PacketsIn, long PacketsOut, long[] Drops, int Bootstrappers, int Servers, long LastAnswer, long Suppressed, long Lost);
}

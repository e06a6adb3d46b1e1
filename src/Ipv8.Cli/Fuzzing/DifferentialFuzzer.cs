using System.Diagnostics;
using Ipv8.Wire;

namespace Ipv8.Cli.Fuzzing;

/// <summary>What <c>ipv8 fuzz --differential</c> runs.</summary>
internal sealed record DifferentialOptions
{
    public required string Python { get; init; }

    public required string PyIpv8Directory { get; init; }

    public required CommunityId Community { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    public int Seed { get; init; }

    /// <summary>Inputs per second at most (0: as fast as py-ipv8 decodes).</summary>
    public int Rate { get; init; }

    /// <summary>Files to compare instead of generated inputs (each file one datagram); null to generate.</summary>
    public IReadOnlyList<string>? Corpus { get; init; }

    public string FindingsDirectory { get; init; } = "fuzz-findings";

    /// <summary>Files saved per distinct finding (same message, same fields that differ) at most; all are counted.</summary>
    public int FilesPerFinding { get; init; } = 3;

    public int BatchSize { get; init; } = 256;
}

/// <summary>The differential campaign's numbers.</summary>
internal sealed class DifferentialTally
{
    public long Compared { get; set; }

    public long AcceptedByBoth { get; set; }

    public long RejectedByBoth { get; set; }

    /// <summary>Known differences met, by allow-list id.</summary>
    public Dictionary<string, long> Allowed { get; } = new(StringComparer.Ordinal);

    /// <summary>Findings by signature (message name and the fields that differ), with how often each was met.</summary>
    public Dictionary<string, long> FindingCounts { get; } = new(StringComparer.Ordinal);

    public List<FuzzFinding> Findings { get; } = [];

    public TimeSpan Elapsed { get; set; }

    /// <summary>Ctrl+C or SIGTERM stopped the run early.</summary>
    public bool Interrupted { get; set; }
}

/// <summary>
/// Feeds generated inputs (<see cref="FuzzInputs"/>, the network fuzzer's) or a corpus through both decoders in
/// batches and records every disagreement that the allow-list does not explain: the input and both outputs in a file.
/// </summary>
internal static class DifferentialFuzzer
{
    public static DifferentialTally Run(DifferentialOptions options, TextWriter log, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tally = new DifferentialTally();
        var clock = Stopwatch.StartNew();
        using var py = new PyDecoder(options.Python, options.PyIpv8Directory);
        using var inputs = new FuzzInputs(options.Seed, options.Community);
        var corpus = options.Corpus;
        var next = 0;
        var lastStatus = TimeSpan.Zero;
        while (!cancel.IsCancellationRequested)
        {
            var batch = new List<FuzzDatagram>(options.BatchSize);
            if (corpus is not null)
            {
                while (batch.Count < options.BatchSize && next < corpus.Count)
                {
                    batch.Add(new FuzzDatagram(File.ReadAllBytes(corpus[next]), corpus[next]));
                    next++;
                }
            }
            else if (clock.Elapsed < options.Duration)
            {
                var allowed = options.Rate > 0 ? (long)(clock.Elapsed.TotalSeconds * options.Rate) + options.BatchSize : long.MaxValue;
                if (tally.Compared >= allowed)
                {
                    Thread.Sleep(10);
                    continue;
                }

                while (batch.Count < options.BatchSize)
                {
                    batch.Add(inputs.Next());
                }
            }

            if (batch.Count == 0)
            {
                break;
            }

            IReadOnlyList<System.Text.Json.Nodes.JsonObject> theirs;
            try
            {
                theirs = py.Decode([.. batch.Select(b => b.Bytes)]);
            }
            catch (InvalidOperationException) when (ShuttingDown(cancel))
            {
                // A signal to the whole process group (`timeout`, a service manager) that still reached the decoder
                // (e.g. SIGKILL, or a decoder started without the trap): the run was stopping anyway; the batch in
                // flight is not counted.
                break;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                Record(Differential.Compare(batch[i].Bytes, Differential.Ours(batch[i].Bytes), theirs[i]), batch[i].Mutation, options, tally);
            }

            if (clock.Elapsed - lastStatus >= TimeSpan.FromSeconds(30))
            {
                lastStatus = clock.Elapsed;
                log.WriteLine($"differential: {clock.Elapsed.TotalSeconds:0}s compared {tally.Compared}, accepted by both {tally.AcceptedByBoth}, rejected by both {tally.RejectedByBoth}, findings {tally.FindingCounts.Values.Sum()}");
            }
        }

        tally.Interrupted = cancel.IsCancellationRequested;
        tally.Elapsed = clock.Elapsed;
        return tally;
    }

    /// <summary>
    /// True when this run is being stopped: the decoder ended because the signal that stops the run reached it too.
    /// This process's own signal handler cancels a moment later than the signal ends the decoder, so it waits a little.
    /// </summary>
    private static bool ShuttingDown(CancellationToken cancel) => cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(2));

    private static void Record(Comparison comparison, string description, DifferentialOptions options, DifferentialTally tally)
    {
        tally.Compared++;
        foreach (var id in comparison.Allowed)
        {
            tally.Allowed[id] = tally.Allowed.GetValueOrDefault(id) + 1;
        }

        if (!comparison.IsFinding)
        {
            tally.AcceptedByBoth += comparison.AcceptedByBoth ? 1 : 0;
            tally.RejectedByBoth += comparison.RejectedByBoth ? 1 : 0;
            return;
        }

        var name = (string?)comparison.Ours["name"] ?? (string?)comparison.Theirs["name"] ?? "?";
        var signature = $"{name}: {string.Join(", ", comparison.Differences.Select(d => d.Field))}";
        var seen = tally.FindingCounts.GetValueOrDefault(signature);
        tally.FindingCounts[signature] = seen + 1;
        if (seen >= options.FilesPerFinding)
        {
            return;
        }

        var file = Path.GetFullPath(Path.Combine(options.FindingsDirectory, $"differential-seed{options.Seed}-{tally.Compared}.json"));
        var first = comparison.Differences[0];
        var text = $"{signature} (ours {first.Ours}; py-ipv8 {first.Theirs}); input: {description}";
        Differential.Save(comparison, file, text);
        tally.Findings.Add(new FuzzFinding(file, text));
    }
}

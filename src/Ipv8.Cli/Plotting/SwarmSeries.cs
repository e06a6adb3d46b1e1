namespace Ipv8.Cli.Plotting;

/// <summary>
/// Verified peers per node over time, sampled during an <c>ipv8 swarm</c> run for <c>--plot</c>. Up to
/// <see cref="AllLinesUpTo"/> nodes every node is kept as a line; above that only <see cref="SampledLines"/> evenly
/// spaced nodes are, plus the min, 10th percentile, median, 90th percentile and max over all started nodes at each sample, so that the memory and the
/// picture stay small for 1000 nodes and more.
/// </summary>
internal sealed class SwarmSeries
{
    /// <summary>Swarms up to this many nodes get one line per node.</summary>
    public const int AllLinesUpTo = 100;

    /// <summary>Lines drawn for a larger swarm (nodes 0, N/50, 2N/50, …), besides the min–max band and the median.</summary>
    public const int SampledLines = 50;

    /// <summary>Samples are at least this far apart.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>At most about this many samples are kept, however long the run.</summary>
    public const int MaxSamples = 2_000;

    private readonly List<SwarmSample> _samples = [];

    /// <summary>Creates an empty series.</summary>
    /// <param name="nodes">Nodes of the swarm.</param>
    /// <param name="transport">"udp" or "in-memory".</param>
    /// <param name="target">Verified peers per node for convergence.</param>
    /// <param name="interval">Least time between two samples.</param>
    public SwarmSeries(int nodes, string transport, int target, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nodes);
        Nodes = nodes;
        Transport = transport;
        Target = target;
        Interval = interval;
        LineNodes = nodes <= AllLinesUpTo
            ? Enumerable.Range(0, nodes).ToArray()
            : Enumerable.Range(0, SampledLines).Select(k => (int)((long)k * nodes / SampledLines)).ToArray();
    }

    /// <summary>The sample interval for a run of <paramref name="duration"/>: 250 ms, longer for very long runs.</summary>
    public static TimeSpan IntervalFor(TimeSpan duration) =>
        TimeSpan.FromTicks(Math.Max(DefaultInterval.Ticks, duration.Ticks / MaxSamples));

    public int Nodes { get; }

    public string Transport { get; }

    public int Target { get; }

    public TimeSpan Interval { get; }

    /// <summary>The indices (in start order) of the nodes drawn as lines.</summary>
    public IReadOnlyList<int> LineNodes { get; }

    /// <summary>True when not every node is a line, so the picture shows the min–max band and the median.</summary>
    public bool HasBands => LineNodes.Count < Nodes;

    public IReadOnlyList<SwarmSample> Samples => _samples;

    /// <summary>Seconds since the start when every node reached <see cref="Target"/>; null if the swarm did not converge.</summary>
    public double? ConvergedSeconds { get; set; }

    /// <summary>Ctrl+C or SIGTERM ended the run.</summary>
    public bool Interrupted { get; set; }

    /// <summary>Whether a sample is due at <paramref name="seconds"/> (the first one, or one interval after the last).</summary>
    public bool IsDue(double seconds) => _samples.Count == 0 || seconds - _samples[^1].Seconds >= Interval.TotalSeconds;

    /// <summary>Adds a sample.</summary>
    /// <param name="seconds">Seconds since the start of the run.</param>
    /// <param name="counts">Verified peers of each started node, in start order (not-yet-started nodes are absent).</param>
    public void Add(double seconds, ReadOnlySpan<int> counts)
    {
        var lines = new int[LineNodes.Count];
        for (var k = 0; k < lines.Length; k++)
        {
            lines[k] = LineNodes[k] < counts.Length ? counts[LineNodes[k]] : -1;
        }

        var sorted = counts.ToArray();
        Array.Sort(sorted);
        _samples.Add(sorted.Length == 0
            ? new SwarmSample(seconds, 0, 0, 0, 0, 0, 0, 0, lines)
            : new SwarmSample(
                seconds, sorted.Length, sorted[0], Percentile(sorted, 10), Median(sorted), Percentile(sorted, 90), sorted[^1], CountAtLeast(sorted, Target), lines));
    }

    /// <summary>The nearest-rank percentile of non-empty sorted values.</summary>
    private static int Percentile(int[] sorted, int percent) => sorted[Math.Max(0, ((sorted.Length * percent) + 99) / 100 - 1)];

    private static int CountAtLeast(int[] sorted, int value)
    {
        var i = 0;
        while (i < sorted.Length && sorted[i] < value)
        {
            i++;
        }

        return sorted.Length - i;
    }

    /// <summary>The median of sorted values (the mean of the two middle ones for an even count); 0 for none.</summary>
    public static double Median(int[] sorted) => sorted.Length == 0
        ? 0
        : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2.0;
}

/// <summary>One sample of a <see cref="SwarmSeries"/>.</summary>
/// <param name="Seconds">Seconds since the start of the run.</param>
/// <param name="Started">Nodes started so far; the statistics are over these.</param>
/// <param name="Min">Fewest verified peers of a started node.</param>
/// <param name="P10">10th percentile of verified peers (nearest rank).</param>
/// <param name="Median">Median verified peers.</param>
/// <param name="P90">90th percentile of verified peers (nearest rank).</param>
/// <param name="Max">Most verified peers.</param>
/// <param name="AtTarget">Started nodes with at least <see cref="SwarmSeries.Target"/> verified peers.</param>
/// <param name="Lines">Verified peers of each of <see cref="SwarmSeries.LineNodes"/>; -1 for a node not started yet.</param>
internal sealed record SwarmSample(double Seconds, int Started, int Min, int P10, double Median, int P90, int Max, int AtTarget, IReadOnlyList<int> Lines);

namespace Ipv8.Shared;

/// <summary>
/// The allowed values of the settings that the engine checks when a part is built and that the <c>ipv8</c> command and
/// the hosting options check before anything is built. One definition, compiled into each of those assemblies (as
/// aspnetcore's <c>src/Shared</c>), so that the three checks cannot drift apart again.
/// </summary>
internal static class SettingRanges
{
    /// <summary>A UDP port to bind; 0 picks a free one.</summary>
    public static readonly IntRange Port = new(0, 65535, "from 0 to 65535");

    /// <summary>py-ipv8 <c>max_peers</c>.</summary>
    public static readonly IntRange MaxPeers = new(-1, int.MaxValue, "-1 (unlimited) or at least 0");

    /// <summary>py-ipv8's walker <c>peers</c> (<c>target_peers</c>): a strategy steps while the community has fewer peers.</summary>
    public static readonly IntRange TargetPeers = new(-1, int.MaxValue, "-1 (always walk) or at least 0");

    /// <summary>
    /// py-ipv8 <c>RandomWalk</c> <c>reset_chance</c>: it walks when <c>randint(0, 255) &gt;= reset_chance</c>, so the
    /// chance of a new introduction instead is <c>reset_chance</c>/256. 256 is "always" (py-ipv8's docstring says
    /// 0-255, which would leave "always" out; any larger value acts as 256 there).
    /// </summary>
    public static readonly IntRange ResetChance = new(0, 256, "from 0 (never) to 256 (always), out of 256");

    /// <summary>py-ipv8 <c>RandomWalk</c> <c>window_size</c>: walks in flight at once; 0 is unlimited (py-ipv8 tests <c>if self.window_size</c>).</summary>
    public static readonly IntRange WindowSize = new(0, int.MaxValue, "0 (unlimited) or more");

    /// <summary>py-ipv8 <c>EdgeWalk</c> <c>edge_length</c>.</summary>
    public static readonly IntRange EdgeLength = new(1, int.MaxValue, "at least 1");

    /// <summary>py-ipv8 <c>EdgeWalk</c> <c>neighborhood_size</c>.</summary>
    public static readonly IntRange NeighborhoodSize = new(1, int.MaxValue, "at least 1");

    /// <summary>
    /// A period a <see cref="PeriodicTimer"/> runs at (the walk loop, the summary line): from 1 ms to
    /// <see cref="uint.MaxValue"/> − 1 ms (about 49.7 days), the timer's own limits.
    /// </summary>
    public static readonly IntervalRange Interval = new(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(uint.MaxValue - 1));
}

/// <summary>An inclusive range of time spans, and how to say it.</summary>
internal readonly record struct IntervalRange(TimeSpan Min, TimeSpan Max)
{
    public string Text => $"from {Min.TotalMilliseconds:0} ms to {Max.TotalDays:0.#} days";

    public bool Contains(TimeSpan value) => value >= Min && value <= Max;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value outside the range (API misuse).</summary>
    public void ThrowIfOutside(TimeSpan value, string paramName)
    {
        if (!Contains(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} must be {Text}.");
        }
    }
}

/// <summary>An inclusive range of whole numbers and how to say it ("-1 (unlimited) or at least 0").</summary>
internal readonly record struct IntRange(int Min, int Max, string Text)
{
    public bool Contains(int value) => value >= Min && value <= Max;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value outside the range (API misuse).</summary>
    public void ThrowIfOutside(int value, string paramName)
    {
        if (!Contains(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} must be {Text}.");
        }
    }
}

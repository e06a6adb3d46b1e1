namespace Ipv8.Engine.Endpoints;

/// <summary>
/// What an <see cref="InMemoryNetwork"/> does to the datagrams of one direction of a link: delay, loss and reordering.
/// Every random choice comes from the network's seed, the link and the datagram's number on that link, so one seed
/// gives the same delays and drops in every run. py-ipv8's mock endpoints have no equivalent: they deliver everything,
/// in order, on the next event-loop turn.
/// </summary>
public sealed record LinkConditions
{
    /// <summary>Every datagram arrives, at once and in order (the default).</summary>
    public static LinkConditions Perfect { get; } = new();

    /// <summary>Every datagram is lost: a link that is down, one side of a partition.</summary>
    public static LinkConditions Down { get; } = new() { LossRate = 1 };

    /// <summary>The one-way delay every datagram has. Default zero.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>A uniformly random extra delay between zero and this, per datagram; more than the gap between two datagrams reorders them. Default zero.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>The chance, from 0 to 1, that a datagram is lost. Default 0.</summary>
    public double LossRate { get; init; }

    /// <summary>The chance, from 0 to 1, that a datagram is held back by <see cref="ReorderDelay"/>, so that later ones overtake it. Default 0.</summary>
    public double ReorderRate { get; init; }

    /// <summary>How long a datagram picked by <see cref="ReorderRate"/> is held back, on top of its delay. Default 10 ms.</summary>
    public TimeSpan ReorderDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>True when every datagram arrives at once, in order: the network can hand it over without scheduling it.</summary>
    internal bool IsPerfect => Latency == TimeSpan.Zero && Jitter == TimeSpan.Zero && LossRate == 0 && ReorderRate == 0;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a negative time or a rate outside 0..1.</summary>
    internal void Validate(string paramName)
    {
        if (Latency < TimeSpan.Zero || Jitter < TimeSpan.Zero || ReorderDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, this, "Latency, Jitter and ReorderDelay cannot be negative.");
        }

        if (LossRate is not (>= 0 and <= 1) || ReorderRate is not (>= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(paramName, this, "LossRate and ReorderRate are chances from 0 to 1.");
        }
    }
}

using System.Buffers;
using Ipv8.Wire;

namespace Ipv8.Engine.Endpoints;

/// <summary>The links: their conditions, and the datagrams in flight until their arrival time.</summary>
public sealed partial class InMemoryNetwork
{
    /// <summary>
    /// Deliveries one turn of <see cref="Deliver"/> makes at most. Two handlers that answer each other without delay would
    /// otherwise keep a sequential network's sending thread forever; past this, the rest waits for the clock (1 ms).
    /// </summary>
    private const int MaxDeliveriesPerTurn = 10_000;

    private readonly Lock _gate = new();
    private readonly PriorityQueue<InFlight, Arrival> _inFlight = new();
    private readonly Dictionary<(UdpAddress From, UdpAddress To), Link> _links = [];
    private bool _delivering;
    private ITimer? _timer;
    private long _timerDue = long.MaxValue;

    /// <summary>Datagrams sent and not yet arrived (nor lost).</summary>
    public int InFlightCount
    {
        get
        {
            lock (_gate)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>
    /// How long until the next datagram in flight arrives (zero when one is due now), or null when none is in flight. A
    /// test on a fake clock advances it by this much to deliver the next datagram.
    /// </summary>
    public TimeSpan? TimeUntilNextArrival
    {
        get
        {
            lock (_gate)
            {
                if (!_inFlight.TryPeek(out _, out var next))
                {
                    return null;
                }

                var ticks = next.Due - _time.GetTimestamp();
                return ticks <= 0 ? TimeSpan.Zero : _time.GetElapsedTime(0, ticks);
            }
        }
    }

    /// <summary>
    /// Gives the datagrams from <paramref name="from"/> to <paramref name="to"/> (one direction) their own conditions,
    /// or, with null, the network's again. <see cref="LinkConditions.Down"/> cuts the link.
    /// </summary>
    public void SetLinkConditions(UdpAddress from, UdpAddress to, LinkConditions? conditions)
    {
        conditions?.Validate(nameof(conditions));
        lock (_gate)
        {
            GetLink(from, to).Conditions = conditions;
        }

        if (conditions is not null && !conditions.IsPerfect)
        {
            _scheduled = true;
        }
    }

    /// <summary>The conditions of the datagrams from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public LinkConditions GetLinkConditions(UdpAddress from, UdpAddress to)
    {
        lock (_gate)
        {
            return _links.TryGetValue((from, to), out var link) && link.Conditions is { } own ? own : _conditions;
        }
    }

    private void Schedule(InMemoryEndpoint source, InMemoryEndpoint target, ReadOnlySpan<byte> datagram)
    {
        bool deliverNow;
        lock (_gate)
        {
            var link = GetLink(source.Address, target.Address);
            var conditions = link.Conditions ?? _conditions;
            var sequence = link.Sequence++;
            var random = new LinkRandom(_seed, source.Index, target.Index, sequence);
            var lossDraw = random.NextDouble();
            var jitterDraw = random.NextDouble();
            var reorderDraw = random.NextDouble();
            if (lossDraw < conditions.LossRate)
            {
                _lost++;
                return;
            }

            var delay = conditions.Latency + (jitterDraw * conditions.Jitter);
            if (reorderDraw < conditions.ReorderRate)
            {
                delay += conditions.ReorderDelay;
            }

            var now = _time.GetTimestamp();
            var due = now + ToTimestamp(delay);
            var buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
            datagram.CopyTo(buffer);
            _inFlight.Enqueue(new InFlight(source.Address, target, buffer, datagram.Length), new Arrival(due, source.Index, target.Index, sequence));
            deliverNow = due <= now && !_delivering;
            if (!deliverNow && !_delivering)
            {
                ArmTimer(now);
            }
        }

        if (deliverNow)
        {
            Deliver();
        }
    }

    /// <summary>
    /// Hands over every datagram whose arrival time has come, in order of arrival, one at a time; a datagram sent during
    /// a delivery is handed over in the same turn when it is due by then. Only one thread delivers at a time: another
    /// caller returns at once, and the deliverer picks its datagrams up.
    /// </summary>
    private void Deliver()
    {
        lock (_gate)
        {
            if (_delivering)
            {
                return;
            }

            _delivering = true;
        }

        var handed = 0;
        var finished = false;
        try
        {
            while (true)
            {
                InFlight next;
                lock (_gate)
                {
                    var now = _time.GetTimestamp();
                    if (handed >= MaxDeliveriesPerTurn || !_inFlight.TryPeek(out next, out var arrival) || arrival.Due > now)
                    {
                        _delivering = false;
                        finished = true;
                        ArmTimer(now, handed >= MaxDeliveriesPerTurn);
                        return;
                    }

                    _inFlight.Dequeue();
                }

                try
                {
                    Hand(next.Source, next.Target, next.Buffer.AsSpan(0, next.Length));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(next.Buffer);
                }

                handed++;
            }
        }
        finally
        {
            if (!finished)
            {
                lock (_gate)
                {
                    _delivering = false;
                }
            }
        }
    }

    /// <summary>
    /// Sets the timer for the next arrival (called under the gate). A fake clock runs timers on whole milliseconds, so
    /// the timer rounds up and the turn it starts hands over everything due by then. A new timer each time: a fake
    /// clock disables a one-shot timer after its callback returns, which would undo a change made inside it.
    /// </summary>
    private void ArmTimer(long now, bool soon = false)
    {
        if (!_inFlight.TryPeek(out _, out var next))
        {
            return;
        }

        var due = soon ? now : next.Due;
        if (due >= _timerDue && _timer is not null)
        {
            return;
        }

        var milliseconds = Math.Max(1, (long)Math.Ceiling(_time.GetElapsedTime(now, Math.Max(now, due)).TotalMilliseconds));
        _timer?.Dispose();
        _timerDue = now + ToTimestamp(TimeSpan.FromMilliseconds(milliseconds));
        _timer = _time.CreateTimer(static state => ((InMemoryNetwork)state!).OnTimer(), this, TimeSpan.FromMilliseconds(milliseconds), Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _timerDue = long.MaxValue;
        }

        Deliver();
    }

    private Link GetLink(UdpAddress from, UdpAddress to)
    {
        if (!_links.TryGetValue((from, to), out var link))
        {
            link = new Link();
            _links.Add((from, to), link);
        }

        return link;
    }

    private long ToTimestamp(TimeSpan delay) => (long)((Int128)delay.Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond);

    /// <summary>One direction of a link: how many datagrams it carried, and its own conditions, if any.</summary>
    private sealed class Link
    {
        public ulong Sequence { get; set; }

        public LinkConditions? Conditions { get; set; }
    }

    private readonly record struct InFlight(UdpAddress Source, InMemoryEndpoint Target, byte[] Buffer, int Length);

    /// <summary>The order of arrival: time, then the link and the datagram's number on it, so that ties break the same way in every run.</summary>
    private readonly record struct Arrival(long Due, int SourceIndex, int TargetIndex, ulong Sequence) : IComparable<Arrival>
    {
        public int CompareTo(Arrival other)
        {
            var byTime = Due.CompareTo(other.Due);
            if (byTime != 0)
            {
                return byTime;
            }

            var bySource = SourceIndex.CompareTo(other.SourceIndex);
            if (bySource != 0)
            {
                return bySource;
            }

            var byTarget = TargetIndex.CompareTo(other.TargetIndex);
            return byTarget != 0 ? byTarget : Sequence.CompareTo(other.Sequence);
        }
    }

    /// <summary>
    /// The random numbers of one datagram: SplitMix64 seeded from the network's seed, the link and the datagram's
    /// number on it. A datagram's fate so depends only on those, not on what other links or threads did before.
    /// </summary>
    private struct LinkRandom(ulong seed, int source, int target, ulong sequence)
    {
        private ulong _state = Mix(Mix(Mix(seed ^ 0x1F83D9ABFB41BD6BUL) ^ ((ulong)(uint)source << 32 | (uint)target)) ^ sequence);

        /// <summary>A double in [0, 1).</summary>
        public double NextDouble()
        {
            _state += 0x9E3779B97F4A7C15UL;
            return (Mix(_state) >> 11) * (1.0 / (1UL << 53));
        }

        private static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}

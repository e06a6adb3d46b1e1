using Ipv8.Wire;

namespace Ipv8.Engine.Limits;

/// <summary>
/// Token buckets per address, in a table of fixed capacity. A full table forgets the least recently used address
/// (clock / second-chance eviction), so the limiter's own state is bounded however many sources a flood spoofs.
/// Thread-safe; allocation-free once the table is full. The table starts small and doubles up to its capacity, so that
/// the thousands of nodes of a swarm, each with a few limiters that see a few dozen addresses, do not each hold tables
/// sized for a flood (issue 13: three presized 10,000-entry tables cost a node about 120 KB of touched memory); a
/// limiter that has seen no address holds no table at all.
/// </summary>
/// <remarks>
/// The buckets live in one open-addressing table (linear probing, at most three quarters full, deletion by backward
/// shift), which is both the index and the clock's ring: an address costs one 48-byte slot, not a slot plus a
/// dictionary entry, and growing copies one array. Before it grows, the table forgets the addresses whose buckets have
/// refilled (the same as never having seen them), so that its size follows the addresses active within one refill time
/// (a couple of seconds), not all those ever seen.
/// </remarks>
internal sealed class RateLimiter
{
    private const int InitialSlots = 8;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly double _tokensPerTick;
    private readonly double _burst;
    private readonly int _maxSlots;
    private readonly int _limit;
    private Entry[] _slots = [];
    private int _count;
    private int _hand;

    /// <summary>Creates a limiter.</summary>
    /// <param name="perSecond">Tokens added per second to each address's bucket.</param>
    /// <param name="burst">The bucket size: how many may pass at once after a quiet period.</param>
    /// <param name="capacity">Addresses tracked at most.</param>
    /// <param name="timeProvider">The clock.</param>
    public RateLimiter(double perSecond, double burst, int capacity, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _time = timeProvider ?? TimeProvider.System;
        _tokensPerTick = perSecond / _time.TimestampFrequency;
        _burst = burst;
        PerSecond = perSecond;
        Capacity = capacity;
        // The smallest power of two that holds the capacity at three quarters full (so that a probe always ends), and
        // what it holds (the capacity, but for one beyond what an array may hold).
        _maxSlots = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Min(((4L * capacity) + 2) / 3, 1 << 30));
        _limit = (int)Math.Min(capacity, 3L * _maxSlots / 4);
    }

    /// <summary>Tokens per second per address.</summary>
    public double PerSecond { get; }

    /// <summary>Addresses tracked at most.</summary>
    public int Capacity { get; }

    /// <summary>Addresses tracked now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Takes one token for <paramref name="address"/>; false when its bucket is empty.</summary>
    public bool TryAcquire(UdpAddress address) => TryAcquire(address, 1);

    /// <summary>
    /// Takes <paramref name="tokens"/> tokens for <paramref name="address"/>; false when its bucket holds fewer. A cost
    /// above the burst is charged as the burst, so that a costly request still passes after a quiet period.
    /// </summary>
    public bool TryAcquire(UdpAddress address, int tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        var cost = Math.Min(tokens, _burst);
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            var slot = Find(address);
            if (slot >= 0)
            {
                ref var entry = ref _slots[slot];
                entry.Tokens = Math.Min(_burst, entry.Tokens + ((now - entry.Updated) * _tokensPerTick));
                entry.Updated = now;
                entry.Referenced = true;
                if (entry.Tokens < cost)
                {
                    return false;
                }

                entry.Tokens -= cost;
                return true;
            }

            if (_count == _limit)
            {
                Remove(Victim());
            }
            else if (4L * (_count + 1) > 3L * _slots.Length)
            {
                // Below the limit, so below the largest table's three quarters: the table is smaller than that. Buckets
                // that refilled since their last use tell nothing that an address never seen does not (it starts with a
                // full bucket): forget those first, and grow only when they were fewer than half (so that each sweep
                // pays for itself).
                ForgetRefilled(now);
                if (8L * (_count + 1) > 3L * _slots.Length)
                {
                    Grow();
                }
            }

            // A new address starts unreferenced: one-off (spoofed) sources are the first to go, repeat ones stay.
            _slots[FreeSlot(address)] = new Entry { Address = address, Tokens = _burst - cost, Updated = now, Used = true, Referenced = false };
            _count++;
            return true;
        }
    }

    /// <summary>
    /// True when <paramref name="address"/>'s bucket holds at least one token (an address it does not track has a full
    /// bucket). Takes nothing.
    /// </summary>
    public bool HasTokens(UdpAddress address)
    {
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            var slot = Find(address);
            if (slot < 0)
            {
                return true;
            }

            ref var entry = ref _slots[slot];
            return entry.Tokens + ((now - entry.Updated) * _tokensPerTick) >= 1;
        }
    }

    /// <summary>Takes up to <paramref name="tokens"/> tokens from <paramref name="address"/>'s bucket, emptying it if it holds fewer.</summary>
    public void Charge(UdpAddress address, int tokens)
    {
        if (!TryAcquire(address, tokens))
        {
            var now = _time.GetTimestamp();
            lock (_lock)
            {
                var slot = Find(address);
                if (slot >= 0)
                {
                    ref var entry = ref _slots[slot];
                    entry.Tokens = 0;
                    entry.Updated = now;
                }
            }
        }
    }

    private static int Home(UdpAddress address, int mask) => address.GetHashCode() & mask;

    // The slot of the address, or -1.
    private int Find(UdpAddress address)
    {
        if (_count == 0)
        {
            return -1;
        }

        var mask = _slots.Length - 1;
        for (var i = Home(address, mask); ; i = (i + 1) & mask)
        {
            ref var entry = ref _slots[i];
            if (!entry.Used)
            {
                return -1;
            }

            if (entry.Address == address)
            {
                return i;
            }
        }
    }

    // The empty slot where an absent address goes (the table is never full).
    private int FreeSlot(UdpAddress address)
    {
        var mask = _slots.Length - 1;
        var i = Home(address, mask);
        while (_slots[i].Used)
        {
            i = (i + 1) & mask;
        }

        return i;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void Grow()
    {
        var old = _slots;
        _slots = new Entry[Math.Min(_maxSlots, Math.Max(InitialSlots, 2 * old.Length))];
        _hand = 0;
        foreach (ref readonly var entry in old.AsSpan())
        {
            if (entry.Used)
            {
                _slots[FreeSlot(entry.Address)] = entry;
            }
        }
    }

    private void ForgetRefilled(long now)
    {
        // A removal shifts later entries back into the emptied slot: look at it again. An entry shifted across the
        // array's end is looked at twice, which is harmless; none is skipped.
        for (var i = 0; i < _slots.Length;)
        {
            ref var entry = ref _slots[i];
            if (entry.Used && entry.Tokens + ((now - entry.Updated) * _tokensPerTick) >= _burst)
            {
                Remove(i);
                continue;
            }

            i++;
        }
    }

    // The clock: the first slot from the hand on whose address was not used since the hand last passed it.
    private int Victim()
    {
        var mask = _slots.Length - 1;
        while (true)
        {
            var slot = _hand;
            ref var entry = ref _slots[slot];
            _hand = (_hand + 1) & mask;
            if (!entry.Used)
            {
                continue;
            }

            if (entry.Referenced)
            {
                entry.Referenced = false;
                continue;
            }

            return slot;
        }
    }

    // Empties the slot and shifts back the entries after it whose probe passed it, so that every probe still ends at
    // its address or at an empty slot.
    private void Remove(int slot)
    {
        var mask = _slots.Length - 1;
        var hole = slot;
        for (var next = (hole + 1) & mask; _slots[next].Used; next = (next + 1) & mask)
        {
            // The entry at next may fill the hole when its home is not cyclically in (hole, next].
            var home = Home(_slots[next].Address, mask);
            if (((next - home) & mask) >= ((next - hole) & mask))
            {
                _slots[hole] = _slots[next];
                hole = next;
            }
        }

        _slots[hole] = default;
        _count--;
    }

    private struct Entry
    {
        public UdpAddress Address;
        public double Tokens;
        public long Updated;
        public bool Used;
        public bool Referenced;
    }
}

/// <summary>One token bucket for everything (a global rate).</summary>
internal sealed class TokenBucket
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly double _tokensPerTick;
    private readonly double _burst;
    private double _tokens;
    private long _updated;

    /// <summary>Creates a full bucket.</summary>
    public TokenBucket(double perSecond, double burst, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _time = timeProvider ?? TimeProvider.System;
        _tokensPerTick = perSecond / _time.TimestampFrequency;
        _burst = burst;
        _tokens = burst;
        _updated = _time.GetTimestamp();
    }

    /// <summary>Takes one token; false when the bucket is empty.</summary>
    public bool TryAcquire()
    {
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            _tokens = Math.Min(_burst, _tokens + ((now - _updated) * _tokensPerTick));
            _updated = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens--;
            return true;
        }
    }
}

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
internal sealed class RateLimiter
{
    private readonly Lock _lock = new();
    private const int InitialSize = 16;

    private readonly Dictionary<UdpAddress, int> _index;
    private Entry[] _entries;
    private readonly TimeProvider _time;
    private readonly double _tokensPerTick;
    private readonly double _burst;
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
        // Nothing is allocated before the first address: a community's limiters that never see one cost no table.
        _entries = [];
        _index = [];
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
            if (_index.TryGetValue(address, out var slot))
            {
                ref var entry = ref _entries[slot];
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

            if (_count == _entries.Length && _count < Capacity)
            {
                Grow();
            }

            slot = _count < _entries.Length ? _count++ : Evict();
            // A new address starts unreferenced: one-off (spoofed) sources are the first to go, repeat ones stay.
            _entries[slot] = new Entry { Address = address, Tokens = _burst - cost, Updated = now, Referenced = false };
            _index[address] = slot;
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
            if (!_index.TryGetValue(address, out var slot))
            {
                return true;
            }

            ref var entry = ref _entries[slot];
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
                if (_index.TryGetValue(address, out var slot))
                {
                    ref var entry = ref _entries[slot];
                    entry.Tokens = 0;
                    entry.Updated = now;
                }
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void Grow()
    {
        var size = (int)Math.Min(Capacity, Math.Max(InitialSize, 2L * _entries.Length));
        Array.Resize(ref _entries, size);
        _index.EnsureCapacity(size);
    }

    private int Evict()
    {
        while (true)
        {
            ref var entry = ref _entries[_hand];
            var slot = _hand;
            _hand = (_hand + 1) % _entries.Length;
            if (entry.Referenced)
            {
                entry.Referenced = false;
                continue;
            }

            _index.Remove(entry.Address);
            return slot;
        }
    }

    private struct Entry
    {
        public UdpAddress Address;
        public double Tokens;
        public long Updated;
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

using System.Runtime.InteropServices;

namespace Ipv8.Engine.Peers;

/// <summary>
/// A map of at most <see cref="Capacity"/> entries, kept in order of use: adding to a full map first evicts the least
/// recently used entry (or, with an eviction preference, the least recently used entry the preference picks). Only
/// <see cref="Set"/> counts as a use; reads and <see cref="TryAdd"/> of a present key leave the order alone, so a map
/// that is only ever added to forgets its oldest entry first. The entries live in one array threaded by a doubly linked
/// list, and the array is its own hash index (each entry holds its key's hash and the next entry of its bucket), so that a
/// lookup reads one entry, not a dictionary entry and then a table entry; no allocation per entry once the array has
/// grown, and none at all until the first entry (most nodes never blacklist anything). Not thread-safe:
/// <see cref="Network"/> holds its lock.
/// </summary>
internal sealed class BoundedLru<TKey, TValue> where TKey : notnull
{
    private const int None = -1;
    private const int FreeHash = -1; // the hash of a free slot (live hashes are non-negative)

    private readonly IEqualityComparer<TKey>? _comparer; // null: the default comparer (devirtualized for value types)
    private readonly Func<TKey, TValue, bool>? _preferEvicting;
    private Entry[] _entries = [];
    private int[] _buckets = []; // slot + 1 of the first entry of each bucket; 0 for none
    private int _head = None; // least recently used
    private int _tail = None; // most recently used
    private int _free = None;
    private int _used; // slots ever handed out (live or free)
    private int _count; // live entries

    /// <param name="capacity">The most entries kept (at least 1).</param>
    /// <param name="comparer">The key comparer, or null for the default one.</param>
    /// <param name="preferEvicting">
    /// When full, the least recently used entry for which this is true is evicted; the least recently used of all when
    /// it holds for none. Null: always the least recently used.
    /// </param>
    public BoundedLru(int capacity, IEqualityComparer<TKey>? comparer = null, Func<TKey, TValue, bool>? preferEvicting = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _comparer = comparer is null || ReferenceEquals(comparer, EqualityComparer<TKey>.Default) ? null : comparer;
        _preferEvicting = preferEvicting;
    }

    public int Capacity { get; }

    public int Count => _count;

    /// <summary>
    /// The slots ever handed out, live or free (at most <see cref="Capacity"/>): every entry lives in one slot below
    /// it, so a uniformly random slot that holds an entry (<see cref="TryGetSlot"/>) is a uniformly random entry.
    /// </summary>
    public int SlotCount => _used;

    /// <summary>The entry in <paramref name="slot"/> (below <see cref="SlotCount"/>); false when the slot is free.</summary>
    public bool TryGetSlot(int slot, out TKey key, out TValue value)
    {
        ref var entry = ref _entries[slot];
        if (entry.Hash == FreeHash)
        {
            key = default!;
            value = default!;
            return false;
        }

        key = entry.Key;
        value = entry.Value;
        return true;
    }

    public bool ContainsKey(TKey key) => Find(key) != None;

    public bool TryGetValue(TKey key, out TValue value)
    {
        var slot = Find(key);
        if (slot != None)
        {
            value = _entries[slot].Value;
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>
    /// Makes room for <paramref name="count"/> entries (at most <see cref="Capacity"/>) at once, so that a map whose size
    /// is known ahead does not grow through every doubling.
    /// </summary>
    public void EnsureCapacity(int count)
    {
        count = Math.Min(count, Capacity);
        if (_entries.Length < count)
        {
            Grow(count);
        }
    }

    /// <summary>Adds the entry as the most recent one unless the key is present (then nothing changes). False when present.</summary>
    public bool TryAdd(TKey key, TValue value)
    {
        var hash = Hash(key);
        if (Find(key, hash) != None)
        {
            return false;
        }

        Append(key, hash, value);
        return true;
    }

    /// <summary>Sets the value of the key and makes it the most recent entry, adding it when absent.</summary>
    public void Set(TKey key, TValue value)
    {
        var hash = Hash(key);
        var slot = Find(key, hash);
        if (slot != None)
        {
            _entries[slot].Value = value;
            Unlink(slot);
            LinkLast(slot);
            return;
        }

        Append(key, hash, value);
    }

    public bool Remove(TKey key) => Remove(key, out _);

    public bool Remove(TKey key, out TValue value)
    {
        var slot = Find(key);
        if (slot == None)
        {
            value = default!;
            return false;
        }

        value = _entries[slot].Value;
        Release(slot);
        return true;
    }

    /// <summary>The entries, least recently used first. Do not change the map while enumerating.</summary>
    public Enumerator GetEnumerator() => new(this);

    private int Hash(TKey key) => (_comparer is null ? EqualityComparer<TKey>.Default.GetHashCode(key) : _comparer.GetHashCode(key)) & int.MaxValue;

    private int Find(TKey key) => _count == 0 ? None : Find(key, Hash(key));

    private int Find(TKey key, int hash)
    {
        var buckets = _buckets;
        if (buckets.Length == 0)
        {
            return None;
        }

        var entries = _entries;
        for (var slot = buckets[(uint)hash % (uint)buckets.Length] - 1; slot != None; slot = entries[slot].HashNext)
        {
            ref var entry = ref entries[slot];
            if (entry.Hash == hash && (_comparer is null ? EqualityComparer<TKey>.Default.Equals(entry.Key, key) : _comparer.Equals(entry.Key, key)))
            {
                return slot;
            }
        }

        return None;
    }

    // Adds an entry whose key is absent; evicts first when full.
    private void Append(TKey key, int hash, TValue value)
    {
        if (_count >= Capacity)
        {
            Evict();
        }

        int slot;
        if (_free != None)
        {
            slot = _free;
            _free = _entries[slot].Next;
        }
        else
        {
            if (_used == _entries.Length)
            {
                Grow((int)Math.Min(Capacity, Math.Max(4L, _entries.Length * 2L)));
            }

            slot = _used++;
        }

        ref var entry = ref _entries[slot];
        entry.Key = key;
        entry.Value = value;
        entry.Hash = hash;
        var bucket = (uint)hash % (uint)_buckets.Length;
        entry.HashNext = _buckets[bucket] - 1;
        _buckets[bucket] = slot + 1;
        LinkLast(slot);
        _count++;
    }

    // Resizes the entry array to hold `size` entries and rebuilds the buckets (one per entry).
    private void Grow(int size)
    {
        Array.Resize(ref _entries, size);
        var buckets = new int[size];
        for (var slot = 0; slot < _used; slot++)
        {
            ref var entry = ref _entries[slot];
            if (entry.Hash != FreeHash)
            {
                var bucket = (uint)entry.Hash % (uint)size;
                entry.HashNext = buckets[bucket] - 1;
                buckets[bucket] = slot + 1;
            }
        }

        _buckets = buckets;
    }

    private void Evict()
    {
        var victim = _head;
        if (_preferEvicting is { } prefer)
        {
            for (var slot = _head; slot != None; slot = _entries[slot].Next)
            {
                if (prefer(_entries[slot].Key, _entries[slot].Value))
                {
                    victim = slot;
                    break;
                }
            }
        }

        if (victim != None)
        {
            Release(victim);
        }
    }

    // Takes a live slot out of its bucket and the use order, and onto the free list.
    private void Release(int slot)
    {
        var bucket = (uint)_entries[slot].Hash % (uint)_buckets.Length;
        var next = _entries[slot].HashNext;
        if (_buckets[bucket] - 1 == slot)
        {
            _buckets[bucket] = next + 1;
        }
        else
        {
            var previous = _buckets[bucket] - 1;
            while (_entries[previous].HashNext != slot)
            {
                previous = _entries[previous].HashNext;
            }

            _entries[previous].HashNext = next;
        }

        Unlink(slot);
        _entries[slot] = default;
        _entries[slot].Hash = FreeHash;
        _entries[slot].Next = _free;
        _free = slot;
        _count--;
    }

    private void LinkLast(int slot)
    {
        _entries[slot].Prev = _tail;
        _entries[slot].Next = None;
        if (_tail != None)
        {
            _entries[_tail].Next = slot;
        }
        else
        {
            _head = slot;
        }

        _tail = slot;
    }

    private void Unlink(int slot)
    {
        ref var entry = ref _entries[slot];
        if (entry.Prev != None)
        {
            _entries[entry.Prev].Next = entry.Next;
        }
        else
        {
            _head = entry.Next;
        }

        if (entry.Next != None)
        {
            _entries[entry.Next].Prev = entry.Prev;
        }
        else
        {
            _tail = entry.Prev;
        }
    }

    private struct Entry
    {
        public TKey Key;
        public TValue Value;
        public int Prev;
        public int Next;
        public int Hash; // the key's hash (non-negative), or FreeHash
        public int HashNext; // the next slot of the same bucket, or None
    }

    /// <summary>Walks the entries from the least to the most recently used.</summary>
    public struct Enumerator(BoundedLru<TKey, TValue> map)
    {
        private int _next = map._head;
        private int _current = None;

        public readonly KeyValuePair<TKey, TValue> Current => new(map._entries[_current].Key, map._entries[_current].Value);

        public bool MoveNext()
        {
            if (_next == None)
            {
                return false;
            }

            _current = _next;
            _next = map._entries[_current].Next;
            return true;
        }
    }
}

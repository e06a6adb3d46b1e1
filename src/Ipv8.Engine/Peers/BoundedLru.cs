using System.Runtime.InteropServices;

namespace Ipv8.Engine.Peers;

/// <summary>
/// A map of at most <see cref="Capacity"/> entries, kept in order of use: adding to a full map first evicts the least
/// recently used entry (or, with an eviction preference, the least recently used entry the preference picks). Only
/// <see cref="Set"/> counts as a use; reads and <see cref="TryAdd"/> of a present key leave the order alone, so a map
/// that is only ever added to forgets its oldest entry first. The entries live in one array threaded by a doubly linked
/// list (no allocation per entry once the array has grown). Not thread-safe: <see cref="Network"/> holds its lock.
/// </summary>
internal sealed class BoundedLru<TKey, TValue> where TKey : notnull
{
    private const int None = -1;
    private const int Freed = -2; // the Prev of a free slot

    private readonly Dictionary<TKey, int> _index;
    private readonly Func<TKey, TValue, bool>? _preferEvicting;
    private Entry[] _entries = [];
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
        _index = new Dictionary<TKey, int>(comparer);
        _preferEvicting = preferEvicting;
    }

    public int Capacity { get; }

    public int Count => _index.Count;

    public bool ContainsKey(TKey key) => _index.ContainsKey(key);

    /// <summary>
    /// The slots ever handed out, live or free (at most <see cref="Capacity"/>): every entry lives in one slot below
    /// it, so a uniformly random slot that holds an entry (<see cref="TryGetSlot"/>) is a uniformly random entry.
    /// </summary>
    public int SlotCount => _used;

    /// <summary>The entry in <paramref name="slot"/> (below <see cref="SlotCount"/>); false when the slot is free.</summary>
    public bool TryGetSlot(int slot, out TKey key, out TValue value)
    {
        ref var entry = ref _entries[slot];
        if (entry.Prev == Freed)
        {
            key = default!;
            value = default!;
            return false;
        }

        key = entry.Key;
        value = entry.Value;
        return true;
    }

    public bool TryGetValue(TKey key, out TValue value)
    {
        if (_index.TryGetValue(key, out var slot))
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
            Array.Resize(ref _entries, count);
        }

        _index.EnsureCapacity(count);
    }

    /// <summary>Adds the entry as the most recent one unless the key is present (then nothing changes). False when present.</summary>
    public bool TryAdd(TKey key, TValue value)
    {
        if (_index.ContainsKey(key))
        {
            return false;
        }

        _index[key] = Append(key, value);
        return true;
    }

    /// <summary>Sets the value of the key and makes it the most recent entry, adding it when absent.</summary>
    public void Set(TKey key, TValue value)
    {
        if (_index.TryGetValue(key, out var slot))
        {
            _entries[slot].Value = value;
            Unlink(slot);
            LinkLast(slot);
            return;
        }

        _index[key] = Append(key, value);
    }

    public bool Remove(TKey key) => Remove(key, out _);

    public bool Remove(TKey key, out TValue value)
    {
        if (!_index.Remove(key, out var slot))
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

    // Adds an entry that is not in the index yet (the caller indexes it); evicts first when full.
    private int Append(TKey key, TValue value)
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
                Array.Resize(ref _entries, (int)Math.Min(Capacity, Math.Max(4L, _entries.Length * 2L)));
            }

            slot = _used++;
        }

        _entries[slot].Key = key;
        _entries[slot].Value = value;
        LinkLast(slot);
        _count++;
        return slot;
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
            _index.Remove(_entries[victim].Key);
            Release(victim);
        }
    }

    private void Release(int slot)
    {
        Unlink(slot);
        _entries[slot] = default;
        _entries[slot].Prev = Freed;
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

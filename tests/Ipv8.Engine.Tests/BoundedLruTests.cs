using Ipv8.Tests.Shared;
using Ipv8.Engine.Peers;

namespace Ipv8.Engine.Tests;

/// <summary>The one bounded table of <see cref="Network"/>: addresses, blacklists and pending services.</summary>
public class BoundedLruTests
{
    [Fact]
    public void Every_entry_lives_in_one_slot_below_the_slot_count_and_a_freed_slot_holds_none_until_reused()
    {
        var map = new BoundedLru<int, string>(10);
        for (var i = 0; i < 6; i++)
        {
            map.Set(i, $"v{i}");
        }

        map.Remove(2);
        map.Remove(4);
        Assert.Equal(6, map.SlotCount);
        Assert.Equal(new Dictionary<int, string> { [0] = "v0", [1] = "v1", [3] = "v3", [5] = "v5" }, Slots(map));

        map.Set(7, "v7"); // reuses a freed slot
        Assert.Equal(6, map.SlotCount);
        Assert.Equal(new Dictionary<int, string> { [0] = "v0", [1] = "v1", [3] = "v3", [5] = "v5", [7] = "v7" }, Slots(map));

        // Evictions free and reuse slots too.
        var small = new BoundedLru<int, string>(2);
        small.Set(1, "a");
        small.Set(2, "b");
        small.Set(3, "c");
        Assert.Equal(2, small.SlotCount);
        Assert.Equal(new Dictionary<int, string> { [2] = "b", [3] = "c" }, Slots(small));
    }

    [Fact]
    public void A_full_map_forgets_the_entry_set_longest_ago()
    {
        var map = new BoundedLru<int, string>(3);
        map.Set(1, "a");
        map.Set(2, "b");
        map.Set(3, "c");
        map.Set(1, "a2"); // a use: 1 is now the most recent

        map.Set(4, "d");

        Assert.Equal([3, 1, 4], Keys(map)); // 2 was evicted
        Assert.False(map.ContainsKey(2));
        Assert.True(map.TryGetValue(1, out var value));
        Assert.Equal("a2", value);
        Assert.Equal(3, map.Count);
    }

    [Fact]
    public void Adding_a_present_key_changes_neither_its_value_nor_the_order_so_a_set_forgets_its_oldest_member()
    {
        var set = new BoundedLru<int, bool>(2);
        Assert.True(set.TryAdd(1, true));
        Assert.True(set.TryAdd(2, true));
        Assert.False(set.TryAdd(1, false));
        Assert.True(set.TryGetValue(1, out var value) && value);

        Assert.True(set.TryAdd(3, true));

        Assert.Equal([2, 3], Keys(set));
    }

    [Fact]
    public void Eviction_takes_the_oldest_entry_the_preference_picks_or_else_the_oldest()
    {
        var protectedKeys = new HashSet<int> { 1, 2 };
        var map = new BoundedLru<int, int>(3, preferEvicting: (key, _) => !protectedKeys.Contains(key));
        map.Set(1, 10);
        map.Set(2, 20);
        map.Set(3, 30);

        map.Set(4, 40); // 1 and 2 are protected: 3 goes
        Assert.Equal([1, 2, 4], Keys(map));

        protectedKeys.Add(4);
        map.Set(5, 50); // everything is protected: the oldest goes
        Assert.Equal([2, 4, 5], Keys(map));
    }

    [Fact]
    public void Removed_entries_leave_and_their_slots_are_reused_without_allocating()
    {
        var map = new BoundedLru<int, int>(64);
        for (var i = 0; i < 64; i++)
        {
            map.Set(i, i);
        }

        Assert.True(map.Remove(10, out var removed));
        Assert.Equal(10, removed);
        Assert.False(map.Remove(10));
        Assert.Equal(63, map.Count);
        Assert.DoesNotContain(10, Keys(map));

        var (allocated, _) = SteadyState.Allocated(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                map.Set(1_000 + (i % 200), i);
                map.Remove(1_000 + ((i + 100) % 200));
                map.TryAdd(i, i);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(64, map.Count);
        Assert.Equal(64, Keys(map).Count);
    }

    [Fact]
    public void A_map_sized_ahead_fills_to_that_size_without_allocating_and_keeps_its_order_and_bound()
    {
        var map = new BoundedLru<int, int>(40);
        map.EnsureCapacity(1_000); // capped at the capacity
        map.Set(-1, -1);
        var (allocated, _) = SteadyState.Allocated(
            () =>
            {
                for (var i = 0; i < 39; i++)
                {
                    map.Set(i, i);
                }
            },
            warmups: 0,
            attempts: 1);

        Assert.Equal(0, allocated);
        Assert.Equal(40, map.Count);
        map.Set(100, 100); // full: the oldest goes
        Assert.False(map.ContainsKey(-1));
        Assert.Equal([.. Enumerable.Range(0, 39), 100], Keys(map));
        map.EnsureCapacity(4); // never shrinks
        Assert.Equal(40, map.Count);
    }

    [Theory]
    [InlineData(1, false, false)]
    [InlineData(7, false, false)]
    [InlineData(64, false, false)]
    [InlineData(7, true, false)]
    [InlineData(64, true, false)]
    [InlineData(7, false, true)]
    [InlineData(64, true, true)]
    public void Random_sets_adds_and_removes_behave_as_a_list_in_order_of_use_with_its_oldest_entry_forgotten_first(int capacity, bool collide, bool prefer)
    {
        // The map is its own hash index: model it with a plain list (oldest first), also with every key in one bucket,
        // and with an eviction preference (odd values go first: the oldest odd one, else the oldest).
        Func<int, int, bool>? preference = prefer ? static (_, value) => (value & 1) == 1 : null;
        var map = new BoundedLru<int, int>(capacity, collide ? new OneBucket() : null, preference);
        var model = new List<(int Key, int Value)>();
        var random = new Random(capacity * (collide ? 31 : 17) * (prefer ? 3 : 1));
        int Victim() => prefer && model.FindIndex(e => (e.Value & 1) == 1) is var odd and >= 0 ? odd : 0;
        for (var step = 0; step < 5_000; step++)
        {
            var key = random.Next(3 * capacity);
            var value = random.Next();
            var at = model.FindIndex(e => e.Key == key);
            switch (random.Next(4))
            {
                case 0: // Set: a use
                    map.Set(key, value);
                    if (at >= 0)
                    {
                        model.RemoveAt(at);
                    }
                    else if (model.Count == capacity)
                    {
                        model.RemoveAt(Victim());
                    }

                    model.Add((key, value));
                    break;
                case 1: // TryAdd: only when absent
                    Assert.Equal(at < 0, map.TryAdd(key, value));
                    if (at < 0)
                    {
                        if (model.Count == capacity)
                        {
                            model.RemoveAt(Victim());
                        }

                        model.Add((key, value));
                    }

                    break;
                case 2:
                    Assert.Equal(at >= 0, map.Remove(key, out var removed));
                    if (at >= 0)
                    {
                        Assert.Equal(model[at].Value, removed);
                        model.RemoveAt(at);
                    }

                    break;
                default:
                    Assert.Equal(at >= 0, map.TryGetValue(key, out var found));
                    Assert.Equal(at >= 0 ? model[at].Value : 0, found);
                    break;
            }

            Assert.Equal(model.Count, map.Count);
            if (step % 50 == 0)
            {
                var entries = new List<(int, int)>();
                foreach (var (k, v) in map)
                {
                    entries.Add((k, v));
                }

                Assert.Equal(model, entries);
                for (var probe = 0; probe < 3 * capacity; probe++)
                {
                    Assert.Equal(model.Exists(e => e.Key == probe), map.ContainsKey(probe));
                }
            }
        }
    }

    [Fact]
    public void A_map_never_used_answers_as_empty_and_works_from_its_first_entry()
    {
        var map = new BoundedLru<int, string>(1_000);
        Assert.Equal(0, map.Count);
        Assert.False(map.ContainsKey(1));
        Assert.False(map.TryGetValue(1, out _));
        Assert.False(map.Remove(1));
        Assert.Empty(Keys(map));

        Assert.True(map.TryAdd(1, "a"));
        map.Set(2, "b");
        Assert.True(map.TryGetValue(1, out var value));
        Assert.Equal("a", value);
        Assert.Equal([1, 2], Keys(map));
    }

    [Fact]
    public void A_capacity_below_one_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoundedLru<int, int>(0));

    private static List<int> Keys<T>(BoundedLru<int, T> map)
    {
        var keys = new List<int>();
        foreach (var (key, _) in map)
        {
            keys.Add(key);
        }

        return keys;
    }

    // Every entry found by slot; fails if a key shows up in two slots.
    private static Dictionary<int, string> Slots(BoundedLru<int, string> map)
    {
        var found = new Dictionary<int, string>();
        for (var slot = 0; slot < map.SlotCount; slot++)
        {
            if (map.TryGetSlot(slot, out var key, out var value))
            {
                found.Add(key, value);
            }
        }

        Assert.Equal(map.Count, found.Count);
        return found;
    }

    // Every key hashes alike: one chain, so removal from the middle of a chain is exercised.
    private sealed class OneBucket : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => x == y;

        public int GetHashCode(int obj) => 42;
    }
}

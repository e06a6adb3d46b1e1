using Ipv8.Engine.Communities;
using Ipv8.Tests.Shared;

namespace Ipv8.Engine.Tests;

/// <summary>
/// <see cref="CommunityCounters"/>: per message id in blocks made on first use, so that a community holds counters only
/// for the ids it sees; every count lands exactly, from any number of threads.
/// </summary>
public class CommunityCountersTests
{
    [Fact]
    public void Every_message_id_counts_apart_and_the_totals_sum_them_all()
    {
        var counters = new CommunityCounters();
        long packetsIn = 0, packetsOut = 0;
        for (var id = 0; id < 256; id++)
        {
            for (var n = 0; n < (id % 5) + 1; n++)
            {
                counters.In((byte)id, id + 10);
                packetsIn++;
            }

            for (var n = 0; n < (id % 3) + 1; n++)
            {
                counters.Out((byte)id, (2 * id) + 1);
                packetsOut++;
            }
        }

        for (var id = 0; id < 256; id++)
        {
            Assert.Equal((id % 5) + 1, counters.PacketsIn((byte)id));
            Assert.Equal(((id % 5) + 1) * (id + 10L), counters.BytesIn((byte)id));
            Assert.Equal((id % 3) + 1, counters.PacketsOut((byte)id));
            Assert.Equal(((id % 3) + 1) * ((2L * id) + 1), counters.BytesOut((byte)id));
        }

        Assert.Equal(packetsIn, counters.TotalPacketsIn);
        Assert.Equal(packetsOut, counters.TotalPacketsOut);
    }

    [Fact]
    public void An_id_never_seen_reads_zero_even_when_its_neighbours_count()
    {
        var counters = new CommunityCounters();
        counters.In(246, 100);
        counters.Out(245, 50);

        Assert.Equal(0, counters.PacketsIn(247));
        Assert.Equal(0, counters.BytesOut(246));
        Assert.Equal(0, counters.PacketsIn(0));
        Assert.Equal(0, counters.BytesIn(255));
        Assert.Equal(1, counters.PacketsIn(246));
        Assert.Equal(50, counters.BytesOut(245));
        Assert.Equal(1, counters.TotalPacketsIn);
        Assert.Equal(1, counters.TotalPacketsOut);
    }

    [Fact]
    public void Drops_count_per_reason_and_in_total()
    {
        var counters = new CommunityCounters();
        var reasons = Enum.GetValues<DropReason>();
        for (var i = 0; i < reasons.Length; i++)
        {
            for (var n = 0; n <= i; n++)
            {
                counters.Drop(reasons[i]);
            }
        }

        for (var i = 0; i < reasons.Length; i++)
        {
            Assert.Equal(i + 1, counters.Drops(reasons[i]));
        }

        Assert.Equal(reasons.Length * (reasons.Length + 1) / 2, counters.TotalDrops);
    }

    [Fact]
    public void Threads_that_count_at_once_from_the_first_packet_on_lose_no_count()
    {
        const int threads = 4;
        const int perThread = 20_000;
        byte[] ids = [0, 7, 8, 100, 233, 234, 245, 246, 249, 250, 255];

        // Fresh counters each round, so that the threads also race to make the blocks of their first ids.
        for (var round = 0; round < 20; round++)
        {
            var counters = new CommunityCounters();
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < perThread; i++)
                {
                    var id = ids[(i + t) % ids.Length];
                    counters.In(id, 3);
                    counters.Out(id, 5);
                    if (i % 100 == 0)
                    {
                        counters.Drop(DropReason.RateLimited);
                    }
                }
            })).ToArray();
            foreach (var worker in workers)
            {
                worker.Start();
            }

            foreach (var worker in workers)
            {
                Assert.True(worker.Join(TimeSpan.FromMinutes(1)), "a counting thread finished");
            }

            Assert.Equal(threads * perThread, counters.TotalPacketsIn);
            Assert.Equal(threads * perThread, counters.TotalPacketsOut);
            Assert.Equal(threads * perThread * 3L, ids.Sum(id => counters.BytesIn(id)));
            Assert.Equal(threads * perThread * 5L, ids.Sum(id => counters.BytesOut(id)));
            Assert.Equal(threads * (perThread / 100), counters.Drops(DropReason.RateLimited));
            foreach (var id in ids)
            {
                var expected = Enumerable.Range(0, threads).Sum(t => Enumerable.Range(0, perThread).Count(i => ids[(i + t) % ids.Length] == id));
                Assert.Equal(expected, counters.PacketsIn(id));
                Assert.Equal(expected, counters.PacketsOut(id));
            }
        }
    }

    [Fact]
    public void Counting_allocates_nothing_once_an_id_was_seen()
    {
        var counters = new CommunityCounters();
        var (allocated, _) = SteadyState.Allocated(() =>
        {
            for (var id = 0; id < 256; id++)
            {
                counters.In((byte)id, 100);
                counters.Out((byte)id, 100);
                counters.Drop(DropReason.UnknownMessage);
            }

            _ = counters.TotalPacketsIn + counters.TotalPacketsOut + counters.TotalDrops;
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void The_counters_of_a_community_that_uses_the_discovery_ids_take_under_two_kilobytes()
    {
        _ = new CommunityCounters(); // the type's static state
        var before = GC.GetAllocatedBytesForCurrentThread();
        var counters = new CommunityCounters();
        foreach (byte id in (byte[])[231, 232, 233, 234, 245, 246, 249, 250])
        {
            counters.In(id, 100);
            counters.Out(id, 100);
        }

        var bytes = GC.GetAllocatedBytesForCurrentThread() - before;

        // Four 256-entry tables took 8 KB a community (80 MB for a 10,000-node swarm).
        Assert.InRange(bytes, 1, 2048);
        Assert.Equal(8, counters.TotalPacketsIn);
    }
}

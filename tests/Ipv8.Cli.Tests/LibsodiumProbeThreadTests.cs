using System.Diagnostics;
using Ipv8.Cli.Commands;
using Ipv8.Cli.Hosting;

namespace Ipv8.Cli.Tests;

/// <summary>The swarm's probe thread: batches once an interval, stops promptly, accounts for its own CPU.</summary>
public class LibsodiumProbeThreadTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public void The_thread_measures_one_batch_an_interval_and_reports_their_sum_and_its_own_cpu()
    {
        using var probes = new LibsodiumProbeThread(TimeSpan.FromMilliseconds(20));
        probes.Start();
        var clock = Stopwatch.StartNew();
        var allowed = CliHarness.PinnableCpus();
        var wanted = Math.Max(3, 2 * allowed.Length);
        SpinWait.SpinUntil(() => probes.Batches >= wanted, s_deadline);
        var during = probes.Stop();

        Assert.False(probes.IsAlive);
        Assert.True(during.Batches >= wanted, $"{during.Batches} batches in {clock.Elapsed}");

        // Each batch on the next CPU in turn: every CPU the process may use has batches (the CPUs need not be as fast).
        var cpus = during.Work.Cpus.ToArray();
        if (allowed.Length > 0)
        {
            Assert.Equal(allowed, cpus.Select(c => c.Cpu));
            Assert.All(cpus, c => Assert.True(c.Work.Signs >= LibsodiumProbeThread.BatchSigns, $"cpu{c.Cpu}: {c.Work.Signs} signs"));
        }
        else
        {
            Assert.Equal(-1, Assert.Single(cpus).Cpu);
        }

        Assert.Null(during.Failure);
        Assert.Equal(during.Batches * (long)LibsodiumProbeThread.BatchSigns, during.Work.Total.Signs);
        Assert.Equal(during.Batches * (long)LibsodiumProbeThread.BatchVerifies, during.Work.Total.Verifies);
        Assert.True(during.Work.Rates.SignPerSecond > 0);
        Assert.True(during.Work.Rates.VerifyPerSecond > 0);

        // The thread's CPU covers its batches and more (the key pair, the signatures to check, the warm-ups).
        var batchSeconds = during.Work.Total.SignSeconds + during.Work.Total.VerifySeconds;
        Assert.True(during.ThreadCpuSeconds >= batchSeconds, $"thread {during.ThreadCpuSeconds} s, batches {batchSeconds} s");
        if (ProcessStats.TryThreadCpuSeconds(out _))
        {
            Assert.True(during.ThreadCpuSeconds > batchSeconds, "with a thread clock, the setup and warm-ups count too");
        }

        Assert.True(during.AllocatedBytes > 0, "the key pair and buffers");
        Assert.Equal(during, probes.Stop()); // once stopped, it stays as it was
    }

    [Fact]
    public void A_cpu_that_refuses_the_pin_moves_the_turn_on_and_its_batches_count_as_unpinned()
    {
        var asked = new List<int>();
        using var probes = new LibsodiumProbeThread(TimeSpan.FromMilliseconds(20), 10, 4, cpus: [0, 1], pin: cpu =>
        {
            lock (asked)
            {
                asked.Add(cpu);
            }

            return false; // every pin refused
        });
        probes.Start();
        SpinWait.SpinUntil(() => probes.Batches >= 4, s_deadline);
        var during = probes.Stop();

        Assert.True(during.Batches >= 4, $"{during.Batches} batches");
        lock (asked)
        {
            Assert.Equal(Enumerable.Range(0, asked.Count).Select(i => i % 2), asked); // 0, 1, 0, 1: the turn moved on
        }

        Assert.Equal(-1, Assert.Single(during.Work.Cpus.ToArray()).Cpu);
        Assert.Equal(during.Batches * 10L, during.Work.Total.Signs);
    }

    [Fact]
    public void Stopping_does_not_wait_for_the_interval_to_end()
    {
        using var probes = new LibsodiumProbeThread(TimeSpan.FromMinutes(10));
        probes.Start();
        Assert.True(probes.IsAlive);

        var clock = Stopwatch.StartNew();
        var during = probes.Stop();

        Assert.False(probes.IsAlive); // Stop gives up on the thread after 10 s, and the interval is 10 min
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stopped in {clock.Elapsed}");
        Assert.Equal(0, during.Batches);
        Assert.Equal(default, during.Work);
        Assert.Equal(0, during.Work.Rates.SignPerSecond);
        Assert.Null(during.Failure);
    }

    [Fact]
    public void A_thread_never_started_stops_with_nothing_and_cannot_start_after()
    {
        var probes = new LibsodiumProbeThread(TimeSpan.FromSeconds(1));
        var during = probes.Stop();
        Assert.Equal(new DuringProbes(default, 0, 0), during);
        Assert.Throws<ObjectDisposedException>(probes.Start);
        probes.Dispose();
        probes.Dispose();
        Assert.False(probes.IsAlive);
    }
}

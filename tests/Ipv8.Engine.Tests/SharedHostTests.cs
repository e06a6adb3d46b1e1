using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Tasks;
using Ipv8.Engine.Tests.Support;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary>
/// What many nodes of one process share (issue 13): the receive threads of a <see cref="UdpEndpointGroup"/> and one
/// <see cref="TimerWheel"/>. Fairness and stop are checked on real loopback sockets with the group's loop run by hand;
/// the wheel on a fake clock.
/// </summary>
public sealed class SharedHostTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_flooded_socket_gets_one_turn_per_round_and_cannot_starve_a_quiet_socket_of_the_same_group()
    {
        if (!UdpEndpointGroup.IsSupported)
        {
            return; // the group shares only on Linux; elsewhere each endpoint has its own loops (covered by UdpEndpointTests)
        }

        using var group = new UdpEndpointGroup(receiveThreads: 1, datagramsPerTurn: 4, startThreads: false);
        var busySink = new RecordingSink();
        var quietSink = new RecordingSink();
        await using var busy = new UdpEndpoint(GroupOptions(group));
        await using var quiet = new UdpEndpoint(GroupOptions(group));
        busy.Open(busySink);
        quiet.Open(quietSink);
        Assert.Equal(2, group.Sockets);

        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        const int Flood = 40;
        for (var i = 0; i < Flood; i++)
        {
            sender.SendTo(new byte[] { (byte)i, 1, 2, 3 }, busy.Ipv4Address!.Value.ToIPEndPoint());
        }

        sender.SendTo(new byte[] { 0xff }, quiet.Ipv4Address!.Value.ToIPEndPoint());
        await WaitUntilAsync(() => busy.Sockets!.Ipv4!.Available > 0 && quiet.Sockets!.Ipv4!.Available > 0, "both sockets hold their datagrams");

        // Round one: both sockets are ready; the flooded one gets its turn of 4, the quiet one its datagram.
        Assert.Equal(5, group.PollOnce());
        Assert.Equal(4, busySink.Count);
        Assert.Single(quietSink.Received);

        // Later rounds: never more than one turn of the flooded socket per round, in order, until it is drained.
        var clock = Stopwatch.StartNew();
        while (busySink.Count < Flood && clock.Elapsed < s_deadline)
        {
            Assert.InRange(group.PollOnce(100), 0, 4);
        }

        Assert.Equal(Enumerable.Range(0, Flood).Select(i => (byte)i), busySink.Received.Select(d => d.Data[0]));
        Assert.Equal(Flood, busy.Counters.PacketsReceived);
        Assert.Equal(1, quiet.Counters.PacketsReceived);
    }

    [Fact]
    public async Task Stopping_one_node_of_a_shared_host_releases_its_socket_and_timers_while_the_others_keep_running()
    {
        if (!UdpEndpointGroup.IsSupported)
        {
            return;
        }

        using var group = new UdpEndpointGroup(receiveThreads: 2);
        var clock = new FakeTimeProvider();
        using var wheel = new TimerWheel(TimeSpan.FromMilliseconds(10), clock) { CallbacksPerWorkItem = int.MaxValue };
        var nodes = new List<(Ipv8Node Node, CountingStrategy Strategy)>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var node = new Ipv8Node(LibNaClPrivateKey.Generate(), new UdpEndpoint(GroupOptions(group)), new Ipv8NodeOptions
                {
                    TimeProvider = wheel,
                    EnableMetrics = false,
                    SummaryInterval = TimeSpan.Zero,
                });
                var community = node.AddCommunity(new TestCommunity(node.CreateSettings()));
                var strategy = new CountingStrategy();
                node.AddStrategy(community, strategy);
                nodes.Add((node, strategy));
                node.Start();
            }

            // Each walk loop steps once at start, then waits on its wheel timer.
            await WaitUntilAsync(() => wheel.Count == 3 && nodes.All(n => n.Strategy.Steps == 1), "three walk loops waiting on the wheel");
            Assert.Equal(3, group.Sockets);

            var stopped = nodes[1];
            var port = stopped.Node.Endpoint.Ipv4Address!.Value.Port;
            await stopped.Node.StopAsync();

            Assert.Equal(2, group.Sockets);
            Assert.Equal(2, wheel.Count);
            using (var rebind = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            {
                rebind.Bind(new IPEndPoint(IPAddress.Loopback, port)); // the socket is closed: its port is free again
            }

            // The others still walk on the shared wheel ...
            clock.Advance(TimeSpan.FromSeconds(0.5));
            await WaitUntilAsync(() => nodes[0].Strategy.Steps == 2 && nodes[2].Strategy.Steps == 2, "the other walk loops step on the next tick");
            Assert.Equal(1, stopped.Strategy.Steps);

            // ... and still receive through the shared threads (a datagram of no community's prefix is counted).
            using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            foreach (var (node, _) in new[] { nodes[0], nodes[2] })
            {
                sender.SendTo(new byte[30], node.Endpoint.Ipv4Address!.Value.ToIPEndPoint());
            }

            await WaitUntilAsync(() => nodes[0].Node.DroppedUnknownPrefix == 1 && nodes[2].Node.DroppedUnknownPrefix == 1, "both running nodes received");
        }
        finally
        {
            foreach (var (node, _) in nodes)
            {
                await node.DisposeAsync();
                node.Key.Dispose();
            }
        }

        Assert.Equal(0, group.Sockets);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Wheel_timers_fire_at_the_first_tick_at_or_after_their_due_time_never_early()
    {
        var clock = new FakeTimeProvider();
        using var wheel = new TimerWheel(TimeSpan.FromMilliseconds(10), clock) { CallbacksPerWorkItem = int.MaxValue };
        var start = clock.GetUtcNow();
        var fired = new Dictionary<int, TimeSpan>();
        int[] dues = [1, 9, 10, 11, 25, 100, 999, 10_240, 10_241, 25_000]; // past one turn of the wheel (10.24 s) too
        var timers = dues.Select(due => wheel.CreateTimer(_ => fired.Add(due, clock.GetUtcNow() - start), null, TimeSpan.FromMilliseconds(due), Timeout.InfiniteTimeSpan)).ToList();
        Assert.Equal(dues.Length, wheel.Count);

        for (var ms = 0; ms < 26_000; ms++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        foreach (var due in dues)
        {
            var expected = TimeSpan.FromMilliseconds(Math.Ceiling(due / 10.0) * 10); // the first 10 ms tick at or after it
            Assert.Equal(expected, fired[due]);
        }

        Assert.Equal(0, wheel.Count);
        timers.ForEach(t => t.Dispose());
    }

    [Fact]
    public void A_periodic_wheel_timer_fires_once_per_period_without_drift_and_stops_when_changed_or_disposed()
    {
        var clock = new FakeTimeProvider();
        using var wheel = new TimerWheel(TimeSpan.FromMilliseconds(10), clock) { CallbacksPerWorkItem = int.MaxValue };
        var start = clock.GetUtcNow();
        var periodic = new List<double>();
        var cancelled = 0;
        var disposed = 0;
        using var timer = wheel.CreateTimer(_ => periodic.Add((clock.GetUtcNow() - start).TotalMilliseconds), null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
        using var changed = wheel.CreateTimer(_ => cancelled++, null, TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);
        var gone = wheel.CreateTimer(_ => disposed++, null, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300));

        clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(changed.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        gone.Dispose();
        Assert.False(gone.Change(TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan));
        for (var ms = 200; ms < 2_600; ms += 5)
        {
            clock.Advance(TimeSpan.FromMilliseconds(5));
        }

        Assert.Equal([500.0, 1000.0, 1500.0, 2000.0, 2500.0], periodic);
        Assert.Equal(0, cancelled);
        Assert.Equal(0, disposed);
        Assert.Equal(1, wheel.Count);
    }

    [Fact]
    public async Task Ten_thousand_PeriodicTimers_and_delays_on_one_wheel_each_fire_within_one_tick_of_their_time()
    {
        var clock = new FakeTimeProvider();
        using var wheel = new TimerWheel(TimeSpan.FromMilliseconds(10), clock) { CallbacksPerWorkItem = int.MaxValue };
        const int Count = 10_000;
        var delays = new Task[Count];
        var periodic = new PeriodicTimer[Count];
        var ticks = new ValueTask<bool>[Count];
        for (var i = 0; i < Count; i++)
        {
            delays[i] = Task.Delay(TimeSpan.FromMilliseconds(1 + (i % 500)), wheel);
            periodic[i] = new PeriodicTimer(TimeSpan.FromMilliseconds(500), wheel);
            ticks[i] = periodic[i].WaitForNextTickAsync();
        }

        Assert.Equal(2 * Count, wheel.Count);
        clock.Advance(TimeSpan.FromMilliseconds(490));
        Assert.All(ticks, t => Assert.False(t.IsCompleted));
        Assert.Equal(Enumerable.Range(0, Count).Count(i => 1 + (i % 500) <= 490), delays.Count(d => d.IsCompleted));
        clock.Advance(TimeSpan.FromMilliseconds(10));
        Assert.All(delays, d => Assert.True(d.IsCompletedSuccessfully));
        foreach (var tick in ticks)
        {
            Assert.True(await tick);
        }

        Assert.Equal(Count, wheel.Count); // the periodic timers, rescheduled
        foreach (var timer in periodic)
        {
            timer.Dispose();
        }

        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public async Task A_wheel_on_the_system_clock_fires_on_its_own_thread_and_that_thread_ends_when_disposed()
    {
        var wheel = new TimerWheel(TimeSpan.FromMilliseconds(10));
        var fired = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timer = wheel.CreateTimer(_ => fired.TrySetResult(Thread.CurrentThread.Name), null, TimeSpan.FromMilliseconds(30), Timeout.InfiniteTimeSpan);

        Assert.Equal("ipv8 timer wheel", await fired.Task.WaitAsync(s_deadline));
        var thread = wheel.DriverThread;
        Assert.NotNull(thread);
        Assert.True(thread.IsBackground);

        wheel.Dispose();
        Assert.True(thread.Join(s_deadline), "the driving thread ends within a tick of Dispose");
    }

    [Fact]
    public async Task A_periodic_timer_on_the_system_clock_wheel_ticks_repeatedly_and_never_early()
    {
        using var wheel = new TimerWheel(TimeSpan.FromMilliseconds(10));
        using var periodic = new PeriodicTimer(TimeSpan.FromMilliseconds(20), wheel);
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= 5; i++)
        {
            Assert.True(await periodic.WaitForNextTickAsync().AsTask().WaitAsync(s_deadline));
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(20 * i) - TimeSpan.FromMilliseconds(1), $"tick {i} came after {clock.Elapsed.TotalMilliseconds} ms");
        }
    }

    private static UdpEndpointOptions GroupOptions(UdpEndpointGroup group)
    {
        var options = Loopback.Options(mode: ReceiveMode.Async);
        options.Group = group;
        return options;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < s_deadline, $"timed out waiting for: {what}");
            await Task.Delay(5);
        }
    }

    private sealed class CountingStrategy : IDiscoveryStrategy
    {
        private int _steps;

        public int Steps => Volatile.Read(ref _steps);

        public void TakeStep() => Interlocked.Increment(ref _steps);
    }
}

using System.Buffers.Binary;
using Ipv8.Engine.Endpoints;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Testing.Tests;

/// <summary>An in-memory network's links: latency, jitter, loss and reordering, the same for the same seed.</summary>
public sealed class LinkConditionTests
{
    private static readonly LinkConditions s_rough = new()
    {
        Latency = TimeSpan.FromMilliseconds(20),
        Jitter = TimeSpan.FromMilliseconds(30),
        LossRate = 0.2,
        ReorderRate = 0.1,
        ReorderDelay = TimeSpan.FromMilliseconds(40),
    };

    [Fact]
    public async Task The_same_seed_gives_the_same_arrivals_in_the_same_order_and_the_same_losses()
    {
        var first = await RunAsync(seed: 7, s_rough);
        var again = await RunAsync(seed: 7, s_rough);
        var other = await RunAsync(seed: 8, s_rough);

        Assert.Equal(first.Arrivals, again.Arrivals);
        Assert.Equal(first.Lost, again.Lost);
        Assert.NotEqual(first.Arrivals, other.Arrivals);

        // The run is rough enough to show all three effects, and nothing else disappears.
        Assert.InRange(first.Lost, 40, 120);                          // 20% of 400
        Assert.Equal(400, first.Arrivals.Count + first.Lost);
        Assert.Contains(first.Arrivals, a => a.Source == "a" && first.Arrivals.Any(b => b.Source == "a" && b.Number < a.Number && first.Arrivals.IndexOf(b) > first.Arrivals.IndexOf(a)));
    }

    [Fact]
    public async Task Perfect_links_deliver_everything_in_send_order()
    {
        var run = await RunAsync(seed: 7, LinkConditions.Perfect);

        Assert.Equal(0, run.Lost);
        Assert.Equal(Enumerable.Range(0, 200).ToList(), run.Arrivals.Where(a => a.Source == "a").Select(a => a.Number).ToList());
        Assert.Equal(Enumerable.Range(0, 200).ToList(), run.Arrivals.Where(a => a.Source == "b").Select(a => a.Number).ToList());
    }

    [Fact]
    public async Task Latency_alone_keeps_the_order()
    {
        var run = await RunAsync(seed: 3, new LinkConditions { Latency = TimeSpan.FromMilliseconds(35) });

        Assert.Equal(0, run.Lost);
        Assert.Equal(Enumerable.Range(0, 200).ToList(), run.Arrivals.Where(a => a.Source == "a").Select(a => a.Number).ToList());
    }

    [Fact]
    public async Task A_datagram_arrives_when_the_fake_clock_reaches_its_latency_and_not_before()
    {
        var time = new FakeTimeProvider();
        var network = Sequential(time, seed: 1, new LinkConditions { Latency = TimeSpan.FromMilliseconds(50) });
        await using var a = network.CreateEndpoint();
        await using var b = network.CreateEndpoint();
        var sink = new RecordingSink();
        a.Open(new RecordingSink());
        b.Open(sink);

        Assert.True(a.Send(b.Address, [1, 2, 3]));
        Assert.Equal(1, network.InFlightCount);
        Assert.Equal(TimeSpan.FromMilliseconds(50), network.TimeUntilNextArrival);

        time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Equal(0, sink.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(1), network.TimeUntilNextArrival);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var received = Assert.Single(sink.Received);
        Assert.Equal(a.Address, received.Source);
        Assert.Equal(new byte[] { 1, 2, 3 }, received.Data);
        Assert.Null(network.TimeUntilNextArrival);
        Assert.Equal(1, network.Delivered);
        Assert.Equal(1, b.Counters.PacketsReceived);
        Assert.Equal(1, a.Counters.PacketsSent);
    }

    [Fact]
    public async Task Without_latency_a_sequential_send_returns_after_the_answers_it_caused()
    {
        var network = Sequential(new FakeTimeProvider(), seed: 1, LinkConditions.Perfect);
        await using var a = network.CreateEndpoint();
        await using var b = network.CreateEndpoint();
        var answers = new RecordingSink();
        a.Open(answers);
        b.Open(new RecordingSink(d => b.Send(d.Source, [(byte)(d.Data[0] + 1)]))); // b answers every datagram

        a.Send(b.Address, [41]);

        Assert.Equal(new byte[] { 42 }, Assert.Single(answers.Received).Data);
        Assert.Equal(0, network.InFlightCount);
    }

    [Fact]
    public async Task Two_endpoints_answering_each_other_forever_hand_over_a_bounded_number_per_turn()
    {
        var time = new FakeTimeProvider();
        var network = Sequential(time, seed: 1, LinkConditions.Perfect);
        await using var a = network.CreateEndpoint();
        await using var b = network.CreateEndpoint();
        a.Open(new RecordingSink(d => a.Send(d.Source, d.Data)));
        b.Open(new RecordingSink(d => b.Send(d.Source, d.Data)));

        a.Send(b.Address, [0]);                          // returns: the ping-pong is cut after one turn

        var firstTurn = network.Delivered;
        Assert.InRange(firstTurn, 1_000, 100_000);
        Assert.Equal(1, network.InFlightCount);
        time.Advance(TimeSpan.FromMilliseconds(1));      // the next turn, on the clock
        Assert.Equal(2 * firstTurn, network.Delivered);
    }

    [Fact]
    public async Task A_link_that_is_down_loses_everything_in_its_direction_only()
    {
        var network = Sequential(new FakeTimeProvider(), seed: 1, LinkConditions.Perfect);
        await using var a = network.CreateEndpoint();
        await using var b = network.CreateEndpoint();
        var atA = new RecordingSink();
        var atB = new RecordingSink();
        a.Open(atA);
        b.Open(atB);
        network.SetLinkConditions(a.Address, b.Address, LinkConditions.Down);

        Assert.True(a.Send(b.Address, [1]));             // sent, as far as UDP can tell
        Assert.True(b.Send(a.Address, [2]));

        Assert.Equal(0, atB.Count);
        Assert.Single(atA.Received);
        Assert.Equal(1, network.Lost);
        Assert.Same(LinkConditions.Down, network.GetLinkConditions(a.Address, b.Address));

        network.SetLinkConditions(a.Address, b.Address, null);
        a.Send(b.Address, [3]);
        Assert.Single(atB.Received);
        Assert.Same(LinkConditions.Perfect, network.GetLinkConditions(a.Address, b.Address));
    }

    [Fact]
    public async Task The_loss_rate_is_kept_over_many_datagrams()
    {
        var network = Sequential(new FakeTimeProvider(), seed: 5, new LinkConditions { LossRate = 0.1 });
        await using var a = network.CreateEndpoint();
        await using var b = network.CreateEndpoint();
        var sink = new RecordingSink();
        a.Open(new RecordingSink());
        b.Open(sink);

        for (var i = 0; i < 10_000; i++)
        {
            a.Send(b.Address, [1]);
        }

        Assert.InRange(network.Lost, 850, 1_150);
        Assert.Equal(10_000 - network.Lost, sink.Count);
    }

    [Fact]
    public async Task A_concurrent_network_with_latency_queues_each_datagram_for_its_endpoint_when_it_arrives()
    {
        var time = new FakeTimeProvider();
        var network = new InMemoryNetwork(new InMemoryNetworkOptions { TimeProvider = time, Conditions = new LinkConditions { Latency = TimeSpan.FromSeconds(1) } });
        await using var a = network.CreateEndpoint();
        await using var b = network.CreateEndpoint();
        var sink = new RecordingSink();
        a.Open(new RecordingSink());
        b.Open(sink);

        a.Send(b.Address, [7]);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, network.Delivered);
        time.Advance(TimeSpan.FromMilliseconds(1));

        await Eventually.AssertAsync(() => sink.Count == 1, "b's dispatch loop to hand over the datagram");
        Assert.Equal(1, network.Delivered);
    }

    [Fact]
    public async Task A_datagram_in_flight_to_an_endpoint_that_closes_is_dropped()
    {
        var time = new FakeTimeProvider();
        var network = Sequential(time, seed: 1, new LinkConditions { Latency = TimeSpan.FromMilliseconds(10) });
        await using var a = network.CreateEndpoint();
        var b = network.CreateEndpoint();
        var sink = new RecordingSink();
        a.Open(new RecordingSink());
        b.Open(sink);

        a.Send(b.Address, [1]);
        await b.CloseAsync();
        time.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Equal(0, sink.Count);
        Assert.Equal(1, network.Dropped);
        Assert.False(a.Send(b.Address, [2]));            // nobody is there any more
    }

    [Theory]
    [InlineData(-0.1, 0)]
    [InlineData(1.1, 0)]
    [InlineData(0, -0.1)]
    [InlineData(0, 1.1)]
    public void Rates_outside_zero_to_one_are_refused(double loss, double reorder)
    {
        var conditions = new LinkConditions { LossRate = loss, ReorderRate = reorder };

        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryNetwork(new InMemoryNetworkOptions { Conditions = conditions }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryNetwork().SetLinkConditions(UdpAddress.Parse("127.0.0.1:1"), UdpAddress.Parse("127.0.0.1:2"), conditions));
    }

    [Fact]
    public void A_negative_latency_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryNetwork(new InMemoryNetworkOptions { Conditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(-1) } }));
    }

    private static InMemoryNetwork Sequential(FakeTimeProvider time, int seed, LinkConditions conditions) =>
        new(new InMemoryNetworkOptions { Delivery = InMemoryDelivery.Sequential, TimeProvider = time, Seed = seed, Conditions = conditions });

    /// <summary>
    /// Two senders, a and b, send 200 numbered datagrams each to c, interleaved, 1 ms of fake time apart; then the clock
    /// runs until nothing is in flight. Returns what c received, in order, and how many the links lost.
    /// </summary>
    private static async Task<(List<(string Source, int Number)> Arrivals, long Lost)> RunAsync(int seed, LinkConditions conditions)
    {
        var time = new FakeTimeProvider();
        var network = Sequential(time, seed, conditions);
        await using var a = network.CreateEndpoint();
        await using var b = network.CreateEndpoint();
        await using var c = network.CreateEndpoint();
        var sink = new RecordingSink();
        a.Open(new RecordingSink());
        b.Open(new RecordingSink());
        c.Open(sink);

        var datagram = new byte[4];
        for (var i = 0; i < 200; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(datagram, i);
            a.Send(c.Address, datagram);
            b.Send(c.Address, datagram);
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        for (var step = 0; step < 1_000 && network.TimeUntilNextArrival is not null; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(0, network.InFlightCount);
        var arrivals = sink.Received.Select(r => (r.Source == a.Address ? "a" : "b", BinaryPrimitives.ReadInt32BigEndian(r.Data))).ToList();
        return (arrivals, network.Lost);
    }
}

using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Engine.Tests;

/// <summary>
/// The lifecycle every endpoint shares (new → open → closed): the UDP endpoint in both receive modes and the in-memory
/// endpoint must behave the same on a second open, a send before open, closing twice and disposing.
/// </summary>
public class EndpointLifecycleTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Kinds => ["udp-dedicated", "udp-async", "udp-group", "in-memory"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_send_before_open_fails_and_counts_a_send_failure(string kind)
    {
        await using var subject = Subject.Create(kind);
        var endpoint = subject.Endpoint;

        Assert.False(endpoint.IsOpen);
        Assert.False(endpoint.Send(UdpAddress.Parse("127.0.0.1:9"), [1, 2, 3]));

        Assert.Equal(1, endpoint.Counters.SendFailures);
        Assert.Equal(0, endpoint.Counters.PacketsSent);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Opening_twice_throws_and_leaves_the_endpoint_open_and_working(string kind)
    {
        await using var subject = Subject.Create(kind);
        var endpoint = subject.Endpoint;
        var first = new RecordingSink();
        var second = new RecordingSink();
        endpoint.Open(first);

        var ex = Assert.Throws<InvalidOperationException>(() => endpoint.Open(second));

        Assert.Contains("already opened", ex.Message, StringComparison.Ordinal);
        Assert.True(endpoint.IsOpen);
        var self = endpoint.Ipv4Address!.Value;
        await Conversation.RepeatUntilAsync(() => Assert.True(endpoint.Send(self, [7])), () => first.Received.Count > 0, "the first sink to receive a datagram sent to itself");
        Assert.Empty(second.Received);
        Assert.All(first.Received, r => Assert.Equal(self, r.Source));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Open_without_a_sink_throws_and_the_endpoint_can_still_be_opened(string kind)
    {
        await using var subject = Subject.Create(kind);
        var endpoint = subject.Endpoint;

        Assert.Throws<ArgumentNullException>(() => endpoint.Open(null!));
        Assert.False(endpoint.IsOpen);

        endpoint.Open(new RecordingSink());
        Assert.True(endpoint.IsOpen);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Closing_twice_and_disposing_are_harmless_and_a_closed_endpoint_stays_closed(string kind)
    {
        await using var subject = Subject.Create(kind);
        var endpoint = subject.Endpoint;
        var sink = new RecordingSink();
        endpoint.Open(sink);
        var self = endpoint.Ipv4Address!.Value;

        await endpoint.CloseAsync();
        await endpoint.CloseAsync();
        await endpoint.DisposeAsync();

        Assert.False(endpoint.IsOpen);
        Assert.False(endpoint.Send(self, [1]));
        Assert.Equal(1, endpoint.Counters.SendFailures);
        var ex = Assert.Throws<InvalidOperationException>(() => endpoint.Open(sink));
        Assert.Contains("closed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(self, endpoint.Ipv4Address);
        Assert.Empty(sink.Received);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Concurrent_closes_all_complete_and_the_endpoint_is_closed(string kind)
    {
        await using var subject = Subject.Create(kind);
        var endpoint = subject.Endpoint;
        endpoint.Open(new RecordingSink());

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () => await endpoint.CloseAsync())));

        Assert.False(endpoint.IsOpen);
        Assert.False(endpoint.Send(endpoint.Ipv4Address!.Value, [1]));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task An_endpoint_closed_before_it_opened_cannot_open(string kind)
    {
        await using var subject = Subject.Create(kind);
        var endpoint = subject.Endpoint;

        await endpoint.CloseAsync();

        Assert.False(endpoint.IsOpen);
        Assert.Throws<InvalidOperationException>(() => endpoint.Open(new RecordingSink()));
        Assert.False(endpoint.Send(UdpAddress.Parse("127.0.0.1:9"), [1]));
        Assert.Equal(1, endpoint.Counters.SendFailures);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_throwing_sink_does_not_stop_delivery(string kind)
    {
        await using var subject = Subject.Create(kind);
        var endpoint = subject.Endpoint;
        var calls = 0;
        var delivered = 0;
        endpoint.Open(new RecordingSink(received =>
        {
            Interlocked.Increment(ref calls);
            if (received.Data[0] == 0xFF)
            {
                throw new InvalidOperationException("bad sink");
            }

            Interlocked.Increment(ref delivered);
        }));
        var self = endpoint.Ipv4Address!.Value;

        await Conversation.RepeatUntilAsync(() => endpoint.Send(self, [0xFF]), () => Volatile.Read(ref calls) >= 1, "the throwing call");
        await Conversation.RepeatUntilAsync(() => endpoint.Send(self, [0x01]), () => Volatile.Read(ref delivered) >= 1, "the next datagram to be delivered");
        Assert.True(endpoint.IsOpen);
    }

    [Fact]
    public async Task An_in_memory_endpoint_closed_before_it_opened_frees_its_address()
    {
        var network = new InMemoryNetwork(26_000);
        var address = UdpAddress.Parse("127.0.0.1:26500");
        var endpoint = network.CreateEndpoint(address);

        await endpoint.CloseAsync();

        await using var again = network.CreateEndpoint(address);
        Assert.Equal(address, again.Address);
    }

    [Fact]
    public async Task A_udp_endpoint_whose_open_failed_is_closed_for_good()
    {
        await using var holder = new UdpEndpoint(Loopback.Options());
        holder.Open(new RecordingSink());
        var options = Loopback.Options();
        options.Port = holder.Ipv4Address!.Value.Port;
        await using var endpoint = new UdpEndpoint(options);
        Assert.Throws<System.Net.Sockets.SocketException>(() => endpoint.Open(new RecordingSink()));

        var ex = Assert.Throws<InvalidOperationException>(() => endpoint.Open(new RecordingSink()));

        Assert.Contains("closed", ex.Message, StringComparison.Ordinal);
        Assert.False(endpoint.IsOpen);
        Assert.Null(endpoint.Ipv4Address);
        await endpoint.CloseAsync();
    }

    [Fact]
    public async Task Every_close_waits_for_the_one_teardown()
    {
        var transport = new GatedTransport();
        var lifecycle = new EndpointLifecycle(transport, NullLogger.Instance);
        lifecycle.Open(new RecordingSink());

        var first = lifecycle.CloseAsync().AsTask();
        var second = lifecycle.CloseAsync().AsTask();
        await Eventually.AssertAsync(() => transport.Stops == 1, "the teardown to start", s_deadline);

        Assert.False(lifecycle.IsOpen);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        transport.Release();
        await Task.WhenAll(first, second).WaitAsync(s_deadline);
        await lifecycle.CloseAsync();
        Assert.Equal(1, transport.Stops);
        Assert.Equal(new[] { true }, transport.StartedFlags);
    }

    [Fact]
    public async Task A_transport_that_fails_to_start_is_stopped_once_as_never_started()
    {
        var transport = new GatedTransport { FailStart = true };
        transport.Release();
        var lifecycle = new EndpointLifecycle(transport, NullLogger.Instance);

        Assert.Throws<IOException>(() => lifecycle.Open(new RecordingSink()));
        Assert.False(lifecycle.IsOpen);
        Assert.False(lifecycle.RefuseSend());
        await lifecycle.CloseAsync();
        await lifecycle.CloseAsync();

        Assert.Equal(1, transport.Starts);
        Assert.Equal(new[] { false }, transport.StartedFlags);
        Assert.Equal(1, lifecycle.Counters.SendFailures);
    }

    private sealed class GatedTransport : IEndpointTransport
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<bool> _startedFlags = [];
        private int _starts;
        private int _stops;

        public bool FailStart { get; init; }

        public int Starts => Volatile.Read(ref _starts);

        public int Stops => Volatile.Read(ref _stops);

        public IReadOnlyList<bool> StartedFlags
        {
            get
            {
                lock (_startedFlags)
                {
                    return [.. _startedFlags];
                }
            }
        }

        public void Release() => _gate.TrySetResult();

        public void Start()
        {
            Interlocked.Increment(ref _starts);
            if (FailStart)
            {
                throw new IOException("cannot start");
            }
        }

        public async ValueTask StopAsync(bool started)
        {
            lock (_startedFlags)
            {
                _startedFlags.Add(started);
            }

            Interlocked.Increment(ref _stops);
            await _gate.Task;
        }
    }

    /// <summary>An endpoint of one kind, with what it needs to live (the in-memory network).</summary>
    private sealed class Subject(IEndpoint endpoint, IDisposable? shared = null) : IAsyncDisposable
    {
        public IEndpoint Endpoint { get; } = endpoint;

        public static Subject Create(string kind) => kind switch
        {
            "udp-dedicated" => new Subject(new UdpEndpoint(Loopback.Options(mode: ReceiveMode.DedicatedThread))),
            "udp-async" => new Subject(new UdpEndpoint(Loopback.Options(mode: ReceiveMode.Async))),
            "udp-group" => Grouped(),
            "in-memory" => new Subject(new InMemoryNetwork().CreateEndpoint()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown endpoint kind"),
        };

        public async ValueTask DisposeAsync()
        {
            await Endpoint.DisposeAsync();
            shared?.Dispose();
        }

        private static Subject Grouped()
        {
            var group = new UdpEndpointGroup(receiveThreads: 1);
            var options = Loopback.Options(mode: ReceiveMode.Async);
            options.Group = group;
            return new Subject(new UdpEndpoint(options), group);
        }
    }
}

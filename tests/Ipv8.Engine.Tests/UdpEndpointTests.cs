using System.Net;
using System.Net.Sockets;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Tests;

/// <summary>The UDP endpoint on loopback: binding, ports in use, delivery, counters, close.</summary>
public class UdpEndpointTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_port_in_use_gives_a_clear_SocketException()
    {
        using var blocker = BindLoopback(0);
        var port = ((IPEndPoint)blocker.LocalEndPoint!).Port;
        var options = Loopback.Options();
        options.Port = port;
        await using var endpoint = new UdpEndpoint(options);

        var ex = Assert.Throws<SocketException>(() => endpoint.Open(new RecordingSink()));

        Assert.Equal(SocketError.AddressAlreadyInUse, ex.SocketErrorCode);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.Contains("in use", ex.Message, StringComparison.Ordinal);
        Assert.False(endpoint.IsOpen);
        Assert.Null(endpoint.Ipv4Address);
    }

    [Fact]
    public async Task A_port_held_by_another_endpoint_gives_a_clear_SocketException_even_with_several_workers()
    {
        var first = Loopback.Options();
        first.Workers = 2;
        await using var holder = new UdpEndpoint(first);
        holder.Open(new RecordingSink());
        var port = holder.Ipv4Address!.Value.Port;

        var second = Loopback.Options();
        second.Workers = 2;
        second.Port = port;
        await using var intruder = new UdpEndpoint(second);

        var ex = Assert.Throws<SocketException>(() => intruder.Open(new RecordingSink()));
        Assert.Equal(SocketError.AddressAlreadyInUse, ex.SocketErrorCode);
        Assert.False(intruder.IsOpen);
    }

    [Fact]
    public async Task Endpoints_on_port_zero_never_share_a_port_with_other_reuseport_sockets()
    {
        // With SO_REUSEPORT, Linux may hand a port already bound by another SO_REUSEPORT socket of the same user to a
        // port-0 bind. Surround the endpoints with many such sockets: none of them may share a port with an endpoint.
        var others = new List<Socket>();
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                others.Add(socket);
                socket.SetRawSocketOption(1, 15, BitConverter.GetBytes(1)); // SO_REUSEPORT
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }

            var taken = others.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port).ToHashSet();
            for (var i = 0; i < 8; i++)
            {
                var options = Loopback.Options(mode: ReceiveMode.DedicatedThread);
                options.Workers = 2;
                await using var endpoint = new UdpEndpoint(options);
                endpoint.Open(new RecordingSink());
                Assert.DoesNotContain(endpoint.Ipv4Address!.Value.Port, taken);
            }
        }
        finally
        {
            foreach (var socket in others)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task PortRetries_picks_the_next_free_port()
    {
        using var blocker = BindLoopback(0);
        var port = ((IPEndPoint)blocker.LocalEndPoint!).Port;
        var options = Loopback.Options();
        options.Port = port;
        options.PortRetries = 10;
        await using var endpoint = new UdpEndpoint(options);

        endpoint.Open(new RecordingSink());

        var bound = endpoint.Ipv4Address!.Value;
        Assert.True(bound.IsLoopback);
        Assert.InRange(bound.Port, port + 1, port + 10);
        Assert.True(endpoint.IsOpen);
    }

    [Fact]
    public async Task PortRetries_that_run_out_name_the_ports_tried()
    {
        using var first = BindLoopback(0);
        var port = ((IPEndPoint)first.LocalEndPoint!).Port;
        using var second = TryBindLoopback(port + 1);
        if (second is null)
        {
            return; // the next port is taken by someone else: nothing to learn here
        }

        var options = Loopback.Options();
        options.Port = port;
        options.PortRetries = 1;
        await using var endpoint = new UdpEndpoint(options);

        var ex = Assert.Throws<SocketException>(() => endpoint.Open(new RecordingSink()));
        Assert.Equal(SocketError.AddressAlreadyInUse, ex.SocketErrorCode);
        Assert.Equal($"UDP ports {port}-{port + 1} are all in use on 127.0.0.1.", ex.Message);
    }

    [Fact]
    public async Task Closing_while_the_dispatcher_is_stuck_and_the_pipe_full_returns_at_once_and_completes_when_it_moves()
    {
        using var gate = new ManualResetEventSlim(false);
        var sink = new GateSink(gate);
        var options = Loopback.Options();
        options.PauseWriterThreshold = 128 << 10;
        options.ResumeWriterThreshold = 64 << 10;
        options.FlushBatch = 16;
        var endpoint = new UdpEndpoint(options);
        try
        {
            endpoint.Open(sink);
            var target = endpoint.Ipv4Address!.Value.ToIPEndPoint();
            using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var datagram = new byte[1200];

            // The sink holds the dispatch thread on the first datagram; the rest fill the pipe: the first flush with 107
            // frames or more (1,228 bytes a frame) passes the 128 KiB pause threshold, and from then on the receive thread
            // waits for the dispatcher. Flushes come every 16 frames or at the end of a burst, so it may stop anywhere from
            // 107 on.
            await Conversation.RepeatUntilAsync(
                () =>
                {
                    for (var i = 0; i < 100; i++)
                    {
                        sender.SendTo(datagram, target);
                    }
                },
                () => endpoint.Counters.PacketsReceived >= 107,
                "107 datagrams received behind a stuck dispatcher");

            // The close must not hold its caller until the dispatcher moves (a handler may close its own node from the
            // dispatch thread): the call returns, and the close completes once the sink lets go.
            var calling = Task.Run(() => new[] { endpoint.CloseAsync().AsTask() }); // the call, not the close it starts
            var close = (await calling.WaitAsync(TimeSpan.FromSeconds(30)))[0];
            Assert.False(close.IsCompleted, "the close completed while the dispatcher was still stuck");
            gate.Set();
            await close.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(endpoint.IsOpen);
        }
        finally
        {
            gate.Set();
            await endpoint.DisposeAsync();
        }
    }

    private sealed class GateSink(ManualResetEventSlim gate) : IPacketSink
    {
        public void OnPacket(UdpAddress source, ReadOnlySpan<byte> datagram) => gate.Wait(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task PortRetries_at_the_last_port_name_one_port_not_a_range()
    {
        using var taken = TryBindLoopback(65535);
        if (taken is null)
        {
            return; // someone else holds 65535: nothing to learn here
        }

        var options = Loopback.Options();
        options.Port = 65535;
        options.PortRetries = 3;
        await using var endpoint = new UdpEndpoint(options);

        var ex = Assert.Throws<SocketException>(() => endpoint.Open(new RecordingSink()));
        Assert.Equal("UDP port 65535 is already in use on 127.0.0.1.", ex.Message);
    }

    [Theory]
    [InlineData(ReceiveMode.DedicatedThread, false)]
    [InlineData(ReceiveMode.Async, false)]
    [InlineData(ReceiveMode.DedicatedThread, true)]
    [InlineData(ReceiveMode.Async, true)]
    public async Task Datagrams_are_delivered_with_their_source_and_counted(ReceiveMode mode, bool ipv6)
    {
        var sinkA = new RecordingSink();
        var sinkB = new RecordingSink();
        await using var a = new UdpEndpoint(Loopback.Options(ipv6, mode));
        await using var b = new UdpEndpoint(Loopback.Options(ipv6, mode));
        a.Open(sinkA);
        b.Open(sinkB);
        var addressA = (ipv6 ? a.Ipv6Address : a.Ipv4Address)!.Value;
        var addressB = (ipv6 ? b.Ipv6Address : b.Ipv4Address)!.Value;
        Assert.Equal(ipv6, addressA.IsIPv6);

        var messages = Enumerable.Range(0, 50).Select(i => Enumerable.Repeat((byte)i, 1 + (i * 37)).ToArray()).ToList();
        await Conversation.RepeatUntilAsync(
            () =>
            {
                foreach (var message in messages)
                {
                    Assert.True(a.Send(addressB, message));
                }
            },
            () => sinkB.Received.Select(r => r.Data.Length).Distinct().Count() == messages.Count,
            "B to receive all 50 datagrams",
            s_deadline);

        Assert.All(sinkB.Received, r => Assert.Equal(addressA, r.Source));
        foreach (var message in messages)
        {
            Assert.Contains(sinkB.Received, r => r.Data.AsSpan().SequenceEqual(message));
        }

        Assert.True(a.Counters.PacketsSent >= 50);
        await Eventually.AssertAsync(
            () => sinkB.Received.Count == b.Counters.PacketsReceived && sinkB.Received.Sum(r => (long)r.Data.Length) == b.Counters.BytesReceived,
            "B's counters to match what it delivered",
            s_deadline);
        Assert.Empty(sinkA.Received);
    }

    [Theory]
    [InlineData(false, 64)]
    [InlineData(true, 64)]
    [InlineData(false, 1)]
    public async Task A_burst_from_several_senders_reaches_a_dedicated_thread_endpoint_with_each_source_and_payload(bool ipv6, int flushBatch)
    {
        const int perSender = 300;
        var sink = new RecordingSink();
        var options = Loopback.Options(ipv6, ReceiveMode.DedicatedThread);
        options.FlushBatch = flushBatch;
        await using var endpoint = new UdpEndpoint(options);
        endpoint.Open(sink);
        var target = (ipv6 ? endpoint.Ipv6Address : endpoint.Ipv4Address)!.Value;
        var senders = Enumerable.Range(0, 3).Select(_ => new RawUdp(ipv6)).ToArray();
        try
        {
            // Interleaved, so that consecutive datagrams on the socket come from different sources; a datagram lost on a
            // loaded machine is sent again.
            await Conversation.RepeatUntilAsync(
                () =>
                {
                    var arrived = Arrived(sink);
                    for (var sequence = 0; sequence < perSender; sequence++)
                    {
                        for (var sender = 0; sender < senders.Length; sender++)
                        {
                            if (!arrived.Contains((sender, sequence)))
                            {
                                senders[sender].Send(target, BurstDatagram(sender, sequence));
                            }
                        }
                    }
                },
                () => Arrived(sink).Count == senders.Length * perSender,
                $"all {senders.Length * perSender} datagrams of the burst",
                s_deadline);

            foreach (var received in sink.Received)
            {
                var sender = received.Data[0];
                Assert.Equal(senders[sender].Address, received.Source);
                Assert.Equal(BurstDatagram(sender, received.Data[1] | (received.Data[2] << 8)), received.Data);
            }

            Assert.Equal(0, endpoint.Counters.ReceiveErrors);
        }
        finally
        {
            foreach (var sender in senders)
            {
                sender.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(ReceiveMode.DedicatedThread, false)]
    [InlineData(ReceiveMode.DedicatedThread, true)]
    [InlineData(ReceiveMode.Async, false)]
    public async Task The_largest_datagram_the_family_carries_arrives_whole(ReceiveMode mode, bool ipv6)
    {
        // 65,535 minus the IPv4 and UDP headers, or minus the UDP header for IPv6 (whose payload length excludes its own
        // header). The receive buffer holds 65,535 bytes, so no datagram can be truncated: this is the edge case, whole.
        var datagram = Enumerable.Range(0, ipv6 ? 65_527 : 65_507).Select(i => (byte)(i * 7)).ToArray();
        var sink = new RecordingSink();
        await using var endpoint = new UdpEndpoint(Loopback.Options(ipv6, mode));
        endpoint.Open(sink);
        using var raw = new RawUdp(ipv6);

        var target = (ipv6 ? endpoint.Ipv6Address : endpoint.Ipv4Address)!.Value;
        await Conversation.RepeatUntilAsync(() => raw.Send(target, datagram), () => sink.Count > 0, "the largest datagram", s_deadline);

        var received = sink.Received[0];
        Assert.Equal(raw.Address, received.Source);
        Assert.Equal(datagram, received.Data);
        Assert.Equal(0, endpoint.Counters.ReceiveErrors);
    }

    [Fact]
    public async Task A_closed_endpoint_refuses_to_send_and_to_reopen()
    {
        var sink = new RecordingSink();
        var a = new UdpEndpoint(Loopback.Options());
        a.Open(sink);
        var address = a.Ipv4Address!.Value;
        await a.CloseAsync();

        Assert.False(a.IsOpen);
        Assert.False(a.Send(address, [1, 2, 3]));
        Assert.Equal(1, a.Counters.SendFailures);
        Assert.Throws<InvalidOperationException>(() => a.Open(sink));
        Assert.Empty(sink.Received);
        await a.DisposeAsync();
    }

    [Fact]
    public async Task An_endpoint_without_a_socket_for_the_family_counts_a_send_failure()
    {
        await using var v4Only = new UdpEndpoint(Loopback.Options());
        v4Only.Open(new RecordingSink());

        Assert.False(v4Only.Send(UdpAddress.Parse("[::1]:9"), [1]));
        Assert.Equal(1, v4Only.Counters.SendFailures);
    }

    [Fact]
    public async Task Sends_to_a_family_without_a_socket_are_all_counted_and_warned_about_once_per_family()
    {
        var logs = new CapturingLoggerFactory();
        await using var v6Only = new UdpEndpoint(Loopback.Options(ipv6: true), logs.CreateLogger<UdpEndpoint>());
        v6Only.Open(new RecordingSink());

        for (var i = 0; i < 3; i++)
        {
            Assert.False(v6Only.Send(UdpAddress.Parse($"127.0.0.{i + 1}:9"), [1]));
        }

        Assert.Equal(3, v6Only.Counters.SendFailures);
        Assert.Equal(0, v6Only.Counters.PacketsSent);
        await v6Only.RemoteLog.WrittenAsync();
        var warning = Assert.Single(logs.Find(LogLevel.Warning, "no IPv4 socket"));
        Assert.Contains("Cannot send to 127.0.0.1:9", warning.Message, StringComparison.Ordinal);
        Assert.Contains($"bound to {v6Only.Ipv6Address} only", warning.Message, StringComparison.Ordinal);

        // The family it has still works and is not warned about.
        using var receiver = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        Assert.True(v6Only.Send(UdpAddress.FromIPEndPoint((IPEndPoint)receiver.LocalEndPoint!), [1]));
        Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task A_throwing_sink_does_not_stop_the_endpoint()
    {
        var calls = 0;
        var sink = new RecordingSink(received =>
        {
            Interlocked.Increment(ref calls);
            if (received.Data[0] == 0xFF)
            {
                throw new InvalidOperationException("bad sink");
            }
        });
        await using var endpoint = new UdpEndpoint(Loopback.Options());
        endpoint.Open(sink);
        using var raw = new RawUdp();

        raw.Send(endpoint.Ipv4Address!.Value, [0xFF]);
        await Eventually.AssertAsync(() => Volatile.Read(ref calls) == 1, "the throwing call", s_deadline);
        await Conversation.RepeatUntilAsync(() => raw.Send(endpoint.Ipv4Address!.Value, [0x01]), () => Volatile.Read(ref calls) >= 2, "the next datagram to be delivered");
    }

    [Fact]
    public void Invalid_options_are_refused_at_construction()
    {
        Assert.Throws<ArgumentException>(() => new UdpEndpoint(new UdpEndpointOptions { Ipv4Host = null, Ipv6Host = null }));
        Assert.Throws<ArgumentException>(() => new UdpEndpoint(new UdpEndpointOptions { Ipv4Host = IPAddress.IPv6Loopback }));
        Assert.Throws<ArgumentException>(() => new UdpEndpoint(new UdpEndpointOptions { Ipv4Host = null, Ipv6Host = IPAddress.Loopback }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpEndpoint(new UdpEndpointOptions { Port = 70_000 }));
        Assert.Throws<ArgumentException>(() => new UdpEndpoint(new UdpEndpointOptions { PortRetries = -1 }));
    }

    private static byte[] BurstDatagram(int sender, int sequence)
    {
        var datagram = new byte[3 + (sequence % 200)];
        datagram[0] = (byte)sender;
        datagram[1] = (byte)sequence;
        datagram[2] = (byte)(sequence >> 8);
        for (var i = 3; i < datagram.Length; i++)
        {
            datagram[i] = (byte)((sender * 31) + (sequence * 7) + i);
        }

        return datagram;
    }

    private static HashSet<(int Sender, int Sequence)> Arrived(RecordingSink sink) =>
        [.. sink.Received.Where(r => r.Data.Length >= 3).Select(r => ((int)r.Data[0], r.Data[1] | (r.Data[2] << 8)))];

    private static Socket BindLoopback(int port) =>
        TryBindLoopback(port) ?? throw new InvalidOperationException($"could not bind 127.0.0.1:{port}");

    private static Socket? TryBindLoopback(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }
}

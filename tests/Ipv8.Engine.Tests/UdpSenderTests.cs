using System.Net;
using System.Net.Sockets;
using Ipv8.Engine.Diagnostics;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Engine.Tests;

/// <summary>
/// The send side of the UDP endpoint on loopback: on Linux one <c>sendto</c> per datagram (LinuxNative.SendTo), with
/// Socket.SendTo behind it for a full non-blocking descriptor. Every failure is a counted false, never an exception.
/// </summary>
[Collection(nameof(UdpSenderTests))]
public class UdpSenderTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Datagrams_arrive_byte_exact_from_the_sending_sockets_port(bool ipv6)
    {
        using var subject = new Subject(ipv6);
        using var receiver = new RawUdp(ipv6);
        int[] sizes = [0, 1, 200, 1_472, 9_000, 40_000];
        foreach (var size in sizes)
        {
            var datagram = Pattern(size, seed: size);
            Assert.True(subject.Sender.Send(receiver.Address, datagram));

            var received = receiver.Receive(s_deadline);
            Assert.NotNull(received);
            Assert.Equal(subject.Address, received.Value.Source);
            Assert.Equal(datagram, received.Value.Data);
        }

        Assert.Equal(sizes.Length, subject.Counters.PacketsSent);
        Assert.Equal(sizes.Sum(), subject.Counters.BytesSent);
        Assert.Equal(0, subject.Counters.SendFailures);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_largest_datagram_the_family_carries_is_sent_whole(bool ipv6)
    {
        using var subject = new Subject(ipv6);
        using var receiver = new RawUdp(ipv6);
        var datagram = Pattern(ipv6 ? 65_527 : 65_507, seed: 3);

        Assert.True(subject.Sender.Send(receiver.Address, datagram));

        var received = receiver.Receive(s_deadline);
        Assert.NotNull(received);
        Assert.Equal(subject.Address, received.Value.Source);
        Assert.Equal(datagram, received.Value.Data);
        Assert.Equal(1, subject.Counters.PacketsSent);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_datagram_too_large_for_the_family_is_a_counted_failure_and_the_sender_carries_on(bool ipv6)
    {
        using var subject = new Subject(ipv6);
        using var receiver = new RawUdp(ipv6);

        Assert.False(subject.Sender.Send(receiver.Address, new byte[ipv6 ? 65_528 : 65_508])); // EMSGSIZE
        Assert.False(subject.Sender.Send(receiver.Address, new byte[70_000])); // beyond a UDP length
        Assert.Equal(2, subject.Counters.SendFailures);
        Assert.Equal(0, subject.Counters.PacketsSent);

        Assert.True(subject.Sender.Send(receiver.Address, [7, 8, 9]));
        Assert.Equal(new byte[] { 7, 8, 9 }, receiver.Receive(s_deadline)?.Data);
        Assert.Equal(1, subject.Counters.PacketsSent);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_refused_destination_reported_on_a_later_send_is_a_counted_failure(bool ipv6)
    {
        // Linux reports a port-unreachable to an unconnected UDP socket only with IP_RECVERR / IPV6_RECVERR (the endpoint's
        // sockets do not set it, so there such sends simply count as sent): set it here, so that the ICMP error of one
        // send makes a later sendto fail with ECONNREFUSED.
        Assert.True(OperatingSystem.IsLinux(), "IP_RECVERR is a Linux socket option");
        using var subject = new Subject(ipv6);
        subject.Socket.SetRawSocketOption(ipv6 ? 41 : 0, ipv6 ? 25 : 11, BitConverter.GetBytes(1));
        var closed = ClosedPort(ipv6);

        var results = new List<bool>();
        for (var i = 0; i < 1_000 && results.Count(r => !r) < 3; i++)
        {
            results.Add(subject.Sender.Send(closed, [1, 2, 3]));
        }

        Assert.Contains(false, results);
        Assert.Equal(results.Count(r => !r), subject.Counters.SendFailures);
        Assert.Equal(results.Count(r => r), subject.Counters.PacketsSent);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_send_on_a_closed_socket_is_a_counted_failure_and_never_reaches_a_socket_that_reuses_its_descriptor(bool ipv6)
    {
        using var subject = new Subject(ipv6);
        using var receiver = new RawUdp(ipv6);
        Assert.True(subject.Sender.Send(receiver.Address, [1]));
        Assert.Equal(new byte[] { 1 }, receiver.Receive(s_deadline)?.Data);
        var oldDescriptor = subject.Socket.Handle;

        subject.Socket.Dispose();

        // The lowest free descriptor is the one just closed: a new socket takes it (checked, or the test proves less).
        // The class runs alone (its collection), but the runtime may still open a descriptor meanwhile: then bind more
        // sockets until one takes the number (at most 64), keeping the others open so that they cannot take it back.
        var extras = new List<Socket>();
        var reuser = Bind(ipv6);
        try
        {
            while (reuser.Handle != oldDescriptor && extras.Count < 64)
            {
                extras.Add(reuser);
                reuser = Bind(ipv6);
            }

            Assert.Equal(oldDescriptor, reuser.Handle);
            SendsAfterCloseFail(subject, receiver, reuser);
        }
        finally
        {
            reuser.Dispose();
            extras.ForEach(extra => extra.Dispose());
        }
    }

    private static void SendsAfterCloseFail(Subject subject, RawUdp receiver, Socket reuser)
    {
        Assert.False(subject.Sender.Send(receiver.Address, [2]));
        Assert.False(subject.Sender.Send(receiver.Address, [3]));
        Assert.Equal(2, subject.Counters.SendFailures);
        Assert.Equal(1, subject.Counters.PacketsSent);

        // Had a send gone out through the reused descriptor, it would arrive before this marker.
        reuser.SendTo([0xAA], SocketFlags.None, receiver.Address.ToIPEndPoint());
        var next = receiver.Receive(s_deadline);
        Assert.NotNull(next);
        Assert.Equal(new byte[] { 0xAA }, next.Value.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Closing_the_socket_during_a_stream_of_sends_counts_every_send_and_throws_nothing(bool ipv6)
    {
        using var subject = new Subject(ipv6);
        using var receiver = new RawUdp(ipv6);
        var attempts = 0L;
        var datagram = Pattern(200, seed: 1);
        var sending = Task.Factory.StartNew(
            () =>
            {
                // Until the close shows, bounded in count; then a few more on the closed socket.
                var afterClose = 0;
                for (var i = 0; i < 2_000_000 && afterClose < 100; i++)
                {
                    Interlocked.Increment(ref attempts);
                    if (!subject.Sender.Send(receiver.Address, datagram))
                    {
                        afterClose++;
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        await Eventually.AssertAsync(() => subject.Counters.PacketsSent >= 1_000, "sends before the close", s_deadline);
        var closing = Task.Run(subject.Socket.Dispose);
        Assert.Same(closing, await Task.WhenAny(closing, Task.Delay(s_deadline)));
        Assert.Same(sending, await Task.WhenAny(sending, Task.Delay(s_deadline)));
        await sending; // rethrows anything the sender threw

        Assert.True(subject.Counters.SendFailures >= 100);
        Assert.Equal(Interlocked.Read(ref attempts), subject.Counters.PacketsSent + subject.Counters.SendFailures);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_EAGAIN_from_sendto_hands_the_datagram_to_Socket_SendTo_and_other_errors_are_counted_failures(bool ipv6)
    {
        // A full send buffer on a non-blocking descriptor cannot be produced on loopback at will (the loopback device
        // frees a datagram's send-buffer charge as it transmits it): what the sender does with the errno is tested here.
        using var subject = new Subject(ipv6);
        using var receiver = new RawUdp(ipv6);

        Assert.True(subject.Sender.AfterNativeError(LinuxNative.Eagain, receiver.Address, [4, 5]));
        var received = receiver.Receive(s_deadline);
        Assert.NotNull(received);
        Assert.Equal(subject.Address, received.Value.Source);
        Assert.Equal(new byte[] { 4, 5 }, received.Value.Data);
        Assert.Equal(1, subject.Counters.PacketsSent);
        Assert.Equal(2, subject.Counters.BytesSent);

        Assert.False(subject.Sender.AfterNativeError(111, receiver.Address, [6])); // ECONNREFUSED
        Assert.False(subject.Sender.AfterNativeError(LinuxNative.Ebadf, receiver.Address, [6]));
        Assert.Equal(2, subject.Counters.SendFailures);
        Assert.Equal(1, subject.Counters.PacketsSent);
        Assert.True(subject.Sender.Send(receiver.Address, [0xAA]));
        Assert.Equal(new byte[] { 0xAA }, receiver.Receive(s_deadline)?.Data); // the failures sent nothing
    }

    [Theory]
    [InlineData(ReceiveMode.Async, false, true)]
    [InlineData(ReceiveMode.Async, true, true)]
    [InlineData(ReceiveMode.DedicatedThread, false, false)]
    public async Task An_endpoint_sends_whether_dotnet_made_its_descriptor_non_blocking_or_not(ReceiveMode mode, bool ipv6, bool nonBlocking)
    {
        // The async receive loop makes .NET switch the descriptor to O_NONBLOCK, where a sendto can meet EAGAIN; the
        // dedicated receive thread leaves it blocking, where sendto waits for room as Socket.SendTo did.
        Assert.True(OperatingSystem.IsLinux(), "reads /proc/self/fdinfo");
        await using var endpoint = new UdpEndpoint(Loopback.Options(ipv6, mode));
        endpoint.Open(new RecordingSink());
        var socket = (ipv6 ? endpoint.Sockets!.Ipv6 : endpoint.Sockets!.Ipv4)!;
        await Eventually.AssertAsync(() => IsNonBlocking(socket) == nonBlocking, $"the descriptor's O_NONBLOCK to be {nonBlocking}", s_deadline);

        using var receiver = new RawUdp(ipv6);
        var datagram = Pattern(200, seed: 9);
        Assert.True(endpoint.Send(receiver.Address, datagram));
        var received = receiver.Receive(s_deadline);
        Assert.NotNull(received);
        Assert.Equal((ipv6 ? endpoint.Ipv6Address : endpoint.Ipv4Address)!.Value, received.Value.Source);
        Assert.Equal(datagram, received.Value.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sending_allocates_nothing_once_warm(bool ipv6)
    {
        using var subject = new Subject(ipv6);
        using var receiver = new RawUdp(ipv6); // never read: the kernel drops what does not fit, the sends still succeed
        var datagram = Pattern(200, seed: 2);

        var (allocated, passes) = SteadyState.Allocated(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                subject.Sender.Send(receiver.Address, datagram);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(passes * 200, subject.Counters.PacketsSent);
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static Socket Bind(bool ipv6)
    {
        var socket = new Socket(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        return socket;
    }

    /// <summary>A loopback port nothing listens on: bound, read, closed.</summary>
    private static UdpAddress ClosedPort(bool ipv6)
    {
        using var socket = Bind(ipv6);
        return UdpAddress.FromIPEndPoint((IPEndPoint)socket.LocalEndPoint!);
    }

    /// <summary>O_NONBLOCK (octal 04000) in the descriptor's flags, as /proc/self/fdinfo shows them (octal).</summary>
    private static bool IsNonBlocking(Socket socket)
    {
        var line = File.ReadLines($"/proc/self/fdinfo/{socket.Handle}").First(l => l.StartsWith("flags:", StringComparison.Ordinal));
        var flags = Convert.ToInt64(line["flags:".Length..].Trim(), 8);
        return (flags & 0x800) != 0;
    }

    /// <summary>A sender over one bound loopback socket of its own, which nothing receives from.</summary>
    private sealed class Subject : IDisposable
    {
        private readonly RemoteLog _log = new(NullLogger.Instance, TimeProvider.System, RemoteLog.DefaultInterval);

        public Subject(bool ipv6)
        {
            Socket = Bind(ipv6);
            Address = UdpAddress.FromIPEndPoint((IPEndPoint)Socket.LocalEndPoint!);
            Sockets = new UdpSocketSet(ipv6 ? null : Socket, ipv6 ? Socket : null, []);
            Sender = new UdpSender(Sockets, loopbackOnly: true, Counters, _log);
        }

        public Socket Socket { get; }

        public UdpAddress Address { get; }

        public UdpSocketSet Sockets { get; }

        public EndpointCounters Counters { get; } = new();

        public UdpSender Sender { get; }

        public void Dispose()
        {
            Sockets.Dispose();
            _log.Dispose();
        }
    }
}

/// <summary>The descriptor-reuse test needs the lowest free descriptor to stay free: no other test class alongside.</summary>
[CollectionDefinition(nameof(UdpSenderTests), DisableParallelization = true)]
public sealed class UdpSenderTestsCollection;

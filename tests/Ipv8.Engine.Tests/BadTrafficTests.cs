using Ipv8.Engine.Communities;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary>Datagrams a node must survive: deprecated ids, short packets, unknown prefixes and ids, throwing handlers.</summary>
public class BadTrafficTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(25);

    private static readonly byte[] s_deprecatedIds = [235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 247, 248, 251, 252, 253, 254, 255];

    [Fact]
    public void Exactly_the_py_ipv8_deprecated_ids_are_deprecated()
    {
        var deprecated = Enumerable.Range(0, 256).Where(id => DiscoveryMessages.IsDeprecated((byte)id)).Select(id => (byte)id);
        Assert.Equal(s_deprecatedIds, deprecated);
    }

    [Fact]
    public async Task Deprecated_message_ids_are_counted_logged_and_ignored()
    {
        var logs = new CapturingLoggerFactory();
        await using var a = StartLogging(logs);
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 2 });
        using var raw = new RawUdp();
        var prefix = a.Community.GetPrefix().ToArray();

        foreach (var id in s_deprecatedIds)
        {
            raw.Send(a.Address, [.. prefix, id, .. "legacy dispersy payload"u8]);
        }

        await Eventually.AssertAsync(() => a.Community.Counters.Drops(DropReason.Deprecated) == s_deprecatedIds.Length, "every deprecated message to be counted", s_deadline);
        foreach (var id in s_deprecatedIds)
        {
            Assert.Equal(1, a.Community.Counters.PacketsIn(id));
        }

        // Logged at a bounded rate, as unknown ids: the first one, then at most one per interval (written off the packet path).
        await a.Community.LogWrittenAsync();
        var warning = Assert.Single(logs.Find(LogLevel.Warning, "deprecated"));
        Assert.Contains(s_deprecatedIds, id => warning.Message.Contains($"message {id} ", StringComparison.Ordinal));
        Assert.Equal(0, a.Community.Counters.Drops(DropReason.UnknownMessage));
        Assert.Equal(0, a.Community.Counters.Drops(DropReason.HandlerError));
        Assert.Null(raw.Receive(TimeSpan.FromMilliseconds(200)));

        await AssertStillWorksAsync(a, b);
    }

    [Fact]
    public async Task Deprecated_message_ids_are_logged_at_most_once_per_interval_and_every_one_is_counted()
    {
        var logs = new CapturingLoggerFactory();
        var time = new FakeTimeProvider();
        using var key = LibNaClPrivateKey.Generate();
        var settings = Offline.Settings(key, new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:40100")), time);
        settings.LoggerFactory = logs;
        var community = new TestCommunity(TestIds.Discovery, settings);
        var prefix = community.GetPrefix().ToArray();
        var source = UdpAddress.Parse("127.0.0.1:30001");

        for (var i = 0; i < 102; i++)
        {
            community.OnPacket(source, [.. prefix, s_deprecatedIds[i % s_deprecatedIds.Length], .. "legacy"u8]);
        }

        Assert.Equal(102, community.Counters.Drops(DropReason.Deprecated));
        await community.LogWrittenAsync();
        var first = Assert.Single(logs.Find(LogLevel.Warning, "deprecated"));
        Assert.Contains($"message {s_deprecatedIds[0]} from 127.0.0.1:30001", first.Message, StringComparison.Ordinal);
        Assert.Contains("1 deprecated so far", first.Message, StringComparison.Ordinal);

        // Just short of the interval: still quiet. At the interval: the next one is logged, with the count so far.
        time.Advance(TimeSpan.FromMilliseconds(999));
        community.OnPacket(source, [.. prefix, 255]);
        await community.LogWrittenAsync();
        Assert.Single(logs.Find(LogLevel.Warning, "deprecated"));
        time.Advance(TimeSpan.FromMilliseconds(1));
        community.OnPacket(source, [.. prefix, 254]);
        await community.LogWrittenAsync();
        var warnings = logs.Find(LogLevel.Warning, "deprecated");
        Assert.Equal(2, warnings.Count);
        Assert.Contains("message 254 ", warnings[1].Message, StringComparison.Ordinal);
        Assert.Contains("104 deprecated so far", warnings[1].Message, StringComparison.Ordinal);
        Assert.Contains("102 more suppressed", warnings[1].Message, StringComparison.Ordinal);
        Assert.Equal(104, community.Counters.Drops(DropReason.Deprecated));

        // Unknown ids have their own clock: a flood of deprecated ids does not hide the first unknown one.
        community.OnPacket(source, [.. prefix, 100]);
        await community.LogWrittenAsync();
        Assert.Single(logs.Find(LogLevel.Warning, "unknown message"));
        Assert.Equal(1, community.Counters.Drops(DropReason.UnknownMessage));
    }

    [Fact]
    public async Task A_22_byte_packet_is_dropped_and_counted_and_the_node_keeps_working()
    {
        var logs = new CapturingLoggerFactory();
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Logs = logs });
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 2 });
        using var raw = new RawUdp();

        // Exactly the prefix: py-ipv8 raises an IndexError on data[22]; we drop it.
        raw.Send(a.Address, a.Community.GetPrefix());
        await Eventually.AssertAsync(() => a.Community.Counters.Drops(DropReason.TooShort) == 1, "the 22-byte packet to be counted as too short", s_deadline);

        // Shorter than a prefix: dropped by the node's dispatcher.
        raw.Send(a.Address, [0x00]);
        raw.Send(a.Address, a.Community.GetPrefix()[..21]);
        await Eventually.AssertAsync(() => a.Node.DroppedTooShort == 2, "the two packets shorter than a prefix to be counted", s_deadline);

        Assert.Equal(0, a.Community.Counters.TotalPacketsIn);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
        await AssertStillWorksAsync(a, b);
    }

    [Fact]
    public async Task Unknown_prefixes_and_unknown_message_ids_are_dropped_and_counted()
    {
        var logs = new CapturingLoggerFactory();
        await using var a = StartLogging(logs);
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 2 });
        using var raw = new RawUdp();

        raw.Send(a.Address, [.. TestIds.Other.ToPrefix(), 246, 1, 2, 3]);
        await Eventually.AssertAsync(() => a.Node.DroppedUnknownPrefix == 1, "the packet of another community to be counted", s_deadline);

        for (var i = 0; i < 5; i++)
        {
            raw.Send(a.Address, [.. a.Community.GetPrefix(), 100, 0, 0, 0, 0, 0, 0, 0, 1]);
        }

        await Eventually.AssertAsync(() => a.Community.Counters.Drops(DropReason.UnknownMessage) == 5, "five unknown messages to be counted", s_deadline);

        // Logged at a bounded rate: once per interval.
        await a.Community.LogWrittenAsync();
        Assert.Single(logs.Find(LogLevel.Warning, "unknown message"));
        await AssertStillWorksAsync(a, b);
    }

    [Fact]
    public async Task A_handlers_exception_is_caught_logged_and_counted_and_the_node_keeps_working()
    {
        var logs = new CapturingLoggerFactory();
        await using var a = TestNode<ChatCommunity>.Start(s => new ChatCommunity(s), new() { Logs = logs });
        await using var b = TestNode<ChatCommunity>.Start(s => new ChatCommunity(s), new() { Seed = 2 });

        await Conversation.RepeatUntilAsync(
            () => b.Community.Send(a.Address, new ExplodingMessage { Reason = "on purpose" }),
            () => a.Community.Counters.Drops(DropReason.HandlerError) >= 1,
            "the throwing handler's exception to be counted");

        // The drop is counted before the error is logged (on the dispatch thread): wait for the entry, not the counter.
        await Eventually.AssertAsync(
            () => logs.Entries.Any(e => e.Level == LogLevel.Error && e.Exception is InvalidOperationException),
            "the handler's exception to be logged",
            s_deadline);
        await a.Community.LogWrittenAsync();
        var error = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error && e.Exception is InvalidOperationException);
        Assert.Contains("on purpose", error.Exception!.Message, StringComparison.Ordinal);
        Assert.Contains("2", error.Message, StringComparison.Ordinal);

        // The same dispatch loop still delivers the next messages.
        await Conversation.RepeatUntilAsync(
            () => b.Community.Send(a.Address, new ChatMessage { Text = "still here?", Number = 42 }),
            () => a.Community.Chats.Count >= 1,
            "a chat message after the exception to be handled");
        var chat = a.Community.Chats[0];
        Assert.Equal("still here?", chat.Text);
        Assert.Equal(42UL, chat.Number);
        Assert.True(a.Node.IsRunning);
        await AssertStillWorksAsync(a, b);
    }

    [Fact]
    public async Task Packets_with_a_bad_signature_or_private_key_material_are_dropped()
    {
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s));
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 2 });
        using var raw = new RawUdp();
        using var stranger = LibNaClPrivateKey.Generate();

        var tampered = PacketBuilder.IntroductionRequest(TestIds.Discovery, stranger, a.Address, raw.Address, 7);
        tampered[^1] ^= 0xFF;
        raw.Send(a.Address, tampered);

        // A "signed" packet whose key is the private key bin: never turned into a peer.
        var withPrivateKey = PacketBuilder.IntroductionRequest(TestIds.Discovery, stranger, a.Address, raw.Address, 8);
        stranger.ToBin().CopyTo(withPrivateKey.AsSpan(Packet.HeaderLength + 2));
        raw.Send(a.Address, withPrivateKey);

        // Truncated in the middle of the payload.
        var truncated = PacketBuilder.IntroductionRequest(TestIds.Discovery, stranger, a.Address, raw.Address, 9)[..120];
        raw.Send(a.Address, truncated);

        await Eventually.AssertAsync(
            () => a.Community.Counters.Drops(DropReason.BadSignature) + a.Community.Counters.Drops(DropReason.UnsupportedKey) + a.Community.Counters.Drops(DropReason.Malformed) == 3,
            "the three bad packets to be dropped",
            s_deadline);
        Assert.True(a.Community.Counters.Drops(DropReason.BadSignature) >= 1);
        Assert.Empty(a.Community.GetPeers());
        Assert.Null(raw.Receive(TimeSpan.FromMilliseconds(200)));
        await AssertStillWorksAsync(a, b);
    }

    /// <summary>A node logging to <paramref name="logs"/>, its remote-event log lines at most once an hour (one per test).</summary>
    private static TestNode<TestCommunity> StartLogging(CapturingLoggerFactory logs) =>
        TestNode<TestCommunity>.Start(
            s =>
            {
                s.RemoteEventLogInterval = TimeSpan.FromHours(1);
                return new TestCommunity(s);
            },
            new() { Logs = logs });

    private static async Task AssertStillWorksAsync<TA, TB>(TestNode<TA> a, TestNode<TB> b)
        where TA : TestCommunity
        where TB : TestCommunity =>
        await Conversation.RepeatUntilAsync(
            () => b.Community.WalkTo(a.Address),
            () => a.Community.HasPeer(b.PublicKey) && b.Community.HasPeer(a.PublicKey),
            "the node to keep answering introduction requests",
            s_deadline);
}

using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Diagnostics;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ipv8.Engine.Tests;

/// <summary>
/// Logging (docs/logging.md): events with ids, every event a remote sender can cause rate-limited and written off the
/// packet path whatever the sink does, the node's summary line, and the own-key warning.
/// </summary>
public sealed partial class LoggingTests
{
    private const byte ThrowingId = 5;
    private const int Times = 150;

    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(25);
    private static readonly UdpAddress s_local = UdpAddress.Parse("127.0.0.1:40100");
    private static readonly UdpAddress s_stranger = UdpAddress.Parse("127.0.0.1:30001");

    /// <summary>How to cause each remote-triggerable event, by event id; docs/logging.md marks exactly these as remote.</summary>
    private static readonly Dictionary<int, Func<ILoggerFactory, FakeTimeProvider, Task<Scenario>>> s_scenarios = new()
    {
        [2001] = (logs, time) => OfflineAsync(logs, time, c => [.. c.GetPrefix(), 100, 1, 2, 3]),
        [2002] = (logs, time) => OfflineAsync(logs, time, c => [.. c.GetPrefix(), 0xf7]),
        [2003] = (logs, time) => OfflineAsync(logs, time, c => [.. c.GetPrefix(), ThrowingId, 1]),
        [2004] = (logs, time) => OfflineAsync(logs, time, c => [.. c.GetPrefix(), DiscoveryMessages.IntroductionRequest, 0]),
        [2005] = PeerLimitAsync,
        [2006] = (logs, time) => OfflineAsync(logs, time, c => PacketBuilder.IntroductionRequest(c.CommunityId, c.Key, s_local, s_stranger, 1)),
        [3003] = MissingFamilyAsync,
        [3004] = SinkErrorAsync,
        [4002] = BeaconAsync,
    };

    public static TheoryData<int> RemoteEvents => [.. s_scenarios.Keys];

    /// <summary>
    /// The issue's scenario: thousands of deprecated-id and unknown-id datagrams (and handler errors, decode failures,
    /// our own key) reach a node whose log sink blocks, as a stderr pipe nobody reads; a valid introduction request sent
    /// behind them is still answered within a second.
    /// </summary>
    [Fact]
    public async Task A_node_whose_log_sink_blocks_answers_a_valid_introduction_request_within_a_second_behind_a_flood_of_remote_events()
    {
        using var sink = new BlockingLogProvider();
        using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(sink));
        var node = TestNode<FloodedCommunity>.Start(s => new FloodedCommunity(s), new() { Logs = logs });
        try
        {
            sink.Block();
            using var raw = new RawUdp();
            using var stranger = LibNaClPrivateKey.Generate();
            var community = node.Community;
            var prefix = community.GetPrefix().ToArray();
            byte[] deprecated = [.. prefix, 0xf7];
            byte[] unknown = [.. prefix, 100, 1, 2, 3];
            byte[] throwing = [.. prefix, ThrowingId, 1];
            byte[] malformed = [.. prefix, DiscoveryMessages.IntroductionRequest, 0];
            var ownKey = PacketBuilder.IntroductionRequest(community.CommunityId, node.Key, node.Address, raw.Address, 1);
            var flood = new List<byte[]>();
            for (var i = 0; i < 4000; i++)
            {
                flood.Add(deprecated);
                flood.Add(unknown);
                if (i % 8 == 0)
                {
                    flood.AddRange([throwing, malformed, ownKey]);
                }
            }

            var clock = Stopwatch.StartNew();
            const int Batch = 100;
            for (var sent = 0; sent < flood.Count; sent += Batch)
            {
                var batch = flood.Skip(sent).Take(Batch).ToList();
                batch.ForEach(d => raw.Send(node.Address, d));
                var total = sent + batch.Count;
                if (total < flood.Count)
                {
                    // Paced, so that the kernel drops none of them: every one of them reaches the community.
                    await Eventually.AssertAsync(() => community.Counters.TotalPacketsIn >= total, $"the first {total} datagrams to be handled", s_deadline);
                }
            }

            // Sent behind the last batch: the dispatch thread reaches it only after those.
            var request = PacketBuilder.IntroductionRequest(community.CommunityId, stranger, node.Address, raw.Address, 4242);
            var answerClock = Stopwatch.StartNew();
            raw.Send(node.Address, request);
            var answer = raw.Receive(s_deadline);
            var answered = answerClock.Elapsed;

            Assert.True(answer is { } a && a.Data.Length > Packet.PrefixLength, "the introduction request was never answered");
            Assert.Equal(DiscoveryMessages.IntroductionResponse, answer.Value.Data[Packet.PrefixLength]);
            Assert.True(answered < TimeSpan.FromSeconds(1), $"answered after {answered.TotalMilliseconds:F0} ms");
            Assert.True(sink.Waiting >= 1, "the log sink was blocking while the node answered");
            Assert.Equal(4000, community.Counters.Drops(DropReason.Deprecated));
            Assert.Equal(4000, community.Counters.Drops(DropReason.UnknownMessage));
            Assert.Equal(500, community.Counters.Drops(DropReason.HandlerError));
            Assert.Equal(500, community.Counters.Drops(DropReason.Malformed));
            Assert.Equal(500, community.Counters.Drops(DropReason.Blacklisted));

            // Once the sink takes lines again: each kind was logged at most once per second.
            var elapsed = clock.Elapsed;
            sink.Release();
            await community.LogWrittenAsync();
            foreach (var id in (int[])[2001, 2002, 2003, 2004, 2006])
            {
                Assert.InRange(sink.WithId(id).Count, 1, 1 + (int)Math.Ceiling(elapsed.TotalSeconds));
            }
        }
        finally
        {
            sink.Release();
            await node.DisposeAsync();
        }
    }

    /// <summary>
    /// Each remote-triggerable event, caused many times while the log sink blocks: the caller never waits for the sink,
    /// one line is written per interval, and the next line tells how many were suppressed.
    /// </summary>
    [Theory]
    [MemberData(nameof(RemoteEvents))]
    public async Task Each_remote_triggerable_event_is_rate_limited_and_never_waits_for_the_log_sink(int eventId)
    {
        using var sink = new BlockingLogProvider();
        using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(sink));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        await using var scenario = await s_scenarios[eventId](logs, time);
        try
        {
            sink.Block();

            var clock = Stopwatch.StartNew();
            var driving = Task.Run(() =>
            {
                for (var i = 0; i < Times; i++)
                {
                    scenario.Drive();
                }
            });
            Assert.True(await Task.WhenAny(driving, Task.Delay(s_deadline)) == driving, $"causing event {eventId} waited for the blocked log sink");
            await driving;
            await scenario.DeliveredAsync(Times);
            var elapsed = clock.Elapsed;
            Assert.True(sink.Waiting <= 1, "only the drain waits for the sink");

            sink.Release();
            await Eventually.AssertAsync(() => sink.WithId(eventId).Count >= 1, $"event {eventId} to be logged", s_deadline);
            await scenario.Log.WrittenAsync();
            var lines = sink.WithId(eventId);
            switch (scenario.Limit)
            {
                case Limit.PerIntervalOnFakeClock:
                    Assert.Single(lines);
                    time.Advance(eventId == 2006 ? RemoteLog.OwnKeyInterval : RemoteLog.DefaultInterval);
                    scenario.Drive();
                    await scenario.DeliveredAsync(Times + 1);
                    await scenario.Log.WrittenAsync();
                    lines = sink.WithId(eventId);
                    Assert.Equal(2, lines.Count);
                    Assert.Contains($"{Times - 1} more suppressed", lines[1].Message, StringComparison.Ordinal);
                    break;
                case Limit.PerIntervalOnSystemClock:
                    Assert.InRange(lines.Count, 1, 1 + (int)Math.Ceiling(elapsed / RemoteLog.DefaultInterval));
                    break;
                case Limit.OncePerFamily:
                    Assert.Single(lines);
                    scenario.Drive();
                    await scenario.DeliveredAsync(Times + 1);
                    await scenario.Log.WrittenAsync();
                    Assert.Single(sink.WithId(eventId));
                    break;
            }
        }
        finally
        {
            // Before the scenario is disposed: a failing run must not leave threads waiting in the sink.
            sink.Release();
        }
    }

    [Fact]
    public void The_remote_events_of_docs_logging_md_are_exactly_the_ones_tested_for_rate_limits()
    {
        var documented = LogEventTable.Read().Where(r => r.Remote).Select(r => r.Id).Order();
        Assert.Equal(s_scenarios.Keys.Order(), documented);
    }

    [Fact]
    public void Every_engine_log_event_has_a_unique_id_and_a_row_in_docs_logging_md() =>
        LogEventTable.AssertDocumented(typeof(Ipv8Node).Assembly, id => id is < 7000 or >= 9000);

    [Fact]
    public async Task When_the_queue_is_full_lines_are_dropped_counted_and_reported_once_the_sink_takes_lines_again()
    {
        using var sink = new BlockingLogProvider();
        using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(sink));
        using var log = new RemoteLog(logs.CreateLogger("test"), TimeProvider.System, TimeSpan.Zero, capacity: 4);
        sink.Block();

        // The first line is taken by the drain, which then waits in the sink; four more fill the queue; the rest are lost.
        CommunityLog.UnknownMessage(log, 100, s_stranger);
        await Eventually.AssertAsync(() => sink.Waiting == 1, "the drain to wait in the sink", s_deadline);
        for (var i = 0; i < 99; i++)
        {
            CommunityLog.UnknownMessage(log, 100, s_stranger);
        }

        Assert.Equal(95, log.Lost);
        sink.Release();
        await log.WrittenAsync();
        Assert.Equal(5, sink.WithId(2001).Count);
        var lost = Assert.Single(sink.WithId(9001));
        Assert.Equal(LogLevel.Warning, lost.Level);
        Assert.StartsWith("95 log lines about remote events were dropped", lost.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rate_limited_and_disabled_remote_events_allocate_nothing_on_the_packet_path()
    {
        var time = new FakeTimeProvider();
        using var key = LibNaClPrivateKey.Generate();
        foreach (var logs in (ILoggerFactory[])[new CapturingLoggerFactory(), NullLoggerFactory.Instance])
        {
            var settings = Offline.Settings(key, new RecordingEndpoint(s_local), time);
            settings.LoggerFactory = logs;
            var community = new FloodedCommunity(settings);
            var prefix = community.GetPrefix().ToArray();
            byte[][] datagrams =
            [
                [.. prefix, 0xf7],
                [.. prefix, 100, 1, 2, 3],
                [.. prefix, DiscoveryMessages.IntroductionRequest, 0],
                PacketBuilder.IntroductionRequest(community.CommunityId, key, s_local, s_stranger, 1),
            ];

            // The first of each kind passes its gate (and may allocate the queue); the clock stands still after that.
            foreach (var datagram in datagrams)
            {
                community.OnPacket(s_stranger, datagram);
            }

            var (allocated, passes) = SteadyState.Allocated(() =>
            {
                for (var i = 0; i < 10_000; i++)
                {
                    community.OnPacket(s_stranger, datagrams[i % datagrams.Length]);
                }
            });

            Assert.Equal(0, allocated);
            Assert.Equal(1 + (passes * 2_500), community.Counters.Drops(DropReason.Deprecated));
        }
    }

    [Fact]
    public async Task A_node_warns_when_it_hears_its_own_key_from_another_node_but_not_from_itself()
    {
        var logs = new CapturingLoggerFactory();
        using var shared = LibNaClPrivateKey.Generate();
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Logs = logs, KeyBin = shared.ToBin() });
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 2, KeyBin = shared.ToBin() });

        // The second copy of the node walks to the first: both run under one key, so they never become peers.
        await Conversation.RepeatUntilAsync(
            () => b.Community.WalkTo(a.Address),
            () => logs.WithId(2006).Count >= 1,
            "A to warn about a message under its own key");
        var warning = logs.WithId(2006)[0];
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains($"from {b.Address} signed with this node's own key", warning.Message, StringComparison.Ordinal);
        Assert.EndsWith("will never be peers", warning.Message, StringComparison.Ordinal); // the first line: no "(0 more suppressed)"
        Assert.Empty(a.Community.GetPeers());

        // A packet of its own, reflected back from its own address, is no other node: no warning.
        var settings = Offline.Settings(shared, new RecordingEndpoint(s_local));
        var quiet = new CapturingLoggerFactory();
        settings.LoggerFactory = quiet;
        var community = new TestCommunity(settings);
        community.OnPacket(s_local, PacketBuilder.IntroductionRequest(community.CommunityId, shared, s_local, s_local, 1));
        await community.LogWrittenAsync();
        Assert.Equal(1, community.Counters.Drops(DropReason.Blacklisted));
        Assert.Empty(quiet.WithId(2006));
    }

    [Fact]
    public async Task The_start_lines_name_only_the_bound_addresses_and_peers_print_their_mid_in_hex()
    {
        var logs = new CapturingLoggerFactory();
        var endpointLogs = new CapturingLoggerFactory();
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Logs = logs, Name = "alpha" });
        await using var endpoint = new UdpEndpoint(Loopback.Options(), endpointLogs.CreateLogger<UdpEndpoint>());
        endpoint.Open(new RecordingSink());

        var started = Assert.Single(logs.WithId(1001));
        Assert.Equal($"Node alpha started on {a.Address}; communities: 1", started.Message);
        var open = Assert.Single(endpointLogs.WithId(3001));
        Assert.Equal($"UDP endpoint open on {endpoint.Ipv4Address}; workers per socket: {endpoint.Workers}", open.Message);
        Assert.Equal("127.0.0.1:8090 and [::1]:8090", EndpointLog.Describe(UdpAddress.Parse("127.0.0.1:8090"), UdpAddress.Parse("[::1]:8090")));

        var peer = new Peer(a.PublicKey, a.Address);
        Assert.Equal($"Peer<{a.Address}, {Convert.ToHexStringLower(a.PublicKey.Mid)}>", peer.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task An_empty_or_blank_name_is_the_start_of_the_mid_so_no_log_line_has_a_double_space(string? name)
    {
        var logs = new CapturingLoggerFactory();
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Logs = logs, Name = name });

        Assert.Equal(Convert.ToHexStringLower(a.PublicKey.Mid[..4]), a.Node.Name);
        Assert.Equal($"Node {a.Node.Name} started on {a.Address}; communities: 1", Assert.Single(logs.WithId(1001)).Message);
    }

    [Fact]
    public async Task A_node_whose_port_is_taken_never_started_so_stopping_it_logs_no_stopped_line()
    {
        var logs = new CapturingLoggerFactory();
        using var taken = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var options = Loopback.Options();
        options.Port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        options.PortRetries = 0;
        using var key = LibNaClPrivateKey.Generate();
        var node = new Ipv8Node(key, new UdpEndpoint(options), new Ipv8NodeOptions { LoggerFactory = logs, WalkInterval = Timeout.InfiniteTimeSpan });

        Assert.Throws<System.Net.Sockets.SocketException>(node.Start);
        Assert.False(node.IsRunning);
        await node.DisposeAsync();

        Assert.Empty(logs.WithId(1001));
        Assert.Empty(logs.WithId(1002));
    }

    [Fact]
    public void No_engine_log_template_puts_a_count_before_a_plural_noun() => LogEventTable.AssertNoCountBeforeAPluralNoun(typeof(Ipv8Node).Assembly);

    [Fact]
    public async Task The_summary_line_gives_peers_drops_by_reason_and_that_the_bootstrap_server_has_not_answered()
    {
        var logs = new CapturingLoggerFactory();
        using var silent = new RawUdp();
        await using var a = TestNode<TestCommunity>.Start(
            s => new TestCommunity(s),
            new() { Logs = logs, Name = "alpha", SummaryInterval = TimeSpan.FromMilliseconds(200) },
            n => n.Community.AddBootstrapper(new AddressListBootstrapper([silent.Address])));
        using var raw = new RawUdp();
        for (var i = 0; i < 50; i++)
        {
            raw.Send(a.Address, [.. a.Community.GetPrefix(), 0xf7]);
        }

        raw.Send(a.Address, [.. TestIds.Other.ToPrefix(), 246, 1, 2, 3]);

        // The drops land in one period or straddle two; together the lines count every one.
        await Eventually.AssertAsync(
            () => Sum(logs.WithId(1004), DeprecatedDrops()) == 50 && Sum(logs.WithId(1004), UnknownPrefixDrops()) == 1,
            "the summary lines to count the 50 deprecated messages and the unknown prefix",
            s_deadline);
        var line = logs.WithId(1004)[^1];
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.StartsWith("Node alpha: peers: 0 (TestCommunity 0); last 0.2 s: ", line.Message, StringComparison.Ordinal);
        Assert.Contains("; bootstrap: 1 server, no answer yet; remote-event log lines suppressed: ", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_summary_line_says_when_the_tracker_last_answered_and_counts_no_drop_for_its_answers()
    {
        var logs = new CapturingLoggerFactory();
        await using var tracker = TestNode<TrackerCommunity>.Start(
            s => new TrackerCommunity(s),
            new() { Name = "tracker", Seed = 10 },
            t => t.Node.SetFallback(t.Community.AnyPrefix));
        await using var a = TestNode<TestCommunity>.Start(
            s => new TestCommunity(s),
            new() { Logs = logs, Name = "alpha", SummaryInterval = TimeSpan.FromMilliseconds(200) },
            n =>
            {
                n.Community.AddBootstrapper(new AddressListBootstrapper([tracker.Address]));
                n.Node.AddStrategy(n.Community, new RandomWalk(n.Community, randomSeed: 1));
            });

        await Eventually.AssertAsync(
            () => logs.WithId(1004).Any(l => l.Message.Contains("bootstrap: 1 server, last answer ", StringComparison.Ordinal)),
            "a summary line to say that the tracker answered",
            s_deadline);
        Assert.True(a.Community.Counters.Drops(DropReason.Blacklisted) >= 1, "the tracker's answers are refused as peers");
        Assert.DoesNotContain(logs.WithId(1004), l => l.Message.Contains("blacklisted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_summary_is_logged_when_its_interval_is_zero()
    {
        var logs = new CapturingLoggerFactory();
        var time = new FakeTimeProvider();
        using var key = LibNaClPrivateKey.Generate();
        var node = new Ipv8Node(key, new RecordingEndpoint(s_local), new Ipv8NodeOptions { LoggerFactory = logs, TimeProvider = time, SummaryInterval = TimeSpan.Zero });
        await using (node)
        {
            node.Start();
            time.Advance(TimeSpan.FromMinutes(5));
        }

        Assert.Empty(logs.WithId(1004));
        Assert.Single(logs.WithId(1002));
    }

    private static long Sum(IEnumerable<LogEntry> lines, Regex pattern) =>
        lines.Select(l => pattern.Match(l.Message)).Where(m => m.Success).Sum(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"deprecated (\d+)")]
    private static partial Regex DeprecatedDrops();

    [GeneratedRegex(@"unknown prefix (\d+)")]
    private static partial Regex UnknownPrefixDrops();

    private static Task<Scenario> OfflineAsync(ILoggerFactory logs, FakeTimeProvider time, Func<Community, byte[]> datagram)
    {
        var key = LibNaClPrivateKey.Generate();
        var settings = Offline.Settings(key, new RecordingEndpoint(s_local), time);
        settings.LoggerFactory = logs;
        var community = new FloodedCommunity(settings);
        var data = datagram(community);
        return Task.FromResult(new Scenario(() => community.OnPacket(s_stranger, data), community.RemoteLog, Limit.PerIntervalOnFakeClock, key, community));
    }

    private static Task<Scenario> PeerLimitAsync(ILoggerFactory logs, FakeTimeProvider time)
    {
        var key = LibNaClPrivateKey.Generate();
        var settings = Offline.Settings(key, new RecordingEndpoint(s_local), time);
        settings.LoggerFactory = logs;
        settings.MaxPeers = 0;
        var community = new FloodedCommunity(settings);
        using var known = LibNaClPrivateKey.Generate();
        var peer = community.Network.AddVerifiedPeer(new Peer(known.PublicKey, UdpAddress.Parse("127.0.0.1:30002")))!;
        community.Network.DiscoverServices(peer, community.CommunityId);
        var stranger = LibNaClPrivateKey.Generate();
        var request = PacketBuilder.IntroductionRequest(community.CommunityId, stranger, s_local, s_stranger, 1);
        return Task.FromResult(new Scenario(() => community.OnPacket(s_stranger, request), community.RemoteLog, Limit.PerIntervalOnFakeClock, key, community, stranger));
    }

    private static Task<Scenario> MissingFamilyAsync(ILoggerFactory logs, FakeTimeProvider time)
    {
        var endpoint = new UdpEndpoint(Loopback.Options(), logs.CreateLogger<UdpEndpoint>());
        endpoint.Open(new RecordingSink());
        var ipv6 = UdpAddress.Parse("[::1]:9");
        return Task.FromResult(new Scenario(() => endpoint.Send(ipv6, [1, 2, 3]), endpoint.RemoteLog, Limit.OncePerFamily, endpoint));
    }

    private static Task<Scenario> SinkErrorAsync(ILoggerFactory logs, FakeTimeProvider time)
    {
        var endpoint = new UdpEndpoint(Loopback.Options(), logs.CreateLogger<UdpEndpoint>());
        var sink = new ThrowingSink();
        endpoint.Open(sink);
        var raw = new RawUdp();
        var target = endpoint.Ipv4Address!.Value;
        return Task.FromResult(new Scenario(
            () => raw.Send(target, [1, 2, 3]),
            endpoint.RemoteLog,
            Limit.PerIntervalOnSystemClock,
            endpoint,
            raw)
        {
            // 150 datagrams of 3 bytes fit in any receive buffer. Counted by the sink: the dispatch thread got past each.
            Delivered = n => Eventually.AssertAsync(() => sink.Calls >= n, $"{n} datagrams to reach the sink", s_deadline),
        });
    }

    private static async Task<Scenario> BeaconAsync(ILoggerFactory logs, FakeTimeProvider time)
    {
        var key = LibNaClPrivateKey.Generate();
        var settings = Offline.Settings(key, new RecordingEndpoint(s_local), time);
        var community = new FloodedCommunity(settings);
        var beaconSink = new RawUdp();
        var bootstrapper = new UdpBroadcastBootstrapper(UdpAddress.Parse("127.0.0.1:0"), beaconSink.Address.Port, beaconSink.Address.Port, IPAddress.Loopback, timeProvider: time, logger: logs.CreateLogger<UdpBroadcastBootstrapper>());
        await bootstrapper.InitializeAsync(community, CancellationToken.None);
        byte[] beacon = [.. UdpBroadcastBootstrapper.BeaconHeader, .. community.GetPrefix()];
        return new Scenario(() => bootstrapper.Receive(s_stranger, beacon), bootstrapper.RemoteLog, Limit.PerIntervalOnFakeClock, key, community, beaconSink, new Unloading(bootstrapper));
    }

    private enum Limit
    {
        PerIntervalOnFakeClock,
        PerIntervalOnSystemClock,
        OncePerFamily,
    }

    /// <summary>One way to cause an event, the log it goes through, and what its lines are limited to.</summary>
    private sealed class Scenario(Action drive, RemoteLog log, Limit limit, params object[] owned) : IAsyncDisposable
    {
        public Action Drive => drive;

        public RemoteLog Log => log;

        public Limit Limit => limit;

        /// <summary>Waits until the first n causes reached the code that logs (at once for synchronous ones).</summary>
        public Func<int, Task> Delivered { get; init; } = _ => Task.CompletedTask;

        public Task DeliveredAsync(int count) => Delivered(count);

        public async ValueTask DisposeAsync()
        {
            foreach (var item in owned.Reverse())
            {
                switch (item)
                {
                    case IAsyncDisposable asyncDisposable:
                        await asyncDisposable.DisposeAsync();
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }
        }
    }

    private sealed class Unloading(IBootstrapper bootstrapper) : IDisposable
    {
        public void Dispose() => bootstrapper.Unload();
    }

    /// <summary>A community with a handler that throws on every message <see cref="ThrowingId"/>.</summary>
    private sealed class FloodedCommunity : TestCommunity
    {
        public FloodedCommunity(CommunitySettings settings)
            : base(settings) =>
            AddMessageHandler(ThrowingId, (source, datagram) => throw new InvalidOperationException($"message from {source} refused on purpose"));
    }

    private sealed class ThrowingSink : IPacketSink
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void OnPacket(UdpAddress source, ReadOnlySpan<byte> datagram)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("this sink always throws");
        }
    }
}

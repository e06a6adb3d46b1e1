using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Ipv8.Cli.Commands;
using Ipv8.Cli.Fuzzing;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Cli.Tests;

/// <summary>
/// <c>ipv8 fuzz</c> against in-process fake targets on 127.0.0.1: the liveness check catches a node that stops
/// answering, the reproducer it saves holds the last datagrams and replays, the inputs are seeded, every registry kind
/// is built, and nothing that could make a node send off the machine goes out.
/// </summary>
public sealed class FuzzCommandTests
{
    private static readonly CommunityId s_community = CommunityId.Parse("5ab4bb0b7c1b27c1ec3bfb1e2bb4fdc2edda5a3f");

    [Fact]
    public async Task The_liveness_check_stops_the_run_when_the_target_stops_answering_and_saves_a_reproducer()
    {
        var findings = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        try
        {
            // A node that answers three probes, then goes silent.
            await using var target = new FakeNode(answers: 3);
            var options = Options(target, findings.FullName) with { ProbeEvery = 100 };
            using var fuzzer = new NetworkFuzzer(options, TextWriter.Null);
            target.ProbeKey = fuzzer.ProbePublicKey.ToArray();

            var tally = await fuzzer.RunAsync(CancellationToken.None);

            Assert.Equal(1, tally.LivenessFailures);
            Assert.Equal(4, tally.LivenessChecks);
            Assert.Equal(400, tally.Sent);
            Assert.Equal(3, target.Answered);
            var finding = Assert.Single(tally.Findings);
            Assert.StartsWith("no answer to liveness probe 4", finding.Description, StringComparison.Ordinal);

            // The reproducer holds every datagram sent (fewer than KeepLast), in order, all received by the target.
            var reproducer = Reproducer.Load(finding.File);
            Assert.Equal(400, reproducer.Datagrams.Count);
            Assert.Equal(s_community.ToString(), reproducer.Community);
            Assert.Equal(options.Seed, reproducer.Seed);
            await WaitUntil(() => reproducer.Datagrams.All(d => target.Received.ContainsKey(Convert.ToHexString(d.Bytes))));
        }
        finally
        {
            findings.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_reproducer_replays_its_datagrams_in_order_and_reports_whether_the_target_is_still_live()
    {
        var findings = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        try
        {
            string file;
            await using (var dying = new FakeNode(answers: 1))
            {
                using var fuzzer = new NetworkFuzzer(Options(dying, findings.FullName) with { ProbeEvery = 50, KeepLast = 60 }, TextWriter.Null);
                dying.ProbeKey = fuzzer.ProbePublicKey.ToArray();
                var tally = await fuzzer.RunAsync(CancellationToken.None);
                file = Assert.Single(tally.Findings).File;
            }

            var reproducer = Reproducer.Load(file);
            Assert.Equal(60, reproducer.Datagrams.Count);

            // Against a live node: all 60 sent, in order, the probe answered, exit 0.
            await using var live = new FakeNode(answers: int.MaxValue);
            var (code, output, _) = CliHarness.Run("fuzz", "--replay", file, "--target", live.EndPoint.ToString(), "--liveness-timeout", "5");
            Assert.Equal(0, code);
            var report = CliHarness.ParseObject(output);
            Assert.Equal(60, (int)report["sent"]!);
            Assert.Equal(0, (int)report["liveness_failures"]!);
            Assert.Empty(report["findings"]!.AsArray());
            await WaitUntil(() => live.InOrder.Count(d => d.Length > 0 && !live.IsProbe(d)) >= 60);
            Assert.Equal(reproducer.Datagrams.Select(d => Convert.ToHexString(d.Bytes)), live.InOrder.Where(d => !live.IsProbe(d)).Take(60).Select(Convert.ToHexString));

            // Against a silent node: a finding, exit 1.
            await using var silent = new FakeNode(answers: 0);
            var (failed, failedOutput, _) = CliHarness.Run("fuzz", "--replay", file, "--target", silent.EndPoint.ToString(), "--liveness-timeout", "0.3");
            Assert.Equal(1, failed);
            Assert.Equal(1, (int)CliHarness.ParseObject(failedOutput)["liveness_failures"]!);
        }
        finally
        {
            findings.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_report_has_the_documented_fields_and_a_live_target_gives_no_findings()
    {
        await using var target = new FakeNode(answers: int.MaxValue);
        var (code, output, error) = CliHarness.Run(
            "fuzz", "--target", target.EndPoint.ToString(), "--community", s_community.ToString(), "--duration", "3", "--rate", "5000", "--probe-every", "100", "--seed", "5");

        Assert.True(code == 0, error);
        var report = CliHarness.ParseObject(output);
        foreach (var key in (string[])["sent", "liveness_checks", "liveness_failures", "findings"])
        {
            Assert.True(report.ContainsKey(key), key);
        }

        Assert.True((long)report["sent"]! >= 100, output);
        Assert.Equal((long)report["sent"]! / 100 + 1, (long)report["liveness_checks"]!);
        Assert.Equal(0, (int)report["liveness_failures"]!);
    }

    [Fact]
    public void The_same_seed_gives_the_same_datagrams_and_another_seed_other_ones()
    {
        static List<string> Inputs(int seed)
        {
            using var inputs = new FuzzInputs(seed, s_community);
            return [.. Enumerable.Range(0, 300).Select(_ => Convert.ToHexString(inputs.Next().Bytes))];
        }

        Assert.Equal(Inputs(7), Inputs(7));
        Assert.NotEqual(Inputs(7), Inputs(8));
    }

    [Fact]
    public void Every_kind_of_the_registry_is_built_valid_and_decodes_as_that_kind()
    {
        using var key = FuzzInputs.CreateKey(new Random(3));
        var factory = new MessageFactory(new Random(3), s_community);
        Assert.Equal(DiscoveryCommunityKinds.Registry.Kinds.Count, MessageFactory.Kinds.Count);
        foreach (var kind in MessageFactory.Kinds)
        {
            for (var i = 0; i < 50; i++)
            {
                var datagram = factory.Build(kind, key);
                var decoded = Differential.Ours(datagram);
                Assert.True((bool)decoded["ok"]!, $"{kind}: {decoded}");

                // DiscoveryCommunity's 246 falls back to the plain 246 when its introduce_to does not fit; it always fits here.
                Assert.Equal(kind.Name, (string?)decoded["name"]);
                Assert.True(LocalOnly.MaySend(datagram), $"{kind}: {decoded}");
            }
        }
    }

    [Fact]
    public void A_datagram_that_would_make_a_node_send_off_the_machine_is_never_sent()
    {
        using var key = FuzzInputs.CreateKey(new Random(4));
        var prefix = s_community.ToPrefix();
        var buffer = new byte[512];
        int Puncture(uint host) => Packet.Write(buffer, prefix, null, new GlobalTime(1), new PunctureRequestPayload
        {
            LanWalkerAddress = UdpAddress.FromIPv4(host, 8090), WanWalkerAddress = UdpAddress.FromIPv4(0x7F000001, 8090), Identifier = 1,
        });

        Assert.True(LocalOnly.MaySend(buffer.AsSpan(0, Puncture(0x7F000001))));
        Assert.False(LocalOnly.MaySend(buffer.AsSpan(0, Puncture(0x08080808))));

        // A puncture request our decoder refuses (cut short) is not sent either: another decoder might read it.
        Assert.False(LocalOnly.MaySend(buffer.AsSpan(0, Puncture(0x7F000001) - 1)));

        // An introduction response naming a public address, signed: not sent; with a broken signature: sent (nobody accepts it).
        var length = Packet.Write(buffer, prefix, key, new GlobalTime(1), new IntroductionResponsePayload
        {
            DestinationAddress = UdpAddress.FromIPv4(0x7F000001, 1), SourceLanAddress = UdpAddress.FromIPv4(0x7F000001, 1), SourceWanAddress = UdpAddress.FromIPv4(0x7F000001, 1),
            LanIntroductionAddress = UdpAddress.FromIPv4(0x01020304, 1), WanIntroductionAddress = UdpAddress.FromIPv4(0x7F000001, 1), Identifier = 1,
        });
        Assert.False(LocalOnly.MaySend(buffer.AsSpan(0, length)));
        buffer[length - 1] ^= 1;
        Assert.True(LocalOnly.MaySend(buffer.AsSpan(0, length)));
    }

    [Theory]
    [InlineData("192.0.2.1:8090", "is not a loopback address")]
    [InlineData("127.0.0.1", "--target must be IP:PORT")]
    [InlineData("127.0.0.1:0", "--target must be IP:PORT")]
    public void A_target_that_is_not_loopback_or_not_an_address_is_refused(string target, string message)
    {
        var (code, output, error) = CliHarness.Run("fuzz", "--target", target, "--community", s_community.ToString(), "--duration", "1");

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(message, Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);
    }

    [Fact]
    public void Allow_remote_accepts_a_remote_target_and_the_differential_mode_needs_py_ipv8()
    {
        Assert.Empty(CliApp.CreateRoot().Parse(["fuzz", "--target", "192.0.2.1:8090", "--community", s_community.ToString(), "--allow-remote"]).Errors);

        var (code, _, error) = CliHarness.Run("fuzz", "--differential", "--py-ipv8", "/nonexistent", "--target", "127.0.0.1:1");
        Assert.Equal(2, code);
        Assert.Contains("leave out --target", error, StringComparison.Ordinal);
    }

    private static NetworkFuzzOptions Options(FakeNode target, string findings) => new()
    {
        Target = target.EndPoint,
        Community = s_community,
        Duration = TimeSpan.FromSeconds(60),
        Seed = 11,
        Rate = 20_000,
        LivenessTimeout = TimeSpan.FromSeconds(2),
        FindingsDirectory = findings,
    };

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// A fake node on 127.0.0.1: records every datagram and answers introduction requests with an introduction response of
    /// the same identifier, <c>answers</c> times at most (only those of <see cref="ProbeKey"/> when set).
    /// </summary>
    private sealed class FakeNode : IAsyncDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly LibNaClPrivateKey _key = FuzzInputs.CreateKey(new Random(99));
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _answersLeft;
        private int _answered;

        public FakeNode(int answers)
        {
            _answersLeft = answers;
            _socket.ReceiveBufferSize = 4 << 20;
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _loop = Task.Run(LoopAsync);
        }

        public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

        public byte[]? ProbeKey { get; set; }

        public int Answered => Volatile.Read(ref _answered);

        public ConcurrentDictionary<string, bool> Received { get; } = new();

        public ConcurrentQueue<byte[]> InOrder { get; } = new();

        private readonly ConcurrentDictionary<string, bool> _probes = new();

        public bool IsProbe(byte[] datagram) => _probes.ContainsKey(Convert.ToHexString(datagram));

        private async Task LoopAsync()
        {
            var buffer = new byte[65536];
            var reply = new byte[1024];
            while (!_stop.IsCancellationRequested)
            {
                SocketReceiveFromResult received;
                try
                {
                    received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (SocketException)
                {
                    continue;
                }

                var datagram = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
                Received[Convert.ToHexString(datagram)] = true;
                if (!DiscoveryKinds.IntroductionRequest.TryDecode(datagram, verify: true, out var packet, out _, out var request, out _)
                    || (ProbeKey is { } probe && !packet.PublicKeyBin.SequenceEqual(probe)))
                {
                    InOrder.Enqueue(datagram);
                    continue;
                }

                if (ProbeKey is not null || request.SourceLanAddress.Port == ((IPEndPoint)received.RemoteEndPoint).Port)
                {
                    _probes[Convert.ToHexString(datagram)] = true;
                }

                InOrder.Enqueue(datagram);
                if (Interlocked.Decrement(ref _answersLeft) < 0)
                {
                    continue;
                }

                Interlocked.Increment(ref _answered);
                var length = Packet.Write(reply, s_community.ToPrefix(), _key, new GlobalTime(1), new IntroductionResponsePayload
                {
                    DestinationAddress = request.SourceLanAddress,
                    SourceLanAddress = UdpAddress.FromIPEndPoint(EndPoint),
                    SourceWanAddress = UdpAddress.FromIPEndPoint(EndPoint),
                    Identifier = request.Identifier,
                });
                await _socket.SendToAsync(reply.AsMemory(0, length), SocketFlags.None, received.RemoteEndPoint);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _socket.Dispose();
            _key.Dispose();
            _stop.Dispose();
        }
    }
}

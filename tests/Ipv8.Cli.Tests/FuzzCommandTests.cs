using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Ipv8.Cli.Commands;
using Ipv8.Cli.Fuzzing;
using Ipv8.Tests.Shared;
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
            // A node that answers the probe before fuzzing and three more, then goes silent.
            await using var target = new FakeNode(answers: 4);
            var options = Options(target, findings.FullName) with { ProbeEvery = 100 };
            using var fuzzer = new NetworkFuzzer(options, TextWriter.Null);
            target.ProbeKey = fuzzer.ProbePublicKey.ToArray();

            var tally = await fuzzer.RunAsync(CancellationToken.None);

            Assert.Equal(1, tally.LivenessFailures);
            Assert.Equal(4, tally.LivenessChecks);
            Assert.Equal(400, tally.Sent);
            Assert.Equal(4, target.Answered);
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
            await using (var dying = new FakeNode(answers: 2))
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

    [Fact]
    public void IPv4MappedLoopbackTargetIsTheIPv4LoopbackAddress()
    {
        var root = CliApp.CreateRoot();
        var parsed = root.Parse(["fuzz", "--target", "[::ffff:127.0.0.1]:48299", "--community", s_community.ToString()]);
        Assert.Empty(parsed.Errors);
        var option = parsed.CommandResult.Command.Options.Single(o => o.Name == "--target");
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 48299), parsed.GetValue((System.CommandLine.Option<IPEndPoint?>)option));

        // A mapped address that is not loopback is still refused, named as the IPv4 address it is.
        var (code, _, error) = CliHarness.Run("fuzz", "--target", "[::ffff:10.0.0.1]:8090", "--community", s_community.ToString());
        Assert.Equal(2, code);
        Assert.Contains("--target 10.0.0.1:8090 is not a loopback address", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ReplayHintIsPasteableInAShellWithAnIPv6TargetAndAFindingsPathWithSpacesAndQuotes()
    {
        Skip.If(OperatingSystem.IsWindows(), "a POSIX shell");
        var parent = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        var findings = Path.Combine(parent.FullName, "find ings 'x' [1]");
        try
        {
            // Answers the probe before fuzzing and the first one after 50 datagrams, then goes silent.
            await using var target = new FakeNode(answers: 2, IPAddress.IPv6Loopback);
            var (code, output, error) = CliHarness.Run(
                "fuzz", "--target", target.EndPoint.ToString(), "--community", s_community.ToString(), "--probe-every", "50", "--rate", "20000",
                "--liveness-timeout", "1", "--findings", findings, "--duration", "60");

            Assert.True(code == 1, error);
            var expected = $"[::1]:{target.EndPoint.Port}";
            Assert.Equal(expected, (string)CliHarness.ParseObject(output)["target"]!);
            var hint = Assert.Single(CliHarness.Lines(error), l => l.StartsWith("fuzz: replay them with: ipv8 ", StringComparison.Ordinal));
            Assert.Contains($"--target '{expected}'", hint, StringComparison.Ordinal);

            // The words a shell makes of the hint (sh, with a file that the unquoted [::1]:PORT pattern would match).
            File.WriteAllText(Path.Combine(parent.FullName, $"1:{target.EndPoint.Port}"), string.Empty);
            var shell = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = parent.FullName };
            shell.ArgumentList.Add("-c");
            shell.ArgumentList.Add("printf '%s\\n' " + hint["fuzz: replay them with: ipv8 ".Length..]);
            using var sh = System.Diagnostics.Process.Start(shell)!;
            var words = (await sh.StandardOutput.ReadToEndAsync()).TrimEnd('\n').Split('\n');
            await sh.WaitForExitAsync();
            Assert.Equal(0, sh.ExitCode);
            Assert.Equal(expected, words[Array.IndexOf(words, "--target") + 1]);
            var replay = words[Array.IndexOf(words, "--replay") + 1];
            Assert.Equal(findings, Path.GetDirectoryName(replay));
            Assert.Empty(CliApp.CreateRoot().Parse(words).Errors);
            Assert.Equal(expected, Reproducer.Load(replay).Target);
        }
        finally
        {
            parent.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:8090", "127.0.0.1:8090")]
    [InlineData("[::1]:8090", "'[::1]:8090'")]
    [InlineData("/tmp/a b/c.json", "'/tmp/a b/c.json'")]
    [InlineData("/tmp/it's.json", "'/tmp/it'\\''s.json'")]
    [InlineData("/tmp/$HOME*", "'/tmp/$HOME*'")]
    [InlineData("", "''")]
    public void ShellQuoteLeavesPlainWordsAndSingleQuotesTheRest(string text, string expected) =>
        Assert.Equal(expected, NetworkFuzzer.ShellQuote(text));

    [Fact]
    public async Task TargetThatNeverAnswersIsReportedAsAbsentNotAsAFinding()
    {
        var findings = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        try
        {
            await using var silent = new FakeNode(answers: 0);
            var (code, output, error) = CliHarness.Run(
                "fuzz", "--target", silent.EndPoint.ToString(), "--community", s_community.ToString(), "--liveness-timeout", "0.2", "--findings", findings.FullName);

            Assert.Equal(1, code);
            var report = CliHarness.ParseObject(output);
            Assert.Equal(0, (int)report["sent"]!);
            Assert.True((bool)report["target_never_answered"]!);
            Assert.Empty(report["findings"]!.AsArray());
            Assert.Empty(findings.EnumerateFileSystemInfos());
            Assert.Contains($"error: the target {silent.EndPoint} does not answer", error, StringComparison.Ordinal);
        }
        finally
        {
            findings.Delete(recursive: true);
        }
    }

    [SkippableFact]
    public async Task Fuzz_report_that_cannot_be_written_exits_1_with_one_clean_error_line_after_the_summary()
    {
        Skip.IfNot(File.Exists("/dev/full"), "needs /dev/full");
        var findings = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        try
        {
            await using var silent = new FakeNode(answers: 0);
            var (code, output, error) = CliHarness.Run(
                "fuzz", "--target", silent.EndPoint.ToString(), "--community", s_community.ToString(), "--liveness-timeout", "0.2", "--findings", findings.FullName, "--report", "/dev/full");

            Assert.Equal(1, code);
            Assert.Equal(string.Empty, output);
            var lines = CliHarness.Lines(error);
            Assert.Equal("error: cannot write --report '/dev/full': No space left on device.", lines[^1]); // last, as every command prints it
            var summary = Array.FindIndex(lines, l => l.StartsWith("fuzz: sent 0 datagrams", StringComparison.Ordinal));
            Assert.InRange(summary, 0, lines.Length - 2);
            Assert.Contains(lines, l => l.StartsWith($"error: the target {silent.EndPoint} does not answer", StringComparison.Ordinal));
        }
        finally
        {
            findings.Delete(recursive: true);
        }
    }

    [SkippableFact]
    public async Task Fuzz_of_a_live_target_whose_report_cannot_be_written_prints_the_summary_then_the_one_error_line()
    {
        Skip.IfNot(File.Exists("/dev/full"), "needs /dev/full");
        await using var target = new FakeNode(answers: int.MaxValue);

        var (code, output, error) = CliHarness.Run(
            "fuzz", "--target", target.EndPoint.ToString(), "--community", s_community.ToString(), "--duration", "1", "--rate", "1000", "--probe-every", "100", "--seed", "5", "--report", "/dev/full");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        var lines = CliHarness.Lines(error);
        Assert.StartsWith("fuzz: sent ", lines[^2], StringComparison.Ordinal);
        Assert.Equal("error: cannot write --report '/dev/full': No space left on device.", lines[^1]);
        Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
    }

    [Fact]
    public void FindingsThatIsAFileIsRefusedAtStart()
    {
        var file = Path.GetTempFileName();
        try
        {
            foreach (var (findings, message) in new[] { (file, "is a file, not a folder"), (Path.Combine(file, "sub", "dir"), $"'{file}' is a file") })
            {
                var (code, output, error) = CliHarness.Run("fuzz", "--target", "127.0.0.1:9", "--community", s_community.ToString(), "--findings", findings);
                Assert.Equal(2, code);
                Assert.Empty(output);
                Assert.Contains(message, Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void DifferentialCorpusMissingIsOneErrorLineAndAFileIsOneInput()
    {
        var pyIpv8 = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        pyIpv8.CreateSubdirectory("ipv8");
        var input = Path.Combine(pyIpv8.FullName, "input.bin");
        File.WriteAllBytes(input, [0, 2, 1]);
        try
        {
            var missing = Path.Combine(input, "not-there");
            var (code, output, error) = CliHarness.Run("fuzz", "--differential", "--py-ipv8", pyIpv8.FullName, "--corpus", missing);
            Assert.Equal(2, code);
            Assert.Empty(output);
            Assert.Contains("no such folder or file", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);

            Assert.Empty(CliApp.CreateRoot().Parse(["fuzz", "--differential", "--py-ipv8", pyIpv8.FullName, "--corpus", input]).Errors);
        }
        finally
        {
            pyIpv8.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--replay")]
    [InlineData("--seed")]
    [InlineData("--findings")]
    public void FuzzOptionWithoutValueSaysItNeedsOne(string option)
    {
        var (code, _, error) = CliHarness.Run("fuzz", option);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: {option} needs a value", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);
    }

    [Fact]
    public void NetworkOnlyOptionsAndRateZeroAreRefusedWhereTheyDoNothing()
    {
        var pyIpv8 = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        pyIpv8.CreateSubdirectory("ipv8");
        try
        {
            var (code, _, error) = CliHarness.Run("fuzz", "--differential", "--py-ipv8", pyIpv8.FullName, "--probe-every", "3", "--liveness-timeout", "1");
            Assert.Equal(2, code);
            Assert.Contains("--probe-every, --liveness-timeout apply to a network target", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);

            (code, _, error) = CliHarness.Run("fuzz", "--target", "127.0.0.1:9", "--community", s_community.ToString(), "--rate", "0");
            Assert.Equal(2, code);
            Assert.Contains("--rate 0 (as fast as possible) is for --differential only", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);

            (code, _, error) = CliHarness.Run("fuzz", "--differential", "--py-ipv8", Path.GetTempPath());
            Assert.Equal(2, code);
            Assert.Contains("has no ipv8/ folder", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);
        }
        finally
        {
            pyIpv8.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ReplayReportHasTheReproducersSeedAndMutationsAndNamesItsFile()
    {
        var findings = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        try
        {
            var file = Path.Combine(findings.FullName, "r.json");
            using (var inputs = new FuzzInputs(11, s_community))
            {
                new Reproducer("test", 11, s_community.ToString(), "127.0.0.1:9", [.. Enumerable.Range(0, 20).Select(_ => inputs.Next())]).Save(file);
            }

            await using var silent = new FakeNode(answers: 0);
            var (code, output, error) = CliHarness.Run("fuzz", "--replay", file, "--target", silent.EndPoint.ToString(), "--liveness-timeout", "0.2");

            Assert.Equal(1, code);
            var report = CliHarness.ParseObject(output);
            Assert.Equal(11, (int)report["seed"]!);
            Assert.Equal((long)report["sent"]!, report["mutations"]!.AsObject().Sum(m => (long)m.Value!));
            Assert.Equal(file, (string)report["findings"]![0]!["file"]!);
            Assert.Contains("fuzz: no answer to liveness probe", error, StringComparison.Ordinal);
        }
        finally
        {
            findings.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task CancellingTheRunStillWritesTheReportAndTheSummary()
    {
        await using var target = new FakeNode(answers: int.MaxValue);
        var report = new FileInfo(CliHarness.TempPath("report.json"));
        try
        {
            using var cancel = new CancellationTokenSource();
            using var error = new StringWriter();
            var options = Options(target, Path.GetTempPath()) with { Rate = 1000 };
            var run = FuzzCommand.RunNetworkAsync(options, null, report, TextWriter.Null, error, cancel.Token);
            await WaitUntil(() => target.Received.Count >= 50);
            await cancel.CancelAsync();
            Assert.Equal(0, await run);
            Assert.True((long)CliHarness.ParseObject(File.ReadAllText(report.FullName))["sent"]! >= 50);
            Assert.Contains("findings (interrupted)", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            report.Delete();
        }
    }

    [SkippableFact]
    public async Task FuzzSigintTwiceAtOnceStopsCleanlyWithSummaryAndReport()
    {
        Skip.If(OperatingSystem.IsWindows(), "POSIX signals");
        Skip.If(SigintIgnoredHere(), "SIGINT is ignored in this test process (it was started in the background by a shell without job control, e.g. `(cmd &)`), so the fuzz process it starts inherits that and, as POSIX asks of a background job, a Ctrl+C cannot reach it");
        await using var target = new FakeNode(answers: int.MaxValue);
        var report = CliHarness.TempPath("report.json");
        var (process, errors) = StartReadingErrors("dotnet", typeof(CliApp).Assembly.Location, "fuzz", "--target", target.EndPoint.ToString(), "--community", s_community.ToString(), "--duration", "120", "--report", report);
        using var owned = process;
        try
        {
            await WaitUntil(() => target.Received.Count >= 20, TimeSpan.FromSeconds(60));

            // One Ctrl+C delivered twice at once, as `timeout -s INT` (the process, then its group) and a terminal do.
            Signal(process.Id, "INT");
            Signal(process.Id, "INT");
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(deadline.Token);

            Assert.True(process.ExitCode == 0, string.Join('\n', errors));
            Assert.True((long)CliHarness.ParseObject(File.ReadAllText(report))["sent"]! >= 20);
            Assert.Contains(errors, l => l.StartsWith("fuzz: sent ", StringComparison.Ordinal) && l.EndsWith("(interrupted)", StringComparison.Ordinal));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            File.Delete(report);
        }
    }

    [SkippableFact]
    public void DifferentialDecoderIgnoresSigintAndSigterm()
    {
        Skip.If(OperatingSystem.IsWindows(), "POSIX signals");
        PyIpv8.RequireDecoder(); // py-ipv8 and its modules: skipped with the reason where they are missing, a failure under .ci/run
        var pyIpv8 = PyIpv8.Directory;
        using var inputs = new FuzzInputs(3, s_community);
        using var decoder = new PyDecoder("/usr/bin/python3", pyIpv8);
        Assert.Equal(4, decoder.Decode([.. Enumerable.Range(0, 4).Select(_ => inputs.Next().Bytes)]).Count);

        // The Ctrl+C of a terminal reaches the whole process group: the decoder must carry on.
        Signal(decoder.ProcessId, "INT");
        Assert.Equal(4, decoder.Decode([.. Enumerable.Range(0, 4).Select(_ => inputs.Next().Bytes)]).Count);

        // So does `timeout`'s SIGTERM (and a service manager's): the process ends the decoder itself, on shutdown.
        Signal(decoder.ProcessId, "TERM");
        Assert.Equal(4, decoder.Decode([.. Enumerable.Range(0, 4).Select(_ => inputs.Next().Bytes)]).Count);
    }

    [Theory]
    [InlineData("{\"hex\":\"%HEX%\"}")]
    [InlineData("{\"hex\":\"%HEX%\",\"mutation\":\"\"}")]
    [InlineData("{\"hex\":\"%HEX%\",\"mutation\":\"made by hand\"}")]
    public async Task ReplayOfADatagramWithoutAMutationNameReplaysItAsUnnamed(string datagram)
    {
        var folder = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        try
        {
            await using var target = new FakeNode(answers: int.MaxValue);
            var hex = Convert.ToHexStringLower([0, 2, .. s_community.ToPrefix()[2..], 3, 0, 1]);
            var file = Path.Combine(folder.FullName, "r.json");
            File.WriteAllText(file, "{\"format\":\"ipv8-fuzz-reproducer/1\",\"datagrams\":[" + datagram.Replace("%HEX%", hex, StringComparison.Ordinal) + "]}");
            var (code, output, error) = CliHarness.Run("fuzz", "--replay", file, "--target", target.EndPoint.ToString(), "--community", s_community.ToString(), "--liveness-timeout", "5");

            Assert.True(code == 0, error);
            Assert.DoesNotContain("Unhandled exception", error, StringComparison.Ordinal);
            var report = CliHarness.ParseObject(output);
            Assert.Equal(1, (long)report["sent"]!);
            var mutation = Assert.Single(report["mutations"]!.AsObject());
            Assert.Equal(datagram.Contains("made by hand", StringComparison.Ordinal) ? "made" : NetworkFuzzer.UnnamedMutation, mutation.Key);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--duration", "5")]
    [InlineData("--seed", "3")]
    [InlineData("--probe-every", "10")]
    [InlineData("--findings", "x")]
    public void ReplayRefusesOptionsItWouldIgnore(string option, string value)
    {
        var file = CliHarness.TempPath("r.json");
        try
        {
            new Reproducer("test", 1, s_community.ToString(), "127.0.0.1:9", [new([0, 2], "ping: a")]).Save(file);
            var (code, output, error) = CliHarness.Run("fuzz", "--replay", file, "--target", "127.0.0.1:9", option, value);
            Assert.Equal(2, code);
            Assert.Empty(output);
            Assert.StartsWith($"error: {option} does nothing with --replay (it sends the reproducer's datagrams with its seed, then probes once): leave it out.", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);
            Assert.False(Directory.Exists("x"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void RateOutOfRangeNamesTheRangeOfItsMode()
    {
        var (code, _, error) = CliHarness.Run("fuzz", "--target", "127.0.0.1:9", "--community", s_community.ToString(), "--rate", "100001");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --rate must be from 1 to 100000, got '100001'.", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);

        var pyIpv8 = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        pyIpv8.CreateSubdirectory("ipv8");
        try
        {
            (code, _, error) = CliHarness.Run("fuzz", "--differential", "--py-ipv8", pyIpv8.FullName, "--rate", "-1");
            Assert.Equal(2, code);
            Assert.StartsWith("error: --rate must be from 0 to 100000 with --differential, got '-1'.", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);
        }
        finally
        {
            pyIpv8.Delete(recursive: true);
        }
    }

    [Fact]
    public void FuzzHelpShowsThePythonDefaultOnce()
    {
        var (code, output, _) = CliHarness.Run("fuzz", "--help");
        Assert.Equal(0, code);
        var line = Assert.Single(CliHarness.Lines(output), l => l.StartsWith("--python", StringComparison.Ordinal));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(line, "/usr/bin/python3"));
    }

    [Fact]
    public async Task ReplayOfADatagramOverTheUdpMaximumCountsItAsSendFailedNotSent()
    {
        var folder = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        try
        {
            await using var target = new FakeNode(answers: int.MaxValue);
            var file = Path.Combine(folder.FullName, "r.json");
            byte[] small = [0, 2, .. s_community.ToPrefix()[2..], 3, 0, 1];
            byte[] huge = [.. small, .. new byte[70_000]];
            new Reproducer("test", 1, s_community.ToString(), target.EndPoint.ToString(), [new(small, "ping: a"), new(huge, "ping: b"), new(small, "ping: a")]).Save(file);
            var (code, output, error) = CliHarness.Run("fuzz", "--replay", file, "--target", target.EndPoint.ToString(), "--liveness-timeout", "5");

            Assert.True(code == 0, error);
            var report = CliHarness.ParseObject(output);
            Assert.Equal(2, (long)report["sent"]!);
            Assert.Equal(1, (long)report["send_failed"]!);
            Assert.Equal(2, (long)report["mutations"]!["a"]!);
            Assert.Single(CliHarness.Lines(error), l => l.Contains("could not be sent", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [SkippableFact]
    public async Task DifferentialSigtermToTheWholeProcessGroupStopsCleanlyWithSummaryAndReport()
    {
        // `timeout N ipv8 fuzz --differential`, a service manager: SIGTERM to the process and the py-ipv8 decoder at once.
        Skip.If(OperatingSystem.IsWindows(), "POSIX signals");
        Skip.IfNot(File.Exists("/usr/bin/setsid"), "needs /usr/bin/setsid");
        PyIpv8.RequireDecoder();
        var pyIpv8 = PyIpv8.Directory;
        var folder = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        var report = Path.Combine(folder.FullName, "report.json");
        // setsid, not a process-group leader here, makes a new group and runs dotnet in it under its own pid.
        var (process, errors) = StartReadingErrors("/usr/bin/setsid", "dotnet", typeof(CliApp).Assembly.Location, "fuzz", "--differential", "--py-ipv8", pyIpv8, "--duration", "120", "--findings", folder.FullName, "--report", report);
        using var owned = process;
        try
        {
            // The decoder runs (a python3 child of the process) and has decoded a batch (a progress line counts it).
            await WaitUntil(() => Children(process.Id).Any(c => c.Contains("python", StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
            await WaitUntil(() => errors.Any(l => Regex.IsMatch(l, @"^differential: \d+s compared [1-9]")), TimeSpan.FromSeconds(60));
            Signal(-process.Id, "TERM");
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(deadline.Token);

            Assert.True(process.ExitCode == 0, string.Join('\n', errors));
            Assert.DoesNotContain(errors, l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.Contains(errors, l => l.StartsWith("differential: compared ", StringComparison.Ordinal) && l.EndsWith("(interrupted)", StringComparison.Ordinal));
            Assert.True(File.Exists(report), string.Join('\n', errors));
            Assert.Empty(CliHarness.ParseObject(File.ReadAllText(report))["findings"]!.AsArray());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            folder.Delete(recursive: true);
        }
    }

    [SkippableFact]
    public void DifferentialDecoderThatDiesDuringShutdownEndsTheRunAsInterruptedNotAsAnError()
    {
        Skip.If(OperatingSystem.IsWindows(), "POSIX shell");
        var folder = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        folder.CreateSubdirectory("ipv8");
        try
        {
            // A stand-in "python" that answers the first batch as py-ipv8 would (all rejected), takes the second one
            // (the run now waits for its answers: the marker file), and, once the run is stopping (the go file), dies
            // of a signal as a decoder that the group's SIGTERM reached.
            var marker = Path.Combine(folder.FullName, "second-batch-sent");
            var go = Path.Combine(folder.FullName, "go");
            var fake = Path.Combine(folder.FullName, "python");
            File.WriteAllText(fake, $$"""
                #!/bin/sh
                read n
                i=0
                while [ $i -lt $n ]; do read line; echo '{"ok":false,"error":"x"}'; i=$((i+1)); done
                read n
                : > '{{marker}}'
                i=0
                while [ ! -e '{{go}}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
                kill -KILL $$
                """);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            using var cancel = new CancellationTokenSource();
            using var error = new StringWriter();
            var options = new DifferentialOptions { Python = fake, PyIpv8Directory = folder.FullName, Community = s_community, Duration = TimeSpan.FromSeconds(120), FindingsDirectory = folder.FullName, BatchSize = 4 };
            var report = new FileInfo(Path.Combine(folder.FullName, "report.json"));
            var run = Task.Run(() => FuzzCommand.RunDifferential(options, report, TextWriter.Null, error, cancel.Token));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!File.Exists(marker))
            {
                Assert.True(DateTime.UtcNow < deadline, "the stand-in decoder never answered");
                Thread.Sleep(20);
            }

            cancel.Cancel();
            File.WriteAllText(go, string.Empty);
            Assert.True(run.Wait(TimeSpan.FromSeconds(60)), "the run did not end");
            // (The stand-in's answers differ from ours: findings, exit 1; what matters is that the run reports them.)
            Assert.DoesNotContain("error:", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("(interrupted)", error.ToString(), StringComparison.Ordinal);
            Assert.True((long)CliHarness.ParseObject(File.ReadAllText(report.FullName))["sent"]! >= 4);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The command lines of <paramref name="pid"/>'s child processes (Linux /proc).</summary>
    private static List<string> Children(int pid)
    {
        var children = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[1] == pid.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    children.Add(File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' '));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not a process, or it ended.
            }
        }

        return children;
    }

    [SkippableFact]
    public void WrongPyIpv8GivesPythonsOwnError()
    {
        Skip.IfNot(File.Exists("/usr/bin/python3"), "needs /usr/bin/python3");
        var fake = Directory.CreateTempSubdirectory("ipv8-fuzz-tests-");
        fake.CreateSubdirectory("ipv8");
        try
        {
            var (code, _, error) = CliHarness.Run("fuzz", "--differential", "--py-ipv8", fake.FullName, "--duration", "5");
            Assert.Equal(1, code);
            var line = Assert.Single(CliHarness.Lines(error), l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.Contains("ModuleNotFoundError: No module named 'ipv8.", line, StringComparison.Ordinal);
        }
        finally
        {
            fake.Delete(recursive: true);
        }
    }

    // Bit 2 (SIGINT) of SigIgn in /proc/self/status: the signal was ignored when this process started, and the .NET
    // runtime leaves an inherited SIGINT ignored (a background job's), in this process and in the ones it starts.
    private static bool SigintIgnoredHere()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 0x2) != 0;
    }

    private static void Signal(int pid, string signal)
    {
        // A negative pid is the process group (kill -TERM -- -PGID).
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, "--", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
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

    private static async Task WaitUntil(Func<bool> condition, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(10);
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met within {limit.TotalSeconds} s");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// A fake node on 127.0.0.1: records every datagram and answers introduction requests with an introduction response of
    /// the same identifier, <c>answers</c> times at most (only those of <see cref="ProbeKey"/> when set).
    /// </summary>
    private sealed class FakeNode : IAsyncDisposable
    {
        private readonly Socket _socket;
        private readonly LibNaClPrivateKey _key = FuzzInputs.CreateKey(new Random(99));
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _answersLeft;
        private int _answered;

        public FakeNode(int answers, IPAddress? address = null)
        {
            address ??= IPAddress.Loopback;
            _answersLeft = answers;
            _socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            _socket.ReceiveBufferSize = 4 << 20;
            _socket.Bind(new IPEndPoint(address, 0));
            _loop = Task.Run(LoopAsync);
        }

        public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

        /// <summary>Its address as a 4SH field holds it: an IPv6 node says 0.0.0.0:0.</summary>
        private UdpAddress Own => EndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? default : UdpAddress.FromIPEndPoint(EndPoint);

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
                    received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), _stop.Token);
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
                    SourceLanAddress = Own,
                    SourceWanAddress = Own,
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

    /// <summary>Starts a process whose standard error lines are collected as they come.</summary>
    private static (System.Diagnostics.Process Process, ConcurrentQueue<string> Errors) StartReadingErrors(string file, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = System.Diagnostics.Process.Start(info)!;
        var errors = new ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                errors.Enqueue(e.Data);
            }
        };
        process.BeginErrorReadLine();
        return (process, errors);
    }
}


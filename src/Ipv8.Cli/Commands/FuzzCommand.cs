using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Ipv8.Cli.Fuzzing;
using Ipv8.Cli.Hosting;
using Ipv8.Shared;

namespace Ipv8.Cli.Commands;

/// <summary>
/// <c>ipv8 fuzz --target HOST:PORT --community HEX [--duration S] [--seed X] [--rate R] [--report FILE]</c>: the
/// black-box network fuzzer (<see cref="NetworkFuzzer"/>); <c>--replay FILE</c> sends a reproducer again;
/// <c>--differential</c> runs the differential target (<see cref="DifferentialFuzzer"/>) instead of a network target.
/// </summary>
internal static class FuzzCommand
{
    /// <summary>The community the differential target's inputs use when <c>--community</c> is not given (SHA-1 of <c>ipv8-dotnet fuzz</c>).</summary>
    public static readonly Wire.CommunityId DifferentialCommunity = Wire.CommunityId.Parse("3ab4bb0b7c1b27c1ec3bfb1e2bb4fdc2edda5a3f");

    public static Command Create()
    {
        var target = new Option<IPEndPoint?>("--target")
        {
            Description = "The node to fuzz: IP:PORT ([IPv6]:PORT). Loopback only, unless --allow-remote.",
            HelpName = "host:port",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port > 0 && (text.Contains("]:", StringComparison.Ordinal) || !text.Contains("::", StringComparison.Ordinal)))
                {
                    // An IPv4-mapped address ([::ffff:127.0.0.1]:P) is the IPv4 address: sent to over IPv4, and checked
                    // as one by the loopback rule.
                    return endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
                }

                result.AddError($"--target must be IP:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:8090 or [::1]:8090), got '{text}'.");
                return null;
            },
        };
        var community = new Option<Wire.CommunityId?>("--community")
        {
            Description = "The target community's id: 40 hex digits. The discovery messages go under its prefix, DiscoveryCommunity's under its own.",
            HelpName = "hex",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (Wire.CommunityId.TryParse(text, out var id) && id != default)
                {
                    return id;
                }

                result.AddError($"--community must be 40 hex digits (20 bytes, not all zero), got '{text}'.");
                return null;
            },
        };
        var duration = CliArguments.Duration("Fuzz this many seconds (a finding stops earlier). Default 60.");
        var seed = new Option<int>("--seed") { Description = "The seed of every random choice: the same seed sends the same datagrams.", DefaultValueFactory = _ => 1 };
        // Its range depends on the mode (0 only with --differential): checked by the command's validator.
        var rate = new Option<int?>("--rate") { Description = "Datagrams per second at most, 1-100000 (default 1000; the differential target: inputs per second, 0-100000, default 0 = as fast as py-ipv8 decodes).", HelpName = "n" };
        var probeEvery = new Option<int>("--probe-every") { Description = "A liveness probe after every this many datagrams.", DefaultValueFactory = _ => 500, HelpName = "n" }
            .Check(new IntRange(1, 10_000_000, "from 1 to 10000000"));
        var livenessTimeout = CliArguments.Seconds("--liveness-timeout", "How long the target has to answer a probe.", 5, 0.1, 600);
        var report = CliArguments.Report("Write the report (JSON) to this file instead of standard output.");
        var findings = new Option<DirectoryInfo>("--findings")
        {
            Description = "Where reproducers and differential findings go (created when needed).",
            DefaultValueFactory = _ => new DirectoryInfo("fuzz-findings"),
            HelpName = "dir",
            CustomParser = result =>
            {
                if (CliArguments.Named(result, "--findings", "a folder") is not { } text)
                {
                    return null;
                }

                var folder = new DirectoryInfo(text);
                if (FindingsProblem(folder) is { } problem)
                {
                    result.AddError(problem);
                }

                return folder;
            },
        };
        var replay = new Option<FileInfo?>("--replay")
        {
            Description = "Send the datagrams of a reproducer (a file a finding saved) to --target, then probe liveness.",
            HelpName = "file",
            CustomParser = result =>
            {
                if (CliArguments.Named(result, "--replay", "a file") is not { } text)
                {
                    return null;
                }

                var file = new FileInfo(text);
                if (Directory.Exists(file.FullName))
                {
                    result.AddError($"--replay '{file.FullName}' is a directory, not a reproducer file.");
                }
                else if (!file.Exists)
                {
                    result.AddError($"--replay '{file.FullName}': no such file.");
                }

                return file;
            },
        };
        var allowRemote = new Option<bool>("--allow-remote") { Description = "Allow a --target that is not a loopback address. Fuzz only nodes you run yourself." };
        var differential = new Option<bool>("--differential") { Description = "Run the differential target instead: the same inputs through our decoder and py-ipv8's (needs --py-ipv8)." };
        var pyIpv8 = new Option<DirectoryInfo?>("--py-ipv8")
        {
            Description = "The py-ipv8 checkout for --differential (its folder holds ipv8/). Default: $IPV8_PY_IPV8.",
            HelpName = "dir",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("IPV8_PY_IPV8") is { Length: > 0 } dir ? new DirectoryInfo(dir) : null,
        };
        var python = new Option<string>("--python") { Description = "The Python interpreter for --differential.", DefaultValueFactory = _ => "/usr/bin/python3", HelpName = "path" };
        var corpus = new Option<string[]>("--corpus")
        {
            Description = "With --differential: compare these files, or the files in these folders (one datagram each), instead of generated inputs.",
            HelpName = "dir",
            Arity = ArgumentArity.OneOrMore,
            DefaultValueFactory = _ => [],
        };
        corpus.Validators.Add(result =>
        {
            foreach (var path in result.Tokens.Select(t => t.Value))
            {
                if (string.IsNullOrWhiteSpace(path))
                {
                    result.AddError("--corpus needs a folder or file name, got ''.");
                }
                else if (!Directory.Exists(path) && !File.Exists(path))
                {
                    result.AddError($"--corpus '{Path.GetFullPath(path)}': no such folder or file.");
                }
            }
        });
        var command = new Command("fuzz", "Fuzz a node over UDP with mutated, structure-aware IPv8 messages and check that it keeps answering; or compare our decoder with py-ipv8's (--differential).")
        {
            target, community, duration, seed, rate, probeEvery, livenessTimeout, report, findings, replay, allowRemote, differential, pyIpv8, python, corpus,
        };
        command.Validators.Add(result =>
        {
            bool isDifferential;
            IPEndPoint? endPoint;
            FileInfo? replayFile;
            DirectoryInfo? pyIpv8Folder;
            int? rateValue;
            try
            {
                isDifferential = result.GetValue(differential);
                endPoint = result.GetValue(target);
                _ = result.GetValue(community);
                replayFile = result.GetValue(replay);
                pyIpv8Folder = result.GetValue(pyIpv8);
                rateValue = result.GetValue(rate);
                _ = result.GetValue(seed);
                _ = result.GetValue(findings);
                _ = result.GetValue(corpus);
            }
            catch (InvalidOperationException)
            {
                // An option whose value did not parse (or is missing) has its own error already; the rules below need
                // every value.
                return;
            }

            if (isDifferential)
            {
                if (endPoint is not null || replayFile is not null)
                {
                    result.AddError("--differential runs no network target: leave out --target and --replay.");
                }

                var networkOnly = new Option[] { allowRemote, probeEvery, livenessTimeout }.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (networkOnly.Count > 0)
                {
                    result.AddError($"{string.Join(", ", networkOnly)} {(networkOnly.Count == 1 ? "applies" : "apply")} to a network target, not to --differential: leave {(networkOnly.Count == 1 ? "it" : "them")} out.");
                }

                if (rateValue is < 0 or > 100_000)
                {
                    result.AddError($"--rate must be from 0 to 100000 with --differential, got '{rateValue.Value.ToString(CultureInfo.InvariantCulture)}'.");
                }

                if (pyIpv8Folder is null)
                {
                    result.AddError("--differential needs --py-ipv8 DIR (a py-ipv8 checkout) or $IPV8_PY_IPV8.");
                }
                else if (!Directory.Exists(Path.Combine(pyIpv8Folder.FullName, "ipv8")))
                {
                    result.AddError($"--py-ipv8 '{pyIpv8Folder.FullName}' is not a py-ipv8 checkout: it has no ipv8/ folder.");
                }

                return;
            }

            if (result.GetResult(corpus) is { Implicit: false })
            {
                result.AddError("--corpus goes with --differential.");
            }

            if (rateValue == 0)
            {
                result.AddError("--rate 0 (as fast as possible) is for --differential only; the network fuzzer needs 1-100000 datagrams per second (default 1000).");
            }
            else if (rateValue is < 0 or > 100_000)
            {
                result.AddError($"--rate must be from 1 to 100000, got '{rateValue.Value.ToString(CultureInfo.InvariantCulture)}'.");
            }

            if (replayFile is not null)
            {
                // A replay sends the reproducer's datagrams (with its seed) and probes once at the end: these would do nothing.
                var fuzzOnly = new Option[] { duration, seed, probeEvery, findings }.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (fuzzOnly.Count > 0)
                {
                    result.AddError($"{string.Join(", ", fuzzOnly)} {(fuzzOnly.Count == 1 ? "does" : "do")} nothing with --replay (it sends the reproducer's datagrams with its seed, then probes once): leave {(fuzzOnly.Count == 1 ? "it" : "them")} out.");
                }
            }

            if (endPoint is null)
            {
                result.AddError("--target is required (or --differential).");
                return;
            }

            if (result.GetValue(community) is null && result.GetValue(replay) is null)
            {
                result.AddError("--community is required.");
            }

            if (!IPAddress.IsLoopback(endPoint.Address) && !result.GetValue(allowRemote))
            {
                result.AddError($"--target {endPoint} is not a loopback address; fuzz only nodes you run yourself, and add --allow-remote to send elsewhere.");
            }
        });
        command.SetAction(async (result, token) =>
        {
            using var shutdown = new Shutdown(token);
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            var seconds = result.GetValue(duration) ?? 60;
            if (result.GetValue(differential))
            {
                var options = new DifferentialOptions
                {
                    Python = result.GetValue(python)!,
                    PyIpv8Directory = result.GetValue(pyIpv8)!.FullName,
                    Community = result.GetValue(community) ?? DifferentialCommunity,
                    Duration = TimeSpan.FromSeconds(seconds),
                    Seed = result.GetValue(seed),
                    Rate = result.GetValue(rate) ?? 0,
                    FindingsDirectory = result.GetValue(findings)!.FullName,
                    Corpus = CorpusFiles(result.GetValue(corpus)!),
                };
                return RunDifferential(options, result.GetValue(report), output, error, shutdown.Token);
            }

            var network = new NetworkFuzzOptions
            {
                Target = result.GetValue(target)!,
                Community = result.GetValue(community) ?? default,
                Duration = TimeSpan.FromSeconds(seconds),
                Seed = result.GetValue(seed),
                Rate = result.GetValue(rate) ?? 1000,
                ProbeEvery = result.GetValue(probeEvery),
                LivenessTimeout = TimeSpan.FromSeconds(result.GetValue(livenessTimeout)),
                FindingsDirectory = result.GetValue(findings)!.FullName,
            };
            return await RunNetworkAsync(network, result.GetValue(replay), result.GetValue(report), output, error, shutdown.Token).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The files of <c>--corpus</c>: a file is one input, a folder gives every file under it; null without <c>--corpus</c>.</summary>
    private static List<string>? CorpusFiles(string[] paths) =>
        paths.Length == 0
            ? null
            : [.. paths.SelectMany(p => File.Exists(p) ? [Path.GetFullPath(p)] : Directory.EnumerateFiles(Path.GetFullPath(p), "*", SearchOption.AllDirectories)).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Why <paramref name="folder"/> cannot hold findings (it is a file, or a file stands where one of its parents
    /// would be created); null when it can (it exists, or can be created).
    /// </summary>
    internal static string? FindingsProblem(DirectoryInfo folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (File.Exists(folder.FullName))
        {
            return $"--findings '{folder.FullName}' is a file, not a folder.";
        }

        for (var parent = folder.Parent; parent is not null; parent = parent.Parent)
        {
            if (File.Exists(parent.FullName))
            {
                return $"--findings '{folder.FullName}' cannot be created: '{parent.FullName}' is a file.";
            }

            if (Directory.Exists(parent.FullName))
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>Fuzzes (or replays) against a node; returns 0 without findings, 1 with (or when it cannot run).</summary>
    public static async Task<int> RunNetworkAsync(NetworkFuzzOptions options, FileInfo? replay, FileInfo? report, TextWriter output, TextWriter error, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(error);
        Reproducer? reproducer = null;
        if (replay is not null)
        {
            try
            {
                reproducer = Reproducer.Load(replay.FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                error.WriteLine($"error: --replay {replay}: {e.Message}");
                return 1;
            }

            if (options.Community == default && !Wire.CommunityId.TryParse(reproducer.Community, out var id))
            {
                error.WriteLine($"error: --replay {replay} names no community; give --community.");
                return 1;
            }
            else if (options.Community == default)
            {
                options = options with { Community = Wire.CommunityId.Parse(reproducer.Community) };
            }
        }

        if (reproducer is not null)
        {
            options = options with { Seed = reproducer.Seed };
        }

        using var fuzzer = new NetworkFuzzer(options, error);
        FuzzTally tally;
        if (reproducer is not null)
        {
            error.WriteLine($"fuzz: replaying {reproducer.Datagrams.Count} datagrams of {replay} to {options.Target} (community {options.Community})");
            tally = await fuzzer.ReplayAsync(reproducer, replay!.FullName, cancel).ConfigureAwait(false);
        }
        else
        {
            error.WriteLine($"fuzz: {options.Target}, community {options.Community}, seed {options.Seed}, {options.Rate} datagrams/s, a probe every {options.ProbeEvery}, for {options.Duration.TotalSeconds:0.#} s");
            tally = await fuzzer.RunAsync(cancel).ConfigureAwait(false);
        }

        var writeError = TryEmit(NetworkReport(tally, options), report, output);
        error.WriteLine($"fuzz: sent {tally.Sent} datagrams in {tally.Elapsed.TotalSeconds:0.#} s, {tally.LivenessChecks} liveness checks, {tally.LivenessFailures} failures, {tally.Findings.Count} findings{(tally.Interrupted ? " (interrupted)" : string.Empty)}");
        if (tally.NeverAnswered)
        {
            error.WriteLine($"error: the target {options.Target} does not answer: no introduction response to a probe under community {options.Community} before any fuzzing (is a node of that community running there?)");
        }

        // The report's write error comes last, after the summary, as in every other command.
        if (writeError is not null)
        {
            error.WriteLine(writeError);
        }

        return writeError is null && !tally.NeverAnswered && tally.Findings.Count == 0 ? 0 : 1;
    }

    /// <summary>Runs the differential target; returns 0 without findings, 1 with (or when py-ipv8 cannot run).</summary>
    public static int RunDifferential(DifferentialOptions options, FileInfo? report, TextWriter output, TextWriter error, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(error);
        DifferentialTally tally;
        try
        {
            error.WriteLine($"differential: {(options.Corpus is { } files ? $"{files.Count} corpus files" : $"seed {options.Seed}, {options.Duration.TotalSeconds:0.#} s")}, py-ipv8 at {options.PyIpv8Directory}");
            if (options.Corpus is { Count: 0 })
            {
                error.WriteLine("differential: warning: the --corpus folders hold no files: nothing to compare");
            }

            tally = DifferentialFuzzer.Run(options, error, cancel);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            error.WriteLine($"error: the differential target cannot run: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }

        var writeError = TryEmit(DifferentialReport(tally), report, output);
        error.WriteLine($"differential: compared {tally.Compared} inputs in {tally.Elapsed.TotalSeconds:0.#} s; accepted by both {tally.AcceptedByBoth}, rejected by both {tally.RejectedByBoth}, known differences {tally.Allowed.Values.Sum()}, findings {tally.FindingCounts.Values.Sum()}{(tally.Interrupted ? " (interrupted)" : string.Empty)}");
        if (writeError is not null)
        {
            error.WriteLine(writeError); // after the summary
        }

        return writeError is null && tally.FindingCounts.Count == 0 ? 0 : 1;
    }

    /// <summary>
    /// Writes the report to <paramref name="report"/> (or standard output); returns null, or the one error line for a
    /// file that cannot be written, for the caller to print after its summary.
    /// </summary>
    private static string? TryEmit(string json, FileInfo? report, TextWriter output)
    {
        try
        {
            Json.Emit(json, report, output);
            return null;
        }
        catch (Exception ex) when (report is not null && ex is IOException or UnauthorizedAccessException)
        {
            return OutputFiles.CannotWrite("--report", report, ex);
        }
    }

    private static string NetworkReport(FuzzTally tally, NetworkFuzzOptions options) => Json.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("sent", tally.Sent);
        writer.WriteNumber("liveness_checks", tally.LivenessChecks);
        writer.WriteNumber("liveness_failures", tally.LivenessFailures);
        WriteFindings(writer, tally.Findings);
        writer.WriteNumber("liveness_late", tally.LivenessLate);
        writer.WriteBoolean("target_never_answered", tally.NeverAnswered);
        writer.WriteString("target", options.Target.ToString());
        writer.WriteString("community", options.Community.ToString());
        writer.WriteNumber("seed", options.Seed);
        writer.WriteNumber("seconds", Math.Round(tally.Elapsed.TotalSeconds, 1));
        writer.WriteNumber("skipped_not_local", tally.SkippedNotLocal);
        writer.WriteNumber("send_failed", tally.SendFailed);
        writer.WriteStartObject("mutations");
        foreach (var (name, count) in tally.Mutations.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            writer.WriteNumber(name, count);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    });

    private static string DifferentialReport(DifferentialTally tally) => Json.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("sent", tally.Compared);
        writer.WriteNumber("liveness_checks", 0);
        writer.WriteNumber("liveness_failures", 0);
        WriteFindings(writer, tally.Findings);
        writer.WriteNumber("seconds", Math.Round(tally.Elapsed.TotalSeconds, 1));
        writer.WriteNumber("accepted_by_both", tally.AcceptedByBoth);
        writer.WriteNumber("rejected_by_both", tally.RejectedByBoth);
        writer.WriteStartObject("known_differences");
        foreach (var (id, count) in tally.Allowed.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            writer.WriteNumber(id, count);
        }

        writer.WriteEndObject();
        writer.WriteStartObject("finding_counts");
        foreach (var (signature, count) in tally.FindingCounts.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            writer.WriteNumber(signature, count);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    });

    private static void WriteFindings(Utf8JsonWriter writer, List<FuzzFinding> findings)
    {
        writer.WriteStartArray("findings");
        foreach (var finding in findings)
        {
            writer.WriteStartObject();
            writer.WriteString("file", finding.File);
            writer.WriteString("description", finding.Description);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}

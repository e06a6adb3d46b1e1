using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Ipv8.Tests.Shared;

namespace Ipv8.Cli.Tests.Capture;

/// <summary>
/// The real tshark and dumpcap against <c>ipv8 decode --pcap</c> and the dissector <c>ipv8 dissector</c> generates: a
/// fresh loopback capture of a swarm (pcapng, converted by tshark to pcap and nanosecond pcap), the byte-built files
/// of every link type, and a schema's messages of every py-ipv8 format. Every datagram gets the same message id (and
/// name, global time, key and mid where decode names it) from both.
/// </summary>
[Collection(nameof(TsharkTests))]
public sealed class TsharkTests : IDisposable
{
    private static readonly string[] s_fields = ["udp.srcport", "udp.dstport", "ipv8.msg_id", "ipv8.msg_name", "ipv8.global_time", "ipv8.public_key", "ipv8.mid", "_ws.expert.message"];

    private readonly PcapDecodeTests _files = new();

    public void Dispose() => _files.Dispose();

    [SkippableFact]
    public void ALoopbackCaptureOfASwarm_TheDissectorAndDecodeGiveEveryDatagramTheSameMessage()
    {
        Tshark.Require();
        var capture = CliHarness.TempPath("swarm.pcapng");
        File.Delete(capture);
        var vectors = CaptureVectors.Packets.Take(16).ToList();
        var vectorForms = vectors.Select(p => JsonNode.Parse(Cli.Commands.DecodeCommand.DecodeLine(Convert.ToHexString(p)))!.ToJsonString()).ToHashSet(StringComparer.Ordinal);

        using (var dumpcap = StartCapture(capture))
        {
            // A swarm of 4 nodes and a tracker on 127.0.0.1 until it converges (60 s at most), the reference packets over
            // 127.0.0.1 and ::1, and another swarm: dumpcap can miss datagrams right after it says it captures and right
            // before it stops, so the reference packets, which must all be found, go in the middle.
            var (swarmCode, _, swarmError) = CliHarness.Run("swarm", "--nodes", "4", "--duration", "60", "--quiet");
            Assert.True(swarmCode == 0, swarmError);
            SendOverLoopback(vectors);
            (swarmCode, _, swarmError) = CliHarness.Run("swarm", "--nodes", "3", "--duration", "60", "--quiet");
            Assert.True(swarmCode == 0, swarmError);
            StopCapture(dumpcap);
        }

        try
        {
            var pcapng = Decode(capture);
            Assert.True(pcapng.Count >= 40, $"only {pcapng.Count} IPv8 datagrams were captured");
            foreach (var v6 in new[] { false, true })
            {
                var sent = pcapng.Where(l => ((string)l["source"]!).StartsWith(v6 ? "[::1]" : "127.0.0.1", StringComparison.Ordinal)
                    && l["decoded"] is JsonObject d && vectorForms.Contains(d.ToJsonString())).ToList();
                Assert.True(sent.Count >= vectors.Count, $"{sent.Count} of the {vectors.Count} reference packets sent over {(v6 ? "::1" : "127.0.0.1")} were decoded from the capture of {pcapng.Count} datagrams; the first lines: {string.Join(" ", pcapng.Take(3).Select(l => l.ToJsonString()[..Math.Min(300, l.ToJsonString().Length)]))}");
            }

            // The same file as nanosecond pcap and as pcap, converted by tshark: the same lines (dumpcap writes nanoseconds;
            // pcap keeps microseconds, the last digit of the 100 ns ticks).
            foreach (var format in new[] { "nsecpcap", "pcap" })
            {
                var converted = capture + "." + format;
                var (code, _, error) = Tshark.Run("tshark", ["-r", capture, "-F", format, "-w", converted]);
                try
                {
                    Assert.True(code == 0, error);
                    var expected = pcapng.Select(l => l.DeepClone().AsObject()).ToList();
                    if (format == "pcap")
                    {
                        expected.ForEach(l => l["time"] = ((string)l["time"]!)[..^2] + "0Z");
                    }

                    Assert.Equal(expected.Select(l => l.ToJsonString()), Decode(converted).Select(l => l.ToJsonString()));
                }
                finally
                {
                    File.Delete(converted);
                }
            }

            AssertDissectorAgrees(capture, pcapng, schema: null);
        }
        finally
        {
            File.Delete(capture);
        }
    }

    [SkippableFact]
    public void ByteBuiltCapturesOfEveryLinkType_TsharkReadsThemAndTheDissectorAgreesWithDecode()
    {
        Tshark.Require();
        var links = CaptureBuilder.LinkTypes;
        var datagrams = CaptureVectors.Datagrams();
        var frames = new List<(int, DateTimeOffset, byte[])>();
        var expected = new List<TestDatagram>();
        for (var i = 0; i < datagrams.Count; i++)
        {
            var link = links[i % links.Length];
            var d = datagrams[i];
            if (link == CaptureBuilder.Ipv4 && d.Source.AddressFamily == AddressFamily.InterNetworkV6)
            {
                d = d with { Source = new IPEndPoint(IPAddress.Loopback, d.Source.Port), Destination = new IPEndPoint(IPAddress.Loopback, d.Destination.Port) };
            }
            else if (link == CaptureBuilder.Ipv6 && d.Source.AddressFamily == AddressFamily.InterNetwork)
            {
                d = d with { Source = new IPEndPoint(IPAddress.IPv6Loopback, d.Source.Port), Destination = new IPEndPoint(IPAddress.IPv6Loopback, d.Destination.Port) };
            }

            expected.Add(d);
            frames.Add((i % links.Length, d.Time, CaptureBuilder.Frame(link, d)));
        }

        var path = _files.Write(CaptureBuilder.PcapNg(links, frames), "links.pcapng");
        var lines = Decode(path);
        PcapDecodeTests.AssertLines(expected, [.. lines.Select(l => l.ToJsonString())], microseconds: false, microsecondInterfaces: i => i % 2 == 0, interfaceCount: links.Length);

        var rows = AssertDissectorAgrees(path, lines, schema: null);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Source.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), rows[i + 1]["udp.srcport"]);
            Assert.Equal(expected[i].Destination.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), rows[i + 1]["udp.dstport"]);
            Assert.False(string.IsNullOrEmpty(rows[i + 1]["ipv8.msg_name"]), $"frame {i + 1} (link type {links[i % links.Length]}) has no message name");
        }
    }

    [SkippableFact]
    public void SchemaMessagesOfEveryFormat_TheDissectorReadsEachAsItsMessage()
    {
        Tshark.Require();
        var packets = PayloadSchemaVectors.Packets.Select(p => (JsonObject)p!).ToList();

        // Id 1 is Chat alone in some packets and [GlobalTime, Chat] in others: one schema for each.
        foreach (var withTime in new[] { false, true })
        {
            var group = packets.Where(p => ((JsonArray)p["classes"]!).Count > 1 == withTime).ToList();
            var messages = new JsonObject();
            foreach (var packet in group.DistinctBy(p => (int)p["msg_id"]!))
            {
                messages[((int)packet["msg_id"]!).ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
                {
                    ["payloads"] = ((JsonArray)packet["classes"]!).DeepClone(),
                    ["signed"] = (bool)packet["decoded"]!["signed"]!,
                };
            }

            var schema = _files.Write(System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["classes"] = PayloadSchemaVectors.Classes(), ["messages"] = messages }.ToJsonString()), "schema.json");
            var start = CaptureVectors.Start;
            var datagrams = group.Select((p, i) => new TestDatagram(new IPEndPoint(IPAddress.Loopback, 40000), new IPEndPoint(IPAddress.Loopback, 40001 + i), Convert.FromHexString((string)p["packet"]!), start.AddMilliseconds(i))).ToList();
            var path = _files.Write(CaptureBuilder.Pcap(CaptureBuilder.Ethernet, datagrams.Select(d => (d.Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, d)))), "schema.pcap");

            var lines = Decode(path, schema);
            Assert.Equal(group.Select(PayloadSchemaVectors.ExpectedFor), lines.Select(l => l["decoded"]!.ToJsonString()));
            var rows = AssertDissectorAgrees(path, lines, schema);
            for (var i = 0; i < group.Count; i++)
            {
                var classes = (JsonArray)group[i]["classes"]!;
                Assert.Equal((string)classes[^1]!, rows[i + 1]["ipv8.msg_name"]);
                Assert.Equal(string.Empty, rows[i + 1]["_ws.expert.message"]);
                if (withTime)
                {
                    Assert.Equal(group[i]["decoded"]!["payloads"]![0]!["global_time"]!.ToJsonString(), rows[i + 1]["ipv8.global_time"]);
                }
            }
        }
    }

    [SkippableFact]
    public void DissectorMarksSnaplenCutFramesAsTruncated()
    {
        Tshark.Require();
        const int snap = 100;
        var datagrams = CaptureVectors.Datagrams().Where(d => d.Source.AddressFamily == AddressFamily.InterNetwork).ToList();
        var frames = datagrams.Select(d => (d.Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, d))).ToList();
        Assert.Contains(frames, f => f.Item2.Length > snap);
        Assert.Contains(frames, f => f.Item2.Length <= snap);
        var path = _files.Write(CaptureBuilder.Pcap(CaptureBuilder.Ethernet, frames, snapLength: snap), "snap.pcap");

        // decode --pcap prints only the whole datagrams; the dissector marks the others as cut short, decodes nothing of them.
        var lines = Decode(path);
        Assert.Equal(frames.Select((f, i) => (f, i)).Where(x => x.f.Item2.Length <= snap).Select(x => x.i + 1), lines.Select(l => (int)l["frame"]!));
        var lua = CliHarness.TempPath("ipv8.lua");
        try
        {
            Assert.Equal(0, CliHarness.Run("dissector", "--out", lua).ExitCode);
            var rows = Tshark.Fields(path, lua, "ipv8.msg_id", "ipv8.msg_name", "ipv8.truncated", "ipv8.signed", "_ws.expert.message");
            for (var i = 0; i < frames.Count; i++)
            {
                var row = rows[i + 1];
                Assert.False(string.IsNullOrEmpty(row["ipv8.msg_id"]), $"frame {i + 1} is not IPv8 to the dissector");
                if (frames[i].Item2.Length > snap)
                {
                    Assert.True(row["ipv8.truncated"] is "1" or "True", $"frame {i + 1}: truncated '{row["ipv8.truncated"]}'");
                    Assert.Equal(string.Empty, row["ipv8.msg_name"]);
                    Assert.Equal(string.Empty, row["ipv8.signed"]);
                    Assert.StartsWith("cut short: ", row["_ws.expert.message"], StringComparison.Ordinal);
                }
                else
                {
                    Assert.Equal(string.Empty, row["ipv8.truncated"]);
                }
            }
        }
        finally
        {
            File.Delete(lua);
        }
    }

    [SkippableFact]
    public void DissectorShowsEmptyBytesFieldsAsEmpty()
    {
        Tshark.Require();
        var schema = _files.Write(
            """{"classes": {"Entry": [["key", "varlenH"], ["nums", "arrayH-q"], ["n", "B"]]}, "messages": {"7": {"payloads": ["Entry"], "signed": false}}}"""u8.ToArray(),
            "empty.json");
        byte[] packet = [0, 2, .. Convert.FromHexString("5ab4bb0b7c1b27c1ec3bfb1e2bb4fdc2edda5a3f"), 7, 0, 0, 0, 0, 5];
        var datagram = new TestDatagram(new IPEndPoint(IPAddress.Loopback, 40000), new IPEndPoint(IPAddress.Loopback, 40001), packet, CaptureVectors.Start);
        var path = _files.Write(CaptureBuilder.Pcap(CaptureBuilder.Ethernet, [(datagram.Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, datagram))]), "empty.pcap");
        var line = Assert.Single(Decode(path, schema));
        Assert.Equal(string.Empty, (string)line["decoded"]!["payloads"]![0]!["key"]!["hex"]!);

        var lua = CliHarness.TempPath("ipv8.lua");
        try
        {
            Assert.Equal(0, CliHarness.Run("dissector", "--out", lua, "--schema", schema).ExitCode);
            var row = Tshark.Fields(path, lua, "ipv8.entry.key", "ipv8.entry.nums", "ipv8.entry.n")[1];
            Assert.Equal("5", row["ipv8.entry.n"]);
            foreach (var field in (string[])["ipv8.entry.key", "ipv8.entry.nums"])
            {
                // Empty (tshark 4.0 prints an empty bytes value as <MISSING>), never the length bytes or what lies after them.
                Assert.True(row[field] is "" or "<MISSING>", $"{field}: '{row[field]}'");
                Assert.Equal(1, Matches(path, lua, $"len({field}) == 0"));
                Assert.Equal(0, Matches(path, lua, $"{field} == 00:01 || {field} == 00:00"));
            }
        }
        finally
        {
            File.Delete(lua);
        }
    }

    [SkippableFact]
    public void DatagramsDecodeRejectsAsTruncated_TheDissectorMarksWithAnExpertWarningNotAsCleanMessages()
    {
        Tshark.Require();
        using var key = Ipv8.Wire.Crypto.LibNaClPrivateKey.Generate();
        var prefix = Ipv8.Wire.Discovery.DiscoveryCommunityMessages.CommunityId.ToPrefix();
        byte[] ids = [.. Enumerable.Range(1, 40).Select(i => (byte)i)];
        byte[] SimilarityResponse(int overlap)
        {
            var buffer = new byte[1024];
            var payload = new Ipv8.Wire.Discovery.SimilarityResponsePayload { Identifier = 7, PreferenceList = ids, TbOverlap = new byte[overlap] };
            return buffer.AsSpan(0, Ipv8.Wire.Packet.Write(buffer, prefix, key, new Ipv8.Wire.GlobalTime(3), payload)).ToArray();
        }

        List<byte[]> packets =
        [
            SimilarityResponse(0),  // decodes
            SimilarityResponse(24), // one whole (id, count) pair: decodes
            SimilarityResponse(42), // not whole 24-byte pairs: decode and py-ipv8 reject it
            // A signed kind (new-puncture) sent without key and signature (the fuzzer's signedness-swapped): decode reads
            // the key length where the key should be and rejects it as truncated.
            Convert.FromHexString("00025ab4bb0b7c1b27c1ec3bfb1e2bb4fdc2edda5a3fe7ffffffffffffffff017f000001ffff017f000001000045ef"),
            .. CaptureVectors.Datagrams().Take(4).Select(d => d.Payload),
        ];
        var frames = packets.Select((p, i) => (CaptureVectors.Start.AddSeconds(i), CaptureBuilder.Frame(CaptureBuilder.Ethernet, new TestDatagram(new IPEndPoint(IPAddress.Loopback, 40000 + i), new IPEndPoint(IPAddress.Loopback, 8090), p, CaptureVectors.Start.AddSeconds(i))))).ToList();
        var path = _files.Write(CaptureBuilder.Pcap(CaptureBuilder.Ethernet, frames), "rejected.pcap");
        var lines = Decode(path);
        Assert.Equal(packets.Count, lines.Count);
        Assert.Equal([false, false, true, true], lines.Take(4).Select(l => l["error"] is not null));

        var lua = CliHarness.TempPath("ipv8.lua");
        try
        {
            Assert.Equal(0, CliHarness.Run("dissector", "--out", lua).ExitCode);
            var rows = Tshark.Fields(path, lua, "ipv8.msg_id", "ipv8.msg_name", "_ws.expert.message");
            foreach (var line in lines)
            {
                var frame = (int)line["frame"]!;
                var row = rows[frame];
                if (line["error"] is { } error)
                {
                    // What decode rejects, the dissector does not show as a message; `_ws.expert` finds it.
                    Assert.True(row["ipv8.msg_name"].Length == 0, $"frame {frame} ({error}): the dissector shows it as {row["ipv8.msg_name"]}");
                    Assert.True(row["_ws.expert.message"].StartsWith("does not decode as ", StringComparison.Ordinal), $"frame {frame} ({error}): expert '{row["_ws.expert.message"]}'");
                    Assert.Contains("truncated", row["_ws.expert.message"], StringComparison.Ordinal);
                }
                else
                {
                    Assert.Equal((string)line["decoded"]!["name"]!, row["ipv8.msg_name"]);
                    Assert.Equal(string.Empty, row["_ws.expert.message"]);
                }
            }

            Assert.Equal(2, Matches(path, lua, "_ws.expert && ipv8"));
        }
        finally
        {
            File.Delete(lua);
        }
    }

    private static int Matches(string capture, string lua, string filter)
    {
        var (code, output, error) = Tshark.Run("tshark", ["-n", "-X", $"lua_script:{lua}", "-o", "udp.try_heuristic_first:TRUE", "-r", capture, "-Y", filter, "-T", "fields", "-e", "frame.number"]);
        Assert.True(code == 0, error);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    /// <summary>
    /// Generates the dissector (with the schema, if any), runs tshark with it over <paramref name="capture"/>, and checks
    /// that tshark finds IPv8 in exactly the frames decode printed, with the same message id, and, where decode named
    /// the message, the same name, global time, key and a mid that is the key's SHA-1.
    /// </summary>
    private Dictionary<int, Dictionary<string, string>> AssertDissectorAgrees(string capture, List<JsonObject> lines, string? schema)
    {
        var lua = CliHarness.TempPath("ipv8.lua");
        try
        {
            var (code, output, error) = schema is null
                ? CliHarness.Run("dissector", "--out", lua)
                : CliHarness.Run("dissector", "--out", lua, "--schema", schema);
            Assert.True(code == 0, output + error);
            var rows = Tshark.Fields(capture, lua, s_fields);
            var dissected = rows.Where(r => r.Value["ipv8.msg_id"].Length > 0).Select(r => r.Key).Order().ToList();
            Assert.Equal(lines.Select(l => (int)l["frame"]!), dissected);
            foreach (var line in lines)
            {
                var frame = (int)line["frame"]!;
                var row = rows[frame];
                var decoded = line["decoded"] as JsonObject;
                var id = decoded?["msg_id"] is { } msgId ? (int)msgId : -1;
                if (id >= 0)
                {
                    Assert.True(id.ToString(System.Globalization.CultureInfo.InvariantCulture) == row["ipv8.msg_id"], $"frame {frame}: msg_id {id} from decode, {row["ipv8.msg_id"]} from the dissector");
                }

                if (decoded?["name"] is { } name)
                {
                    Assert.True((string)name! == row["ipv8.msg_name"], $"frame {frame}: {name} from decode, '{row["ipv8.msg_name"]}' from the dissector");
                    Assert.Equal(decoded["global_time"]!.ToJsonString(), row["ipv8.global_time"]);
                }

                if (decoded?["public_key"] is { } key && (decoded["name"] is not null || decoded["payloads"] is not null))
                {
                    var hex = (string)key!;
                    Assert.Equal(hex, row["ipv8.public_key"]);
                    Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(Convert.FromHexString(hex))), row["ipv8.mid"]);
                }
            }

            return rows;
        }
        finally
        {
            File.Delete(lua);
        }
    }

    private static List<JsonObject> Decode(string capture, string? schema = null)
    {
        var (code, output, error) = schema is null ? CliHarness.Run("decode", "--pcap", capture) : CliHarness.Run("decode", "--pcap", capture, "--schema", schema);
        Assert.True(code == 0, error);
        return [.. CliHarness.Lines(output).Select(CliHarness.ParseObject)];
    }

    /// <summary>dumpcap on the loopback interface only, UDP only, with a stop of its own after two minutes; returns once it captures.</summary>
    private static Process StartCapture(string file)
    {
        var info = new ProcessStartInfo("dumpcap") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-i", "lo", "-f", "udp", "-B", "64", "-a", "duration:120", "-w", file })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var ready = new TaskCompletionSource();
        var log = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetResult();
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (e.Data.StartsWith("Capturing on", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        Assert.True(ready.Task.Wait(TimeSpan.FromSeconds(30)), "dumpcap did not start capturing within 30 s");
        Assert.False(process.HasExited, $"dumpcap stopped: {log}");
        return process;
    }

    /// <summary>SIGINT, so that dumpcap writes out what it holds and closes the file.</summary>
    private static void StopCapture(Process dumpcap)
    {
        using (var kill = Process.Start("kill", ["-INT", dumpcap.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        if (!dumpcap.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            dumpcap.Kill();
            Assert.Fail("dumpcap did not stop within 30 s of SIGINT");
        }
    }

    /// <summary>Sends each packet once from a socket on 127.0.0.1 and once on ::1, to a socket of the same family that receives them all.</summary>
    private static void SendOverLoopback(List<byte[]> packets)
    {
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var receiver = new UdpClient(new IPEndPoint(address, 0));
            using var sender = new UdpClient(new IPEndPoint(address, 0));
            var target = (IPEndPoint)receiver.Client.LocalEndPoint!;
            foreach (var packet in packets)
            {
                sender.Send(packet, target);
            }

            receiver.Client.ReceiveTimeout = 10_000;
            for (var i = 0; i < packets.Count; i++)
            {
                IPEndPoint? from = null;
                receiver.Receive(ref from);
            }
        }
    }
}

/// <summary>
/// The tshark tests run alone, after the others: a live capture drops datagrams when other tests flood the loopback
/// interface at the same time (the load generator's tests do), and then the reference packets it looks for can be lost.
/// </summary>
[CollectionDefinition(nameof(TsharkTests), DisableParallelization = true)]
public sealed class TsharkTestsCollection;

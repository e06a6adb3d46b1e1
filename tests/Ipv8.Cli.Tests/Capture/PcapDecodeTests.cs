using System.Net;
using System.Text.Json.Nodes;
using Ipv8.Cli.Capture;
using Ipv8.Cli.Commands;

namespace Ipv8.Cli.Tests.Capture;

/// <summary>
/// <c>ipv8 decode --pcap</c> on capture files built byte by byte (<see cref="CaptureBuilder"/>): every link type, pcap
/// and pcapng in their variants, the JSON line of each datagram, and what is skipped. The same files are read by the
/// real tshark in <see cref="TsharkTests"/>.
/// </summary>
public sealed class PcapDecodeTests : IDisposable
{
    private readonly List<string> _files = [];

    public void Dispose()
    {
        foreach (var file in _files)
        {
            File.Delete(file);
        }
    }

    internal string Write(byte[] bytes, string name)
    {
        var path = CliHarness.TempPath(name);
        File.WriteAllBytes(path, bytes);
        _files.Add(path);
        return path;
    }

    public static TheoryData<int> LinkTypes => [.. CaptureBuilder.LinkTypes];

    [Theory]
    [MemberData(nameof(LinkTypes))]
    public void EveryLinkType_InPcap_GivesEveryDatagramWithTimeAddressesAndTheDecodeForm(int linkType)
    {
        var datagrams = CaptureVectors.Datagrams(ipv6: linkType != CaptureBuilder.Ipv4);
        if (linkType == CaptureBuilder.Ipv6)
        {
            datagrams = [.. datagrams.Select(d => d with { Source = V6(d.Source), Destination = V6(d.Destination) })];
        }

        var path = Write(CaptureBuilder.Pcap(linkType, datagrams.Select(d => (d.Time, CaptureBuilder.Frame(linkType, d)))), $"link{linkType}.pcap");

        var (code, output, error) = CliHarness.Run("decode", "--pcap", path);

        Assert.Equal(0, code);
        AssertLines(datagrams, CliHarness.Lines(output), microseconds: true);
        var notDecoded = CliHarness.Lines(output).Count(l => CliHarness.ParseObject(l)["error"] is not null);
        Assert.Contains($"pcap: {datagrams.Count} frames, {datagrams.Count} IPv8 datagrams ({notDecoded} did not decode)", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void ClassicPcap_NanosecondAndBigEndianVariants_ReadTheSame(bool nanoseconds, bool bigEndian)
    {
        var datagrams = CaptureVectors.Datagrams(12);
        var path = Write(CaptureBuilder.Pcap(CaptureBuilder.Ethernet, datagrams.Select(d => (d.Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, d))), nanoseconds, bigEndian), "variant.pcap");

        var (code, output, _) = CliHarness.Run("decode", "--pcap", path);

        Assert.Equal(0, code);
        AssertLines(datagrams, CliHarness.Lines(output), microseconds: !nanoseconds);
    }

    [Fact]
    public void PcapNg_WithInterfacesOfDifferentLinkTypesAndResolutions_GivesEveryFrameInOrder()
    {
        int[] interfaces = [CaptureBuilder.Ethernet, CaptureBuilder.LinuxSll2, CaptureBuilder.Raw, CaptureBuilder.LinuxSll];
        var datagrams = CaptureVectors.Datagrams();
        var frames = datagrams.Select((d, i) => (i % interfaces.Length, d.Time, CaptureBuilder.Frame(interfaces[i % interfaces.Length], d))).ToList();
        var path = Write(CaptureBuilder.PcapNg(interfaces, frames), "mixed.pcapng");

        var (code, output, error) = CliHarness.Run("decode", "--pcap", path);

        Assert.Equal(0, code);
        AssertLines(datagrams, CliHarness.Lines(output), microseconds: false, microsecondInterfaces: i => i % 2 == 0, interfaceCount: interfaces.Length);
        Assert.StartsWith("pcapng:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void PcapNg_SimplePacketBlocks_AreReadWithoutATime()
    {
        var datagrams = CaptureVectors.Datagrams(6);
        var path = Write(CaptureBuilder.PcapNg([CaptureBuilder.Ethernet], datagrams.Select(d => (0, d.Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, d))), simple: true), "simple.pcapng");

        var (code, output, _) = CliHarness.Run("decode", "--pcap", path);

        Assert.Equal(0, code);
        var lines = CliHarness.Lines(output).Select(CliHarness.ParseObject).ToList();
        Assert.Equal(datagrams.Count, lines.Count);
        Assert.All(lines, l => Assert.Equal("1970-01-01T00:00:00.0000000Z", (string)l["time"]!));
    }

    [Fact]
    public void OtherUdpAndNonUdpFrames_AreCountedButNotPrinted()
    {
        var ipv8 = CaptureVectors.Datagrams(2);
        var dns = ipv8[0] with { Payload = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00] };
        var version1 = ipv8[0] with { Payload = [0x00, 0x01, .. ipv8[0].Payload[2..]] };
        var tcp = CaptureBuilder.Frame(CaptureBuilder.Ethernet, ipv8[0]);
        tcp[14 + 9] = 6; // the IPv4 protocol: TCP
        var frames = new List<(DateTimeOffset, byte[])>
        {
            (ipv8[0].Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, dns)),
            (ipv8[0].Time, tcp),
            (ipv8[0].Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, version1)),
            (ipv8[1].Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, ipv8[1])),
        };
        var path = Write(CaptureBuilder.Pcap(CaptureBuilder.Ethernet, frames), "mixed.pcap");

        var (code, output, error) = CliHarness.Run("decode", "--pcap", path);

        Assert.Equal(0, code);
        var line = Assert.Single(CliHarness.Lines(output));
        Assert.Equal(4, (int)CliHarness.ParseObject(line)["frame"]!);
        Assert.Contains("pcap: 4 frames, 1 IPv8 datagrams (0 did not decode), 2 other UDP datagrams, 1 not UDP", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ADatagramCutByTheSnapLength_IsCountedNotDecoded()
    {
        var datagram = CaptureVectors.Datagrams(1)[0];
        var frame = CaptureBuilder.Frame(CaptureBuilder.Ethernet, datagram);
        var bytes = CaptureBuilder.Pcap(CaptureBuilder.Ethernet, [(datagram.Time, frame[..60])]);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24 + 12), (uint)frame.Length); // the original length

        var (code, output, error) = CliHarness.Run("decode", "--pcap", Write(bytes, "cut.pcap"));

        Assert.Equal(0, code);
        Assert.Empty(output);
        Assert.Contains("1 cut short", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatEndsInsideARecord_PrintsTheFramesBeforeAndWarns()
    {
        var datagrams = CaptureVectors.Datagrams(3);
        var bytes = CaptureBuilder.Pcap(CaptureBuilder.Ethernet, datagrams.Select(d => (d.Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, d))));

        var (code, output, error) = CliHarness.Run("decode", "--pcap", Write(bytes[..^10], "truncated.pcap"));

        Assert.Equal(0, code);
        Assert.Equal(2, CliHarness.Lines(output).Length);
        Assert.Contains("the file ends inside record 3 (data)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatIsNoCapture_IsAnErrorOfOneLine()
    {
        var path = Write("not a capture file at all"u8.ToArray(), "text.pcap");

        var (code, output, error) = CliHarness.Run("decode", "--pcap", path);

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal($"error: --pcap {path}: not a pcap or pcapng file (unknown magic number)", error.Trim());
    }

    [Fact]
    public void AMissingFile_IsAnErrorOfOneLine()
    {
        var (code, _, error) = CliHarness.Run("decode", "--pcap", "/nonexistent/capture.pcapng");

        Assert.Equal(1, code);
        Assert.StartsWith("error: --pcap /nonexistent/capture.pcapng:", error, StringComparison.Ordinal);
        Assert.Single(CliHarness.Lines(error));
    }

    [Theory]
    [InlineData("decode", "--pcap")]
    [InlineData("decode", "--pcap", "a.pcapng", "--pcap", "b.pcapng")]
    [InlineData("decode", "--pcap", "")]
    public void DecodePcapWithoutValueIsOneErrorLine(params string[] args)
    {
        var (code, output, error) = CliHarness.Run(args);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Matches("^error: --pcap (needs a value|given 2 times; give it once|needs a file name, got '')\\. ", Assert.Single(CliHarness.Lines(error)));
    }

    [Fact]
    public void DecodePcapOfADirectoryOrAMissingFileSaysWhich()
    {
        var folder = Directory.CreateTempSubdirectory("ipv8-pcap-tests-");
        try
        {
            var (code, _, error) = CliHarness.Run("decode", "--pcap", folder.FullName);
            Assert.Equal(1, code);
            Assert.Equal($"error: --pcap {folder.FullName}: is a directory, not a capture file", Assert.Single(CliHarness.Lines(error)));

            var missing = Path.Combine(folder.FullName, "capture.pcapng");
            (code, _, error) = CliHarness.Run("decode", "--pcap", missing);
            Assert.Equal(1, code);
            Assert.Equal($"error: --pcap {missing}: no such file", Assert.Single(CliHarness.Lines(error)));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task PcapDashReadsTheCaptureFromStandardInput()
    {
        var datagrams = CaptureVectors.Datagrams(3);
        var bytes = CaptureBuilder.Pcap(CaptureBuilder.Ethernet, datagrams.Select(d => (d.Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, d))));
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])[typeof(CliApp).Assembly.Location, "decode", "--pcap", "-"])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(bytes);
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);

        Assert.True(process.ExitCode == 0, await error);
        Assert.Equal([1, 2, 3], CliHarness.Lines(await output).Select(l => (int)CliHarness.ParseObject(l)["frame"]!));
        Assert.Contains("pcap: 3 frames, 3 IPv8 datagrams", await error, StringComparison.Ordinal);
    }

    [Fact]
    public void DatagramsThatDoNotDecodeAreCountedApartInTheSummary()
    {
        var good = CaptureVectors.Datagrams(1)[0];
        var bad = good with { Payload = good.Payload[..30] }; // the prefix and a few bytes: an error line
        var bytes = CaptureBuilder.Pcap(CaptureBuilder.Ethernet, [(good.Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, good)), (bad.Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, bad))]);

        var (code, output, error) = CliHarness.Run("decode", "--pcap", Write(bytes, "bad.pcap"));

        Assert.Equal(0, code);
        var lines = CliHarness.Lines(output).Select(CliHarness.ParseObject).ToList();
        Assert.Equal([false, true], lines.Select(l => l["error"] is not null));
        Assert.Contains("pcap: 2 frames, 2 IPv8 datagrams (1 did not decode),", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void AUdpLengthBelowItsOwnHeaderIsMalformedNotCutShort(int udpLength)
    {
        var datagram = CaptureVectors.Datagrams(1)[0];
        var frame = CaptureBuilder.Frame(CaptureBuilder.Ethernet, datagram);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 20 + 4), (ushort)udpLength);
        var bytes = CaptureBuilder.Pcap(CaptureBuilder.Ethernet, [(datagram.Time, frame)]);

        var (code, output, error) = CliHarness.Run("decode", "--pcap", Write(bytes, "udplen.pcap"));

        Assert.Equal(0, code);
        Assert.Empty(output);
        Assert.Contains("0 cut short (snap length or IP fragment), 0 of an unsupported link type, 1 malformed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryFragmentOfAUdpDatagramIsCountedAsCutShort()
    {
        var datagram = CaptureVectors.Datagrams(1)[0];
        var first = CaptureBuilder.Frame(CaptureBuilder.Ethernet, datagram);
        var later = first.ToArray();
        first[14 + 6] = 0x20; // more fragments, offset 0
        later[14 + 6] = 0x00;
        later[14 + 7] = 0x10; // offset 128 bytes, the last fragment
        var bytes = CaptureBuilder.Pcap(CaptureBuilder.Ethernet, [(datagram.Time, first), (datagram.Time, later)]);

        var (code, output, error) = CliHarness.Run("decode", "--pcap", Write(bytes, "fragments.pcap"));

        Assert.Equal(0, code);
        Assert.Empty(output);
        Assert.Contains("0 not UDP, 2 cut short", error, StringComparison.Ordinal);
    }

    [Fact]
    public void HexPacketsWithPcap_AreAUsageError()
    {
        var (code, output, error) = CliHarness.Run("decode", "--pcap", "x.pcap", "0002");

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("--pcap reads the packets from the capture file", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ACorruptRecordLength_IsAnErrorAfterTheFramesBefore()
    {
        var datagrams = CaptureVectors.Datagrams(2);
        var bytes = CaptureBuilder.Pcap(CaptureBuilder.Ethernet, datagrams.Select(d => (d.Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, d))));
        var second = 24 + 16 + CaptureBuilder.Frame(CaptureBuilder.Ethernet, datagrams[0]).Length;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(second + 8), uint.MaxValue);

        var (code, output, error) = CliHarness.Run("decode", "--pcap", Write(bytes, "corrupt.pcap"));

        Assert.Equal(1, code);
        Assert.Single(CliHarness.Lines(output));
        Assert.Contains("record 2 claims 4294967295 bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ASchema_DecodesTheCommunitysOwnMessagesInACapture()
    {
        var packet = global::Ipv8.Tests.Shared.PayloadSchemaVectors.Packet(0);
        var schema = Write(System.Text.Encoding.UTF8.GetBytes(global::Ipv8.Tests.Shared.PayloadSchemaVectors.SchemaFor(packet)), "schema.json");
        var datagram = CaptureVectors.Datagrams(1)[0] with { Payload = Convert.FromHexString((string)packet["packet"]!) };
        var path = Write(CaptureBuilder.Pcap(CaptureBuilder.Ethernet, [(datagram.Time, CaptureBuilder.Frame(CaptureBuilder.Ethernet, datagram))]), "schema.pcap");

        var (code, output, _) = CliHarness.Run("decode", "--pcap", path, "--schema", schema);

        Assert.Equal(0, code);
        var line = CliHarness.ParseObject(Assert.Single(CliHarness.Lines(output)));
        Assert.Equal(global::Ipv8.Tests.Shared.PayloadSchemaVectors.ExpectedFor(packet), line["decoded"]!.ToJsonString());
    }

    /// <summary>Each line: frame number, time, addresses, length, and <c>decoded</c> exactly as <c>ipv8 decode HEX</c> prints it.</summary>
    internal static void AssertLines(List<TestDatagram> datagrams, string[] lines, bool microseconds, Func<int, bool>? microsecondInterfaces = null, int interfaceCount = 1)
    {
        Assert.Equal(datagrams.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var d = datagrams[i];
            var line = CliHarness.ParseObject(lines[i]);
            var micro = microsecondInterfaces?.Invoke(i % interfaceCount) ?? microseconds;
            var time = micro ? d.Time.AddTicks(-(d.Time.Ticks % 10)) : d.Time;
            CliHarness.AssertKeys(line, ["frame", "time", "source", "destination", "length", "decoded"]);
            Assert.Equal(i + 1, (int)line["frame"]!);
            Assert.Equal(CaptureVectors.Time(time), (string)line["time"]!);
            Assert.Equal(d.Source.ToString(), (string)line["source"]!);
            Assert.Equal(d.Destination.ToString(), (string)line["destination"]!);
            Assert.Equal(d.Payload.Length, (int)line["length"]!);
            Assert.Equal(DecodeCommand.DecodeLine(Convert.ToHexString(d.Payload)), line["decoded"]!.ToJsonString());
        }
    }

    private static IPEndPoint V6(IPEndPoint endpoint) =>
        endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? endpoint : new IPEndPoint(IPAddress.IPv6Loopback, endpoint.Port);
}

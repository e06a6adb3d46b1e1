using System.Globalization;
using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;
using Ipv8.Wire;
using Ipv8.Wire.Schemas;

namespace Ipv8.Cli.Capture;

/// <summary>
/// <c>ipv8 decode --pcap FILE</c>: reads a capture file frame by frame, and prints every UDP datagram that looks like
/// IPv8 (<see cref="LooksLikeIpv8"/>) as one JSON line:
/// <c>{"frame":n,"time":…,"source":…,"destination":…,"length":n,"decoded":{…}}</c>, where <c>decoded</c> is what
/// <c>ipv8 decode</c> prints for the same bytes (<see cref="PacketJson"/>), or <c>"error":reason</c> in its place.
/// A count of what was read goes to standard error at the end.
/// </summary>
internal static class PcapDecoder
{
    /// <summary>
    /// The test for "looks like IPv8", shared with the generated Wireshark dissector's heuristic: at least a prefix and a
    /// message id (23 bytes), starting 0x00 then version 2 (py-ipv8's <c>Community</c> prefix).
    /// </summary>
    public static bool LooksLikeIpv8(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= Packet.HeaderLength && datagram[0] == 0 && datagram[1] == 2;

    /// <summary>Decodes the file (<c>-</c>: standard input); returns the exit code (1 when the file cannot be read as a capture).</summary>
    public static int Run(string path, SchemaSet? schema, TextWriter output, TextWriter error)
    {
        // "-": standard input, read as it comes (a capture piped from `tcpdump -w -` or cat).
        var standardInput = path == "-";
        if (!standardInput && Directory.Exists(path))
        {
            error.WriteLine($"error: --pcap {path}: is a directory, not a capture file");
            return 1;
        }

        if (!standardInput && !File.Exists(path))
        {
            error.WriteLine($"error: --pcap {path}: no such file");
            return 1;
        }

        CaptureFile file;
        try
        {
            file = standardInput ? CaptureFile.Open(Console.OpenStandardInput()) : CaptureFile.Open(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or CaptureFormatException)
        {
            error.WriteLine($"error: --pcap {path}: {e.Message}".ReplaceLineEndings(" "));
            return 1;
        }

        using (file)
        {
            var counts = new Counts();
            try
            {
                while (file.TryReadNext(out var frame))
                {
                    counts.Frames++;
                    var skip = UdpDatagrams.TryGet(frame, out var datagram);
                    counts.Count(skip);
                    if (skip != FrameSkip.None)
                    {
                        continue;
                    }

                    if (!LooksLikeIpv8(datagram.Payload.Span))
                    {
                        counts.OtherUdp++;
                        continue;
                    }

                    counts.Ipv8++;
                    output.WriteLine(Line(frame, datagram, schema, out var decoded));
                    counts.NotDecoded += decoded ? 0 : 1;
                }
            }
            catch (Exception e) when (e is IOException or CaptureFormatException)
            {
                error.WriteLine($"error: --pcap {path}: {e.Message} (after {counts.Frames} frames)".ReplaceLineEndings(" "));
                return 1;
            }

            if (file.TruncatedAt is { } where)
            {
                error.WriteLine($"warning: --pcap {path}: the file ends inside {where}; the frames before it were read");
            }

            error.WriteLine(counts.Summary(file.IsPcapNg ? "pcapng" : "pcap"));
        }

        return 0;
    }

    /// <summary>One JSON line for a datagram that looks like IPv8.</summary>
    internal static string Line(in CapturedFrame frame, in CapturedDatagram datagram, SchemaSet? schema) => Line(frame, datagram, schema, out _);

    /// <summary>One JSON line for a datagram that looks like IPv8; <paramref name="isDecoded"/>: false when it is an <c>error</c> line.</summary>
    internal static string Line(in CapturedFrame frame, in CapturedDatagram datagram, SchemaSet? schema, out bool isDecoded)
    {
        byte[]? decoded = null;
        string? reason;
        using (var buffer = new ArrayPoolBufferWriter<byte>())
        {
            using (var writer = new Utf8JsonWriter(buffer, Hosting.Json.WriterOptions))
            {
                if (PacketJson.TryWrite(writer, datagram.Payload.Span, schema, out reason))
                {
                    writer.Flush();
                    decoded = buffer.WrittenSpan.ToArray();
                }
            }
        }

        isDecoded = decoded is not null;
        var number = frame.Number;
        var time = frame.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        var source = datagram.Source.ToString();
        var destination = datagram.Destination.ToString();
        var length = datagram.Payload.Length;
        return Hosting.Json.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("frame", number);
            writer.WriteString("time", time);
            writer.WriteString("source", source);
            writer.WriteString("destination", destination);
            writer.WriteNumber("length", length);
            if (decoded is not null)
            {
                writer.WritePropertyName("decoded");
                writer.WriteRawValue(decoded, skipInputValidation: true);
            }
            else
            {
                writer.WriteString("error", reason);
            }

            writer.WriteEndObject();
        });
    }

    private sealed class Counts
    {
        public long Frames;
        public long Ipv8;
        public long NotDecoded;
        public long OtherUdp;
        public long NotUdp;
        public long Truncated;
        public long Unsupported;
        public long Malformed;

        public void Count(FrameSkip skip)
        {
            switch (skip)
            {
                case FrameSkip.NotUdp: NotUdp++; break;
                case FrameSkip.Truncated: Truncated++; break;
                case FrameSkip.UnsupportedLinkType: Unsupported++; break;
                case FrameSkip.Malformed: Malformed++; break;
                default: break;
            }
        }

        public string Summary(string format) =>
            $"{format}: {Frames} frames, {Ipv8} IPv8 datagrams ({NotDecoded} did not decode), {OtherUdp} other UDP datagrams, {NotUdp} not UDP, " +
            $"{Truncated} cut short (snap length or IP fragment), {Unsupported} of an unsupported link type, {Malformed} malformed";
    }
}

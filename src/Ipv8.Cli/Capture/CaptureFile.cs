using System.Buffers.Binary;

namespace Ipv8.Cli.Capture;

/// <summary>One captured frame: its number in the file (from 1, as Wireshark counts), time, link type and bytes.</summary>
/// <param name="Number">The frame number, from 1.</param>
/// <param name="Time">When it was captured (UTC; pcapng's resolution is kept down to 100 ns).</param>
/// <param name="LinkType">The link-layer header type (<c>LINKTYPE_*</c>: 1 Ethernet, 113 Linux cooked, …).</param>
/// <param name="Data">The captured bytes.</param>
/// <param name="OriginalLength">The frame's length on the wire; more than <paramref name="Data"/> when the capture cut it (snaplen).</param>
internal readonly record struct CapturedFrame(long Number, DateTimeOffset Time, int LinkType, ReadOnlyMemory<byte> Data, long OriginalLength);

/// <summary>A capture file that cannot be read as pcap or pcapng.</summary>
internal sealed class CaptureFormatException(string message) : Exception(message);

/// <summary>
/// Reads the frames of a capture file: classic pcap (microsecond or nanosecond, either byte order) and pcapng (every
/// section and interface; enhanced, simple and obsolete packet blocks; <c>if_tsresol</c>, <c>if_tsoffset</c>), as
/// tcpdump, dumpcap and tshark write them. Streams the file: one frame in memory at a time.
/// </summary>
/// <remarks>
/// A small reader of our own rather than SharpPcap: SharpPcap reads files through the system libpcap (a native
/// library the .NET SDK image lacks), and the two formats are short, fixed specifications (tcpdump.org's pcap format,
/// IETF draft-ietf-opsawg-pcapng). The tests read files that the real tshark and dumpcap wrote in both formats. The
/// headers inside a frame (link layer, IP, UDP) are PacketDotNet's (<see cref="UdpDatagrams"/>).
/// </remarks>
internal sealed class CaptureFile : IDisposable
{
    /// <summary>The largest block or record accepted (a corrupt length must not allocate gigabytes).</summary>
    public const int MaxRecordLength = 16 * 1024 * 1024;

    private const uint PcapMicros = 0xA1B2C3D4;
    private const uint PcapNanos = 0xA1B23C4D;
    private const uint SectionHeaderBlock = 0x0A0D0D0A;
    private const uint ByteOrderMagic = 0x1A2B3C4D;

    private readonly Stream _stream;
    private readonly List<Interface> _interfaces = [];
    private bool _bigEndian;
    private long _number;

    // pcap only
    private int _pcapLinkType;
    private long _pcapTicksPerFraction;

    private CaptureFile(Stream stream, bool isPcapNg)
    {
        _stream = stream;
        IsPcapNg = isPcapNg;
    }

    /// <summary>True for pcapng, false for classic pcap.</summary>
    public bool IsPcapNg { get; }

    /// <summary>Set when the file ended inside a record (a capture still being written, or cut): the frames before it were read.</summary>
    public string? TruncatedAt { get; private set; }

    /// <summary>Opens <paramref name="path"/> and reads its file header.</summary>
    /// <exception cref="CaptureFormatException">Neither pcap nor pcapng.</exception>
    public static CaptureFile Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        try
        {
            return Open(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads the file header from <paramref name="stream"/>; the reader owns the stream.</summary>
    /// <exception cref="CaptureFormatException">Neither pcap nor pcapng.</exception>
    public static CaptureFile Open(Stream stream)
    {
        Span<byte> head = stackalloc byte[24];
        if (!ReadExactly(stream, head[..4]))
        {
            throw new CaptureFormatException("not a pcap or pcapng file (shorter than a file header)");
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
        if (magic == SectionHeaderBlock)
        {
            var file = new CaptureFile(stream, isPcapNg: true);
            file.ReadSectionHeader();
            return file;
        }

        var big = BinaryPrimitives.ReverseEndianness(magic);
        bool bigEndian;
        bool nanos;
        if (magic is PcapMicros or PcapNanos)
        {
            bigEndian = false;
            nanos = magic == PcapNanos;
        }
        else if (big is PcapMicros or PcapNanos)
        {
            bigEndian = true;
            nanos = big == PcapNanos;
        }
        else
        {
            throw new CaptureFormatException("not a pcap or pcapng file (unknown magic number)");
        }

        if (!ReadExactly(stream, head[4..24]))
        {
            throw new CaptureFormatException("not a pcap file (the file header is cut short)");
        }

        var pcap = new CaptureFile(stream, isPcapNg: false)
        {
            _bigEndian = bigEndian,
            _pcapTicksPerFraction = nanos ? 0 : 10,
        };

        // The link type is the low 16 bits; the bits above may carry an FCS length (pcap format, LinkType and additional information).
        pcap._pcapLinkType = (int)(pcap.UInt32(head[20..]) & 0xFFFF);
        return pcap;
    }

    /// <summary>Reads the next frame; false at the end of the file (or where it is cut, see <see cref="TruncatedAt"/>).</summary>
    /// <exception cref="CaptureFormatException">A record that no valid file holds (a length beyond <see cref="MaxRecordLength"/>, a packet of an interface never described).</exception>
    public bool TryReadNext(out CapturedFrame frame) => IsPcapNg ? TryReadPcapNg(out frame) : TryReadPcap(out frame);

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();

    private bool TryReadPcap(out CapturedFrame frame)
    {
        frame = default;
        Span<byte> header = stackalloc byte[16];
        var got = ReadUpTo(_stream, header);
        if (got == 0)
        {
            return false;
        }

        if (got < header.Length)
        {
            TruncatedAt = $"record {_number + 1} (header)";
            return false;
        }

        var seconds = UInt32(header);
        var fraction = UInt32(header[4..]);
        var captured = UInt32(header[8..]);
        var original = UInt32(header[12..]);
        if (captured > MaxRecordLength)
        {
            throw new CaptureFormatException($"record {_number + 1} claims {captured} bytes (corrupt file?)");
        }

        var data = new byte[captured];
        if (!ReadExactly(_stream, data))
        {
            TruncatedAt = $"record {_number + 1} (data)";
            return false;
        }

        var ticks = _pcapTicksPerFraction > 0 ? fraction * _pcapTicksPerFraction : fraction / 100;
        var time = DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddTicks(Math.Min(ticks, TimeSpan.TicksPerSecond * 10));
        _number++;
        frame = new CapturedFrame(_number, time, _pcapLinkType, data, original);
        return true;
    }

    private bool TryReadPcapNg(out CapturedFrame frame)
    {
        frame = default;
        Span<byte> head = stackalloc byte[8];
        while (true)
        {
            var got = ReadUpTo(_stream, head);
            if (got == 0)
            {
                return false;
            }

            if (got < head.Length)
            {
                TruncatedAt = "a block header";
                return false;
            }

            var type = UInt32(head);
            if (type == SectionHeaderBlock)
            {
                // A new section: its byte order may differ, and its interfaces start from 0 again.
                _interfaces.Clear();
                ReadSectionHeader(head[4..]);
                continue;
            }

            var total = UInt32(head[4..]);
            if (total < 12 || total % 4 != 0 || total > MaxRecordLength)
            {
                throw new CaptureFormatException($"a block of type {type} has length {total} (corrupt file?)");
            }

            var body = new byte[total - 8];
            if (!ReadExactly(_stream, body))
            {
                TruncatedAt = $"a block of type {type}";
                return false;
            }

            var content = body.AsMemory(0, body.Length - 4);
            switch (type)
            {
                case 1:
                    _interfaces.Add(ReadInterface(content.Span));
                    break;
                case 6 when content.Length >= 20:
                    frame = Packet(content, (int)UInt32(content.Span), UInt32(content.Span[4..]), UInt32(content.Span[8..]), UInt32(content.Span[12..]), UInt32(content.Span[16..]), 20);
                    return true;
                case 3 when content.Length >= 4:
                    var original = UInt32(content.Span);
                    var interfaceFor = Find(0);
                    var length = (uint)Math.Min(original, Math.Min(content.Length - 4, interfaceFor.SnapLength == 0 ? int.MaxValue : interfaceFor.SnapLength));
                    _number++;
                    frame = new CapturedFrame(_number, DateTimeOffset.UnixEpoch, interfaceFor.LinkType, content.Slice(4, (int)length), original);
                    return true;
                case 2 when content.Length >= 20:
                    frame = Packet(content, UInt16(content.Span), UInt32(content.Span[4..]), UInt32(content.Span[8..]), UInt32(content.Span[12..]), UInt32(content.Span[16..]), 20);
                    return true;
                default:
                    // Name resolution, statistics, custom and other blocks say nothing about the frames.
                    break;
            }
        }
    }

    private CapturedFrame Packet(ReadOnlyMemory<byte> content, int interfaceId, uint high, uint low, uint captured, uint original, int dataOffset)
    {
        var iface = Find(interfaceId);
        if (captured > content.Length - dataOffset)
        {
            throw new CaptureFormatException($"packet {_number + 1} claims {captured} bytes in a block of {content.Length} (corrupt file?)");
        }

        var units = ((ulong)high << 32) | low;
        _number++;
        return new CapturedFrame(_number, iface.ToTime(units), iface.LinkType, content.Slice(dataOffset, (int)captured), original);
    }

    private Interface Find(int id)
    {
        if (id < 0 || id >= _interfaces.Count)
        {
            throw new CaptureFormatException($"packet {_number + 1} names interface {id}, which the section does not describe");
        }

        return _interfaces[id];
    }

    private void ReadSectionHeader() => ReadSectionHeader(ReadBlockLengthAfterType());

    private ReadOnlySpan<byte> ReadBlockLengthAfterType()
    {
        var length = new byte[4];
        if (!ReadExactly(_stream, length))
        {
            throw new CaptureFormatException("not a pcapng file (the section header is cut short)");
        }

        return length;
    }

    /// <summary>Reads the rest of a section header block, whose length field (in either byte order) is <paramref name="rawLength"/>.</summary>
    private void ReadSectionHeader(ReadOnlySpan<byte> rawLength)
    {
        Span<byte> magic = stackalloc byte[4];
        if (!ReadExactly(_stream, magic))
        {
            throw new CaptureFormatException("not a pcapng file (the section header is cut short)");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(magic) == ByteOrderMagic)
        {
            _bigEndian = false;
        }
        else if (BinaryPrimitives.ReadUInt32BigEndian(magic) == ByteOrderMagic)
        {
            _bigEndian = true;
        }
        else
        {
            throw new CaptureFormatException("not a pcapng file (no byte-order magic in the section header)");
        }

        var total = UInt32(rawLength);
        if (total < 28 || total % 4 != 0 || total > MaxRecordLength)
        {
            throw new CaptureFormatException($"a section header block has length {total} (corrupt file?)");
        }

        var rest = new byte[total - 12];
        if (!ReadExactly(_stream, rest))
        {
            throw new CaptureFormatException("not a pcapng file (the section header is cut short)");
        }
    }

    private Interface ReadInterface(ReadOnlySpan<byte> content)
    {
        if (content.Length < 8)
        {
            throw new CaptureFormatException("an interface description block is too short");
        }

        var linkType = UInt16(content);
        var snapLength = (int)Math.Min(UInt32(content[4..]), int.MaxValue);
        var resolution = (byte)6;
        long offsetSeconds = 0;
        var options = content[8..];
        while (options.Length >= 4)
        {
            var code = UInt16(options);
            var length = UInt16(options[2..]);
            if (code == 0 || options.Length < 4 + length)
            {
                break;
            }

            var value = options.Slice(4, length);
            if (code == 9 && length >= 1)
            {
                resolution = value[0];
            }
            else if (code == 14 && length >= 8)
            {
                offsetSeconds = _bigEndian ? BinaryPrimitives.ReadInt64BigEndian(value) : BinaryPrimitives.ReadInt64LittleEndian(value);
            }

            options = options[Math.Min(options.Length, 4 + ((length + 3) & ~3))..];
        }

        return new Interface(linkType, snapLength, resolution, offsetSeconds);
    }

    private uint UInt32(ReadOnlySpan<byte> span) => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);

    private ushort UInt16(ReadOnlySpan<byte> span) => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span);

    private static bool ReadExactly(Stream stream, Span<byte> buffer) => ReadUpTo(stream, buffer) == buffer.Length;

    private static int ReadUpTo(Stream stream, Span<byte> buffer) => stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);

    /// <summary>A pcapng interface: link type, snap length and how its timestamps count (<c>if_tsresol</c>, <c>if_tsoffset</c>).</summary>
    private readonly record struct Interface(int LinkType, int SnapLength, byte Resolution, long OffsetSeconds)
    {
        public DateTimeOffset ToTime(ulong units)
        {
            // if_tsresol: the high bit clear means 10^-n seconds per unit, set means 2^-n.
            var exponent = Resolution & 0x7F;
            decimal perSecond = (Resolution & 0x80) == 0 ? Pow(10, exponent) : Pow(2, exponent);
            var seconds = decimal.Floor(units / perSecond);
            var fraction = (units / perSecond) - seconds;
            var whole = (long)Math.Clamp(seconds + OffsetSeconds, 0, 253_402_300_799m - 1);
            var ticks = (long)decimal.Floor(fraction * TimeSpan.TicksPerSecond);
            return DateTimeOffset.UnixEpoch.AddSeconds(whole).AddTicks(ticks);
        }

        private static decimal Pow(int b, int exponent)
        {
            var result = 1m;
            for (var i = 0; i < Math.Min(exponent, 28); i++)
            {
                result *= b;
            }

            return result;
        }
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Ipv8.Cli.Tests.Capture;

/// <summary>A UDP datagram to put in a test capture, with when it was "captured".</summary>
internal sealed record TestDatagram(IPEndPoint Source, IPEndPoint Destination, byte[] Payload, DateTimeOffset Time);

/// <summary>
/// Builds capture files byte by byte from the format specifications, independently of the reader under test: frames
/// (UDP in IPv4/IPv6 behind every supported link-layer header) and pcap / pcapng files around them.
/// </summary>
internal static class CaptureBuilder
{
    public const int Ethernet = 1;
    public const int Null = 0;
    public const int Loop = 108;
    public const int Raw = 101;
    public const int LinuxSll = 113;
    public const int LinuxSll2 = 276;
    public const int Ipv4 = 228;
    public const int Ipv6 = 229;

    public static readonly int[] LinkTypes = [Ethernet, Null, Loop, Raw, LinuxSll, LinuxSll2, Ipv4, Ipv6];

    /// <summary>The frame of <paramref name="datagram"/> behind <paramref name="linkType"/>'s header.</summary>
    public static byte[] Frame(int linkType, TestDatagram datagram)
    {
        var ip = IpPacket(datagram);
        var v6 = datagram.Source.AddressFamily == AddressFamily.InterNetworkV6;
        var etherType = v6 ? (ushort)0x86DD : (ushort)0x0800;
        byte[] header;
        switch (linkType)
        {
            case Ethernet:
                header = new byte[14];
                header[5] = 1; // destination 00:00:00:00:00:01, source 00:00:00:00:00:00 (loopback's)
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(12), etherType);
                break;
            case Null:
                header = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(header, v6 ? 24u : 2u); // AF_INET, BSD's AF_INET6, in the writer's (little-endian) order
                break;
            case Loop:
                header = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(header, v6 ? 24u : 2u);
                break;
            case LinuxSll:
                header = new byte[16];
                BinaryPrimitives.WriteUInt16BigEndian(header, 0); // to us
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), 772); // ARPHRD_LOOPBACK
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), 6);
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), etherType);
                break;
            case LinuxSll2:
                header = new byte[20];
                BinaryPrimitives.WriteUInt16BigEndian(header, etherType);
                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 1); // interface index
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), 772);
                header[10] = 0;
                header[11] = 6;
                break;
            case Raw or Ipv4 or Ipv6:
                header = [];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(linkType), linkType, "no such link type here");
        }

        return [.. header, .. ip];
    }

    /// <summary>IPv4 or IPv6, then UDP with its checksum.</summary>
    public static byte[] IpPacket(TestDatagram d)
    {
        var udp = new byte[8 + d.Payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)d.Source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), (ushort)d.Destination.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        d.Payload.CopyTo(udp, 8);
        var source = d.Source.Address.GetAddressBytes();
        var destination = d.Destination.Address.GetAddressBytes();
        var pseudo = new List<byte>();
        pseudo.AddRange(source);
        pseudo.AddRange(destination);
        pseudo.AddRange([0, 17, (byte)(udp.Length >> 8), (byte)udp.Length]);
        var sum = Checksum([.. pseudo, .. udp]);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(6), sum == 0 ? (ushort)0xFFFF : sum);

        if (d.Source.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var v6 = new byte[40];
            v6[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(v6.AsSpan(4), (ushort)udp.Length);
            v6[6] = 17;
            v6[7] = 64;
            source.CopyTo(v6, 8);
            destination.CopyTo(v6, 24);
            return [.. v6, .. udp];
        }

        var v4 = new byte[20];
        v4[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(v4.AsSpan(2), (ushort)(20 + udp.Length));
        BinaryPrimitives.WriteUInt16BigEndian(v4.AsSpan(6), 0x4000);
        v4[8] = 64;
        v4[9] = 17;
        source.CopyTo(v4, 12);
        destination.CopyTo(v4, 16);
        BinaryPrimitives.WriteUInt16BigEndian(v4.AsSpan(10), Checksum(v4));
        return [.. v4, .. udp];
    }

    private static ushort Checksum(byte[] data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            sum += (uint)((data[i] << 8) | data[i + 1]);
        }

        if (data.Length % 2 == 1)
        {
            sum += (uint)(data[^1] << 8);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>A classic pcap file: microsecond or nanosecond timestamps, little- or big-endian.</summary>
    public static byte[] Pcap(int linkType, IEnumerable<(DateTimeOffset Time, byte[] Frame)> frames, bool nanoseconds = false, bool bigEndian = false, int snapLength = 262144)
    {
        using var stream = new MemoryStream();
        void U32(uint v)
        {
            Span<byte> b = stackalloc byte[4];
            if (bigEndian) { BinaryPrimitives.WriteUInt32BigEndian(b, v); } else { BinaryPrimitives.WriteUInt32LittleEndian(b, v); }
            stream.Write(b);
        }

        void U16(ushort v)
        {
            Span<byte> b = stackalloc byte[2];
            if (bigEndian) { BinaryPrimitives.WriteUInt16BigEndian(b, v); } else { BinaryPrimitives.WriteUInt16LittleEndian(b, v); }
            stream.Write(b);
        }

        U32(nanoseconds ? 0xA1B23C4Du : 0xA1B2C3D4u);
        U16(2);
        U16(4);
        U32(0);
        U32(0);
        U32((uint)snapLength);
        U32((uint)linkType);
        foreach (var (time, frame) in frames)
        {
            var unix = time - DateTimeOffset.UnixEpoch;
            var seconds = (uint)(unix.Ticks / TimeSpan.TicksPerSecond);
            var rest = unix.Ticks % TimeSpan.TicksPerSecond;
            U32(seconds);
            U32((uint)(nanoseconds ? rest * 100 : rest / 10));
            var captured = Math.Min(frame.Length, snapLength);
            U32((uint)captured);
            U32((uint)frame.Length);
            stream.Write(frame.AsSpan(0, captured));
        }

        return stream.ToArray();
    }

    /// <summary>
    /// A pcapng file, little-endian: one section, one interface per link type given (nanosecond <c>if_tsresol</c> on
    /// every other one), each frame in an enhanced packet block of its interface; <paramref name="simple"/> puts the
    /// frames of interface 0 in simple packet blocks instead (no time), and a name-resolution block is thrown in.
    /// </summary>
    public static byte[] PcapNg(IReadOnlyList<int> interfaces, IEnumerable<(int Interface, DateTimeOffset Time, byte[] Frame)> frames, bool simple = false)
    {
        using var stream = new MemoryStream();
        void Block(uint type, byte[] body)
        {
            var padded = (body.Length + 3) & ~3;
            var total = (uint)(12 + padded);
            var b = new byte[total];
            BinaryPrimitives.WriteUInt32LittleEndian(b, type);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), total);
            body.CopyTo(b, 8);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan((int)total - 4), total);
            stream.Write(b);
        }

        var shb = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(shb, 0x1A2B3C4D);
        BinaryPrimitives.WriteUInt16LittleEndian(shb.AsSpan(4), 1);
        BinaryPrimitives.WriteInt64LittleEndian(shb.AsSpan(8), -1);
        Block(0x0A0D0D0A, shb);
        for (var i = 0; i < interfaces.Count; i++)
        {
            var nanos = i % 2 == 1;
            var idb = new byte[nanos ? 8 + 8 + 4 : 8 + 4];
            BinaryPrimitives.WriteUInt16LittleEndian(idb, (ushort)interfaces[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(idb.AsSpan(4), 262144);
            if (nanos)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(idb.AsSpan(8), 9); // if_tsresol
                BinaryPrimitives.WriteUInt16LittleEndian(idb.AsSpan(10), 1);
                idb[12] = 9;
            }

            Block(1, idb); // ends with opt_endofopt (zeros)
        }

        Block(4, new byte[4]); // a name resolution block with nothing but its end
        foreach (var (iface, time, frame) in frames)
        {
            if (simple && iface == 0)
            {
                var spb = new byte[4 + frame.Length];
                BinaryPrimitives.WriteUInt32LittleEndian(spb, (uint)frame.Length);
                frame.CopyTo(spb, 4);
                Block(3, spb);
                continue;
            }

            var nanos = iface % 2 == 1;
            var unix = (ulong)(time - DateTimeOffset.UnixEpoch).Ticks;
            var units = nanos ? unix * 100 : unix / 10;
            var epb = new byte[20 + frame.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(epb, (uint)iface);
            BinaryPrimitives.WriteUInt32LittleEndian(epb.AsSpan(4), (uint)(units >> 32));
            BinaryPrimitives.WriteUInt32LittleEndian(epb.AsSpan(8), (uint)units);
            BinaryPrimitives.WriteUInt32LittleEndian(epb.AsSpan(12), (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(epb.AsSpan(16), (uint)frame.Length);
            frame.CopyTo(epb, 20);
            Block(6, epb);
        }

        return stream.ToArray();
    }
}

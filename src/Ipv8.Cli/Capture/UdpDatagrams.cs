using System.Net;
using PacketDotNet;
using PacketDotNet.Utils;

namespace Ipv8.Cli.Capture;

/// <summary>A UDP datagram found in a captured frame.</summary>
/// <param name="Source">The sender's address and port.</param>
/// <param name="Destination">The receiver's address and port.</param>
/// <param name="Payload">The UDP payload.</param>
internal readonly record struct CapturedDatagram(IPEndPoint Source, IPEndPoint Destination, ReadOnlyMemory<byte> Payload);

/// <summary>Why a frame gave no datagram.</summary>
internal enum FrameSkip
{
    /// <summary>A datagram was found.</summary>
    None,

    /// <summary>A link type that is not read (only Ethernet, Linux cooked v1/v2, raw IP, IPv4, IPv6, BSD loopback).</summary>
    UnsupportedLinkType,

    /// <summary>Not IPv4/IPv6 with UDP (TCP, ARP, ICMP, …), or a later IP fragment.</summary>
    NotUdp,

    /// <summary>The datagram is cut short: by the capture's snap length, or a first IP fragment.</summary>
    Truncated,

    /// <summary>Headers that do not parse.</summary>
    Malformed,
}

/// <summary>
/// Finds the UDP datagram in a captured frame with PacketDotNet: link layer (Ethernet, VLAN tags included; Linux
/// cooked capture v1 and v2, which <c>tshark -i any</c> writes; raw IP; the <c>LINKTYPE_IPV4</c>/<c>IPV6</c> types; BSD
/// loopback, null and loop), then IPv4 or IPv6 (extension headers included), then UDP. No reassembly: a fragmented
/// datagram counts as <see cref="FrameSkip.Truncated"/>.
/// </summary>
internal static class UdpDatagrams
{
    public static FrameSkip TryGet(in CapturedFrame frame, out CapturedDatagram datagram)
    {
        datagram = default;
        PacketDotNet.Packet? packet;
        try
        {
            var bytes = frame.Data.ToArray();
            packet = frame.LinkType switch
            {
                (int)LinkLayers.Ethernet or (int)LinkLayers.LinuxSll or (int)LinkLayers.LinuxSll2 or (int)LinkLayers.Null =>
                    PacketDotNet.Packet.ParsePacket((LinkLayers)frame.LinkType, bytes),
                (int)LinkLayers.Raw or (int)LinkLayers.RawLegacy or 14 => RawIp(bytes),
                // OpenBSD's loopback: a 4-byte address family (network order), then IP; PacketDotNet does not parse it.
                (int)LinkLayers.Loop => bytes.Length > 4 ? RawIp(bytes[4..]) : null,
                (int)LinkLayers.IPv4 => new IPv4Packet(new ByteArraySegment(bytes)),
                (int)LinkLayers.IPv6 => new IPv6Packet(new ByteArraySegment(bytes)),
                _ => null,
            };
            if (packet is null)
            {
                return FrameSkip.UnsupportedLinkType;
            }

            return Find(packet, frame, out datagram);
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException or NotImplementedException or NotSupportedException or OverflowException)
        {
            // PacketDotNet throws on headers that do not parse; a capture of anything may hold such frames.
            return FrameSkip.Malformed;
        }
    }

    private static IPPacket? RawIp(byte[] bytes) => bytes.Length == 0
        ? null
        : (bytes[0] >> 4) switch
        {
            4 => new IPv4Packet(new ByteArraySegment(bytes)),
            6 => new IPv6Packet(new ByteArraySegment(bytes)),
            _ => null,
        };

    private static FrameSkip Find(PacketDotNet.Packet packet, in CapturedFrame frame, out CapturedDatagram datagram)
    {
        datagram = default;
        var ip = packet.Extract<IPPacket>();
        if (ip is null)
        {
            return FrameSkip.NotUdp;
        }

        if (ip is IPv4Packet v4 && (v4.FragmentOffset != 0 || (v4.FragmentFlags & 0x1) != 0))
        {
            // A first fragment has the UDP header but not the whole datagram; later ones have no UDP header. Either is
            // a piece of a UDP datagram (there is no reassembly): cut short.
            return v4.Protocol == PacketDotNet.ProtocolType.Udp ? FrameSkip.Truncated : FrameSkip.NotUdp;
        }

        var udp = ip.Extract<UdpPacket>();
        if (udp is null)
        {
            return FrameSkip.NotUdp;
        }

        var header = udp.HeaderData.Length;
        var wanted = udp.Length - header;
        if (wanted < 0)
        {
            // A UDP length below the header's own 8 bytes (Wireshark: "Bad length value"): not a cut, a broken header.
            return FrameSkip.Malformed;
        }

        var payload = udp.PayloadData ?? [];
        if (payload.Length < wanted || frame.Data.Length < frame.OriginalLength)
        {
            return FrameSkip.Truncated;
        }

        datagram = new CapturedDatagram(
            new IPEndPoint(ip.SourceAddress, udp.SourcePort),
            new IPEndPoint(ip.DestinationAddress, udp.DestinationPort),
            payload.AsMemory(0, wanted));
        return FrameSkip.None;
    }
}

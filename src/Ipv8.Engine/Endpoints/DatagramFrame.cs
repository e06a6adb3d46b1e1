using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ipv8.Wire;

namespace Ipv8.Engine.Endpoints;

/// <summary>
/// How a received datagram is laid out in the pipe between a receive loop and its dispatch loop: an int length, the
/// source <see cref="UdpAddress"/>, then the datagram. The receive loop receives straight into the space after the
/// header and writes the header afterwards, so a datagram is never copied; the dispatch loop reads frames in place.
/// Every frame is written into one contiguous block, so a pipe segment always holds whole frames.
/// </summary>
internal static class DatagramFrame
{
    /// <summary>The largest datagram UDP can carry.</summary>
    public const int MaxDatagram = 65_535;

    /// <summary>Bytes in front of each datagram.</summary>
    public static readonly int HeaderSize = sizeof(int) + Unsafe.SizeOf<UdpAddress>();

    /// <summary>The contiguous space a receive asks the pipe for: one header and the largest datagram.</summary>
    public static int MaxFrameSize => HeaderSize + MaxDatagram;

    /// <summary>Writes the header, with <paramref name="source"/>, in front of the <paramref name="received"/> bytes already at <c>frame[HeaderSize..]</c>.</summary>
    public static void WriteHeader(Span<byte> frame, int received, in UdpAddress source)
    {
        MemoryMarshal.Write(frame, received);
        MemoryMarshal.Write(frame[sizeof(int)..], in source);
    }

    /// <summary>Delivers every frame of one pipe segment.</summary>
    public static void DeliverAll(ReadOnlySpan<byte> frames, EndpointLifecycle lifecycle)
    {
        var headerSize = HeaderSize;
        while (frames.Length >= headerSize)
        {
            var length = MemoryMarshal.Read<int>(frames);
            var source = MemoryMarshal.Read<UdpAddress>(frames[sizeof(int)..]);
            lifecycle.Deliver(source, frames.Slice(headerSize, length));
            frames = frames[(headerSize + length)..];
        }
    }
}

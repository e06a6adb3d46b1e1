using Ipv8.Wire;

namespace Ipv8.Testing;

/// <summary>A copy of a datagram a fake endpoint sent or a fake sink received, with helpers to look inside it.</summary>
/// <param name="Data">A copy of the datagram's bytes.</param>
public abstract record Datagram(byte[] Data)
{
    /// <summary>The message id: the byte after the 22-byte prefix, or 0 for a datagram too short to have one.</summary>
    public byte MessageId => Data.Length > Packet.PrefixLength ? Data[Packet.PrefixLength] : (byte)0;

    /// <summary>True when the datagram starts with <paramref name="prefix"/> (a community's <c>GetPrefix()</c>).</summary>
    public bool HasPrefix(ReadOnlySpan<byte> prefix) => Data.AsSpan().StartsWith(prefix);

    /// <summary>
    /// Decodes the datagram as a message of one payload (py-ipv8 <c>ez_send(peer, payload)</c>), checking its signature
    /// when <paramref name="verify"/> is set. False when it is not such a message or the signature does not match.
    /// </summary>
    public bool TryDecode<T>(out T payload, bool verify = true) where T : IMessagePayload<T>, allows ref struct =>
        Packet.TryDecode(Data, verify, out _, out payload, out _);

    /// <summary>Decodes a message of two payloads, as <see cref="TryDecode{T}(out T, bool)"/>; py-ipv8's discovery messages are <c>[GlobalTime, payload]</c>.</summary>
    public bool TryDecode<T1, T2>(out T1 first, out T2 second, bool verify = true)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct =>
        Packet.TryDecode(Data, verify, out _, out first, out second, out _);
}

/// <summary>A datagram a <see cref="RecordingEndpoint"/> was asked to send.</summary>
/// <param name="Destination">Where it was sent.</param>
/// <param name="Data">A copy of the datagram's bytes.</param>
public sealed record SentDatagram(UdpAddress Destination, byte[] Data) : Datagram(Data);

/// <summary>A datagram a <see cref="RecordingSink"/> received.</summary>
/// <param name="Source">Where it came from.</param>
/// <param name="Data">A copy of the datagram's bytes.</param>
public sealed record ReceivedDatagram(UdpAddress Source, byte[] Data) : Datagram(Data);

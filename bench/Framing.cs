using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Bench;

/// <summary>
/// What <c>Packet.Write(destination, prefix, key, new GlobalTime(t), payload)</c> does for a signed discovery message,
/// minus the Ed25519 signature: it prices the framing alone, through the public <see cref="Packet.WriteHeader"/> and the
/// payloads' own writers. The encode benchmarks check in their setup that the bytes match <c>Packet.Write</c> up to
/// the signature.
/// </summary>
internal static class Framing
{
    /// <summary>Writes everything but the signature, leaves its 64 bytes untouched, and returns the packet length.</summary>
    public static int WriteWithoutSignature<T>(Span<byte> destination, ReadOnlySpan<byte> prefix, LibNaClPrivateKey key, ulong globalTime, scoped in T payload)
        where T : IMessagePayload<T>, allows ref struct
    {
        var offset = Packet.WriteHeader(destination, prefix, T.MessageId, key);
        var writer = new WireWriter(destination[offset..]);
        new GlobalTime(globalTime).Write(ref writer);
        payload.Write(ref writer);
        return offset + writer.Position + Ed25519.SignatureLength;
    }
}

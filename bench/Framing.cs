using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Bench;

/// <summary>
/// What <see cref="Packet.Write{T}(Span{byte}, ReadOnlySpan{byte}, LibNaClPrivateKey?, ulong, in T)"/> does for a
/// signed message, minus the Ed25519 signature: it prices the framing alone. The library has no public
/// "frame without signing" entry point, so this mirrors its steps with the public <see cref="WireWriter"/>; the
/// encode benchmarks check in their setup that the bytes match <c>Packet.Write</c> up to the signature.
/// </summary>
internal static class Framing
{
    /// <summary>Writes everything but the signature, leaves its 64 bytes untouched, and returns the packet length.</summary>
    public static int WriteWithoutSignature<T>(Span<byte> destination, ReadOnlySpan<byte> prefix, LibNaClPublicKey key, ulong globalTime, scoped in T payload)
        where T : IMessagePayload<T>, allows ref struct
    {
        var size = Packet.GetSize(payload);
        if (prefix.Length != Packet.PrefixLength || destination.Length < size)
        {
            throw new ArgumentException("Needs a 22-byte prefix and room for the whole packet.", nameof(destination));
        }

        var writer = new WireWriter(destination);
        writer.WriteRaw(prefix);
        writer.WriteUInt8(T.MessageId);
        writer.WriteVarLenH(key.Bin);
        writer.WriteUInt64(globalTime);
        payload.Write(ref writer);
        return writer.Position + Ed25519.SignatureLength;
    }
}

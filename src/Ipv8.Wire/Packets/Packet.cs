using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Ipv8.Wire.Crypto;

namespace Ipv8.Wire;

/// <summary>
/// A datagram parsed in place: prefix, message id, and for signed messages the sender's key and signature. Nothing is
/// copied; the spans point into the datagram and are valid only as long as it is.
/// </summary>
/// <remarks>
/// Layout (all big-endian): <c>prefix(22) | msg_id(1) | [key_len(H) | key] | global_time(Q) | payload | [signature(64)]</c>.
/// The signature covers every byte before it.
/// </remarks>
public readonly ref struct Packet
{
    /// <summary>The prefix length: 0x00, the version, the 20-byte community id.</summary>
    public const int PrefixLength = 22;

    /// <summary>The prefix and message id.</summary>
    public const int HeaderLength = 23;

    /// <summary>The protocol version byte that py-ipv8 communities use.</summary>
    public const byte Version = 2;

    /// <summary>The size of everything a signed LibNaCL packet adds around its payload: header, key length, key, time, signature.</summary>
    public const int SignedOverhead = HeaderLength + 2 + LibNaClPublicKey.BinLength + 8 + Ed25519.SignatureLength;

    /// <summary>The size of everything an unsigned packet adds around its payload: header and time.</summary>
    public const int UnsignedOverhead = HeaderLength + 8;

    private const int SignatureLength = Ed25519.SignatureLength;
    private const int VerifyKeyOffset = 42;

    private Packet(ReadOnlySpan<byte> datagram, bool isSigned, int keyLength, int payloadOffset, int payloadLength)
    {
        Datagram = datagram;
        IsSigned = isSigned;
        PublicKeyBin = isSigned ? datagram.Slice(HeaderLength + 2, keyLength) : default;
        GlobalTime = BinaryPrimitives.ReadUInt64BigEndian(datagram[(payloadOffset - 8)..]);
        Payload = datagram.Slice(payloadOffset, payloadLength);
    }

    /// <summary>The whole datagram.</summary>
    public ReadOnlySpan<byte> Datagram { get; }

    /// <summary>The 22-byte community prefix.</summary>
    public ReadOnlySpan<byte> Prefix => Datagram[..PrefixLength];

    /// <summary>The message id.</summary>
    public byte MessageId => Datagram[PrefixLength];

    /// <summary>True for a signed packet.</summary>
    public bool IsSigned { get; }

    /// <summary>The sender's public key bin (signed packets only).</summary>
    public ReadOnlySpan<byte> PublicKeyBin { get; }

    /// <summary>The sender's global time.</summary>
    public ulong GlobalTime { get; }

    /// <summary>The payload bytes.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The signature (signed packets only).</summary>
    public ReadOnlySpan<byte> Signature => IsSigned ? Datagram[^SignatureLength..] : default;

    /// <summary>The bytes the signature covers (signed packets only).</summary>
    public ReadOnlySpan<byte> SignedBytes => IsSigned ? Datagram[..^SignatureLength] : default;

    /// <summary>Verifies the Ed25519 signature. Allocates nothing. Always false for an unsigned packet.</summary>
    public bool VerifySignature() =>
        IsSigned && Ed25519.Verify(Signature, SignedBytes, PublicKeyBin.Slice(VerifyKeyOffset, Ed25519.PublicKeyLength));

    /// <summary>Reads the message id after checking that the datagram holds a prefix and an id.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadMessageId(ReadOnlySpan<byte> datagram, out byte messageId)
    {
        if (datagram.Length > PrefixLength)
        {
            messageId = datagram[PrefixLength];
            return true;
        }

        messageId = 0;
        return false;
    }

    /// <summary>
    /// Parses the frame of a signed packet: key, time, payload and signature, with the key checked to be a LibNaCL
    /// public key. The signature is <b>not</b> verified; call <see cref="VerifySignature"/> before trusting the
    /// payload, or use <see cref="TryReadSigned"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseSigned(ReadOnlySpan<byte> datagram, out Packet packet, out WireError error)
    {
        packet = default;
        if (datagram.Length < HeaderLength)
        {
            error = WireError.TooShort;
            return false;
        }

        if (datagram.Length < HeaderLength + 2)
        {
            error = WireError.Truncated;
            return false;
        }

        var keyLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[HeaderLength..]);
        var payloadOffset = HeaderLength + 2 + keyLength + 8;
        var payloadLength = datagram.Length - payloadOffset - SignatureLength;
        if (payloadLength < 0)
        {
            error = WireError.Truncated;
            return false;
        }

        var keyError = LibNaClPublicKey.Validate(datagram.Slice(HeaderLength + 2, keyLength));
        if (keyError != KeyError.None)
        {
            error = keyError == KeyError.PrivateKeyMaterial ? WireError.PrivateKeyMaterial : WireError.UnsupportedKey;
            return false;
        }

        packet = new Packet(datagram, true, keyLength, payloadOffset, payloadLength);
        error = WireError.None;
        return true;
    }

    /// <summary>Parses a signed packet and verifies its signature.</summary>
    public static bool TryReadSigned(ReadOnlySpan<byte> datagram, out Packet packet, out WireError error)
    {
        if (!TryParseSigned(datagram, out packet, out error))
        {
            return false;
        }

        if (!packet.VerifySignature())
        {
            packet = default;
            error = WireError.BadSignature;
            return false;
        }

        return true;
    }

    /// <summary>Parses an unsigned packet: header, time, payload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadUnsigned(ReadOnlySpan<byte> datagram, out Packet packet, out WireError error)
    {
        if (datagram.Length < HeaderLength)
        {
            packet = default;
            error = WireError.TooShort;
            return false;
        }

        if (datagram.Length < UnsignedOverhead)
        {
            packet = default;
            error = WireError.Truncated;
            return false;
        }

        packet = new Packet(datagram, false, 0, UnsignedOverhead, datagram.Length - UnsignedOverhead);
        error = WireError.None;
        return true;
    }

    /// <summary>
    /// Decodes a whole message of type <typeparamref name="T"/>: frame, signature (when <typeparamref name="T"/> is
    /// signed and <paramref name="verify"/> is true) and then the payload, which must fill its bytes exactly. The
    /// payload is read only after the signature has been checked. Does not check the prefix or the message id.
    /// </summary>
    public static bool TryDecode<T>(ReadOnlySpan<byte> datagram, bool verify, out Packet packet, out T payload, out WireError error)
        where T : IMessagePayload<T>, allows ref struct
    {
        var framed = T.IsSigned
            ? (verify ? TryReadSigned(datagram, out packet, out error) : TryParseSigned(datagram, out packet, out error))
            : TryReadUnsigned(datagram, out packet, out error);
        if (!framed)
        {
            payload = default!;
            return false;
        }

        var reader = new WireReader(packet.Payload);
        if (T.TryRead(ref reader, out payload) && reader.TryReadEnd())
        {
            return true;
        }

        payload = default!;
        error = reader.Error;
        return false;
    }

    /// <summary>The exact size of the packet that <see cref="Write{T}(Span{byte}, ReadOnlySpan{byte}, LibNaClPrivateKey?, ulong, in T)"/> builds.</summary>
    public static int GetSize<T>(scoped in T payload) where T : IMessagePayload<T>, allows ref struct =>
        (T.IsSigned ? SignedOverhead : UnsignedOverhead) + payload.GetSize();

    /// <summary>
    /// Builds a packet into <paramref name="destination"/> and returns its length: signed with <paramref name="key"/>
    /// when <typeparamref name="T"/> is a signed message, unsigned otherwise. Allocates nothing.
    /// </summary>
    /// <param name="destination">At least <see cref="GetSize{T}"/> bytes.</param>
    /// <param name="prefix">The 22-byte community prefix.</param>
    /// <param name="key">The signing key; required for signed messages.</param>
    /// <param name="globalTime">The sender's global time.</param>
    /// <param name="payload">The payload.</param>
    public static int Write<T>(Span<byte> destination, ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, ulong globalTime, scoped in T payload)
        where T : IMessagePayload<T>, allows ref struct
    {
        if (prefix.Length != PrefixLength)
        {
            ThrowHelper.ThrowArgument("A community prefix has 22 bytes.", nameof(prefix));
        }

        var size = GetSize(payload);
        if (destination.Length < size)
        {
            ThrowHelper.ThrowDestinationTooSmall(size, destination.Length);
        }

        var writer = new WireWriter(destination);
        writer.WriteRaw(prefix);
        writer.WriteUInt8(T.MessageId);
        if (T.IsSigned)
        {
            if (key is null)
            {
                ThrowHelper.ThrowArgument($"Message {T.MessageId} is signed, so it needs a key.", nameof(key));
            }

            writer.WriteVarLenH(key.PublicKey.Bin);
        }

        writer.WriteUInt64(globalTime);
        payload.Write(ref writer);
        if (T.IsSigned)
        {
            var signed = writer.Position;
            key!.Sign(destination[..signed], destination.Slice(signed, Ed25519.SignatureLength));
            return signed + Ed25519.SignatureLength;
        }

        return writer.Position;
    }

    /// <summary>Builds a packet into an <see cref="IBufferWriter{T}"/>, advancing it by the exact packet size.</summary>
    public static int Write<T>(IBufferWriter<byte> output, ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, ulong globalTime, scoped in T payload)
        where T : IMessagePayload<T>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(output);
        var size = GetSize(payload);
        var written = Write(output.GetSpan(size), prefix, key, globalTime, payload);
        output.Advance(written);
        return written;
    }
}

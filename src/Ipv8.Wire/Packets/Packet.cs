using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Ipv8.Wire.Crypto;

namespace Ipv8.Wire;

/// <summary>
/// A datagram parsed in place as py-ipv8 frames it: prefix, message id, and for signed messages the sender's key and
/// signature around the payloads. Nothing is copied; the spans point into the datagram and are valid only as long as it is.
/// </summary>
/// <remarks>
/// <para>
/// Layout (py-ipv8 <c>ezr_pack</c>): <c>prefix(22) | msg_id(1) | [key_len(H) | key] | payload₁ … payloadₙ | [signature]</c>.
/// A signed message starts with py-ipv8's <c>BinMemberAuthenticationPayload</c> (the key as <c>varlenH</c>) and ends with
/// a signature over every byte before it; its length comes from the key (64 for LibNaCL, 42–144 for legacy EC keys).
/// </para>
/// <para>
/// There is no implicit global time: a message carries one only when one of its payloads is a <see cref="GlobalTime"/>
/// (py-ipv8 <c>GlobalTimeDistributionPayload</c>), as the discovery messages do (<c>[GlobalTime, payload]</c>). A message
/// of two payloads is written by <see cref="Write{T1, T2}(Span{byte}, ReadOnlySpan{byte}, LibNaClPrivateKey?, in T1, in T2)"/>
/// and read by <see cref="TryDecode{T1, T2}"/>, one of three by
/// <see cref="Write{T1, T2, T3}(Span{byte}, ReadOnlySpan{byte}, LibNaClPrivateKey?, in T1, in T2, in T3)"/> and
/// <see cref="TryDecode{T1, T2, T3}"/>; a longer sequence is built with <see cref="WriteHeader"/>, the payloads' own
/// <c>Write</c>, and <see cref="WriteSignature"/>.
/// </para>
/// </remarks>
public readonly ref struct Packet
{
    /// <summary>The prefix length: 0x00, the version, the 20-byte community id.</summary>
    public const int PrefixLength = 22;

    /// <summary>The prefix and message id.</summary>
    public const int HeaderLength = 23;

    /// <summary>The protocol version byte that py-ipv8 communities use.</summary>
    public const byte Version = 2;

    /// <summary>What a message signed with a LibNaCL key adds around its payloads: header, key length, key, signature (163 bytes).</summary>
    public const int SignedOverhead = HeaderLength + 2 + LibNaClPublicKey.BinLength + Ed25519.SignatureLength;

    /// <summary>What an unsigned message adds around its payloads: the header (23 bytes).</summary>
    public const int UnsignedOverhead = HeaderLength;

    private const int KeyOffset = HeaderLength + 2;
    private const int VerifyKeyOffset = KeyOffset + 42;

    private readonly int _signatureLength;

    // A signed packet: the key and signature lengths were checked against the datagram.
    private Packet(ReadOnlySpan<byte> datagram, int keyLength, int signatureLength)
    {
        Datagram = datagram;
        IsSigned = true;
        _signatureLength = signatureLength;
        PublicKeyBin = datagram.Slice(KeyOffset, keyLength);
        Body = datagram.Slice(KeyOffset + keyLength, datagram.Length - KeyOffset - keyLength - signatureLength);
    }

    // An unsigned packet of at least a header.
    private Packet(ReadOnlySpan<byte> datagram)
    {
        Datagram = datagram;
        Body = datagram[HeaderLength..];
    }

    /// <summary>The whole datagram.</summary>
    public ReadOnlySpan<byte> Datagram { get; }

    /// <summary>The 22-byte community prefix.</summary>
    public ReadOnlySpan<byte> Prefix => Datagram[..PrefixLength];

    /// <summary>The message id.</summary>
    public byte MessageId => Datagram[PrefixLength];

    /// <summary>True for a signed packet.</summary>
    public bool IsSigned { get; }

    /// <summary>The sender's public key bin (signed packets only): 74 bytes for LibNaCL, a DER SubjectPublicKeyInfo for an EC key.</summary>
    public ReadOnlySpan<byte> PublicKeyBin { get; }

    /// <summary>The payloads, one after the other: everything between the header (and key) and the signature.</summary>
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>The signature (signed packets only).</summary>
    public ReadOnlySpan<byte> Signature => IsSigned ? Datagram[^_signatureLength..] : default;

    /// <summary>The bytes the signature covers (signed packets only).</summary>
    public ReadOnlySpan<byte> SignedBytes => IsSigned ? Datagram[..^_signatureLength] : default;

    /// <summary>True when the sender's key is a LibNaCL (Ed25519) key.</summary>
    public bool HasLibNaClKey => IsSigned && PublicKeyBin.Length == LibNaClPublicKey.BinLength && PublicKeyBin.StartsWith(LibNaClPublicKey.BinPrefix);

    /// <summary>
    /// Verifies the signature with the key the packet carries. LibNaCL keys verify without allocating; an EC key is
    /// parsed first (costly: prefer <see cref="VerifySignature(PublicKey)"/> with a key parsed once). False for an
    /// unsigned packet or a key that does not parse.
    /// </summary>
    public bool VerifySignature()
    {
        if (HasLibNaClKey)
        {
            return Ed25519.Verify(Signature, SignedBytes, Datagram.Slice(VerifyKeyOffset, Ed25519.PublicKeyLength));
        }

        return IsSigned && PublicKey.TryParse(PublicKeyBin, out var key, out _) && key.Verify(SignedBytes, Signature);
    }

    /// <summary>Verifies the signature with <paramref name="key"/>, which must be the key the packet carries.</summary>
    public bool VerifySignature(PublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return IsSigned && key.BinEquals(PublicKeyBin) && key.Verify(SignedBytes, Signature);
    }

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
    /// Parses the frame of a signed packet: key, payloads and signature, with the key checked to be a LibNaCL key or one
    /// of py-ipv8's EC keys (its shape only: an EC point is validated when the key is parsed). The signature is
    /// <b>not</b> verified; call <see cref="VerifySignature()"/> before trusting the payloads, or use
    /// <see cref="TryReadSigned"/>.
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

        if (datagram.Length < KeyOffset)
        {
            error = WireError.Truncated;
            return false;
        }

        var keyLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[HeaderLength..]);
        if (keyLength > datagram.Length - KeyOffset)
        {
            error = WireError.Truncated;
            return false;
        }

        int signatureLength;
        if (keyLength == LibNaClPublicKey.BinLength && datagram.Slice(KeyOffset, keyLength).StartsWith(LibNaClPublicKey.BinPrefix))
        {
            signatureLength = Ed25519.SignatureLength;
        }
        else if (!TryValidateOtherKey(datagram.Slice(KeyOffset, keyLength), out signatureLength, out error))
        {
            return false;
        }

        if (datagram.Length - KeyOffset - keyLength < signatureLength)
        {
            error = WireError.Truncated;
            return false;
        }

        packet = new Packet(datagram, keyLength, signatureLength);
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

    /// <summary>Parses an unsigned packet: the header, then the payloads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadUnsigned(ReadOnlySpan<byte> datagram, out Packet packet, out WireError error)
    {
        if (datagram.Length < HeaderLength)
        {
            packet = default;
            error = WireError.TooShort;
            return false;
        }

        packet = new Packet(datagram);
        error = WireError.None;
        return true;
    }

    /// <summary>
    /// Decodes a message of one payload (py-ipv8 <c>lazy_wrapper(T)</c>): the frame, the signature (when
    /// <typeparamref name="T"/> is signed and <paramref name="verify"/> is true), then the payload, which must fill the
    /// body exactly. The payload is read only after the signature has been checked. The message id must be
    /// <typeparamref name="T"/>'s (<see cref="WireError.WrongMessageId"/> otherwise); the prefix is not checked.
    /// </summary>
    public static bool TryDecode<T>(ReadOnlySpan<byte> datagram, bool verify, out Packet packet, out T payload, out WireError error)
        where T : IMessagePayload<T>, allows ref struct
    {
        if (HasMessageId(datagram, T.MessageId, out packet, out error) && TryFrame(datagram, T.IsSigned, verify, out packet, out error))
        {
            return TryReadBody(packet.Body, out payload, out error);
        }

        payload = default!;
        return false;
    }

    /// <summary>
    /// Decodes a message of two payloads (py-ipv8 <c>lazy_wrapper(T1, T2)</c>; the discovery messages are
    /// <c>[GlobalTime, payload]</c>). Signed and unsigned as <typeparamref name="T2"/> says, and the message id must be
    /// <typeparamref name="T2"/>'s, as <see cref="TryDecode{T}"/>.
    /// </summary>
    public static bool TryDecode<T1, T2>(ReadOnlySpan<byte> datagram, bool verify, out Packet packet, out T1 first, out T2 second, out WireError error)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct
    {
        if (HasMessageId(datagram, T2.MessageId, out packet, out error) && TryFrame(datagram, T2.IsSigned, verify, out packet, out error))
        {
            var reader = new WireReader(packet.Body);
            if (T1.TryRead(ref reader, out first))
            {
                if (T2.TryRead(ref reader, out second) && reader.TryReadEnd())
                {
                    return true;
                }
            }

            error = reader.Error;
        }

        first = default!;
        second = default!;
        return false;
    }

    /// <summary>
    /// Decodes a message of three payloads (py-ipv8 <c>lazy_wrapper(A, B, C)</c>, sent by <c>ez_send(peer, a, b, c)</c>).
    /// Signed and unsigned as <typeparamref name="T3"/> says, and the message id must be <typeparamref name="T3"/>'s, as
    /// <see cref="TryDecode{T}"/>; the payloads are read in order and must fill the body exactly.
    /// </summary>
    public static bool TryDecode<T1, T2, T3>(ReadOnlySpan<byte> datagram, bool verify, out Packet packet, out T1 first, out T2 second, out T3 third, out WireError error)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IMessagePayload<T3>, allows ref struct
    {
        if (HasMessageId(datagram, T3.MessageId, out packet, out error) && TryFrame(datagram, T3.IsSigned, verify, out packet, out error))
        {
            return TryReadBody(packet.Body, out first, out second, out third, out error);
        }

        first = default!;
        second = default!;
        third = default!;
        return false;
    }

    /// <summary>
    /// The frame step of a decode (<see cref="MessageKind.TryFrame"/>): the message id must be
    /// <paramref name="messageId"/>, then the frame, signed or not, and the signature when <paramref name="verify"/> is
    /// true.
    /// </summary>
    internal static bool TryFrame(ReadOnlySpan<byte> datagram, byte messageId, bool signed, bool verify, out Packet packet, out WireError error) =>
        HasMessageId(datagram, messageId, out packet, out error) && TryFrame(datagram, signed, verify, out packet, out error);

    /// <summary>True when <paramref name="datagram"/> starts with <paramref name="community"/>'s prefix: 0x00, version 2, the id (py-ipv8 <c>Community.on_packet</c> compares the whole prefix).</summary>
    internal static bool HasPrefix(ReadOnlySpan<byte> datagram, CommunityId community) =>
        datagram.Length >= PrefixLength && datagram[1] == Version && community.MatchesPrefix(datagram);

    // The body reads: of the typed kinds (MessageKind<…>.TryReadBody), for a frame checked once, and of TryDecode<T> and
    // TryDecode<T1, T2, T3> (inlined into them). TryDecode<T1, T2> alone keeps its own copy of the two-payload read: it
    // is the discovery messages' decode, the measured path (bench/Decoders.cs, the decode rows), and routed through
    // TryReadBody it was inlined differently under dynamic PGO and measured slower (one A/B on a loaded machine, so not
    // conclusive); its shape stays as it was.

    /// <summary>Reads one payload that must fill <paramref name="body"/> exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryReadBody<T>(ReadOnlySpan<byte> body, out T payload, out WireError error)
        where T : IPayload<T>, allows ref struct
    {
        var reader = new WireReader(body);
        if (T.TryRead(ref reader, out payload) && reader.TryReadEnd())
        {
            error = WireError.None;
            return true;
        }

        payload = default!;
        error = reader.Error;
        return false;
    }

    /// <summary>Reads two payloads, in order, that must fill <paramref name="body"/> exactly.</summary>
    internal static bool TryReadBody<T1, T2>(ReadOnlySpan<byte> body, out T1 first, out T2 second, out WireError error)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
    {
        var reader = new WireReader(body);
        if (T1.TryRead(ref reader, out first) && T2.TryRead(ref reader, out second) && reader.TryReadEnd())
        {
            error = WireError.None;
            return true;
        }

        first = default!;
        second = default!;
        error = reader.Error;
        return false;
    }

    /// <summary>Reads three payloads, in order, that must fill <paramref name="body"/> exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryReadBody<T1, T2, T3>(ReadOnlySpan<byte> body, out T1 first, out T2 second, out T3 third, out WireError error)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IPayload<T3>, allows ref struct
    {
        var reader = new WireReader(body);
        if (T1.TryRead(ref reader, out first) && T2.TryRead(ref reader, out second) && T3.TryRead(ref reader, out third) && reader.TryReadEnd())
        {
            error = WireError.None;
            return true;
        }

        first = default!;
        second = default!;
        third = default!;
        error = reader.Error;
        return false;
    }

    /// <summary>The exact size of the message <see cref="Write{T}(Span{byte}, ReadOnlySpan{byte}, LibNaClPrivateKey?, in T)"/> builds (signed with a LibNaCL key).</summary>
    public static int GetSize<T>(scoped in T payload) where T : IMessagePayload<T>, allows ref struct =>
        (T.IsSigned ? SignedOverhead : UnsignedOverhead) + payload.GetSize();

    /// <summary>The exact size of the message <see cref="Write{T1, T2}(Span{byte}, ReadOnlySpan{byte}, LibNaClPrivateKey?, in T1, in T2)"/> builds.</summary>
    public static int GetSize<T1, T2>(scoped in T1 first, scoped in T2 second)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct =>
        (T2.IsSigned ? SignedOverhead : UnsignedOverhead) + first.GetSize() + second.GetSize();

    /// <summary>The exact size of the message <see cref="Write{T1, T2, T3}(Span{byte}, ReadOnlySpan{byte}, LibNaClPrivateKey?, in T1, in T2, in T3)"/> builds.</summary>
    public static int GetSize<T1, T2, T3>(scoped in T1 first, scoped in T2 second, scoped in T3 third)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IMessagePayload<T3>, allows ref struct =>
        (T3.IsSigned ? SignedOverhead : UnsignedOverhead) + first.GetSize() + second.GetSize() + third.GetSize();

    /// <summary>
    /// Builds a message of one payload into <paramref name="destination"/> and returns its length (py-ipv8
    /// <c>ez_send(peer, payload)</c>): message id <typeparamref name="T"/>'s, signed with <paramref name="key"/> when
    /// <typeparamref name="T"/> is a signed message. Allocates nothing.
    /// </summary>
    /// <param name="destination">At least <see cref="GetSize{T}"/> bytes.</param>
    /// <param name="prefix">The 22-byte community prefix.</param>
    /// <param name="key">The signing key; required for signed messages, ignored otherwise.</param>
    /// <param name="payload">The payload.</param>
    /// <exception cref="ArgumentException">The prefix is not 22 bytes, the destination is too small, or a signed message has no key.</exception>
    public static int Write<T>(Span<byte> destination, ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, scoped in T payload)
        where T : IMessagePayload<T>, allows ref struct
    {
        var size = GetSize(payload);
        if (destination.Length < size)
        {
            ThrowHelper.ThrowDestinationTooSmall(size, destination.Length);
        }

        var signing = SigningKey(T.IsSigned, T.MessageId, key);
        var offset = WriteHeader(destination, prefix, T.MessageId, signing);
        var writer = new WireWriter(destination[offset..]);
        payload.Write(ref writer);
        return Finish(destination, offset + writer.Position, signing);
    }

    /// <summary>
    /// Builds a message of two payloads (py-ipv8 <c>ez_send(peer, first, second)</c>): the message id and whether it is
    /// signed come from the last payload, <typeparamref name="T2"/>, as py-ipv8 takes the last payload's
    /// <c>msg_id</c>. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The prefix is not 22 bytes, the destination is too small, or a signed message has no key.</exception>
    public static int Write<T1, T2>(Span<byte> destination, ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, scoped in T1 first, scoped in T2 second)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct
    {
        var size = GetSize(first, second);
        if (destination.Length < size)
        {
            ThrowHelper.ThrowDestinationTooSmall(size, destination.Length);
        }

        var signing = SigningKey(T2.IsSigned, T2.MessageId, key);
        var offset = WriteHeader(destination, prefix, T2.MessageId, signing);
        var writer = new WireWriter(destination[offset..]);
        first.Write(ref writer);
        second.Write(ref writer);
        return Finish(destination, offset + writer.Position, signing);
    }

    /// <summary>
    /// Builds a message of three payloads (py-ipv8 <c>ez_send(peer, first, second, third)</c>): the message id and
    /// whether it is signed come from the last payload, <typeparamref name="T3"/>, as for
    /// <see cref="Write{T1, T2}(Span{byte}, ReadOnlySpan{byte}, LibNaClPrivateKey?, in T1, in T2)"/>. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The prefix is not 22 bytes, the destination is too small, or a signed message has no key.</exception>
    public static int Write<T1, T2, T3>(Span<byte> destination, ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, scoped in T1 first, scoped in T2 second, scoped in T3 third)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IMessagePayload<T3>, allows ref struct
    {
        var size = GetSize(first, second, third);
        if (destination.Length < size)
        {
            ThrowHelper.ThrowDestinationTooSmall(size, destination.Length);
        }

        var signing = SigningKey(T3.IsSigned, T3.MessageId, key);
        var offset = WriteHeader(destination, prefix, T3.MessageId, signing);
        var writer = new WireWriter(destination[offset..]);
        first.Write(ref writer);
        second.Write(ref writer);
        third.Write(ref writer);
        return Finish(destination, offset + writer.Position, signing);
    }

    /// <summary>Builds a message of one payload into an <see cref="IBufferWriter{T}"/>, advancing it by the exact size.</summary>
    public static int Write<T>(IBufferWriter<byte> output, ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, scoped in T payload)
        where T : IMessagePayload<T>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(output);
        var written = Write(output.GetSpan(GetSize(payload)), prefix, key, payload);
        output.Advance(written);
        return written;
    }

    /// <summary>Builds a message of two payloads into an <see cref="IBufferWriter{T}"/>, advancing it by the exact size.</summary>
    public static int Write<T1, T2>(IBufferWriter<byte> output, ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, scoped in T1 first, scoped in T2 second)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(output);
        var written = Write(output.GetSpan(GetSize(first, second)), prefix, key, first, second);
        output.Advance(written);
        return written;
    }

    /// <summary>Builds a message of three payloads into an <see cref="IBufferWriter{T}"/>, advancing it by the exact size.</summary>
    public static int Write<T1, T2, T3>(IBufferWriter<byte> output, ReadOnlySpan<byte> prefix, LibNaClPrivateKey? key, scoped in T1 first, scoped in T2 second, scoped in T3 third)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IMessagePayload<T3>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(output);
        var written = Write(output.GetSpan(GetSize(first, second, third)), prefix, key, first, second, third);
        output.Advance(written);
        return written;
    }

    /// <summary>
    /// Writes the start of any message (py-ipv8 <c>_ez_pack</c>): the prefix, the message id and, when
    /// <paramref name="key"/> is given, its public key as the <c>BinMemberAuthenticationPayload</c>. Returns where the
    /// payloads start. Write the payloads from there, then call <see cref="WriteSignature"/> for a signed message.
    /// </summary>
    /// <exception cref="ArgumentException">The prefix is not 22 bytes, or the destination is too small.</exception>
    public static int WriteHeader(Span<byte> destination, ReadOnlySpan<byte> prefix, byte messageId, LibNaClPrivateKey? key)
    {
        if (prefix.Length != PrefixLength)
        {
            ThrowHelper.ThrowArgument("A community prefix has 22 bytes.", nameof(prefix));
        }

        var needed = key is null ? HeaderLength : KeyOffset + LibNaClPublicKey.BinLength;
        if (destination.Length < needed)
        {
            ThrowHelper.ThrowDestinationTooSmall(needed, destination.Length);
        }

        prefix.CopyTo(destination);
        destination[PrefixLength] = messageId;
        if (key is null)
        {
            return HeaderLength;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[HeaderLength..], LibNaClPublicKey.BinLength);
        key.PublicKey.Bin.CopyTo(destination[KeyOffset..]);
        return KeyOffset + LibNaClPublicKey.BinLength;
    }

    /// <summary>
    /// Signs the first <paramref name="length"/> bytes of <paramref name="destination"/> (a message started by
    /// <see cref="WriteHeader"/> with the same key) and appends the 64-byte signature. Returns the message length.
    /// </summary>
    /// <exception cref="ArgumentException">There is no room for the signature.</exception>
    public static int WriteSignature(Span<byte> destination, int length, LibNaClPrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if ((uint)length > (uint)destination.Length || destination.Length - length < Ed25519.SignatureLength)
        {
            ThrowHelper.ThrowDestinationTooSmall(Ed25519.SignatureLength, Math.Max(0, destination.Length - length));
        }

        key.Sign(destination[..length], destination.Slice(length, Ed25519.SignatureLength));
        return length + Ed25519.SignatureLength;
    }

    // Anything but a LibNaCL key, out of the hot path.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryValidateOtherKey(ReadOnlySpan<byte> key, out int signatureLength, out WireError error)
    {
        var keyError = PublicKey.Validate(key, out signatureLength);
        error = keyError switch
        {
            KeyError.None => WireError.None,
            KeyError.PrivateKeyMaterial => WireError.PrivateKeyMaterial,
            _ => WireError.UnsupportedKey,
        };
        return keyError == KeyError.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryFrame(ReadOnlySpan<byte> datagram, bool signed, bool verify, out Packet packet, out WireError error) =>
        signed
            ? (verify ? TryReadSigned(datagram, out packet, out error) : TryParseSigned(datagram, out packet, out error))
            : TryReadUnsigned(datagram, out packet, out error);

    // Checked before the frame, so that a wrong id costs no signature check. A datagram too short to hold an id is
    // left for the frame to refuse (TooShort).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasMessageId(ReadOnlySpan<byte> datagram, byte messageId, out Packet packet, out WireError error)
    {
        packet = default;
        if ((uint)PrefixLength < (uint)datagram.Length && datagram[PrefixLength] != messageId)
        {
            error = WireError.WrongMessageId;
            return false;
        }

        error = WireError.None;
        return true;
    }

    private static LibNaClPrivateKey? SigningKey(bool signed, byte messageId, LibNaClPrivateKey? key)
    {
        if (!signed)
        {
            return null;
        }

        if (key is null)
        {
            ThrowHelper.ThrowArgument($"Message {messageId} is signed, so it needs a key.", nameof(key));
        }

        return key;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Finish(Span<byte> destination, int length, LibNaClPrivateKey? key) =>
        key is null ? length : WriteSignature(destination, length, key);
}

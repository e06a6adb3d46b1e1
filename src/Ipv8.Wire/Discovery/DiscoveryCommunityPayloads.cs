namespace Ipv8.Wire.Discovery;

/// <summary>
/// py-ipv8's <c>DiscoveryCommunity</c> (<c>ipv8/peerdiscovery/community.py</c>): its community id and the ids of its
/// messages. Every one of them is <c>[GlobalTime, payload]</c>, signed (1, 2, 246) or not (3, 4); their names and
/// payload types are <see cref="DiscoveryCommunityKinds"/>.
/// </summary>
public static class DiscoveryCommunityMessages
{
    /// <summary>The community id, <c>7e313685c1912a141279f8248fc8db5899c5df5a</c>.</summary>
    public static CommunityId CommunityId { get; } = CommunityId.Parse("7e313685c1912a141279f8248fc8db5899c5df5a");

    /// <summary>1, similarity-request (signed).</summary>
    public const byte SimilarityRequest = 1;

    /// <summary>2, similarity-response (signed).</summary>
    public const byte SimilarityResponse = 2;

    /// <summary>3, ping (unsigned).</summary>
    public const byte Ping = 3;

    /// <summary>4, pong (unsigned).</summary>
    public const byte Pong = 4;

    /// <summary>
    /// True when <paramref name="datagram"/> starts with DiscoveryCommunity's 22-byte prefix: 0x00, version 2, the
    /// community id (py-ipv8 <c>Community.on_packet</c> compares the whole prefix, version included).
    /// </summary>
    public static bool HasPrefix(ReadOnlySpan<byte> datagram) => Packet.HasPrefix(datagram, CommunityId);

    /// <summary>
    /// Decodes message 246 as DiscoveryCommunity reads it (py-ipv8 <c>DiscoveryCommunity.on_old_introduction_request</c>):
    /// the frame and signature once, then <c>[GlobalTime, DiscoveryIntroductionRequestPayload]</c>, and when that layout
    /// does not fill the body exactly, <c>[GlobalTime, IntroductionRequestPayload]</c>. On success
    /// <paramref name="namesPeer"/> says which layout matched: <paramref name="named"/> is set when it is true,
    /// <paramref name="plain"/> otherwise. On failure <paramref name="error"/> is the frame's or signature's error, or the
    /// plain layout's (the error py-ipv8 raises last). Does not check the prefix or the message id. Never throws on wire
    /// data.
    /// </summary>
    /// <remarks>
    /// A plain 246 whose <c>extra_bytes</c> hold 21 bytes or more also fits the first layout and is read as naming a
    /// peer, as py-ipv8 reads it.
    /// </remarks>
    public static bool TryDecodeIntroductionRequest(
        ReadOnlySpan<byte> datagram,
        bool verify,
        out Packet packet,
        out GlobalTime time,
        out DiscoveryIntroductionRequestPayload named,
        out IntroductionRequestPayload plain,
        out bool namesPeer,
        out WireError error)
    {
        plain = default;
        named = default;
        time = default;
        namesPeer = false;
        var framed = verify
            ? Packet.TryReadSigned(datagram, out packet, out error)
            : Packet.TryParseSigned(datagram, out packet, out error);
        if (!framed)
        {
            return false;
        }

        if (DiscoveryCommunityKinds.IntroductionRequest.TryReadBody(packet.Body, out time, out named, out _))
        {
            namesPeer = true;
            return true;
        }

        if (DiscoveryKinds.IntroductionRequest.TryReadBody(packet.Body, out time, out plain, out error))
        {
            return true;
        }

        packet = default;
        return false;
    }
}

/// <summary>
/// Message 1, similarity-request (py-ipv8 <c>SimilarityRequestPayload</c>). Signed. The sender asks which of its
/// communities we run too.
/// </summary>
[Payload(MessageId = DiscoveryCommunityMessages.SimilarityRequest)]
public readonly ref partial struct SimilarityRequestPayload
{
    /// <summary>The request identifier (the sender's global time mod 65536).</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }

    /// <summary>The sender's LAN address.</summary>
    [Field(Format.Ipv4)] public UdpAddress LanAddress { get; init; }

    /// <summary>The sender's WAN address.</summary>
    [Field(Format.Ipv4)] public UdpAddress WanAddress { get; init; }

    /// <summary>The raw flag byte: connection type in 0x80 and 0x40, the rest unused.</summary>
    [Field(Format.Bits)] public byte Flags { get; init; }

    /// <summary>The sender's community ids, 20 bytes each, one after the other (<c>raw</c>).</summary>
    [Field(Format.Raw)] public ReadOnlySpan<byte> PreferenceList { get; init; }

    /// <summary>The sender's NAT type.</summary>
    public ConnectionType ConnectionType => ConnectionTypes.FromBits(BitFlags.Get(Flags, 0), BitFlags.Get(Flags, 1));

    /// <summary>The number of whole 20-byte community ids in <see cref="PreferenceList"/> (py-ipv8 cuts the list in 20-byte pieces; a shorter last piece is not an id).</summary>
    public int CommunityIdCount => PreferenceList.Length / CommunityId.Length;

    /// <summary>The <paramref name="index"/>th community id of <see cref="PreferenceList"/>.</summary>
    public CommunityId GetCommunityId(int index) => CommunityId.FromBytes(PreferenceList.Slice(index * CommunityId.Length, CommunityId.Length));
}

/// <summary>
/// Message 2, similarity-response (py-ipv8 <c>SimilarityResponsePayload</c>). Signed. The communities the responder runs
/// under the key it signed with.
/// </summary>
[Payload(MessageId = DiscoveryCommunityMessages.SimilarityResponse)]
public readonly ref partial struct SimilarityResponsePayload
{
    /// <summary>The identifier of the request this answers.</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }

    /// <summary>The responder's community ids (<c>varlenHx20</c>).</summary>
    [Field(Format.VarLenHx20)] public ReadOnlySpan<byte> PreferenceList { get; init; }

    /// <summary>py-ipv8's <c>tb_overlap</c>: (20-byte id, <c>I</c>) pairs, always empty in py-ipv8 (<c>raw</c>).</summary>
    [Field(Format.Raw)] public ReadOnlySpan<byte> TbOverlap { get; init; }

    /// <summary>The number of community ids in <see cref="PreferenceList"/>.</summary>
    public int CommunityIdCount => PreferenceList.Length / CommunityId.Length;

    /// <summary>The <paramref name="index"/>th community id of <see cref="PreferenceList"/>.</summary>
    public CommunityId GetCommunityId(int index) => CommunityId.FromBytes(PreferenceList.Slice(index * CommunityId.Length, CommunityId.Length));
}

/// <summary>Message 3, ping (py-ipv8 <c>PingPayload</c>). Unsigned, for backward compatibility.</summary>
[Payload(MessageId = DiscoveryCommunityMessages.Ping, Signed = false)]
public readonly partial struct PingPayload
{
    /// <summary>The ping identifier (the sender's global time mod 65536).</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }
}

/// <summary>Message 4, pong (py-ipv8 <c>PongPayload</c>). Unsigned: only its identifier ties it to a ping.</summary>
[Payload(MessageId = DiscoveryCommunityMessages.Pong, Signed = false)]
public readonly partial struct PongPayload
{
    /// <summary>The identifier of the ping this answers.</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }
}

/// <summary>
/// Message 246 in DiscoveryCommunity (py-ipv8 <c>DiscoveryIntroductionRequestPayload</c>, Dispersy's 2014 request):
/// an introduction request that starts with <c>c20s introduce_to</c>, a character (<c>'Y'</c>) and the mid of a peer
/// the sender wants to be introduced to. Signed.
/// </summary>
[Payload(MessageId = DiscoveryMessages.IntroductionRequest)]
public readonly ref partial struct DiscoveryIntroductionRequestPayload
{
    /// <summary>The character and the mid (21 bytes); <see cref="IntroduceTo"/> is the mid.</summary>
    [Field(Format.C20s)] public ReadOnlySpan<byte> IntroduceToField { get; init; }

    /// <summary>Where the sender sent this request.</summary>
    [Field(Format.Ipv4)] public UdpAddress DestinationAddress { get; init; }

    /// <summary>The sender's LAN address.</summary>
    [Field(Format.Ipv4)] public UdpAddress SourceLanAddress { get; init; }

    /// <summary>The sender's WAN address.</summary>
    [Field(Format.Ipv4)] public UdpAddress SourceWanAddress { get; init; }

    /// <summary>The raw flag byte, as in message 246 (<see cref="IntroductionRequestPayload"/>).</summary>
    [Field(Format.Bits)] public byte Flags { get; init; }

    /// <summary>The request identifier.</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }

    /// <summary>Extra bytes after the fields.</summary>
    [Field(Format.Raw)] public ReadOnlySpan<byte> ExtraBytes { get; init; }

    /// <summary>The 20-byte mid the sender wants to be introduced to.</summary>
    public ReadOnlySpan<byte> IntroduceTo => IntroduceToField[1..];

    /// <summary>The sender's NAT type.</summary>
    public ConnectionType ConnectionType => ConnectionTypes.FromBits(BitFlags.Get(Flags, 0), BitFlags.Get(Flags, 1));

    /// <summary>Flag 0x20: the sender understands the new-style messages.</summary>
    public bool SupportsNewStyle => BitFlags.Get(Flags, 2);

    /// <summary>The advice flag as py-ipv8 reads it: true when bit 0x01 is clear (the 246 quirk).</summary>
    public bool Advice => !BitFlags.Get(Flags, 7);

    /// <summary>Builds the 21-byte <c>c20s</c> field py-ipv8 writes: <c>'Y'</c> and the mid.</summary>
    public static byte[] MakeIntroduceTo(ReadOnlySpan<byte> mid)
    {
        if (mid.Length != 20)
        {
            ThrowHelper.ThrowArgument("A mid has 20 bytes.", nameof(mid));
        }

        return [(byte)'Y', .. mid];
    }
}

namespace Ipv8.Wire.Discovery;

/// <summary>
/// Message 246, introduction-request (py-ipv8 <c>IntroductionRequestPayload</c>). Signed.
/// Flags: 0x80/0x40 connection type, 0x20 supports_new_style, 0x01 advice.
/// </summary>
/// <remarks>
/// <b>Advice quirk:</b> py-ipv8 writes the advice bit as 1 when advice is true, but reads it back inverted: a set
/// bit decodes as advice = false. <see cref="Advice"/> reproduces the read side; <see cref="MakeFlags"/> the write
/// side. The value has no effect on behaviour.
/// </remarks>
[Payload(MessageId = 246)]
public readonly ref partial struct IntroductionRequestPayload
{
    /// <summary>Where the sender sent this request (our address, as the sender sees it).</summary>
    [Field(Format.Ipv4)] public UdpAddress DestinationAddress { get; init; }

    /// <summary>The sender's LAN address.</summary>
    [Field(Format.Ipv4)] public UdpAddress SourceLanAddress { get; init; }

    /// <summary>The sender's WAN address.</summary>
    [Field(Format.Ipv4)] public UdpAddress SourceWanAddress { get; init; }

    /// <summary>The raw flag byte.</summary>
    [Field(Format.Bits)] public byte Flags { get; init; }

    /// <summary>The request identifier (the sender's global time mod 65536).</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }

    /// <summary>Extra bytes after the fields, for community extensions.</summary>
    [Field(Format.Raw)] public ReadOnlySpan<byte> ExtraBytes { get; init; }

    /// <summary>The sender's NAT type (flag bits 0x80, 0x40).</summary>
    public ConnectionType ConnectionType => ConnectionTypes.FromBits(BitFlags.Get(Flags, 0), BitFlags.Get(Flags, 1));

    /// <summary>Flag 0x20: the sender understands the new-style messages.</summary>
    public bool SupportsNewStyle => BitFlags.Get(Flags, 2);

    /// <summary>The advice flag as py-ipv8 reads it: true when bit 0x01 is clear (see the remarks).</summary>
    public bool Advice => !BitFlags.Get(Flags, 7);

    /// <summary>Builds the flag byte as py-ipv8 writes it (advice true sets bit 0x01).</summary>
    public static byte MakeFlags(ConnectionType connectionType, bool supportsNewStyle, bool advice) =>
        (byte)(connectionType.ToFlagBits() | (supportsNewStyle ? 0x20 : 0) | (advice ? 0x01 : 0));
}

/// <summary>
/// Message 245, introduction-response (py-ipv8 <c>IntroductionResponsePayload</c>). Signed.
/// Flags: 0x80/0x40 connection type, 0x10 supports_new_style, 0x08 intro_supports_new_style, 0x04 peer_limit_reached.
/// </summary>
[Payload(MessageId = 245)]
public readonly ref partial struct IntroductionResponsePayload
{
    /// <summary>The requester's address, as we saw it.</summary>
    [Field(Format.Ipv4)] public UdpAddress DestinationAddress { get; init; }

    /// <summary>The responder's LAN address.</summary>
    [Field(Format.Ipv4)] public UdpAddress SourceLanAddress { get; init; }

    /// <summary>The responder's WAN address.</summary>
    [Field(Format.Ipv4)] public UdpAddress SourceWanAddress { get; init; }

    /// <summary>The LAN address of the introduced peer, or 0.0.0.0:0.</summary>
    [Field(Format.Ipv4)] public UdpAddress LanIntroductionAddress { get; init; }

    /// <summary>The WAN address of the introduced peer, or 0.0.0.0:0.</summary>
    [Field(Format.Ipv4)] public UdpAddress WanIntroductionAddress { get; init; }

    /// <summary>The raw flag byte.</summary>
    [Field(Format.Bits)] public byte Flags { get; init; }

    /// <summary>The identifier of the request this answers.</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }

    /// <summary>Extra bytes after the fields, for community extensions.</summary>
    [Field(Format.Raw)] public ReadOnlySpan<byte> ExtraBytes { get; init; }

    /// <summary>The responder's NAT type (flag bits 0x80, 0x40).</summary>
    public ConnectionType ConnectionType => ConnectionTypes.FromBits(BitFlags.Get(Flags, 0), BitFlags.Get(Flags, 1));

    /// <summary>Flag 0x10: the responder understands the new-style messages.</summary>
    public bool SupportsNewStyle => BitFlags.Get(Flags, 3);

    /// <summary>Flag 0x08: the introduced peer understands the new-style messages.</summary>
    public bool IntroSupportsNewStyle => BitFlags.Get(Flags, 4);

    /// <summary>Flag 0x04: the responder has reached its peer limit.</summary>
    public bool PeerLimitReached => BitFlags.Get(Flags, 5);

    /// <summary>Builds the flag byte.</summary>
    public static byte MakeFlags(ConnectionType connectionType, bool supportsNewStyle, bool introSupportsNewStyle, bool peerLimitReached) =>
        (byte)(connectionType.ToFlagBits() | (supportsNewStyle ? 0x10 : 0) | (introSupportsNewStyle ? 0x08 : 0) | (peerLimitReached ? 0x04 : 0));
}

/// <summary>Message 250, puncture-request (py-ipv8 <c>PunctureRequestPayload</c>). Not signed.</summary>
[Payload(MessageId = 250, Signed = false)]
public readonly partial struct PunctureRequestPayload
{
    /// <summary>The LAN address of the walker to puncture towards.</summary>
    [Field(Format.Ipv4)] public UdpAddress LanWalkerAddress { get; init; }

    /// <summary>The WAN address of the walker to puncture towards.</summary>
    [Field(Format.Ipv4)] public UdpAddress WanWalkerAddress { get; init; }

    /// <summary>The identifier of the introduction this belongs to.</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }
}

/// <summary>Message 249, puncture (py-ipv8 <c>PuncturePayload</c>). Signed.</summary>
[Payload(MessageId = 249)]
public readonly partial struct PuncturePayload
{
    /// <summary>The sender's LAN address.</summary>
    [Field(Format.Ipv4)] public UdpAddress SourceLanAddress { get; init; }

    /// <summary>The sender's WAN address.</summary>
    [Field(Format.Ipv4)] public UdpAddress SourceWanAddress { get; init; }

    /// <summary>The identifier of the puncture request this answers.</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }
}

/// <summary>
/// Message 234, new-introduction-request (py-ipv8 <c>NewIntroductionRequestPayload</c>). Signed. Addresses may be
/// IPv4 or IPv6. The identifier comes before the flags here, unlike in 246. Flags, in order from 0x80:
/// connection_type_0, connection_type_1, supports_new_style, dflag1, dflag2, tunnel, sync, advice.
/// </summary>
/// <remarks>
/// Unlike message 246, the advice bit reads back as written here: py-ipv8 reads these eight bits straight into the
/// named flags, so the inverted-advice quirk of <see cref="IntroductionRequestPayload"/> does not apply.
/// </remarks>
[Payload(MessageId = 234)]
public readonly ref partial struct NewIntroductionRequestPayload
{
    /// <summary>Where the sender sent this request.</summary>
    [Field(Format.IpAddress)] public UdpAddress DestinationAddress { get; init; }

    /// <summary>The sender's LAN address.</summary>
    [Field(Format.IpAddress)] public UdpAddress SourceLanAddress { get; init; }

    /// <summary>The sender's WAN address.</summary>
    [Field(Format.IpAddress)] public UdpAddress SourceWanAddress { get; init; }

    /// <summary>The request identifier.</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }

    /// <summary>The raw flag byte.</summary>
    [Field(Format.Bits)] public byte Flags { get; init; }

    /// <summary>Extra bytes after the fields, for community extensions.</summary>
    [Field(Format.Raw)] public ReadOnlySpan<byte> ExtraBytes { get; init; }

    /// <summary>Flag 0 (0x80).</summary>
    public bool ConnectionType0 => BitFlags.Get(Flags, 0);

    /// <summary>Flag 1 (0x40).</summary>
    public bool ConnectionType1 => BitFlags.Get(Flags, 1);

    /// <summary>The sender's NAT type.</summary>
    public ConnectionType ConnectionType => ConnectionTypes.FromBits(ConnectionType0, ConnectionType1);

    /// <summary>Flag 2 (0x20).</summary>
    public bool SupportsNewStyle => BitFlags.Get(Flags, 2);

    /// <summary>Flag 3 (0x10), unused by py-ipv8.</summary>
    public bool DFlag1 => BitFlags.Get(Flags, 3);

    /// <summary>Flag 4 (0x08), unused by py-ipv8.</summary>
    public bool DFlag2 => BitFlags.Get(Flags, 4);

    /// <summary>Flag 5 (0x04).</summary>
    public bool Tunnel => BitFlags.Get(Flags, 5);

    /// <summary>Flag 6 (0x02).</summary>
    public bool Sync => BitFlags.Get(Flags, 6);

    /// <summary>Flag 7 (0x01): advice, read as written.</summary>
    public bool Advice => BitFlags.Get(Flags, 7);

    /// <summary>Builds the flag byte.</summary>
    public static byte MakeFlags(ConnectionType connectionType, bool supportsNewStyle, bool advice, bool tunnel = false, bool sync = false) =>
        (byte)(connectionType.ToFlagBits() | (supportsNewStyle ? 0x20 : 0) | (tunnel ? 0x04 : 0) | (sync ? 0x02 : 0) | (advice ? 0x01 : 0));
}

/// <summary>
/// Message 233, new-introduction-response (py-ipv8 <c>NewIntroductionResponsePayload</c>). Signed. Flags, from
/// 0x80: intro_supports_new_style, then flag1..flag7.
/// </summary>
[Payload(MessageId = 233)]
public readonly ref partial struct NewIntroductionResponsePayload
{
    /// <summary>The requester's address, as we saw it.</summary>
    [Field(Format.IpAddress)] public UdpAddress DestinationAddress { get; init; }

    /// <summary>The responder's LAN address.</summary>
    [Field(Format.IpAddress)] public UdpAddress SourceLanAddress { get; init; }

    /// <summary>The responder's WAN address.</summary>
    [Field(Format.IpAddress)] public UdpAddress SourceWanAddress { get; init; }

    /// <summary>The LAN address of the introduced peer, or 0.0.0.0:0.</summary>
    [Field(Format.IpAddress)] public UdpAddress LanIntroductionAddress { get; init; }

    /// <summary>The WAN address of the introduced peer, or 0.0.0.0:0.</summary>
    [Field(Format.IpAddress)] public UdpAddress WanIntroductionAddress { get; init; }

    /// <summary>The identifier of the request this answers.</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }

    /// <summary>The raw flag byte.</summary>
    [Field(Format.Bits)] public byte Flags { get; init; }

    /// <summary>Extra bytes after the fields, for community extensions.</summary>
    [Field(Format.Raw)] public ReadOnlySpan<byte> ExtraBytes { get; init; }

    /// <summary>Flag 0 (0x80): the introduced peer understands the new-style messages.</summary>
    public bool IntroSupportsNewStyle => BitFlags.Get(Flags, 0);

    /// <summary>Flag <paramref name="index"/> (1–7), unused by py-ipv8.</summary>
    public bool Flag(int index) => BitFlags.Get(Flags, index);

    /// <summary>Builds the flag byte.</summary>
    public static byte MakeFlags(bool introSupportsNewStyle) => introSupportsNewStyle ? (byte)0x80 : (byte)0;
}

/// <summary>Message 232, new-puncture-request (py-ipv8 <c>NewPunctureRequestPayload</c>). Not signed.</summary>
[Payload(MessageId = 232, Signed = false)]
public readonly partial struct NewPunctureRequestPayload
{
    /// <summary>The LAN address of the walker to puncture towards.</summary>
    [Field(Format.IpAddress)] public UdpAddress LanWalkerAddress { get; init; }

    /// <summary>The WAN address of the walker to puncture towards.</summary>
    [Field(Format.IpAddress)] public UdpAddress WanWalkerAddress { get; init; }

    /// <summary>The identifier of the introduction this belongs to.</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }
}

/// <summary>Message 231, new-puncture (py-ipv8 <c>NewPuncturePayload</c>). Signed.</summary>
[Payload(MessageId = 231)]
public readonly partial struct NewPuncturePayload
{
    /// <summary>The sender's LAN address.</summary>
    [Field(Format.IpAddress)] public UdpAddress SourceLanAddress { get; init; }

    /// <summary>The sender's WAN address.</summary>
    [Field(Format.IpAddress)] public UdpAddress SourceWanAddress { get; init; }

    /// <summary>The identifier of the puncture request this answers.</summary>
    [Field(Format.UInt16)] public ushort Identifier { get; init; }
}

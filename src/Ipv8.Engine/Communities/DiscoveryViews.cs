using Ipv8.Wire;
using Ipv8.Wire.Discovery;

namespace Ipv8.Engine.Communities;

/// <summary>An introduction request, old-style (246) or new-style (234), as the callbacks see it.</summary>
public readonly ref struct IntroductionRequest
{
    /// <summary>Where the sender sent the request: our address as it sees it.</summary>
    public UdpAddress DestinationAddress { get; init; }

    /// <summary>The sender's LAN address.</summary>
    public UdpAddress SourceLanAddress { get; init; }

    /// <summary>The sender's WAN address.</summary>
    public UdpAddress SourceWanAddress { get; init; }

    /// <summary>The request identifier.</summary>
    public ushort Identifier { get; init; }

    /// <summary>The raw flag byte.</summary>
    public byte Flags { get; init; }

    /// <summary>True for message 234.</summary>
    public bool IsNewStyle { get; init; }

    /// <summary>The sender understands the new-style messages (234, or 246 with the flag).</summary>
    public bool SupportsNewStyle { get; init; }

    /// <summary>Extra bytes after the fields.</summary>
    public ReadOnlySpan<byte> ExtraBytes { get; init; }

    /// <summary>The mid the sender asked to be introduced to (DiscoveryCommunity's 246 only), or empty.</summary>
    public ReadOnlySpan<byte> IntroduceTo { get; init; }

    internal static IntroductionRequest From(in DiscoveryIntroductionRequestPayload p) => new()
    {
        DestinationAddress = p.DestinationAddress, SourceLanAddress = p.SourceLanAddress, SourceWanAddress = p.SourceWanAddress,
        Identifier = p.Identifier, Flags = p.Flags, IsNewStyle = false, SupportsNewStyle = p.SupportsNewStyle, ExtraBytes = p.ExtraBytes,
        IntroduceTo = p.IntroduceTo,
    };

    internal static IntroductionRequest From(in IntroductionRequestPayload p) => new()
    {
        DestinationAddress = p.DestinationAddress, SourceLanAddress = p.SourceLanAddress, SourceWanAddress = p.SourceWanAddress,
        Identifier = p.Identifier, Flags = p.Flags, IsNewStyle = false, SupportsNewStyle = p.SupportsNewStyle, ExtraBytes = p.ExtraBytes,
    };

    internal static IntroductionRequest From(in NewIntroductionRequestPayload p) => new()
    {
        DestinationAddress = p.DestinationAddress, SourceLanAddress = p.SourceLanAddress, SourceWanAddress = p.SourceWanAddress,
        Identifier = p.Identifier, Flags = p.Flags, IsNewStyle = true, SupportsNewStyle = true, ExtraBytes = p.ExtraBytes,
    };
}

/// <summary>An introduction response, old-style (245) or new-style (233), as the callbacks see it.</summary>
public readonly ref struct IntroductionResponse
{
    /// <summary>Our address, as the responder saw it.</summary>
    public UdpAddress DestinationAddress { get; init; }

    /// <summary>The responder's LAN address.</summary>
    public UdpAddress SourceLanAddress { get; init; }

    /// <summary>The responder's WAN address.</summary>
    public UdpAddress SourceWanAddress { get; init; }

    /// <summary>The introduced peer's LAN address, or 0.0.0.0:0.</summary>
    public UdpAddress LanIntroductionAddress { get; init; }

    /// <summary>The introduced peer's WAN address, or 0.0.0.0:0.</summary>
    public UdpAddress WanIntroductionAddress { get; init; }

    /// <summary>The identifier of our request.</summary>
    public ushort Identifier { get; init; }

    /// <summary>The raw flag byte.</summary>
    public byte Flags { get; init; }

    /// <summary>True for message 233.</summary>
    public bool IsNewStyle { get; init; }

    /// <summary>The responder understands the new-style messages.</summary>
    public bool SupportsNewStyle { get; init; }

    /// <summary>The introduced peer understands the new-style messages.</summary>
    public bool IntroSupportsNewStyle { get; init; }

    /// <summary>The responder is at its peer limit (245 only).</summary>
    public bool PeerLimitReached { get; init; }

    /// <summary>Extra bytes after the fields.</summary>
    public ReadOnlySpan<byte> ExtraBytes { get; init; }

    internal static IntroductionResponse From(in IntroductionResponsePayload p) => new()
    {
        DestinationAddress = p.DestinationAddress, SourceLanAddress = p.SourceLanAddress, SourceWanAddress = p.SourceWanAddress,
        LanIntroductionAddress = p.LanIntroductionAddress, WanIntroductionAddress = p.WanIntroductionAddress,
        Identifier = p.Identifier, Flags = p.Flags, IsNewStyle = false, SupportsNewStyle = p.SupportsNewStyle,
        IntroSupportsNewStyle = p.IntroSupportsNewStyle, PeerLimitReached = p.PeerLimitReached, ExtraBytes = p.ExtraBytes,
    };

    internal static IntroductionResponse From(in NewIntroductionResponsePayload p) => new()
    {
        DestinationAddress = p.DestinationAddress, SourceLanAddress = p.SourceLanAddress, SourceWanAddress = p.SourceWanAddress,
        LanIntroductionAddress = p.LanIntroductionAddress, WanIntroductionAddress = p.WanIntroductionAddress,
        Identifier = p.Identifier, Flags = p.Flags, IsNewStyle = true, SupportsNewStyle = true,
        IntroSupportsNewStyle = p.IntroSupportsNewStyle, PeerLimitReached = false, ExtraBytes = p.ExtraBytes,
    };
}

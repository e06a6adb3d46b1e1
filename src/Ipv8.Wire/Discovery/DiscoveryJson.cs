using System.Text.Json;

namespace Ipv8.Wire.Discovery;

/// <summary>
/// Decodes a discovery message of any community into the JSON shape of the reference vectors:
/// <c>{"name","msg_id","signed","public_key","global_time","payload":{…}}</c>. Signatures are verified. Used by
/// <c>ipv8 decode</c>. The kind comes from <see cref="DiscoveryKinds.Registry"/>; this class holds the JSON form of each
/// discovery payload.
/// </summary>
internal static class DiscoveryJson
{
    private static readonly string[] s_flagNames = ["flag1", "flag2", "flag3", "flag4", "flag5", "flag6", "flag7"];

    /// <summary>
    /// Decodes <paramref name="datagram"/> and writes one JSON object. On failure nothing is written and
    /// <paramref name="error"/> says why. Never throws on wire data.
    /// </summary>
    public static bool TryWrite(Utf8JsonWriter writer, ReadOnlySpan<byte> datagram, out WireError error)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!Packet.TryReadMessageId(datagram, out var id))
        {
            error = WireError.TooShort;
            return false;
        }

        if (!DiscoveryKinds.Registry.TryFind(null, id, out var kind))
        {
            error = WireError.UnknownMessage;
            return false;
        }

        return MessageJson.TryWrite(writer, datagram, kind, out error);
    }

    /// <summary>Gives the global time and the eight discovery payloads their JSON form (<see cref="MessageJson"/>).</summary>
    internal static void RegisterPayloads()
    {
        PayloadJson<GlobalTime>.Register(static (writer, in time) => writer.WriteNumber("global_time", time.Value));
        PayloadJson<IntroductionRequestPayload>.Register(WriteIntroductionRequest);
        PayloadJson<IntroductionResponsePayload>.Register(WriteIntroductionResponse);
        PayloadJson<NewIntroductionRequestPayload>.Register(WriteNewIntroductionRequest);
        PayloadJson<NewIntroductionResponsePayload>.Register(WriteNewIntroductionResponse);
        PayloadJson<PunctureRequestPayload>.Register(static (writer, in p) => WritePunctureRequest(writer, p.LanWalkerAddress, p.WanWalkerAddress, p.Identifier));
        PayloadJson<NewPunctureRequestPayload>.Register(static (writer, in p) => WritePunctureRequest(writer, p.LanWalkerAddress, p.WanWalkerAddress, p.Identifier));
        PayloadJson<PuncturePayload>.Register(static (writer, in p) => WritePuncture(writer, p.SourceLanAddress, p.SourceWanAddress, p.Identifier));
        PayloadJson<NewPuncturePayload>.Register(static (writer, in p) => WritePuncture(writer, p.SourceLanAddress, p.SourceWanAddress, p.Identifier));
    }

    /// <summary>
    /// Writes an address as <c>{"host","port","family"}</c>, the host as py-ipv8 shows it (glibc's <c>inet_ntop</c>:
    /// <c>::ffff:0.0.0.1</c>, where .NET would print <c>::ffff:0:1</c>; found by the differential target).
    /// </summary>
    internal static void WriteAddress(Utf8JsonWriter writer, string name, UdpAddress address)
    {
        Span<byte> host = stackalloc byte[Schemas.PythonAddress.MaxLength];
        var length = Schemas.PythonAddress.FormatHost(address, host);
        writer.WriteStartObject(name);
        writer.WriteString("host", host[..length]);
        writer.WriteNumber("port", address.Port);
        writer.WriteString("family", address.IsIPv6 ? "ipv6" : "ipv4");
        writer.WriteEndObject();
    }

    private static void WriteIntroductionRequest(Utf8JsonWriter writer, in IntroductionRequestPayload p)
    {
        WriteRequestHead(writer, p.DestinationAddress, p.SourceLanAddress, p.SourceWanAddress, p.Identifier, p.Advice, p.SupportsNewStyle);
        writer.WriteString("connection_type", ConnectionTypes.WireName(p.Flags));
        WriteExtra(writer, p.ExtraBytes, p.Flags);
    }

    private static void WriteNewIntroductionRequest(Utf8JsonWriter writer, in NewIntroductionRequestPayload p)
    {
        WriteRequestHead(writer, p.DestinationAddress, p.SourceLanAddress, p.SourceWanAddress, p.Identifier, p.Advice, p.SupportsNewStyle);
        WriteBit(writer, "connection_type_0", p.ConnectionType0);
        WriteBit(writer, "connection_type_1", p.ConnectionType1);
        WriteBit(writer, "dflag1", p.DFlag1);
        WriteBit(writer, "dflag2", p.DFlag2);
        WriteBit(writer, "tunnel", p.Tunnel);
        WriteBit(writer, "sync", p.Sync);
        WriteExtra(writer, p.ExtraBytes, p.Flags);
    }

    private static void WriteIntroductionResponse(Utf8JsonWriter writer, in IntroductionResponsePayload p)
    {
        WriteResponseHead(writer, p.DestinationAddress, p.SourceLanAddress, p.SourceWanAddress, p.LanIntroductionAddress, p.WanIntroductionAddress, p.Identifier);
        WriteBit(writer, "supports_new_style", p.SupportsNewStyle);
        WriteBit(writer, "intro_supports_new_style", p.IntroSupportsNewStyle);
        WriteBit(writer, "peer_limit_reached", p.PeerLimitReached);
        writer.WriteString("connection_type", ConnectionTypes.WireName(p.Flags));
        WriteExtra(writer, p.ExtraBytes, p.Flags);
    }

    private static void WriteNewIntroductionResponse(Utf8JsonWriter writer, in NewIntroductionResponsePayload p)
    {
        WriteResponseHead(writer, p.DestinationAddress, p.SourceLanAddress, p.SourceWanAddress, p.LanIntroductionAddress, p.WanIntroductionAddress, p.Identifier);
        WriteBit(writer, "intro_supports_new_style", p.IntroSupportsNewStyle);
        for (var i = 1; i <= 7; i++)
        {
            WriteBit(writer, s_flagNames[i - 1], p.Flag(i));
        }

        WriteExtra(writer, p.ExtraBytes, p.Flags);
    }

    // The fields every introduction request starts with, old and new style.
    private static void WriteRequestHead(Utf8JsonWriter writer, UdpAddress destination, UdpAddress sourceLan, UdpAddress sourceWan, ushort identifier, bool advice, bool supportsNewStyle)
    {
        WriteAddress(writer, "destination_address", destination);
        WriteAddress(writer, "source_lan_address", sourceLan);
        WriteAddress(writer, "source_wan_address", sourceWan);
        writer.WriteNumber("identifier", identifier);
        WriteBit(writer, "advice", advice);
        WriteBit(writer, "supports_new_style", supportsNewStyle);
    }

    // The fields every introduction response starts with, old and new style.
    private static void WriteResponseHead(Utf8JsonWriter writer, UdpAddress destination, UdpAddress sourceLan, UdpAddress sourceWan, UdpAddress lanIntroduction, UdpAddress wanIntroduction, ushort identifier)
    {
        WriteAddress(writer, "destination_address", destination);
        WriteAddress(writer, "source_lan_address", sourceLan);
        WriteAddress(writer, "source_wan_address", sourceWan);
        WriteAddress(writer, "lan_introduction_address", lanIntroduction);
        WriteAddress(writer, "wan_introduction_address", wanIntroduction);
        writer.WriteNumber("identifier", identifier);
    }

    // A flag as py-ipv8's vectors give it: 0 or 1.
    private static void WriteBit(Utf8JsonWriter writer, string name, bool value) => writer.WriteNumber(name, value ? 1 : 0);

    private static void WritePunctureRequest(Utf8JsonWriter writer, UdpAddress lanWalker, UdpAddress wanWalker, ushort identifier)
    {
        WriteAddress(writer, "lan_walker_address", lanWalker);
        WriteAddress(writer, "wan_walker_address", wanWalker);
        writer.WriteNumber("identifier", identifier);
    }

    private static void WritePuncture(Utf8JsonWriter writer, UdpAddress sourceLan, UdpAddress sourceWan, ushort identifier)
    {
        WriteAddress(writer, "source_lan_address", sourceLan);
        WriteAddress(writer, "source_wan_address", sourceWan);
        writer.WriteNumber("identifier", identifier);
    }

    private static void WriteExtra(Utf8JsonWriter writer, ReadOnlySpan<byte> extraBytes, byte flags)
    {
        writer.WriteString("extra_bytes", Convert.ToHexStringLower(extraBytes));
        writer.WriteNumber("flags", flags);
    }
}

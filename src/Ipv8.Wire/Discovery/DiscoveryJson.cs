using System.Text.Json;

namespace Ipv8.Wire.Discovery;

/// <summary>
/// Decodes a discovery message of any community into the JSON shape of the reference vectors:
/// <c>{"name","msg_id","signed","public_key","global_time","payload":{…}}</c>. Signatures are verified. Used by
/// <c>ipv8 decode</c>.
/// </summary>
public static class DiscoveryJson
{
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

        switch (id)
        {
            case DiscoveryMessages.IntroductionRequest:
                if (!Packet.TryDecode(datagram, true, out var p246, out GlobalTime t246, out IntroductionRequestPayload m246, out error))
                {
                    return false;
                }

                WriteIntroductionRequest(writer, p246, t246, m246);
                return true;

            case DiscoveryMessages.IntroductionResponse:
                if (!Packet.TryDecode(datagram, true, out var p245, out GlobalTime t245, out IntroductionResponsePayload m245, out error))
                {
                    return false;
                }

                Begin(writer, p245, t245);
                WriteAddress(writer, "destination_address", m245.DestinationAddress);
                WriteAddress(writer, "source_lan_address", m245.SourceLanAddress);
                WriteAddress(writer, "source_wan_address", m245.SourceWanAddress);
                WriteAddress(writer, "lan_introduction_address", m245.LanIntroductionAddress);
                WriteAddress(writer, "wan_introduction_address", m245.WanIntroductionAddress);
                writer.WriteNumber("identifier", m245.Identifier);
                writer.WriteNumber("supports_new_style", m245.SupportsNewStyle ? 1 : 0);
                writer.WriteNumber("intro_supports_new_style", m245.IntroSupportsNewStyle ? 1 : 0);
                writer.WriteNumber("peer_limit_reached", m245.PeerLimitReached ? 1 : 0);
                writer.WriteString("connection_type", m245.ConnectionType.ToWireName());
                End(writer, m245.ExtraBytes, m245.Flags);
                return true;

            case DiscoveryMessages.NewIntroductionRequest:
                if (!Packet.TryDecode(datagram, true, out var p234, out GlobalTime t234, out NewIntroductionRequestPayload m234, out error))
                {
                    return false;
                }

                Begin(writer, p234, t234);
                WriteAddress(writer, "destination_address", m234.DestinationAddress);
                WriteAddress(writer, "source_lan_address", m234.SourceLanAddress);
                WriteAddress(writer, "source_wan_address", m234.SourceWanAddress);
                writer.WriteNumber("identifier", m234.Identifier);
                writer.WriteNumber("advice", m234.Advice ? 1 : 0);
                writer.WriteNumber("supports_new_style", m234.SupportsNewStyle ? 1 : 0);
                writer.WriteNumber("connection_type_0", m234.ConnectionType0 ? 1 : 0);
                writer.WriteNumber("connection_type_1", m234.ConnectionType1 ? 1 : 0);
                writer.WriteNumber("dflag1", m234.DFlag1 ? 1 : 0);
                writer.WriteNumber("dflag2", m234.DFlag2 ? 1 : 0);
                writer.WriteNumber("tunnel", m234.Tunnel ? 1 : 0);
                writer.WriteNumber("sync", m234.Sync ? 1 : 0);
                End(writer, m234.ExtraBytes, m234.Flags);
                return true;

            case DiscoveryMessages.NewIntroductionResponse:
                if (!Packet.TryDecode(datagram, true, out var p233, out GlobalTime t233, out NewIntroductionResponsePayload m233, out error))
                {
                    return false;
                }

                Begin(writer, p233, t233);
                WriteAddress(writer, "destination_address", m233.DestinationAddress);
                WriteAddress(writer, "source_lan_address", m233.SourceLanAddress);
                WriteAddress(writer, "source_wan_address", m233.SourceWanAddress);
                WriteAddress(writer, "lan_introduction_address", m233.LanIntroductionAddress);
                WriteAddress(writer, "wan_introduction_address", m233.WanIntroductionAddress);
                writer.WriteNumber("identifier", m233.Identifier);
                writer.WriteNumber("intro_supports_new_style", m233.IntroSupportsNewStyle ? 1 : 0);
                for (var i = 1; i <= 7; i++)
                {
                    writer.WriteNumber(s_flagNames[i - 1], m233.Flag(i) ? 1 : 0);
                }

                End(writer, m233.ExtraBytes, m233.Flags);
                return true;

            case DiscoveryMessages.PunctureRequest:
                if (!Packet.TryDecode(datagram, true, out var p250, out GlobalTime t250, out PunctureRequestPayload m250, out error))
                {
                    return false;
                }

                Begin(writer, p250, t250);
                WriteAddress(writer, "lan_walker_address", m250.LanWalkerAddress);
                WriteAddress(writer, "wan_walker_address", m250.WanWalkerAddress);
                writer.WriteNumber("identifier", m250.Identifier);
                EndPlain(writer);
                return true;

            case DiscoveryMessages.NewPunctureRequest:
                if (!Packet.TryDecode(datagram, true, out var p232, out GlobalTime t232, out NewPunctureRequestPayload m232, out error))
                {
                    return false;
                }

                Begin(writer, p232, t232);
                WriteAddress(writer, "lan_walker_address", m232.LanWalkerAddress);
                WriteAddress(writer, "wan_walker_address", m232.WanWalkerAddress);
                writer.WriteNumber("identifier", m232.Identifier);
                EndPlain(writer);
                return true;

            case DiscoveryMessages.Puncture:
                if (!Packet.TryDecode(datagram, true, out var p249, out GlobalTime t249, out PuncturePayload m249, out error))
                {
                    return false;
                }

                Begin(writer, p249, t249);
                WriteAddress(writer, "source_lan_address", m249.SourceLanAddress);
                WriteAddress(writer, "source_wan_address", m249.SourceWanAddress);
                writer.WriteNumber("identifier", m249.Identifier);
                EndPlain(writer);
                return true;

            case DiscoveryMessages.NewPuncture:
                if (!Packet.TryDecode(datagram, true, out var p231, out GlobalTime t231, out NewPuncturePayload m231, out error))
                {
                    return false;
                }

                Begin(writer, p231, t231);
                WriteAddress(writer, "source_lan_address", m231.SourceLanAddress);
                WriteAddress(writer, "source_wan_address", m231.SourceWanAddress);
                writer.WriteNumber("identifier", m231.Identifier);
                EndPlain(writer);
                return true;

            default:
                error = WireError.UnknownMessage;
                return false;
        }
    }

    private static readonly string[] s_flagNames = ["flag1", "flag2", "flag3", "flag4", "flag5", "flag6", "flag7"];

    /// <summary>Writes a decoded 246 in community.json's <c>introduction-request</c> form.</summary>
    internal static void WriteIntroductionRequest(Utf8JsonWriter writer, Packet packet, GlobalTime time, in IntroductionRequestPayload m246)
    {
        Begin(writer, packet, time);
        WriteAddress(writer, "destination_address", m246.DestinationAddress);
        WriteAddress(writer, "source_lan_address", m246.SourceLanAddress);
        WriteAddress(writer, "source_wan_address", m246.SourceWanAddress);
        writer.WriteNumber("identifier", m246.Identifier);
        writer.WriteNumber("advice", m246.Advice ? 1 : 0);
        writer.WriteNumber("supports_new_style", m246.SupportsNewStyle ? 1 : 0);
        writer.WriteString("connection_type", m246.ConnectionType.ToWireName());
        End(writer, m246.ExtraBytes, m246.Flags);
    }

    private static void Begin(Utf8JsonWriter writer, Packet packet, GlobalTime time) =>
        Begin(writer, DiscoveryMessages.GetName(packet.MessageId)!, packet, time);

    /// <summary>Opens the message object and its <c>payload</c>: name, id, signedness, key, global time.</summary>
    internal static void Begin(Utf8JsonWriter writer, string name, Packet packet, GlobalTime time)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteNumber("msg_id", packet.MessageId);
        writer.WriteBoolean("signed", packet.IsSigned);
        if (packet.IsSigned)
        {
            writer.WriteString("public_key", Convert.ToHexStringLower(packet.PublicKeyBin));
        }

        writer.WriteNumber("global_time", time.Value);
        writer.WriteStartObject("payload");
    }

    private static void End(Utf8JsonWriter writer, ReadOnlySpan<byte> extraBytes, byte flags)
    {
        writer.WriteString("extra_bytes", Convert.ToHexStringLower(extraBytes));
        writer.WriteNumber("flags", flags);
        EndPlain(writer);
    }

    /// <summary>Closes the <c>payload</c> and the message object.</summary>
    internal static void EndPlain(Utf8JsonWriter writer)
    {
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Writes an address as <c>{"host","port","family"}</c>.</summary>
    internal static void WriteAddress(Utf8JsonWriter writer, string name, UdpAddress address)
    {
        writer.WriteStartObject(name);
        writer.WriteString("host", address.HostToString());
        writer.WriteNumber("port", address.Port);
        writer.WriteString("family", address.IsIPv6 ? "ipv6" : "ipv4");
        writer.WriteEndObject();
    }
}

using System.Buffers.Binary;
using System.Text.Json;
using Ipv8.Wire.Schemas;

namespace Ipv8.Wire.Discovery;

/// <summary>
/// Decodes a message of py-ipv8's <c>DiscoveryCommunity</c> (<c>ipv8/peerdiscovery/community.py</c>) into the JSON shape
/// of <c>discovery-community.json</c>'s <c>decoded</c>, with the name and id in front, as <see cref="DiscoveryJson"/> does
/// for the discovery messages: <c>{"name","msg_id","signed","public_key","global_time","payload":{…}}</c>. Signatures
/// are verified. Used by <c>ipv8 decode</c> for packets with DiscoveryCommunity's prefix. The kind comes from
/// <see cref="DiscoveryCommunityKinds"/>; this class holds the JSON form of each DiscoveryCommunity payload.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>1 <c>similarity-request</c>: <c>lan_address</c>, <c>wan_address</c>, <c>identifier</c>, <c>connection_type</c>,
/// <c>preference_list</c> (community ids, hex). py-ipv8 cuts the <c>raw</c> list in 20-byte pieces, a shorter last piece
/// included, and so does this.</item>
/// <item>2 <c>similarity-response</c>: <c>identifier</c>, <c>preference_list</c>; and <c>tb_overlap</c>, as
/// <c>[[hex id, count], …]</c>, only when it is not empty (py-ipv8 always sends it empty). A <c>tb_overlap</c> that is not
/// whole 24-byte pairs is <see cref="WireError.Truncated"/>: py-ipv8's <c>from_unpack_list</c> fails on it.</item>
/// <item>3 <c>ping</c>, 4 <c>pong</c> (unsigned): <c>identifier</c>.</item>
/// <item>246: first read as <c>discovery-introduction-request</c> (<c>introduce_to</c> first); when that layout does not
/// fit, as the plain 246, printed exactly as <see cref="DiscoveryJson"/> prints it (<c>introduction-request</c>, with
/// <c>flags</c>). The name says which layout py-ipv8 read. <c>discovery-introduction-request</c> has
/// <c>destination_address</c>, <c>source_lan_address</c>, <c>source_wan_address</c>, <c>identifier</c>, <c>advice</c>
/// (inverted on read, as in 246), <c>supports_new_style</c>, <c>connection_type</c>, <c>introduce_to</c> (the mid, hex,
/// without the leading character) and <c>extra_bytes</c>, and no raw <c>flags</c>. <c>supports_new_style</c> is always
/// 1: py-ipv8's <c>DiscoveryIntroductionRequestPayload.from_unpack_list</c> ignores the bit and leaves the default,
/// True.</item>
/// </list>
/// </remarks>
public static class DiscoveryCommunityJson
{
    private const int TbOverlapEntryLength = CommunityId.Length + sizeof(uint);

    /// <summary>
    /// True when <paramref name="datagram"/> has DiscoveryCommunity's prefix and one of its message ids (1, 2, 3, 4,
    /// 246): the packets <see cref="TryWrite"/> is for.
    /// </summary>
    public static bool IsDiscoveryCommunityMessage(ReadOnlySpan<byte> datagram) =>
        DiscoveryCommunityKinds.Registry.TryFind(datagram, out var kind) && kind.Community is not null;

    /// <summary>
    /// Decodes <paramref name="datagram"/> as a DiscoveryCommunity message (whatever its prefix) and writes one JSON
    /// object. On failure nothing is written and <paramref name="error"/> says why (<see cref="WireError.UnknownMessage"/>
    /// for an id DiscoveryCommunity does not have). Never throws on wire data.
    /// </summary>
    public static bool TryWrite(Utf8JsonWriter writer, ReadOnlySpan<byte> datagram, out WireError error)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!Packet.TryReadMessageId(datagram, out var id))
        {
            error = WireError.TooShort;
            return false;
        }

        if (!DiscoveryCommunityKinds.Registry.TryFind(DiscoveryCommunityMessages.CommunityId, id, out var kind) || kind.Community is null)
        {
            error = WireError.UnknownMessage;
            return false;
        }

        return MessageJson.TryWrite(writer, datagram, kind, out error);
    }

    /// <summary>Gives DiscoveryCommunity's payloads their JSON form (<see cref="MessageJson"/>).</summary>
    internal static void RegisterPayloads()
    {
        PayloadJson<SimilarityRequestPayload>.Register(WriteSimilarityRequest);
        PayloadJson<SimilarityResponsePayload>.Register(WriteSimilarityResponse, CheckSimilarityResponse);
        PayloadJson<PingPayload>.Register(static (writer, in p) => writer.WriteNumber("identifier", p.Identifier));
        PayloadJson<PongPayload>.Register(static (writer, in p) => writer.WriteNumber("identifier", p.Identifier));
        PayloadJson<DiscoveryIntroductionRequestPayload>.Register(WriteIntroductionRequest);
    }

    private static void WriteSimilarityRequest(Utf8JsonWriter writer, in SimilarityRequestPayload p)
    {
        DiscoveryJson.WriteAddress(writer, "lan_address", p.LanAddress);
        DiscoveryJson.WriteAddress(writer, "wan_address", p.WanAddress);
        writer.WriteNumber("identifier", p.Identifier);
        writer.WriteString("connection_type", ConnectionTypes.WireName(p.Flags));
        WriteIds(writer, p.PreferenceList);
    }

    private static WireError CheckSimilarityResponse(in SimilarityResponsePayload p) =>
        p.TbOverlap.Length % TbOverlapEntryLength == 0 ? WireError.None : WireError.Truncated;

    private static void WriteSimilarityResponse(Utf8JsonWriter writer, in SimilarityResponsePayload p)
    {
        writer.WriteNumber("identifier", p.Identifier);
        WriteIds(writer, p.PreferenceList);
        if (!p.TbOverlap.IsEmpty)
        {
            WriteTbOverlap(writer, p.TbOverlap);
        }
    }

    private static void WriteIntroductionRequest(Utf8JsonWriter writer, in DiscoveryIntroductionRequestPayload p)
    {
        DiscoveryJson.WriteAddress(writer, "destination_address", p.DestinationAddress);
        DiscoveryJson.WriteAddress(writer, "source_lan_address", p.SourceLanAddress);
        DiscoveryJson.WriteAddress(writer, "source_wan_address", p.SourceWanAddress);
        writer.WriteNumber("identifier", p.Identifier);
        writer.WriteNumber("advice", p.Advice ? 1 : 0);

        // py-ipv8 reads this layout without its supports_new_style bit and keeps the constructor's default, True.
        writer.WriteNumber("supports_new_style", 1);
        writer.WriteString("connection_type", ConnectionTypes.WireName(p.Flags));
        writer.WritePropertyName("introduce_to");
        JsonValues.WriteHexString(writer, p.IntroduceTo);
        writer.WritePropertyName("extra_bytes");
        JsonValues.WriteHexString(writer, p.ExtraBytes);
    }

    // py-ipv8 cuts the list in 20-byte pieces; the last one may be shorter (a raw list that is not whole ids).
    private static void WriteIds(Utf8JsonWriter writer, ReadOnlySpan<byte> ids)
    {
        writer.WriteStartArray("preference_list");
        while (!ids.IsEmpty)
        {
            var id = ids[..Math.Min(CommunityId.Length, ids.Length)];
            JsonValues.WriteHexString(writer, id);
            ids = ids[id.Length..];
        }

        writer.WriteEndArray();
    }

    // (20-byte id, big-endian I) pairs, as py-ipv8's SimilarityResponsePayload.from_unpack_list reads them.
    private static void WriteTbOverlap(Utf8JsonWriter writer, ReadOnlySpan<byte> pairs)
    {
        writer.WriteStartArray("tb_overlap");
        for (; !pairs.IsEmpty; pairs = pairs[TbOverlapEntryLength..])
        {
            writer.WriteStartArray();
            JsonValues.WriteHexString(writer, pairs[..CommunityId.Length]);
            writer.WriteNumberValue(BinaryPrimitives.ReadUInt32BigEndian(pairs[CommunityId.Length..]));
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }
}

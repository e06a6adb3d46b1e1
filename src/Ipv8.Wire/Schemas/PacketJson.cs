using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Ipv8.Wire.Discovery;

namespace Ipv8.Wire.Schemas;

/// <summary>
/// Decodes any datagram into one JSON object, as <c>ipv8 decode</c> prints it: a message of the schema with
/// <see cref="SchemaDecoder"/>, else a kind of <see cref="DiscoveryCommunityKinds.Registry"/> (a message of py-ipv8's
/// DiscoveryCommunity by its prefix, as <see cref="DiscoveryCommunityJson"/> prints it, else a discovery message, as
/// <see cref="DiscoveryJson"/> prints it), else the frame with <see cref="FrameJson"/>.
/// </summary>
public static class PacketJson
{
    /// <summary>
    /// Writes <paramref name="datagram"/> as JSON. A message id that <paramref name="schema"/> defines is decoded with
    /// the schema (even a discovery id) when the schema applies to the packet's prefix (<see cref="SchemaSet.AppliesTo"/>:
    /// its <c>community_id</c>, or any prefix but DiscoveryCommunity's); a packet with DiscoveryCommunity's prefix (version 2) and one of its ids (1, 2,
    /// 3, 4, 246) is decoded as DiscoveryCommunity's (a 246 with <c>introduce_to</c> first, else the plain 246); a
    /// discovery message id (py-ipv8's 246, 245, 250, 249, 234, 233, 232, 231) is decoded as discovery, whatever the
    /// prefix; any other datagram of at least 23 bytes gets its frame. On failure nothing is written and
    /// <paramref name="reason"/> says why, in one line. Never throws on wire data.
    /// </summary>
    public static bool TryWrite(Utf8JsonWriter writer, ReadOnlySpan<byte> datagram, SchemaSet? schema, [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!Packet.TryReadMessageId(datagram, out var id))
        {
            reason = WireError.TooShort.Describe();
            return false;
        }

        if (schema is not null && schema.AppliesTo(datagram) && schema.TryGetMessage(id, out var message))
        {
            var decoded = SchemaDecoder.TryWrite(writer, datagram, message, out var failure);
            reason = decoded ? null : failure.Reason;
            return decoded;
        }

        if (DiscoveryCommunityKinds.Registry.TryFind(datagram, out var kind))
        {
            var decoded = MessageJson.TryWrite(writer, datagram, kind, out var error);
            reason = decoded ? null : error.Describe();
            return decoded;
        }

        FrameJson.TryWrite(writer, datagram, out _);
        reason = null;
        return true;
    }
}

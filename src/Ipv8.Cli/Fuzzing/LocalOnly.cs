using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;
using Ipv8.Wire;
using Ipv8.Wire.Discovery;
using Ipv8.Wire.Schemas;

namespace Ipv8.Cli.Fuzzing;

/// <summary>
/// Keeps the fuzzer's datagrams from making the target send anywhere but this machine. A node acts on addresses inside
/// payloads (it walks to the peers an introduction response names, punctures the walker a puncture request names), and
/// a mutation can turn 127.0.0.1 into any address. A datagram is sent only when our decoder reads it and every address
/// in it is loopback or unspecified, or when no node can act on it: its signature does not verify, or it is of a kind
/// whose handler sends only to the datagram's source.
/// </summary>
internal static class LocalOnly
{
    /// <summary>Whether <paramref name="datagram"/> is safe to send to a node on this machine.</summary>
    public static bool MaySend(ReadOnlySpan<byte> datagram)
    {
        using var buffer = new ArrayPoolBufferWriter<byte>();
        bool decoded;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            decoded = PacketJson.TryWrite(writer, datagram, null, out _);
        }

        if (decoded)
        {
            using var document = JsonDocument.Parse(buffer.WrittenMemory);
            return AllLocal(document.RootElement);
        }

        // Our decoder refused it. Only the introduction responses and the puncture requests make a node send to an
        // address read from the payload; let those through only when no decoder can accept them (a signature that
        // does not verify). A signed message id sent as unsigned, or the other way round, fails there too.
        if (!Packet.TryReadMessageId(datagram, out var id))
        {
            return true;
        }

        return id switch
        {
            DiscoveryMessages.PunctureRequest or DiscoveryMessages.NewPunctureRequest => false,
            DiscoveryMessages.IntroductionResponse or DiscoveryMessages.NewIntroductionResponse =>
                !Packet.TryParseSigned(datagram, out var packet, out _) || !packet.VerifySignature(),
            _ => true,
        };
    }

    /// <summary>True when every <c>{"host": …}</c> object in <paramref name="element"/> is 127.0.0.0/8, 0.0.0.0, ::1 or ::.</summary>
    internal static bool AllLocal(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.NameEquals("host"u8))
                    {
                        if (property.Value.ValueKind != JsonValueKind.String || !IsLocal(property.Value.GetString()!))
                        {
                            return false;
                        }
                    }
                    else if (!AllLocal(property.Value))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (!AllLocal(item))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    /// <summary>127.0.0.0/8, 0.0.0.0, ::1 or ::.</summary>
    internal static bool IsLocal(string host) =>
        System.Net.IPAddress.TryParse(host, out var address)
        && (System.Net.IPAddress.IsLoopback(address) || address.Equals(System.Net.IPAddress.Any) || address.Equals(System.Net.IPAddress.IPv6Any));
}

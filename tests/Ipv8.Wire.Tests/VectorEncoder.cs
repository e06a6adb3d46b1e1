using System.Text.Json.Nodes;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Wire.Tests;

/// <summary>Builds a packet back from a vector's decoded fields, the way py-ipv8's senders did.</summary>
internal static class VectorEncoder
{
    public static byte[] Encode(JsonObject vector, byte[] prefix, LibNaClPrivateKey key)
    {
        var decoded = vector["decoded"]!;
        var time = (ulong)decoded["global_time"]!;
        var p = decoded["payload"]!;
        var buffer = new byte[2048];
        int n;
        switch ((int)vector["msg_id"]!)
        {
            case 246:
                n = Packet.Write(buffer, prefix, key, new GlobalTime(time), new IntroductionRequestPayload
                {
                    DestinationAddress = Address(p["destination_address"]),
                    SourceLanAddress = Address(p["source_lan_address"]),
                    SourceWanAddress = Address(p["source_wan_address"]),
                    Flags = (byte)(int)p["flags"]!,
                    Identifier = (ushort)(int)p["identifier"]!,
                    ExtraBytes = Convert.FromHexString((string)p["extra_bytes"]!),
                });
                break;
            case 245:
                n = Packet.Write(buffer, prefix, key, new GlobalTime(time), new IntroductionResponsePayload
                {
                    DestinationAddress = Address(p["destination_address"]),
                    SourceLanAddress = Address(p["source_lan_address"]),
                    SourceWanAddress = Address(p["source_wan_address"]),
                    LanIntroductionAddress = Address(p["lan_introduction_address"]),
                    WanIntroductionAddress = Address(p["wan_introduction_address"]),
                    Flags = (byte)(int)p["flags"]!,
                    Identifier = (ushort)(int)p["identifier"]!,
                    ExtraBytes = Convert.FromHexString((string)p["extra_bytes"]!),
                });
                break;
            case 234:
                n = Packet.Write(buffer, prefix, key, new GlobalTime(time), new NewIntroductionRequestPayload
                {
                    DestinationAddress = Address(p["destination_address"]),
                    SourceLanAddress = Address(p["source_lan_address"]),
                    SourceWanAddress = Address(p["source_wan_address"]),
                    Identifier = (ushort)(int)p["identifier"]!,
                    Flags = (byte)(int)p["flags"]!,
                    ExtraBytes = Convert.FromHexString((string)p["extra_bytes"]!),
                });
                break;
            case 233:
                n = Packet.Write(buffer, prefix, key, new GlobalTime(time), new NewIntroductionResponsePayload
                {
                    DestinationAddress = Address(p["destination_address"]),
                    SourceLanAddress = Address(p["source_lan_address"]),
                    SourceWanAddress = Address(p["source_wan_address"]),
                    LanIntroductionAddress = Address(p["lan_introduction_address"]),
                    WanIntroductionAddress = Address(p["wan_introduction_address"]),
                    Identifier = (ushort)(int)p["identifier"]!,
                    Flags = (byte)(int)p["flags"]!,
                    ExtraBytes = Convert.FromHexString((string)p["extra_bytes"]!),
                });
                break;
            case 250:
                n = Packet.Write(buffer, prefix, null, new GlobalTime(time), new PunctureRequestPayload
                {
                    LanWalkerAddress = Address(p["lan_walker_address"]),
                    WanWalkerAddress = Address(p["wan_walker_address"]),
                    Identifier = (ushort)(int)p["identifier"]!,
                });
                break;
            case 232:
                n = Packet.Write(buffer, prefix, null, new GlobalTime(time), new NewPunctureRequestPayload
                {
                    LanWalkerAddress = Address(p["lan_walker_address"]),
                    WanWalkerAddress = Address(p["wan_walker_address"]),
                    Identifier = (ushort)(int)p["identifier"]!,
                });
                break;
            case 249:
                n = Packet.Write(buffer, prefix, key, new GlobalTime(time), new PuncturePayload
                {
                    SourceLanAddress = Address(p["source_lan_address"]),
                    SourceWanAddress = Address(p["source_wan_address"]),
                    Identifier = (ushort)(int)p["identifier"]!,
                });
                break;
            case 231:
                n = Packet.Write(buffer, prefix, key, new GlobalTime(time), new NewPuncturePayload
                {
                    SourceLanAddress = Address(p["source_lan_address"]),
                    SourceWanAddress = Address(p["source_wan_address"]),
                    Identifier = (ushort)(int)p["identifier"]!,
                });
                break;
            default:
                throw new InvalidOperationException("not a discovery message: " + vector["msg_id"]);
        }

        return buffer[..n];
    }

    public static UdpAddress Address(JsonNode? node)
    {
        Assert.True(UdpAddress.TryParseHost((string)node!["host"]!, (ushort)(int)node["port"]!, out var address));
        Assert.Equal((string)node["family"]!, address.IsIPv6 ? "ipv6" : "ipv4");
        return address;
    }
}

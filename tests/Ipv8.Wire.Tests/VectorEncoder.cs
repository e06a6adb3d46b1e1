using System.Text.Json.Nodes;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Wire.Tests;

/// <summary>
/// Builds a packet back from a vector's decoded fields, the way py-ipv8's senders did. The vector's message id picks its
/// <see cref="MessageKind"/> from the registry; each payload type has one builder from the vectors' JSON form
/// (<see cref="VectorFields{T}"/>): the payloads before the last read the top of <c>decoded</c> (the global time), the
/// last one reads <c>decoded.payload</c>.
/// </summary>
internal static class VectorEncoder
{
    static VectorEncoder()
    {
        VectorFields<GlobalTime>.Read = d => new GlobalTime((ulong)d["global_time"]!);
        VectorFields<IntroductionRequestPayload>.Read = p => new()
        {
            DestinationAddress = Address(p["destination_address"]),
            SourceLanAddress = Address(p["source_lan_address"]),
            SourceWanAddress = Address(p["source_wan_address"]),
            Flags = (byte)(int)p["flags"]!,
            Identifier = (ushort)(int)p["identifier"]!,
            ExtraBytes = Convert.FromHexString((string)p["extra_bytes"]!),
        };
        VectorFields<IntroductionResponsePayload>.Read = p => new()
        {
            DestinationAddress = Address(p["destination_address"]),
            SourceLanAddress = Address(p["source_lan_address"]),
            SourceWanAddress = Address(p["source_wan_address"]),
            LanIntroductionAddress = Address(p["lan_introduction_address"]),
            WanIntroductionAddress = Address(p["wan_introduction_address"]),
            Flags = (byte)(int)p["flags"]!,
            Identifier = (ushort)(int)p["identifier"]!,
            ExtraBytes = Convert.FromHexString((string)p["extra_bytes"]!),
        };
        VectorFields<NewIntroductionRequestPayload>.Read = p => new()
        {
            DestinationAddress = Address(p["destination_address"]),
            SourceLanAddress = Address(p["source_lan_address"]),
            SourceWanAddress = Address(p["source_wan_address"]),
            Identifier = (ushort)(int)p["identifier"]!,
            Flags = (byte)(int)p["flags"]!,
            ExtraBytes = Convert.FromHexString((string)p["extra_bytes"]!),
        };
        VectorFields<NewIntroductionResponsePayload>.Read = p => new()
        {
            DestinationAddress = Address(p["destination_address"]),
            SourceLanAddress = Address(p["source_lan_address"]),
            SourceWanAddress = Address(p["source_wan_address"]),
            LanIntroductionAddress = Address(p["lan_introduction_address"]),
            WanIntroductionAddress = Address(p["wan_introduction_address"]),
            Identifier = (ushort)(int)p["identifier"]!,
            Flags = (byte)(int)p["flags"]!,
            ExtraBytes = Convert.FromHexString((string)p["extra_bytes"]!),
        };
        VectorFields<PunctureRequestPayload>.Read = p => new()
        {
            LanWalkerAddress = Address(p["lan_walker_address"]),
            WanWalkerAddress = Address(p["wan_walker_address"]),
            Identifier = (ushort)(int)p["identifier"]!,
        };
        VectorFields<NewPunctureRequestPayload>.Read = p => new()
        {
            LanWalkerAddress = Address(p["lan_walker_address"]),
            WanWalkerAddress = Address(p["wan_walker_address"]),
            Identifier = (ushort)(int)p["identifier"]!,
        };
        VectorFields<PuncturePayload>.Read = p => new()
        {
            SourceLanAddress = Address(p["source_lan_address"]),
            SourceWanAddress = Address(p["source_wan_address"]),
            Identifier = (ushort)(int)p["identifier"]!,
        };
        VectorFields<NewPuncturePayload>.Read = p => new()
        {
            SourceLanAddress = Address(p["source_lan_address"]),
            SourceWanAddress = Address(p["source_wan_address"]),
            Identifier = (ushort)(int)p["identifier"]!,
        };
        VectorFields<SimilarityRequestPayload>.Read = p => new()
        {
            Identifier = (ushort)(int)p["identifier"]!,
            LanAddress = Address(p["lan_address"]),
            WanAddress = Address(p["wan_address"]),
            Flags = ConnectionTypeNamed((string)p["connection_type"]!).ToFlagBits(),
            PreferenceList = Ids(p["preference_list"]),
        };
        VectorFields<SimilarityResponsePayload>.Read = p => new()
        {
            Identifier = (ushort)(int)p["identifier"]!,
            PreferenceList = Ids(p["preference_list"]),
        };
        VectorFields<PingPayload>.Read = p => new() { Identifier = (ushort)(int)p["identifier"]! };
        VectorFields<PongPayload>.Read = p => new() { Identifier = (ushort)(int)p["identifier"]! };
        VectorFields<DiscoveryIntroductionRequestPayload>.Read = p => new()
        {
            IntroduceToField = DiscoveryIntroductionRequestPayload.MakeIntroduceTo(Convert.FromHexString((string)p["introduce_to"]!)),
            DestinationAddress = Address(p["destination_address"]),
            SourceLanAddress = Address(p["source_lan_address"]),
            SourceWanAddress = Address(p["source_wan_address"]),

            // Advice is read back inverted: a decoded 0 was written as advice = true (bit 0x01 set).
            Flags = IntroductionRequestPayload.MakeFlags(
                ConnectionTypeNamed((string)p["connection_type"]!),
                supportsNewStyle: (int)p["supports_new_style"]! == 1,
                advice: (int)p["advice"]! == 0),
            Identifier = (ushort)(int)p["identifier"]!,
            ExtraBytes = Convert.FromHexString((string)p["extra_bytes"]!),
        };
    }

    /// <summary>A discovery message (community.json) under <paramref name="prefix"/>, whatever community that is.</summary>
    public static byte[] Encode(JsonObject vector, byte[] prefix, LibNaClPrivateKey key)
    {
        Assert.True(DiscoveryKinds.Registry.TryFind(null, (byte)(int)vector["msg_id"]!, out var kind), "not a discovery message: " + vector["msg_id"]);
        return Encode(kind, vector, prefix, key);
    }

    /// <summary>The message of <paramref name="kind"/> with the vector's decoded fields, signed with <paramref name="key"/> when the kind is signed.</summary>
    public static byte[] Encode(MessageKind kind, JsonObject vector, byte[] prefix, LibNaClPrivateKey key)
    {
        var builder = new Builder(vector["decoded"]!, prefix, key, new byte[2048]);
        var length = kind.Accept<Builder, int>(ref builder);
        return builder.Buffer[..length];
    }

    public static UdpAddress Address(JsonNode? node)
    {
        Assert.True(UdpAddress.TryParseHost((string)node!["host"]!, (ushort)(int)node["port"]!, out var address));
        Assert.Equal((string)node["family"]!, address.IsIPv6 ? "ipv6" : "ipv4");
        return address;
    }

    public static ConnectionType ConnectionTypeNamed(string name) =>
        Enum.GetValues<ConnectionType>().Single(t => t.ToWireName() == name);

    private static byte[] Ids(JsonNode? list) => [.. list!.AsArray().SelectMany(id => Convert.FromHexString((string)id!))];

    private static T Read<T>(JsonNode node)
        where T : allows ref struct =>
        (VectorFields<T>.Read ?? throw new InvalidOperationException("no vector builder for " + typeof(T).Name))(node);

    private readonly struct Builder(JsonNode decoded, byte[] prefix, LibNaClPrivateKey key, byte[] buffer) : IMessageKindVisitor<int>
    {
        public byte[] Buffer => buffer;

        public int Visit<T>(MessageKind<T> kind)
            where T : IMessagePayload<T>, allows ref struct =>
            Packet.Write(buffer, prefix, key, Read<T>(decoded["payload"]!));

        public int Visit<T1, T2>(MessageKind<T1, T2> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IMessagePayload<T2>, allows ref struct =>
            Packet.Write(buffer, prefix, key, Read<T1>(decoded), Read<T2>(decoded["payload"]!));

        public int Visit<T1, T2, T3>(MessageKind<T1, T2, T3> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IPayload<T2>, allows ref struct
            where T3 : IMessagePayload<T3>, allows ref struct =>
            Packet.Write(buffer, prefix, key, Read<T1>(decoded), Read<T2>(decoded), Read<T3>(decoded["payload"]!));
    }
}

/// <summary>How the vectors' JSON form of payload type <typeparamref name="T"/> becomes a payload (set by <see cref="VectorEncoder"/>).</summary>
internal static class VectorFields<T>
    where T : allows ref struct
{
    public static Func<JsonNode, T>? Read { get; set; }
}

/// <summary>Decodes a datagram as a <see cref="MessageKind"/>, whatever its payload types, and says why it failed.</summary>
internal readonly ref struct KindDecoder(ReadOnlySpan<byte> datagram, bool verify) : IMessageKindVisitor<WireError>
{
    private readonly ReadOnlySpan<byte> _datagram = datagram;

    /// <summary>Decodes <paramref name="datagram"/> as <paramref name="kind"/>, then as its fallback: <see cref="WireError.None"/> when one fits.</summary>
    public static WireError Decode(MessageKind kind, ReadOnlySpan<byte> datagram, bool verify)
    {
        var decoder = new KindDecoder(datagram, verify);
        var error = kind.Accept<KindDecoder, WireError>(ref decoder);
        return error == WireError.None || kind.Fallback is null ? error : Decode(kind.Fallback, datagram, verify);
    }

    public WireError Visit<T>(MessageKind<T> kind)
        where T : IMessagePayload<T>, allows ref struct
    {
        _ = kind.TryDecode(_datagram, verify, out _, out _, out var error);
        return error;
    }

    public WireError Visit<T1, T2>(MessageKind<T1, T2> kind)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct
    {
        _ = kind.TryDecode(_datagram, verify, out _, out _, out _, out var error);
        return error;
    }

    public WireError Visit<T1, T2, T3>(MessageKind<T1, T2, T3> kind)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IMessagePayload<T3>, allows ref struct
    {
        _ = kind.TryDecode(_datagram, verify, out _, out _, out _, out _, out var error);
        return error;
    }
}

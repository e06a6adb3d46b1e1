using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Cli.Fuzzing;

/// <summary>
/// Builds valid messages of every kind in <see cref="DiscoveryCommunityKinds.Registry"/> (the eight discovery messages
/// under the target community's prefix, DiscoveryCommunity's five under its own) with the generated <c>[Payload]</c>
/// writers, signed with one of the fuzzer's keys. Field values come from each field type's edges (0, 1, the maximum,
/// one past a boundary) or are random. Every address in a payload is a loopback or unspecified address, so that a node
/// that acts on a payload (walks to an introduced peer, punctures a walker) sends to this machine only.
/// </summary>
internal sealed class MessageFactory
{
    private readonly Random _random;
    private readonly byte[] _prefix;
    private readonly byte[] _discoveryPrefix;
    private readonly byte[] _buffer = new byte[1 << 16];
    private ulong _clock;

    public MessageFactory(Random random, CommunityId community)
    {
        _random = random;
        _prefix = community.ToPrefix();
        _discoveryPrefix = DiscoveryCommunityMessages.CommunityId.ToPrefix();
    }

    /// <summary>The kinds this factory builds: every kind of the registry, in its order.</summary>
    public static IReadOnlyList<MessageKind> Kinds => DiscoveryCommunityKinds.Registry.Kinds;

    /// <summary>The prefix a kind travels under: its own community's, or the target community's for a kind of every community.</summary>
    public ReadOnlySpan<byte> PrefixOf(MessageKind kind) => kind.Community == DiscoveryCommunityMessages.CommunityId ? _discoveryPrefix : _prefix;

    /// <summary>A valid message of <paramref name="kind"/>, signed with <paramref name="key"/> when the kind is signed.</summary>
    public byte[] Build(MessageKind kind, LibNaClPrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var prefix = PrefixOf(kind);
        var signer = kind.IsSigned ? key : null;
        var time = new GlobalTime(GlobalTimeValue());
        var buffer = _buffer.AsSpan();
        var extra = Bytes(RawLength());
        int length;
        if (ReferenceEquals(kind, DiscoveryKinds.IntroductionRequest))
        {
            length = Packet.Write(buffer, prefix, signer, time, new IntroductionRequestPayload
            {
                DestinationAddress = Ipv4(), SourceLanAddress = Ipv4(), SourceWanAddress = Ipv4(), Flags = Flags(), Identifier = UShort(), ExtraBytes = extra,
            });
        }
        else if (ReferenceEquals(kind, DiscoveryKinds.IntroductionResponse))
        {
            length = Packet.Write(buffer, prefix, signer, time, new IntroductionResponsePayload
            {
                DestinationAddress = Ipv4(), SourceLanAddress = Ipv4(), SourceWanAddress = Ipv4(), LanIntroductionAddress = Ipv4(),
                WanIntroductionAddress = Ipv4(), Flags = Flags(), Identifier = UShort(), ExtraBytes = extra,
            });
        }
        else if (ReferenceEquals(kind, DiscoveryKinds.PunctureRequest))
        {
            length = Packet.Write(buffer, prefix, null, time, new PunctureRequestPayload { LanWalkerAddress = Ipv4(), WanWalkerAddress = Ipv4(), Identifier = UShort() });
        }
        else if (ReferenceEquals(kind, DiscoveryKinds.Puncture))
        {
            length = Packet.Write(buffer, prefix, signer, time, new PuncturePayload { SourceLanAddress = Ipv4(), SourceWanAddress = Ipv4(), Identifier = UShort() });
        }
        else if (ReferenceEquals(kind, DiscoveryKinds.NewIntroductionRequest))
        {
            length = Packet.Write(buffer, prefix, signer, time, new NewIntroductionRequestPayload
            {
                DestinationAddress = AnyAddress(), SourceLanAddress = AnyAddress(), SourceWanAddress = AnyAddress(), Identifier = UShort(), Flags = Flags(), ExtraBytes = extra,
            });
        }
        else if (ReferenceEquals(kind, DiscoveryKinds.NewIntroductionResponse))
        {
            length = Packet.Write(buffer, prefix, signer, time, new NewIntroductionResponsePayload
            {
                DestinationAddress = AnyAddress(), SourceLanAddress = AnyAddress(), SourceWanAddress = AnyAddress(), LanIntroductionAddress = AnyAddress(),
                WanIntroductionAddress = AnyAddress(), Identifier = UShort(), Flags = Flags(), ExtraBytes = extra,
            });
        }
        else if (ReferenceEquals(kind, DiscoveryKinds.NewPunctureRequest))
        {
            length = Packet.Write(buffer, prefix, null, time, new NewPunctureRequestPayload { LanWalkerAddress = AnyAddress(), WanWalkerAddress = AnyAddress(), Identifier = UShort() });
        }
        else if (ReferenceEquals(kind, DiscoveryKinds.NewPuncture))
        {
            length = Packet.Write(buffer, prefix, signer, time, new NewPuncturePayload { SourceLanAddress = AnyAddress(), SourceWanAddress = AnyAddress(), Identifier = UShort() });
        }
        else if (ReferenceEquals(kind, DiscoveryCommunityKinds.SimilarityRequest))
        {
            length = Packet.Write(buffer, prefix, signer, time, new SimilarityRequestPayload
            {
                Identifier = UShort(), LanAddress = Ipv4(), WanAddress = Ipv4(), Flags = Flags(), PreferenceList = Bytes(20 * ListCount() + (_random.Next(8) == 0 ? _random.Next(1, 20) : 0)),
            });
        }
        else if (ReferenceEquals(kind, DiscoveryCommunityKinds.SimilarityResponse))
        {
            length = Packet.Write(buffer, prefix, signer, time, new SimilarityResponsePayload { Identifier = UShort(), PreferenceList = Bytes(20 * ListCount()), TbOverlap = Bytes(24 * (ListCount() % 4)) });
        }
        else if (ReferenceEquals(kind, DiscoveryCommunityKinds.Ping))
        {
            length = Packet.Write(buffer, prefix, null, time, new PingPayload { Identifier = UShort() });
        }
        else if (ReferenceEquals(kind, DiscoveryCommunityKinds.Pong))
        {
            length = Packet.Write(buffer, prefix, null, time, new PongPayload { Identifier = UShort() });
        }
        else if (ReferenceEquals(kind, DiscoveryCommunityKinds.IntroductionRequest))
        {
            length = Packet.Write(buffer, prefix, signer, time, new DiscoveryIntroductionRequestPayload
            {
                IntroduceToField = _random.Next(2) == 0 ? Bytes(21) : DiscoveryIntroductionRequestPayload.MakeIntroduceTo(Bytes(20)), DestinationAddress = Ipv4(), SourceLanAddress = Ipv4(), SourceWanAddress = Ipv4(), Flags = Flags(), Identifier = UShort(), ExtraBytes = extra,
            });
        }
        else
        {
            throw new NotSupportedException($"The fuzzer cannot build {kind} yet: add it to {nameof(MessageFactory)}.");
        }

        return buffer[..length].ToArray();
    }

    private ulong GlobalTimeValue() => _random.Next(6) switch
    {
        0 => 0,
        1 => 1,
        2 => ulong.MaxValue,
        3 => (ulong)long.MaxValue + (ulong)_random.Next(2),
        4 => uint.MaxValue + (ulong)_random.Next(2),
        _ => ++_clock,
    };

    private ushort UShort() => _random.Next(7) switch
    {
        0 => 0,
        1 => 1,
        2 => 0x7FFF,
        3 => 0x8000,
        4 => 0xFFFF,
        _ => (ushort)_random.Next(65536),
    };

    private byte Flags() => _random.Next(4) switch
    {
        0 => 0,
        1 => 0xFF,
        2 => (byte)(1 << _random.Next(8)),
        _ => (byte)_random.Next(256),
    };

    private int RawLength() => _random.Next(8) switch
    {
        0 => 1,
        1 => _random.Next(2, 64),
        2 => 1024 + _random.Next(256),
        _ => 0,
    };

    private int ListCount() => _random.Next(6) switch
    {
        0 => 0,
        1 => 50,
        _ => _random.Next(1, 4),
    };

    private byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private ushort Port() => _random.Next(4) switch
    {
        0 => 0,
        1 => 65535,
        _ => (ushort)_random.Next(1, 65535),
    };

    /// <summary>An IPv4 address that never leaves the machine: the edges of 127.0.0.0/8, or 0.0.0.0.</summary>
    private UdpAddress Ipv4()
    {
        uint host = _random.Next(5) switch
        {
            0 => 0,
            1 => 0x7F000000,
            2 => 0x7FFFFFFF,
            _ => 0x7F000001,
        };
        return UdpAddress.FromIPv4(host, Port());
    }

    /// <summary>An IPv4 address as <see cref="Ipv4"/>, or ::1 or ::.</summary>
    private UdpAddress AnyAddress()
    {
        if (_random.Next(3) != 0)
        {
            return Ipv4();
        }

        Span<byte> host = stackalloc byte[16];
        host[15] = (byte)_random.Next(2);
        return UdpAddress.FromIPv6(host, Port());
    }
}

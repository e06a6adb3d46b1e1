using System.Buffers.Binary;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Testing;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using static Ipv8.Fuzz.Targets.FuzzTargets;

namespace Ipv8.Fuzz.Targets;

/// <summary>
/// A community's <c>OnPacket</c> with a live <see cref="Network"/> and no sockets. The input is a list of records, so
/// one input is a conversation: <c>[kind][source][length H][body]</c>. Kind 0: the body is a whole datagram. Kind 1: a
/// signed message built and signed here with one of four fixed keys — body = [msg id][key index][payload] — so that
/// fuzzed payloads get past signature checks. Kind 2: an unsigned message, body = [msg id][payload].
/// Invariants: nothing escapes, no handler throws (the community would count it), and every network table and rate
/// limiter stays under its cap.
/// </summary>
internal sealed class CommunityTarget : IFuzzTarget
{
    private const int MaxVerifiedPeers = 6;
    private const int MaxWalkableAddresses = 12;
    private const int MaxBlacklistedAddresses = 4;
    private static readonly string[] s_sourceTexts =
    [
        "127.0.0.1:1000", "127.0.0.2:1001", "10.0.0.1:1002", "8.8.8.8:1003", "[::1]:1004", "[2001:db8::1]:1005", "0.0.0.0:0", "127.0.0.1:1007",
    ];

    private readonly Lazy<UdpAddress[]> _sources = new(() => [.. s_sourceTexts.Select(UdpAddress.Parse)]);
    private readonly Lazy<CommunityId> _id = new(() => CommunityId.Parse("f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"));

    // Created on first use: under AFL, instrumented code must not run before the fuzzer's entry point starts.
    private readonly Lazy<LibNaClPrivateKey> _ourKey = new(() => Key(0xA0));
    private readonly Lazy<LibNaClPrivateKey[]> _keys = new(() => [Key(1), Key(2), Key(3), Key(4)]);
    private readonly byte[] _packet = new byte[70_000];

    public string Name => "community";

    public void Run(ReadOnlySpan<byte> input)
    {
        var network = new Network(new NetworkOptions
        {
            MaxVerifiedPeers = MaxVerifiedPeers, MaxWalkableAddresses = MaxWalkableAddresses, MaxBlacklistedAddresses = MaxBlacklistedAddresses, MaxBlacklistedMids = 4,
        });
        var endpoint = new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:999"), UdpAddress.Parse("[::1]:999")) { KeepDatagrams = false };
        var community = new FuzzCommunity(_id.Value, new CommunitySettings { Key = _ourKey.Value, Endpoint = endpoint, Network = network, RandomSeed = 5, MaxPeers = 3, RateLimits = new Engine.Limits.RateLimitOptions { TrackedAddresses = 4, VerificationBurst = 8, ReplyBurst = 4 } });
        var prefix = _id.Value.ToPrefix();
        var sources = _sources.Value;
        while (input.Length >= 4)
        {
            var kind = input[0] % 3;
            var source = sources[input[1] % sources.Length];
            var length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(input[2..]), input.Length - 4);
            var body = input.Slice(4, length);
            input = input[(4 + length)..];

            var datagram = kind switch
            {
                1 => BuildSigned(prefix, body),
                2 => BuildUnsigned(prefix, body),
                _ => body,
            };
            community.OnPacket(source, datagram);

            Check(community.Counters.Drops(DropReason.HandlerError) == 0, "a handler threw");
            Check(network.VerifiedPeerCount <= MaxVerifiedPeers, $"verified peers {network.VerifiedPeerCount} over the cap");
            Check(network.KnownAddressCount <= MaxWalkableAddresses, $"known addresses {network.KnownAddressCount} over the cap");
            Check(network.BlacklistedAddressCount <= MaxBlacklistedAddresses, "blacklist over the cap");
            Check(community.GetPeers().Length <= network.VerifiedPeerCount, "more community peers than verified peers");
            Check(community.RateLimiterTrackedAddresses <= 4, "a rate limiter tracks more addresses than its cap");
        }
    }

    private ReadOnlySpan<byte> BuildSigned(byte[] prefix, ReadOnlySpan<byte> body)
    {
        if (body.Length < 2)
        {
            return body;
        }

        var keys = _keys.Value;
        var key = keys[body[1] % keys.Length];
        var offset = Packet.WriteHeader(_packet, prefix, body[0], key);
        body[2..].CopyTo(_packet.AsSpan(offset));
        return _packet.AsSpan(0, Packet.WriteSignature(_packet, offset + body.Length - 2, key));
    }

    private ReadOnlySpan<byte> BuildUnsigned(byte[] prefix, ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return body;
        }

        var offset = Packet.WriteHeader(_packet, prefix, body[0], null);
        body[1..].CopyTo(_packet.AsSpan(offset));
        return _packet.AsSpan(0, offset + body.Length - 1);
    }

    private static LibNaClPrivateKey Key(byte seed)
    {
        var bin = new byte[LibNaClPrivateKey.BinLength];
        LibNaClPrivateKey.BinPrefix.CopyTo(bin);
        bin.AsSpan(10).Fill(seed);
        return LibNaClPrivateKey.Parse(bin);
    }

    private sealed class FuzzCommunity(CommunityId id, CommunitySettings settings) : Community(id, settings);
}

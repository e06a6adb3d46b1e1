using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Discovery;
using Ipv8.Wire.Tests.UserMessages;

namespace Ipv8.Wire.Tests;

/// <summary>
/// The message-kind registry: every built-in kind against py-ipv8's vectors and source, the lookup rules (a community's
/// own kind before the kind of every community), generic dispatch by payload shape, and a user's own registry.
/// </summary>
public sealed partial class MessageKindRegistryTests
{
    private static readonly string s_pyIpv8 = Path.Combine(RepoPaths.Vectors, "..", "py-ipv8", "ipv8");

    private static readonly string[] s_vectorFiles = ["community.json", "ec-keys.json", "discovery-community.json"];

    public static IEnumerable<object[]> VectorCases() =>
        s_vectorFiles.SelectMany(file => Vectors.Indexes((JsonArray)Vectors.Load(file)["vectors"]!).Select(i => new object[] { file, i[0] }));

    [Theory]
    [MemberData(nameof(VectorCases))]
    public void Every_reference_vector_is_found_by_prefix_and_id_and_decodes_through_its_kind(string file, int index)
    {
        var vector = Vectors.Load(file)["vectors"]![index]!.AsObject();
        var datagram = Vectors.Bytes(vector, "packet");

        Assert.True(DiscoveryCommunityKinds.Registry.TryFind(datagram, out var kind));

        Assert.Equal((string)vector["name"]!, kind.Name);
        Assert.Equal((int)vector["msg_id"]!, kind.MessageId);
        Assert.Equal((bool)vector["decoded"]!["signed"]!, kind.IsSigned);
        Assert.Equal(WireError.None, KindDecoder.Decode(kind, datagram, verify: true));
    }

    [Fact]
    public void Every_built_in_kind_has_reference_vectors()
    {
        var named = s_vectorFiles.SelectMany(file => ((JsonArray)Vectors.Load(file)["vectors"]!).Select(v => (string)v!["name"]!)).ToHashSet();

        Assert.Equal(13, DiscoveryCommunityKinds.Registry.Kinds.Count);
        Assert.All(DiscoveryCommunityKinds.Registry.Kinds, kind => Assert.Contains(kind.Name, named));
    }

    /// <summary>
    /// py-ipv8's payload classes carry the ids (<c>msg_id</c>, inherited by <c>DiscoveryIntroductionRequestPayload</c>);
    /// the handlers' <c>@lazy_wrapper</c> / <c>@lazy_wrapper_unsigned</c> lists (or <c>_ez_unpack_auth</c>, signed)
    /// carry the payload lists and signedness; the file that registers them says the community.
    /// </summary>
    [Fact]
    public void Ids_payload_lists_signedness_and_communities_match_py_ipv8s_source()
    {
        var payloadSource = File.ReadAllText(Path.Combine(s_pyIpv8, "messaging", "payload.py")) + File.ReadAllText(Path.Combine(s_pyIpv8, "peerdiscovery", "payload.py"));
        var handlers = new Dictionary<string, string>
        {
            ["community.py"] = File.ReadAllText(Path.Combine(s_pyIpv8, "community.py")),
            ["peerdiscovery/community.py"] = File.ReadAllText(Path.Combine(s_pyIpv8, "peerdiscovery", "community.py")),
        };
        var discoveryCommunityId = CommunityId.Parse(CommunityIdLine().Match(handlers["peerdiscovery/community.py"]).Groups[1].Value);

        foreach (var kind in DiscoveryCommunityKinds.Registry.Kinds)
        {
            var pyClass = kind.PayloadTypes[^1].Name;
            Assert.True(PyMessageId(payloadSource, pyClass) == kind.MessageId, $"{kind}: py-ipv8's {pyClass}.msg_id is {PyMessageId(payloadSource, pyClass)}");

            var (file, signed, payloads) = PyHandler(handlers, pyClass);
            Assert.True(kind.IsSigned == signed, $"{kind}: py-ipv8 reads {pyClass} {(signed ? "signed" : "unsigned")}");
            Assert.Equal(payloads, kind.PayloadTypes.Select(t => t == typeof(GlobalTime) ? "GlobalTimeDistributionPayload" : t.Name));
            Assert.Equal(file == "community.py" ? null : discoveryCommunityId, kind.Community);
        }

        Assert.Equal(DiscoveryCommunityMessages.CommunityId, discoveryCommunityId);
    }

    [Fact]
    public void A_246_is_discovery_communitys_under_its_prefix_and_the_plain_one_under_any_other()
    {
        var named = Vectors.Bytes(DiscoveryCommunityVectors.Packets.First(v => (int)v!["msg_id"]! == 246), "packet");
        var plain = Vectors.Bytes(Vectors.Packets.First(v => (int)v!["msg_id"]! == 246), "packet");
        var otherVersion = (byte[])named.Clone();
        otherVersion[1] = 1;

        Assert.True(DiscoveryCommunityKinds.Registry.TryFind(named, out var kind));
        Assert.Same(DiscoveryCommunityKinds.IntroductionRequest, kind);
        Assert.Same(DiscoveryKinds.IntroductionRequest, kind.Fallback);
        Assert.True(DiscoveryCommunityKinds.Registry.TryFind(plain, out kind));
        Assert.Same(DiscoveryKinds.IntroductionRequest, kind);
        Assert.True(DiscoveryCommunityKinds.Registry.TryFind(otherVersion, out kind));
        Assert.Same(DiscoveryKinds.IntroductionRequest, kind);
        Assert.True(DiscoveryKinds.Registry.TryFind(named, out kind));
        Assert.Same(DiscoveryKinds.IntroductionRequest, kind);
    }

    [Fact]
    public void Lookups_by_community_and_id_and_by_name_follow_the_same_rules()
    {
        var registry = DiscoveryCommunityKinds.Registry;
        var other = CommunityId.Parse("0101010101010101010101010101010101010101");

        Assert.True(registry.TryFind(DiscoveryCommunityMessages.CommunityId, 246, out var kind));
        Assert.Same(DiscoveryCommunityKinds.IntroductionRequest, kind);
        Assert.True(registry.TryFind(DiscoveryCommunityMessages.CommunityId, 245, out kind));
        Assert.Same(DiscoveryKinds.IntroductionResponse, kind);
        Assert.True(registry.TryFind(other, 246, out kind));
        Assert.Same(DiscoveryKinds.IntroductionRequest, kind);
        Assert.True(registry.TryFind(null, 246, out kind));
        Assert.Same(DiscoveryKinds.IntroductionRequest, kind);
        Assert.False(registry.TryFind(other, DiscoveryCommunityMessages.Ping, out _));
        Assert.False(registry.TryFind(null, DiscoveryCommunityMessages.Ping, out _));
        Assert.True(registry.TryFind("pong", out kind));
        Assert.Same(DiscoveryCommunityKinds.Pong, kind);
        Assert.False(registry.TryFind("Pong", out _));
    }

    [Fact]
    public void A_datagram_of_an_unknown_id_or_without_an_id_has_no_kind()
    {
        var datagram = Vectors.Bytes(Vectors.Packets.First(v => (int)v!["msg_id"]! == 250), "packet");

        Assert.False(DiscoveryCommunityKinds.Registry.TryFind(datagram.AsSpan(0, Packet.PrefixLength), out _));
        datagram[Packet.PrefixLength] = 7;
        Assert.False(DiscoveryCommunityKinds.Registry.TryFind(datagram, out _));
        datagram[Packet.PrefixLength] = DiscoveryCommunityMessages.Ping;
        Assert.False(DiscoveryCommunityKinds.Registry.TryFind(datagram, out _));
    }

    [Fact]
    public void A_registry_refuses_a_taken_name_a_taken_id_in_one_community_and_a_fallback_of_another_id()
    {
        var community = CommunityId.Parse("0202020202020202020202020202020202020202");

        Assert.Throws<ArgumentException>(() => DiscoveryKinds.Registry.With(new MessageKind<GlobalTime, PuncturePayload>("puncture")));
        Assert.Throws<ArgumentException>(() => DiscoveryKinds.Registry.With(new MessageKind<GlobalTime, PuncturePayload>("another-puncture")));
        Assert.Throws<ArgumentException>(() => new MessageKind<GlobalTime, PuncturePayload>("puncture-with-fallback", community, DiscoveryKinds.NewPuncture));
        Assert.Throws<ArgumentException>(() => new MessageKind<GlobalTime, PunctureRequestPayload>("unsigned-with-signed-fallback", community, DiscoveryKinds.Puncture));

        // The same id in a community of its own is a kind of that community, found before the one of every community.
        var registry = DiscoveryKinds.Registry.With(new MessageKind<GlobalTime, PuncturePayload>("my-puncture", community));
        Assert.True(registry.TryFind(community, DiscoveryMessages.Puncture, out var kind));
        Assert.Equal("my-puncture", kind.Name);
        Assert.True(registry.TryFind(null, DiscoveryMessages.Puncture, out kind));
        Assert.Same(DiscoveryKinds.Puncture, kind);
    }

    [Fact]
    public void Accept_calls_the_visit_of_the_kinds_shape_with_its_payload_types()
    {
        var one = new MessageKind<Chat>("chat");
        var three = new MessageKind<GlobalTime, Entry, Chat>("chat-with-an-entry");
        var visitor = new ShapeVisitor();

        Assert.Equal("1: Chat", one.Accept<ShapeVisitor, string>(ref visitor));
        Assert.Equal("2: GlobalTime, PingPayload", DiscoveryCommunityKinds.Ping.Accept<ShapeVisitor, string>(ref visitor));
        Assert.Equal("3: GlobalTime, Entry, Chat", three.Accept<ShapeVisitor, string>(ref visitor));
        Assert.Equal(3, visitor.Visits);
        Assert.Equal([typeof(GlobalTime), typeof(Entry), typeof(Chat)], three.PayloadTypes);
        Assert.Equal("chat-with-an-entry (1)", three.ToString());
    }

    [Fact]
    public void Kinds_visited_from_several_threads_at_once_each_reach_their_own_visit()
    {
        // A visitor type no other test uses, so that its dispatch table starts empty and fills while the threads race.
        var kinds = DiscoveryCommunityKinds.Registry.Kinds;
        var expected = kinds.Select(k => $"{k.PayloadTypes.Count}: {string.Join(", ", k.PayloadTypes.Select(t => t.Name))}").ToArray();
        var failures = 0;

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (var round = 0; round < 200; round++)
            {
                for (var i = 0; i < kinds.Count; i++)
                {
                    var visitor = new RaceVisitor();
                    if (kinds[i].Accept<RaceVisitor, string>(ref visitor) != expected[i])
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }
        });

        Assert.Equal(0, failures);
    }

    /// <summary>The README's recipe: a user's <c>[Payload]</c> messages in a registry of their own, over payloads.json.</summary>
    [Theory]
    [MemberData(nameof(PayloadVectors.PacketIndexes), MemberType = typeof(PayloadVectors))]
    public void A_registry_of_a_users_own_kinds_finds_and_decodes_every_payloads_json_packet(int index)
    {
        var community = CommunityId.FromBytes(PayloadVectors.Prefix.AsSpan(2));
        var plain = DiscoveryKinds.Registry.With(
            new MessageKind<Chat>("chat", community),
            new MessageKind<Sample>("sample", community),
            new MessageKind<Catalog>("catalog", community),
            new MessageKind<Legacy>("legacy", community),
            new MessageKind<Beacon>("beacon-unsigned", community));
        var timed = DiscoveryKinds.Registry.With(new MessageKind<GlobalTime, Chat>("chat-with-global-time", community));
        var packet = PayloadVectors.Packets[index]!.AsObject();
        var datagram = Vectors.Bytes(packet, "packet");
        var registry = ((JsonArray)packet["classes"]!).Count == 1 ? plain : timed;

        Assert.True(registry.TryFind(datagram, out var kind));

        Assert.Equal((string)packet["name"]!, kind.Name);
        Assert.Equal((int)packet["msg_id"]!, kind.MessageId);
        Assert.Equal(WireError.None, KindDecoder.Decode(kind, datagram, verify: true));
        Assert.False(registry.TryFind(Vectors.Prefix.Concat(datagram[Packet.PrefixLength..]).ToArray(), out _));
    }

    private static int? PyMessageId(string source, string pyClass)
    {
        var match = Regex.Match(source, $@"^class {pyClass}\((\w+)\):(.*?)(?=^class |\z)", RegexOptions.Multiline | RegexOptions.Singleline);
        Assert.True(match.Success, "py-ipv8 has no class " + pyClass);
        var id = Regex.Match(match.Groups[2].Value, @"^    msg_id = (\d+)", RegexOptions.Multiline);
        return id.Success ? int.Parse(id.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : PyMessageId(source, match.Groups[1].Value);
    }

    private static (string File, bool Signed, string[] Payloads) PyHandler(Dictionary<string, string> handlers, string pyClass)
    {
        foreach (var (file, source) in handlers)
        {
            foreach (Match match in LazyWrapper().Matches(source))
            {
                var payloads = match.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries);
                if (payloads[^1] == pyClass)
                {
                    return (file, match.Groups[1].Value.Length == 0, payloads);
                }
            }

            // DiscoveryCommunity's 246 handler unpacks by hand: auth, global time, payload.
            if (source.Contains($"_ez_unpack_auth({pyClass}, data)", StringComparison.Ordinal))
            {
                return (file, true, ["GlobalTimeDistributionPayload", pyClass]);
            }
        }

        throw new Xunit.Sdk.XunitException("no py-ipv8 handler reads " + pyClass);
    }

    [Fact]
    public void Discovery_fast_path_visits_the_registry_kind_of_every_id_and_refuses_the_rest()
    {
        for (var id = 0; id <= byte.MaxValue; id++)
        {
            var visitor = default(KindVisitor);
            var visited = DiscoveryKinds.TryVisit<KindVisitor, MessageKind>((byte)id, ref visitor, out var kind);

            var registered = DiscoveryKinds.Registry.TryFind(community: null, (byte)id, out var expected);
            Assert.Equal(registered, visited);
            Assert.Same(expected, kind);
        }
    }

    [GeneratedRegex(@"@lazy_wrapper(_unsigned)?\(([^)]*)\)")]
    private static partial Regex LazyWrapper();

    [GeneratedRegex(@"community_id = unhexlify\(""([0-9a-f]{40})""\)")]
    private static partial Regex CommunityIdLine();

    /// <summary>Returns the visited kind itself.</summary>
    private readonly struct KindVisitor : IMessageKindVisitor<MessageKind>
    {
        public MessageKind Visit<T>(MessageKind<T> kind)
            where T : IMessagePayload<T>, allows ref struct => kind;

        public MessageKind Visit<T1, T2>(MessageKind<T1, T2> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IMessagePayload<T2>, allows ref struct => kind;

        public MessageKind Visit<T1, T2, T3>(MessageKind<T1, T2, T3> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IPayload<T2>, allows ref struct
            where T3 : IMessagePayload<T3>, allows ref struct => kind;
    }

    private readonly struct RaceVisitor : IMessageKindVisitor<string>
    {
        public string Visit<T>(MessageKind<T> kind)
            where T : IMessagePayload<T>, allows ref struct => $"1: {typeof(T).Name}";

        public string Visit<T1, T2>(MessageKind<T1, T2> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IMessagePayload<T2>, allows ref struct => $"2: {typeof(T1).Name}, {typeof(T2).Name}";

        public string Visit<T1, T2, T3>(MessageKind<T1, T2, T3> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IPayload<T2>, allows ref struct
            where T3 : IMessagePayload<T3>, allows ref struct => $"3: {typeof(T1).Name}, {typeof(T2).Name}, {typeof(T3).Name}";
    }

    private struct ShapeVisitor : IMessageKindVisitor<string>
    {
        public int Visits;

        public string Visit<T>(MessageKind<T> kind)
            where T : IMessagePayload<T>, allows ref struct
        {
            Visits++;
            return $"1: {typeof(T).Name}";
        }

        public string Visit<T1, T2>(MessageKind<T1, T2> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IMessagePayload<T2>, allows ref struct
        {
            Visits++;
            return $"2: {typeof(T1).Name}, {typeof(T2).Name}";
        }

        public string Visit<T1, T2, T3>(MessageKind<T1, T2, T3> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IPayload<T2>, allows ref struct
            where T3 : IMessagePayload<T3>, allows ref struct
        {
            Visits++;
            return $"3: {typeof(T1).Name}, {typeof(T2).Name}, {typeof(T3).Name}";
        }
    }
}

using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Engine.Tests.Support;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Engine.Tests;

/// <summary>A user community: its own [Payload] types, typed handlers, and Send.</summary>
public class UserCommunityTests
{
    private static readonly UdpAddress s_here = UdpAddress.Parse("127.0.0.1:30000");
    private static readonly UdpAddress s_there = UdpAddress.Parse("127.0.0.1:30001");

    [Fact]
    public async Task A_signed_user_payload_sent_with_Send_reaches_the_typed_handler_on_the_other_node()
    {
        await using var a = TestNode<ChatCommunity>.Start(s => new ChatCommunity(s));
        await using var b = TestNode<ChatCommunity>.Start(s => new ChatCommunity(s), new() { Seed = 2 });

        await Conversation.RepeatUntilAsync(
            () => b.Community.Send(a.Address, new ChatMessage { Text = "héllo, wörld", Number = ulong.MaxValue }),
            () => a.Community.Chats.Count >= 1,
            "A's chat handler to get B's message");

        var (peer, text, number) = a.Community.Chats[0];
        Assert.Equal("héllo, wörld", text);
        Assert.Equal(ulong.MaxValue, number);
        Assert.Equal(b.PublicKey, peer.Key);
        Assert.Equal(b.Address, peer.Address);
        Assert.True(a.Community.Counters.PacketsIn(1) >= 1);
        Assert.True(b.Community.Counters.PacketsOut(1) >= 1);

        // A message to a peer object goes to its address.
        await Conversation.RepeatUntilAsync(
            () => a.Community.Send(peer, new ChatMessage { Text = "reply", Number = 1 }),
            () => b.Community.Chats.Count >= 1,
            "B's chat handler to get A's reply");
        Assert.Equal(a.PublicKey, b.Community.Chats[0].Peer.Key);
        Assert.Equal("reply", b.Community.Chats[0].Text);
    }

    [Fact]
    public async Task An_unsigned_user_payload_reaches_its_handler_with_the_source_address()
    {
        await using var a = TestNode<ChatCommunity>.Start(s => new ChatCommunity(s));
        await using var b = TestNode<ChatCommunity>.Start(s => new ChatCommunity(s), new() { Seed = 2 });

        await Conversation.RepeatUntilAsync(
            () => b.Community.Send(a.Address, new PingMessage { Nonce = 4242 }),
            () => a.Community.Pings.Count >= 1,
            "A's ping handler to get B's unsigned ping");

        Assert.Equal((b.Address, (ushort)4242), a.Community.Pings[0]);
        Assert.Empty(a.Community.GetPeers());
    }

    [Fact]
    public void A_packet_is_signed_only_when_its_payload_type_is_signed()
    {
        using var key = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(s_here);
        var community = new ChatCommunity(Offline.Settings(key, endpoint));

        community.Send(s_there, new ChatMessage { Text = "x", Number = 1 });
        community.Send(s_there, new PingMessage { Nonce = 1 });

        var sent = endpoint.Sent;
        Assert.Equal(2, sent.Count);
        Assert.True(Packet.TryDecode(sent[0].Data, verify: true, out var signed, out ChatMessage chat, out _));
        Assert.True(signed.IsSigned);
        Assert.True(key.PublicKey.BinEquals(signed.PublicKeyBin));
        Assert.Equal("x", chat.Text);
        Assert.True(Packet.TryDecode(sent[1].Data, verify: false, out var unsigned, out PingMessage ping, out _));
        Assert.False(unsigned.IsSigned);
        Assert.Equal(1, ping.Nonce);
        Assert.Equal(Packet.UnsignedOverhead + 2, sent[1].Data.Length);
    }

    [Fact]
    public void A_large_user_payload_is_sent_whole()
    {
        using var key = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(s_here);
        var community = new ChatCommunity(Offline.Settings(key, endpoint));
        var text = new string('z', 5_000);

        Assert.True(community.Send(s_there, new ChatMessage { Text = text, Number = 7 }));

        var packet = Assert.Single(endpoint.Sent).Data;
        Assert.True(Packet.TryDecode(packet, verify: true, out _, out ChatMessage chat, out _));
        Assert.Equal(text, chat.Text);
    }

    [Fact]
    public void Tampered_and_trailing_byte_user_packets_are_dropped_before_the_handler()
    {
        using var key = LibNaClPrivateKey.Generate();
        using var senderKey = LibNaClPrivateKey.Generate();
        var community = new ChatCommunity(Offline.Settings(key, new RecordingEndpoint(s_here)));
        var good = PacketBuilder.Build(community.GetPrefix(), senderKey, new ChatMessage { Text = "ok", Number = 2 });

        var tampered = (byte[])good.Clone();
        tampered[^70] ^= 0x01; // inside the payload: the signature no longer matches
        community.OnPacket(s_there, tampered);
        Assert.Equal(1, community.Counters.Drops(DropReason.BadSignature));

        // A correctly signed packet with a byte after the payload: the payload must fill the packet exactly.
        var unsignedPing = PacketBuilder.Build(community.GetPrefix(), null, new PingMessage { Nonce = 1 });
        community.OnPacket(s_there, [.. unsignedPing, 0xEE]);
        Assert.Equal(1, community.Counters.Drops(DropReason.Malformed));

        Assert.Empty(community.Chats);
        Assert.Empty(community.Pings);

        community.OnPacket(s_there, good);
        Assert.Single(community.Chats);
        Assert.Equal(2, community.Counters.TotalDrops);
    }

    [Fact]
    public void A_known_peer_sending_from_a_new_address_gains_that_address()
    {
        using var key = LibNaClPrivateKey.Generate();
        using var senderKey = LibNaClPrivateKey.Generate();
        var community = new ChatCommunity(Offline.Settings(key, new RecordingEndpoint(s_here)));
        var known = community.Network.AddVerifiedPeer(new Peer(senderKey.PublicKey, s_there));
        Assert.NotNull(known);
        var moved = UdpAddress.Parse("127.0.0.1:30002");

        community.OnPacket(moved, PacketBuilder.Build(community.GetPrefix(), senderKey, new ChatMessage { Text = "moved", Number = 3 }));

        var chat = Assert.Single(community.Chats);
        Assert.Same(known, chat.Peer);
        Assert.Equal(moved, known.Address);
        Assert.Same(known, community.Network.GetVerifiedByAddress(moved));
    }

    [Fact]
    public void Raw_handlers_on_every_free_message_id_each_get_their_own_datagrams_and_the_deprecated_ids_still_drop()
    {
        using var key = LibNaClPrivateKey.Generate();
        var community = new ChatCommunity(Offline.Settings(key, new RecordingEndpoint(s_here)));
        var heard = new int[256];
        var free = Enumerable.Range(4, 231 - 4).ToArray(); // 1 to 3 are the chat's, 231 and up discovery's
        foreach (var id in free)
        {
            community.AddMessageHandler(id, (source, data) => heard[data[Packet.PrefixLength]] += id == data[Packet.PrefixLength] ? 1 : 1_000);
        }

        var prefix = community.GetPrefix().ToArray();
        foreach (var id in free.Append(240).Append(0))
        {
            community.OnPacket(s_there, [.. prefix, (byte)id, 1, 2, 3]);
        }

        Assert.All(free, id => Assert.Equal(1, heard[id]));
        Assert.All(free, id => Assert.Equal(1, community.Counters.PacketsIn((byte)id)));
        Assert.Equal(free.Length + 2, community.Counters.TotalPacketsIn);
        Assert.Equal(1, community.Counters.Drops(DropReason.Deprecated));
        Assert.Equal(1, community.Counters.Drops(DropReason.UnknownMessage));
        Assert.Throws<InvalidOperationException>(() => community.AddMessageHandler(free[^1], (source, data) => { }));
    }

    [Fact]
    public void Adding_a_second_handler_for_a_message_id_is_an_InvalidOperationException()
    {
        using var key = LibNaClPrivateKey.Generate();
        var community = new ChatCommunity(Offline.Settings(key, new RecordingEndpoint(s_here)));

        Assert.Throws<InvalidOperationException>(() => community.AddMessageHandler<ChatMessage>((Peer p, in ChatMessage m) => { }));
        Assert.Throws<InvalidOperationException>(() => community.AddMessageHandler(1, (source, data) => { }));

        // The discovery and deprecated ids are taken by the base class.
        var ex = Assert.Throws<InvalidOperationException>(() => community.AddMessageHandler(246, (source, data) => { }));
        Assert.Contains("246", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => community.AddMessageHandler(255, (source, data) => { }));

        // A free id is fine.
        community.AddMessageHandler(100, (source, data) => { });
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(256)]
    [InlineData(int.MaxValue)]
    public void A_handler_id_outside_a_byte_is_an_ArgumentOutOfRangeException(int messageId)
    {
        using var key = LibNaClPrivateKey.Generate();
        var community = new ChatCommunity(Offline.Settings(key, new RecordingEndpoint(s_here)));

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => community.AddMessageHandler(messageId, (source, data) => { }));
        Assert.Equal("messageId", ex.ParamName);
    }

    [Fact]
    public void Registering_a_payload_with_the_wrong_signedness_is_an_ArgumentException()
    {
        using var key = LibNaClPrivateKey.Generate();
        var community = new TestCommunity(Offline.Settings(key, new RecordingEndpoint(s_here)));

        Assert.Throws<ArgumentException>(() => community.AddMessageHandler<ChatMessage>((UnsignedMessageHandler<ChatMessage>)((UdpAddress s, in ChatMessage m) => { })));
        Assert.Throws<ArgumentException>(() => community.AddMessageHandler<PingMessage>((MessageHandler<PingMessage>)((Peer p, in PingMessage m) => { })));

        // Nothing was registered by the failed calls.
        community.AddMessageHandler<ChatMessage>((Peer p, in ChatMessage m) => { });
        community.AddMessageHandler<PingMessage>((UdpAddress s, in PingMessage m) => { });
    }

    [Fact]
    public void A_community_needs_an_id_a_key_an_endpoint_a_network_and_a_valid_peer_limit()
    {
        using var key = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(s_here);

        var noId = Assert.Throws<ArgumentException>(() => new TestCommunity(default, Offline.Settings(key, endpoint)));
        Assert.Contains("community id", noId.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new TestCommunity(new CommunitySettings { Endpoint = endpoint, Network = new Network() }));
        Assert.Throws<ArgumentException>(() => new TestCommunity(new CommunitySettings { Key = key, Network = new Network() }));
        Assert.Throws<ArgumentException>(() => new TestCommunity(new CommunitySettings { Key = key, Endpoint = endpoint }));
        var settings = Offline.Settings(key, endpoint);
        settings.MaxPeers = -2;
        Assert.Throws<ArgumentOutOfRangeException>(() => new TestCommunity(settings));

        var defaults = new CommunitySettings();
        Assert.Equal(30, defaults.MaxPeers);
        Assert.False(defaults.Anonymize);
        var community = new TestCommunity(Offline.Settings(key, endpoint));
        Assert.Equal([0x00, 0x02, .. TestIds.Discovery.ToArray()], community.GetPrefix().ToArray());
    }

    [Fact]
    public void Asking_for_anonymity_without_a_tunnel_endpoint_warns_and_carries_on()
    {
        using var key = LibNaClPrivateKey.Generate();
        var logs = new CapturingLoggerFactory();
        var settings = Offline.Settings(key, new RecordingEndpoint(s_here));
        settings.Anonymize = true;
        settings.LoggerFactory = logs;

        var community = new TestCommunity(settings);

        Assert.True(community.Anonymize);
        Assert.Single(logs.Find(Microsoft.Extensions.Logging.LogLevel.Warning, "anonymize"));
    }

    [Fact]
    public void Asking_for_anonymity_with_a_tunnel_endpoint_turns_it_on_for_the_prefix()
    {
        using var key = LibNaClPrivateKey.Generate();
        var endpoint = new TunnelEndpoint();
        var settings = Offline.Settings(key, endpoint);
        settings.Anonymize = true;

        var community = new TestCommunity(settings);

        var (prefix, enabled) = Assert.Single(endpoint.Calls);
        Assert.Equal(community.GetPrefix().ToArray(), prefix);
        Assert.True(enabled);
    }

    private sealed class TunnelEndpoint : IAnonymizingEndpoint
    {
        public List<(byte[] Prefix, bool Enabled)> Calls { get; } = [];

        public UdpAddress? Ipv4Address => s_here;

        public UdpAddress? Ipv6Address => null;

        public bool IsOpen => true;

        public EndpointCounters Counters { get; } = new();

        public string Kind => "tunnel";

        public void SetAnonymity(ReadOnlySpan<byte> prefix, bool enabled) => Calls.Add((prefix.ToArray(), enabled));

        public void Open(IPacketSink sink)
        {
        }

        public bool Send(UdpAddress destination, ReadOnlySpan<byte> datagram) => true;

        public ValueTask CloseAsync() => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

using Ipv8.Engine.Communities;
using Ipv8.Engine.Peers;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Engine.Tests;

/// <summary>Messages of three payloads: <c>AddMessageHandler&lt;T1, T2, T3&gt;</c> (signed and unsigned) and <c>Send&lt;T1, T2, T3&gt;</c>.</summary>
public class ThreePayloadMessageTests
{
    private static readonly UdpAddress s_here = UdpAddress.Parse("127.0.0.1:30000");
    private static readonly UdpAddress s_there = UdpAddress.Parse("127.0.0.1:30001");

    [Fact]
    public async Task A_signed_three_payload_message_sent_with_Send_reaches_the_typed_handler_on_the_other_node()
    {
        await using var a = TestNode<ReadingCommunity>.Start(s => new ReadingCommunity(s));
        await using var b = TestNode<ReadingCommunity>.Start(s => new ReadingCommunity(s), new() { Seed = 2 });

        await Conversation.RepeatUntilAsync(
            () => b.Community.Send(a.Address, new GlobalTime(77), new ReadingTag { Label = [1, 2, 3], Counter = uint.MaxValue }, new Reading { Value = -1.5, Unit = "°C"u8 }),
            () => a.Community.Readings.Count >= 1,
            "A's reading handler to get B's three payloads");

        var seen = a.Community.Readings[0];
        Assert.NotNull(seen.Peer);
        Assert.Equal(b.PublicKey, seen.Peer.Key);
        Assert.Equal(b.Address, seen.Source);
        Assert.Equal(77UL, seen.Time);
        Assert.Equal([1, 2, 3], seen.Label);
        Assert.Equal(uint.MaxValue, seen.Counter);
        Assert.Equal(-1.5, seen.Value);
        Assert.Equal("°C", seen.Unit);
        Assert.True(a.Community.Counters.PacketsIn(7) >= 1);
        Assert.True(b.Community.Counters.PacketsOut(7) >= 1);

        // Back to the peer object, at its address.
        await Conversation.RepeatUntilAsync(
            () => a.Community.Send(seen.Peer, new GlobalTime(a.Community.ClaimGlobalTime()), new ReadingTag { Label = "back"u8, Counter = 1 }, new Reading { Value = 2, Unit = "K"u8 }),
            () => b.Community.Readings.Count >= 1,
            "B's reading handler to get A's answer");
        Assert.Equal(a.PublicKey, b.Community.Readings[0].Peer!.Key);
        Assert.Equal("K", b.Community.Readings[0].Unit);
    }

    [Fact]
    public void A_three_payload_message_with_a_bad_signature_is_dropped_and_counted_before_the_handler()
    {
        using var key = LibNaClPrivateKey.Generate();
        using var senderKey = LibNaClPrivateKey.Generate();
        var community = new ReadingCommunity(Offline.Settings(key, new RecordingEndpoint(s_here)));
        var good = PacketBuilder.Build(community.GetPrefix(), senderKey, new GlobalTime(5), new ReadingTag { Label = "x"u8, Counter = 9 }, new Reading { Value = 1, Unit = "m"u8 });

        var tampered = (byte[])good.Clone();
        tampered[^(Ed25519.SignatureLength + 3)] ^= 0x01; // inside the last payload: the signature no longer matches
        community.OnPacket(s_there, tampered);
        var badSignature = (byte[])good.Clone();
        badSignature[^1] ^= 0x80; // inside the signature
        community.OnPacket(s_there, badSignature);

        Assert.Equal(2, community.Counters.Drops(DropReason.BadSignature));
        Assert.Empty(community.Readings);
        Assert.Empty(community.GetPeers()); // a bad signature makes no peer

        community.OnPacket(s_there, good);
        var seen = Assert.Single(community.Readings);
        Assert.Equal(senderKey.PublicKey, seen.Peer!.Key);
        Assert.Equal(5UL, seen.Time);
        Assert.Equal(9U, seen.Counter);
        Assert.Equal(2, community.Counters.TotalDrops);
    }

    [Fact]
    public void A_correctly_signed_three_payload_message_whose_payloads_do_not_fill_it_is_dropped_as_malformed()
    {
        using var key = LibNaClPrivateKey.Generate();
        using var senderKey = LibNaClPrivateKey.Generate();
        var community = new ReadingCommunity(Offline.Settings(key, new RecordingEndpoint(s_here)));

        // Only two of the three payloads, under the third's id, correctly signed.
        var prefix = community.GetPrefix();
        var buffer = new byte[Packet.SignedOverhead + 8 + 6];
        var offset = Packet.WriteHeader(buffer, prefix, 7, senderKey);
        var writer = new WireWriter(buffer.AsSpan(offset));
        new GlobalTime(1).Write(ref writer);
        new ReadingTag { Label = [], Counter = 2 }.Write(ref writer);
        Assert.Equal(buffer.Length, Packet.WriteSignature(buffer, offset + writer.Position, senderKey));
        community.OnPacket(s_there, buffer);

        // An unsigned one with a byte after the last payload.
        var unsigned = PacketBuilder.Build(prefix, null, new GlobalTime(1), new ReadingTag { Label = [], Counter = 2 }, new UnsignedReading { Value = 3 });
        community.OnPacket(s_there, [.. unsigned, 0xEE]);

        Assert.Equal(2, community.Counters.Drops(DropReason.Malformed));
        Assert.Empty(community.Readings);
    }

    [Fact]
    public void An_unsigned_three_payload_message_reaches_its_handler_with_the_source_address()
    {
        using var key = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(s_here);
        var sender = new ReadingCommunity(Offline.Settings(key, endpoint));
        var receiver = new ReadingCommunity(Offline.Settings(key, new RecordingEndpoint(s_there)));

        Assert.True(sender.Send(s_there, new GlobalTime(3), new ReadingTag { Label = "u"u8, Counter = 4 }, new UnsignedReading { Value = 0.25 }));

        var packet = Assert.Single(endpoint.Sent).Data;
        Assert.Equal(Packet.UnsignedOverhead + 8 + (2 + 1 + 4) + 8, packet.Length);
        receiver.OnPacket(s_here, packet);
        var seen = Assert.Single(receiver.Readings);
        Assert.Null(seen.Peer);
        Assert.Equal(s_here, seen.Source);
        Assert.Equal(3UL, seen.Time);
        Assert.Equal("u"u8.ToArray(), seen.Label);
        Assert.Equal(0.25, seen.Value);
        Assert.Empty(receiver.GetPeers());
    }

    [Fact]
    public void A_large_three_payload_message_is_sent_whole_and_signed()
    {
        using var key = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(s_here);
        var community = new ReadingCommunity(Offline.Settings(key, endpoint));
        var label = new byte[5_000];
        new Random(3).NextBytes(label);

        Assert.True(community.Send(s_there, new GlobalTime(1), new ReadingTag { Label = label, Counter = 1 }, new Reading { Value = 1, Unit = "big"u8 }));

        var packet = Assert.Single(endpoint.Sent).Data;
        Assert.True(Packet.TryDecode(packet, verify: true, out var frame, out GlobalTime _, out ReadingTag tag, out Reading reading, out var error), error.Describe());
        Assert.True(key.PublicKey.BinEquals(frame.PublicKeyBin));
        Assert.Equal(label, tag.Label.ToArray());
        Assert.Equal("big"u8.ToArray(), reading.Unit.ToArray());
    }

    [Fact]
    public void Registering_three_payloads_takes_the_last_payloads_id_and_signedness()
    {
        using var key = LibNaClPrivateKey.Generate();
        var community = new TestCommunity(Offline.Settings(key, new RecordingEndpoint(s_here)));

        Assert.Throws<ArgumentException>(() => community.AddMessageHandler((UnsignedMessageHandler<GlobalTime, ReadingTag, Reading>)((UdpAddress s, in GlobalTime t, in ReadingTag g, in Reading r) => { })));
        Assert.Throws<ArgumentException>(() => community.AddMessageHandler((MessageHandler<GlobalTime, ReadingTag, UnsignedReading>)((Peer p, in GlobalTime t, in ReadingTag g, in UnsignedReading r) => { })));
        Assert.Throws<ArgumentNullException>(() => community.AddMessageHandler((MessageHandler<GlobalTime, ReadingTag, Reading>)null!));

        community.AddMessageHandler((Peer p, in GlobalTime t, in ReadingTag g, in Reading r) => { });
        community.AddMessageHandler((UdpAddress s, in GlobalTime t, in ReadingTag g, in UnsignedReading r) => { });

        // Message 7 is taken now, whatever the number of payloads.
        Assert.Throws<InvalidOperationException>(() => community.AddMessageHandler((Peer p, in Reading r) => { }));
        Assert.Throws<InvalidOperationException>(() => community.AddMessageHandler(8, (source, data) => { }));
    }
}

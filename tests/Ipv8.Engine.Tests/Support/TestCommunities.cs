using Ipv8.Engine.Communities;
using Ipv8.Engine.Peers;
using Ipv8.Tests.Shared;
using Ipv8.Wire;

namespace Ipv8.Engine.Tests.Support;

/// <summary>Community ids used by the tests (fixed, so runs are reproducible).</summary>
internal static class TestIds
{
    public static readonly CommunityId Discovery = CommunityId.Parse("d15c0fe7d15c0fe7d15c0fe7d15c0fe7d15c0fe7");

    public static readonly CommunityId Chat = CommunityId.Parse("c4a7c4a7c4a7c4a7c4a7c4a7c4a7c4a7c4a7c4a7");

    public static readonly CommunityId Other = CommunityId.Parse("0123456789abcdef0123456789abcdef01234567");
}

/// <summary>A plain community with only the discovery messages; it records what its callbacks saw.</summary>
internal class TestCommunity(CommunityId id, CommunitySettings settings) : Community(id, settings)
{
    private int _requests;
    private int _responses;
    private int _responsesAtPeerLimit;

    public TestCommunity(CommunitySettings settings)
        : this(TestIds.Discovery, settings)
    {
    }

    /// <summary>Introduction requests that reached the callback (answered ones).</summary>
    public int RequestsSeen => Volatile.Read(ref _requests);

    /// <summary>Introduction responses that reached the callback.</summary>
    public int ResponsesSeen => Volatile.Read(ref _responses);

    /// <summary>Introduction responses whose peer_limit_reached flag was set.</summary>
    public int ResponsesAtPeerLimit => Volatile.Read(ref _responsesAtPeerLimit);

    /// <summary>True when a peer with this key is one of our verified peers.</summary>
    public bool HasPeer(Wire.Crypto.PublicKey key) => GetPeers().Any(p => p.Key.Equals(key));

    protected override void IntroductionRequestCallback(Peer peer, GlobalTime time, in IntroductionRequest request) =>
        Interlocked.Increment(ref _requests);

    protected override void IntroductionResponseCallback(Peer peer, GlobalTime time, in IntroductionResponse response)
    {
        Interlocked.Increment(ref _responses);
        if (response.PeerLimitReached)
        {
            Interlocked.Increment(ref _responsesAtPeerLimit);
        }
    }
}

/// <summary>A user payload (signed, the default): text and a number.</summary>
[Payload(MessageId = 1)]
public partial struct ChatMessage
{
    [Field(Format.VarLenHUtf8)] public string Text { get; init; }

    [Field(Format.UInt64)] public ulong Number { get; init; }
}

/// <summary>A user payload whose handler throws.</summary>
[Payload(MessageId = 2)]
public partial struct ExplodingMessage
{
    [Field(Format.VarLenHUtf8)] public string Reason { get; init; }
}

/// <summary>An unsigned user payload.</summary>
[Payload(MessageId = 3, Signed = false)]
public partial struct PingMessage
{
    [Field(Format.UInt16)] public ushort Nonce { get; init; }
}

/// <summary>A user community with typed handlers for its own payloads.</summary>
internal sealed class ChatCommunity : TestCommunity
{
    private readonly Lock _lock = new();
    private readonly List<(Peer Peer, string Text, ulong Number)> _chats = [];
    private readonly List<(UdpAddress Source, ushort Nonce)> _pings = [];

    public ChatCommunity(CommunitySettings settings)
        : base(TestIds.Chat, settings)
    {
        AddMessageHandler<ChatMessage>(OnChat);
        AddMessageHandler<ExplodingMessage>(OnExploding);
        AddMessageHandler<PingMessage>(OnPing);
    }

    public IReadOnlyList<(Peer Peer, string Text, ulong Number)> Chats
    {
        get
        {
            lock (_lock)
            {
                return [.. _chats];
            }
        }
    }

    public IReadOnlyList<(UdpAddress Source, ushort Nonce)> Pings
    {
        get
        {
            lock (_lock)
            {
                return [.. _pings];
            }
        }
    }

    private void OnChat(Peer peer, in ChatMessage message)
    {
        lock (_lock)
        {
            _chats.Add((peer, message.Text, message.Number));
        }
    }

    private void OnExploding(Peer peer, in ExplodingMessage message) =>
        throw new InvalidOperationException("handler exploded: " + message.Reason);

    private void OnPing(UdpAddress source, in PingMessage message)
    {
        lock (_lock)
        {
            _pings.Add((source, message.Nonce));
        }
    }
}

/// <summary>A community with typed handlers of three payloads (py-ipv8 <c>@lazy_wrapper(A, B, C)</c>); it records what they saw.</summary>
internal sealed class ReadingCommunity : TestCommunity
{
    private readonly Lock _lock = new();
    private readonly List<SeenReading> _readings = [];

    public ReadingCommunity(CommunitySettings settings)
        : base(TestIds.Other, settings)
    {
        AddMessageHandler<GlobalTime, ReadingTag, Reading>(OnReading);
        AddMessageHandler<GlobalTime, ReadingTag, UnsignedReading>(OnUnsignedReading);
    }

    /// <summary>Every reading received, signed (with its peer) or not, in order.</summary>
    public IReadOnlyList<SeenReading> Readings
    {
        get
        {
            lock (_lock)
            {
                return [.. _readings];
            }
        }
    }

    private void OnReading(Peer peer, in GlobalTime time, in ReadingTag tag, in Reading reading)
    {
        lock (_lock)
        {
            _readings.Add(new SeenReading(peer, peer.Address, time.Value, tag.Label.ToArray(), tag.Counter, reading.Value, System.Text.Encoding.UTF8.GetString(reading.Unit)));
        }
    }

    private void OnUnsignedReading(UdpAddress source, in GlobalTime time, in ReadingTag tag, in UnsignedReading reading)
    {
        lock (_lock)
        {
            _readings.Add(new SeenReading(null, source, time.Value, tag.Label.ToArray(), tag.Counter, reading.Value, null));
        }
    }
}

/// <summary>What a <see cref="ReadingCommunity"/> handler saw (copied out of the datagram).</summary>
internal sealed record SeenReading(Peer? Peer, UdpAddress Source, ulong Time, byte[] Label, uint Counter, double Value, string? Unit);

using System.Diagnostics;
using System.Text.Json.Nodes;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Peers;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Interop.Tests.Support;

/// <summary>How message 1 (<c>Chat</c>) travels in a community: one message id has one handler, in py-ipv8 as here.</summary>
public enum ChatMode
{
    /// <summary>Signed, one payload: <c>@lazy_wrapper(Chat)</c>.</summary>
    Signed,

    /// <summary>Signed, <c>[GlobalTimeDistributionPayload, Chat]</c>: <c>@lazy_wrapper(GlobalTimeDistributionPayload, Chat)</c>.</summary>
    GlobalTime,

    /// <summary>Unsigned: <c>ez_send(peer, chat, sig=False)</c> and <c>@lazy_wrapper_unsigned(Chat)</c>.</summary>
    Unsigned,
}

/// <summary>A message as a community received it: its payload classes and their values in payloads.json's forms.</summary>
internal sealed record ReceivedMessage(IReadOnlyList<string> Classes, bool Signed, PublicKey? Key, UdpAddress Source, IReadOnlyList<JsonObject> Payloads)
{
    public override string ToString() =>
        $"[{string.Join(", ", Classes)}] {(Signed ? "signed by " + Key : "unsigned")} from {Source}: {string.Join(", ", Payloads.Select(p => p.ToJsonString()))}";
}

/// <summary>
/// The .NET side of the interop tests: a community with handlers for the six payloads.json classes (message 1 as
/// <see cref="Mode"/> says) that records every message it receives.
/// </summary>
internal sealed class InteropCommunity : Community
{
    private readonly Lock _lock = new();
    private readonly List<ReceivedMessage> _received = [];
    private readonly SemaphoreSlim _changed = new(0);

    public InteropCommunity(CommunityId id, CommunitySettings settings, ChatMode mode = ChatMode.Signed)
        : base(id, settings)
    {
        Mode = mode;
        switch (mode)
        {
            case ChatMode.Signed:
                AddMessageHandler<Chat>((Peer peer, in Chat chat) => Record(["Chat"], peer, peer.Address, ValueForms.ToJson(chat)));
                break;
            case ChatMode.GlobalTime:
                AddMessageHandler<GlobalTime, Chat>((Peer peer, in GlobalTime time, in Chat chat) =>
                    Record(["GlobalTimeDistributionPayload", "Chat"], peer, peer.Address, ValueForms.ToJson(time), ValueForms.ToJson(chat)));
                break;
            case ChatMode.Unsigned:
                AddMessageHandler<UnsignedChat>((UdpAddress source, in UnsignedChat chat) => Record(["Chat"], null, source, ValueForms.ToJson(chat)));
                break;
        }

        AddMessageHandler<Sample>((Peer peer, in Sample sample) => Record(["Sample"], peer, peer.Address, ValueForms.ToJson(sample)));
        AddMessageHandler<Catalog>((Peer peer, in Catalog catalog) => Record(["Catalog"], peer, peer.Address, ValueForms.ToJson(catalog)));
        AddMessageHandler<Legacy>((Peer peer, in Legacy legacy) => Record(["Legacy"], peer, peer.Address, ValueForms.ToJson(legacy)));
        AddMessageHandler<Beacon>((UdpAddress source, in Beacon beacon) => Record(["Beacon"], null, source, ValueForms.ToJson(beacon)));
    }

    public ChatMode Mode { get; }

    /// <summary>Everything received so far, in order.</summary>
    public IReadOnlyList<ReceivedMessage> Received
    {
        get
        {
            lock (_lock)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>True when a peer with this key is one of our verified peers.</summary>
    public bool HasPeer(PublicKey key) => GetPeers().Any(p => p.Key.Equals(key));

    /// <summary>The verified peer at <paramref name="address"/>, if any.</summary>
    public Peer? PeerAt(UdpAddress address) => GetPeers().FirstOrDefault(p => p.Address == address);

    /// <summary>Waits for the first message at index <paramref name="from"/> or later; fails with what arrived after the deadline.</summary>
    public async Task<ReceivedMessage> WaitForMessageAsync(int from, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (_lock)
            {
                if (_received.Count > from)
                {
                    return _received[from];
                }
            }

            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new Xunit.Sdk.XunitException(
                    $"timed out after {timeout.TotalSeconds:F0} s waiting for {what}; dropped by the community: " +
                    string.Join(", ", Enum.GetValues<DropReason>().Where(r => Counters.Drops(r) > 0).Select(r => $"{r}={Counters.Drops(r)}")));
            }

            await _changed.WaitAsync(left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        }
    }

    /// <summary>Sends <paramref name="payloads"/> (payloads.json forms) as one message to <paramref name="peer"/>, as <c>ez_send</c> would.</summary>
    public void SendMessage(Peer peer, IReadOnlyList<(string Class, JsonObject Fields)> payloads)
    {
        var classes = string.Join(",", payloads.Select(p => p.Class));
        var sent = (classes, Mode) switch
        {
            ("Chat", ChatMode.Signed) => Send(peer, ValueForms.ToChat(payloads[0].Fields)),
            ("Chat", ChatMode.Unsigned) => Send(peer, ValueForms.ToUnsignedChat(payloads[0].Fields)),
            ("GlobalTimeDistributionPayload,Chat", ChatMode.GlobalTime) => Send(peer, ValueForms.ToGlobalTime(payloads[0].Fields), ValueForms.ToChat(payloads[1].Fields)),
            ("Sample", _) => Send(peer, ValueForms.ToSample(payloads[0].Fields)),
            ("Catalog", _) => Send(peer, ValueForms.ToCatalog(payloads[0].Fields)),
            ("Legacy", _) => Send(peer, ValueForms.ToLegacy(payloads[0].Fields)),
            ("Beacon", _) => Send(peer, ValueForms.ToBeacon(payloads[0].Fields)),
            _ => throw new ArgumentException($"[{classes}] is not a message of a community whose chat mode is {Mode}", nameof(payloads)),
        };
        Assert.True(sent, $"the endpoint refused to send [{classes}] to {peer.Address}");
    }

    private void Record(string[] classes, Peer? peer, UdpAddress source, params JsonObject[] payloads)
    {
        lock (_lock)
        {
            _received.Add(new ReceivedMessage(classes, peer is not null, peer?.Key, source, payloads));
        }

        try
        {
            _changed.Release();
        }
        catch (ObjectDisposedException)
        {
            // Unloaded meanwhile.
        }
    }
}

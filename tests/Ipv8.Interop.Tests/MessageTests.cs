using System.Diagnostics;
using Ipv8.Interop.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;

namespace Ipv8.Interop.Tests;

/// <summary>
/// One real py-ipv8 peer and one .NET node, each with three communities (message 1 signed, with a global time, and
/// unsigned), that have walked to each other: every community on each side has the other as a verified peer.
/// </summary>
public abstract class PeerPairFixture : IAsyncLifetime
{
    public static readonly CommunityId SignedChat = CommunityId.Parse("1a7e0c0de1a7e0c0de1a7e0c0de1a7e0c0de0001");
    public static readonly CommunityId GlobalTimeChat = CommunityId.Parse("1a7e0c0de1a7e0c0de1a7e0c0de1a7e0c0de0002");
    public static readonly CommunityId UnsignedChat = CommunityId.Parse("1a7e0c0de1a7e0c0de1a7e0c0de1a7e0c0de0003");

    private static readonly (CommunityId, ChatMode)[] s_communities =
        [(SignedChat, ChatMode.Signed), (GlobalTimeChat, ChatMode.GlobalTime), (UnsignedChat, ChatMode.Unsigned)];

    private PyPeer? _py;
    private DotNetNode? _dotnet;

    protected PeerPairFixture(bool ipv6) => Ipv6 = ipv6;

    public bool Ipv6 { get; }

    internal PyPeer Py => _py ?? throw new InvalidOperationException("py-ipv8 did not start");

    internal DotNetNode DotNet => _dotnet ?? throw new InvalidOperationException("the .NET node did not start");

    public static CommunityId IdFor(ChatMode mode) => mode switch
    {
        ChatMode.Signed => SignedChat,
        ChatMode.GlobalTime => GlobalTimeChat,
        _ => UnsignedChat,
    };

    public async Task InitializeAsync()
    {
        if (PyIpv8.Missing is not null)
        {
            return; // every test skips (or fails) with the reason
        }

        _py = await PyPeer.StartAsync(Ipv6 ? "py-peer-ipv6" : "py-peer", s_communities, Ipv6);
        _dotnet = DotNetNode.Start("dotnet", s_communities, Ipv6);

        // Both walk to each other (py-ipv8 walk_to / Community.WalkTo), again every two seconds while either side lacks
        // the other in some community.
        var clock = Stopwatch.StartNew();
        while (!await PairedAsync(_py, _dotnet))
        {
            if (clock.Elapsed > Deadlines.Discovery)
            {
                var peers = await _py.PeersAsync();
                throw _py.Process.Failure(
                    $"py-ipv8 and .NET did not become peers in all three communities within {Deadlines.Discovery.TotalSeconds:F0} s. " +
                    $".NET has py-ipv8 in: [{string.Join(", ", _dotnet.Communities.Where(c => c.HasPeer(_py.Key)).Select(c => c.CommunityId))}]; " +
                    $"py-ipv8 peers: {string.Join("; ", peers.Select(p => $"{p.Key}: {p.Value.Count}"))}");
            }

            foreach (var community in _dotnet.Communities)
            {
                community.WalkTo(_py.Address);
            }

            _py.WalkTo(_dotnet.Address);
            var wait = Stopwatch.StartNew();
            while (wait.Elapsed < TimeSpan.FromSeconds(2) && !await PairedAsync(_py, _dotnet))
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task<bool> PairedAsync(PyPeer py, DotNetNode dotnet)
    {
        if (!dotnet.Communities.All(c => c.HasPeer(py.Key)))
        {
            return false;
        }

        var peers = await py.PeersAsync();
        return s_communities.All(c => peers.TryGetValue(c.Item1.ToString(), out var list) && list.Any(p => p.Key.Equals(dotnet.PublicKey)));
    }

    public async Task DisposeAsync()
    {
        if (_py is not null)
        {
            await _py.DisposeAsync();
        }

        if (_dotnet is not null)
        {
            await _dotnet.DisposeAsync();
        }
    }
}

/// <summary>The pair on 127.0.0.1; py-ipv8 runs as an <c>IPv8</c> built from a <c>ConfigBuilder</c> configuration.</summary>
public sealed class Ipv4PairFixture() : PeerPairFixture(ipv6: false);

/// <summary>The pair on ::1; py-ipv8's communities are built by hand on a <c>UDPv6Endpoint</c> (see interop_peer.py).</summary>
public sealed class Ipv6PairFixture() : PeerPairFixture(ipv6: true);

/// <summary>
/// User messages between real py-ipv8 and .NET, both ways: each payloads.json class, signed and unsigned, sent with
/// <c>ez_send</c> / <see cref="Engine.Communities.Community.Send{T}(Engine.Peers.Peer, in T)"/> and received with
/// <c>@lazy_wrapper</c> / <c>@lazy_wrapper_unsigned</c> / typed handlers; every field value compared exactly.
/// </summary>
public abstract class MessageTests(PeerPairFixture pair)
{
    protected async Task PyIpv8ToDotNetAsync(string name)
    {
        PyIpv8.Require();
        var c = MessageCases.Get(name);
        var community = pair.DotNet.Community(PeerPairFixture.IdFor(c.Mode));
        var from = community.Received.Count;

        await pair.Py.SendAsync(community.CommunityId, pair.DotNet.Address, c.Signed, c.Payloads);
        var message = await community.WaitForMessageAsync(from, $"[{string.Join(", ", c.Payloads.Select(p => p.Class))}] from py-ipv8 ({name})", Deadlines.Message);

        Assert.Equal(c.Payloads.Select(p => p.Class), message.Classes);
        Assert.Equal(c.Signed, message.Signed);
        if (c.Signed)
        {
            Assert.Equal(pair.Py.Key, message.Key);
        }

        Assert.Equal(pair.Py.Address, message.Source);
        for (var i = 0; i < c.Payloads.Count; i++)
        {
            ValueForms.AssertEqual(c.Payloads[i].Class, c.Payloads[i].Fields, message.Payloads[i], $"py-ipv8 -> .NET ({name})");
        }

        Assert.Equal(from + 1, community.Received.Count);
    }

    protected async Task DotNetToPyIpv8Async(string name)
    {
        PyIpv8.Require();
        var c = MessageCases.Get(name);
        var community = pair.DotNet.Community(PeerPairFixture.IdFor(c.Mode));
        var peer = community.PeerAt(pair.Py.Address);
        Assert.NotNull(peer);
        var from = pair.Py.Process.Events.Count;

        community.SendMessage(peer, c.Payloads);
        var message = await pair.Py.WaitForMessageAsync(from, $"[{string.Join(", ", c.Payloads.Select(p => p.Class))}] from .NET ({name})");

        Assert.Equal(community.CommunityId.ToString(), (string?)message["community"]);
        Assert.Equal(c.Payloads.Select(p => p.Class), message["classes"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(c.Signed, (bool)message["signed"]!);
        Assert.Equal(c.Signed ? pair.DotNet.PublicKey.ToString() : null, (string?)message["peer"]);
        Assert.Equal(pair.DotNet.Address.HostToString(), (string?)message["source"]![0]);
        Assert.Equal(pair.DotNet.Address.Port, (int)message["source"]![1]!);
        var payloads = message["payloads"]!.AsArray();
        Assert.Equal(c.Payloads.Count, payloads.Count);
        for (var i = 0; i < c.Payloads.Count; i++)
        {
            ValueForms.AssertEqual(c.Payloads[i].Class, c.Payloads[i].Fields, payloads[i]!.AsObject(), $".NET -> py-ipv8 ({name})");
        }
    }
}

/// <summary>Every message case on 127.0.0.1.</summary>
public sealed class Ipv4MessageTests(Ipv4PairFixture pair) : MessageTests(pair), IClassFixture<Ipv4PairFixture>
{
    [SkippableTheory]
    [MemberData(nameof(MessageCases.Names), MemberType = typeof(MessageCases))]
    public Task Py_ipv8_sends_and_dotnet_receives_every_value_exactly(string message) => PyIpv8ToDotNetAsync(message);

    [SkippableTheory]
    [MemberData(nameof(MessageCases.Names), MemberType = typeof(MessageCases))]
    public Task Dotnet_sends_and_py_ipv8_receives_every_value_exactly(string message) => DotNetToPyIpv8Async(message);
}

/// <summary>One case of each message kind on ::1.</summary>
public sealed class Ipv6MessageTests(Ipv6PairFixture pair) : MessageTests(pair), IClassFixture<Ipv6PairFixture>
{
    [SkippableTheory]
    [MemberData(nameof(MessageCases.OnePerKindNames), MemberType = typeof(MessageCases))]
    public Task Py_ipv8_sends_and_dotnet_receives_every_value_exactly_over_ipv6(string message) => PyIpv8ToDotNetAsync(message);

    [SkippableTheory]
    [MemberData(nameof(MessageCases.OnePerKindNames), MemberType = typeof(MessageCases))]
    public Task Dotnet_sends_and_py_ipv8_receives_every_value_exactly_over_ipv6(string message) => DotNetToPyIpv8Async(message);
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Interop.Tests.Support;

/// <summary>Deadlines for the interop tests: generous, for a loaded two-core machine; none is ever waited out on success.</summary>
internal static class Deadlines
{
    /// <summary>A Python process importing py-ipv8 and opening its socket.</summary>
    public static readonly TimeSpan Startup = TimeSpan.FromSeconds(30);

    /// <summary>One message or one answer over loopback.</summary>
    public static readonly TimeSpan Message = TimeSpan.FromSeconds(15);

    /// <summary>Nodes finding each other.</summary>
    public static readonly TimeSpan Discovery = TimeSpan.FromSeconds(40);

    /// <summary>The hard limit of every child process: it ends itself after this, whatever happens to the test.</summary>
    public static readonly TimeSpan ProcessLimit = TimeSpan.FromSeconds(150);

    /// <summary>The hard limit of the child processes of the deployment tests, which run for two minutes or more.</summary>
    public static readonly TimeSpan LongProcessLimit = TimeSpan.FromSeconds(330);
}

/// <summary>
/// A verified peer of one py-ipv8 overlay (<c>get_peers()</c>): its key, address, the round trips py-ipv8 recorded for it
/// (<c>peer.pings</c>, seconds) and the communities py-ipv8's network records for it (<c>get_services_for_peer</c>).
/// </summary>
internal sealed record PyPeerEntry(PublicKey Key, UdpAddress Address, IReadOnlyList<double> Pings, IReadOnlyList<CommunityId> Services);

/// <summary>A py-ipv8 peer (py/interop_peer.py) in its own process, driven by JSON lines.</summary>
internal sealed class PyPeer : IAsyncDisposable
{
    private int _nextId;

    private PyPeer(ChildProcess process, UdpAddress address, PublicKey key)
    {
        Process = process;
        Address = address;
        Key = key;
    }

    public ChildProcess Process { get; }

    /// <summary>Where it listens: 127.0.0.1:port or [::1]:port.</summary>
    public UdpAddress Address { get; }

    /// <summary>Its public key (a LibNaCL key, as py-ipv8's <c>curve25519</c> keys are).</summary>
    public PublicKey Key { get; }

    /// <summary>
    /// Starts a peer with these communities; with a tracker it also walks (RandomWalk) and bootstraps from it. With
    /// <paramref name="discovery"/> it runs py-ipv8's deployment shape: the DiscoveryCommunity of py-ipv8's default
    /// configuration (RandomWalk, RandomChurn, PeriodicSimilarity) before the user communities.
    /// </summary>
    public static async Task<PyPeer> StartAsync(string name, IEnumerable<(CommunityId Id, ChatMode Mode)> communities, bool ipv6 = false, UdpAddress? tracker = null, bool discovery = false, TimeSpan? timeLimit = null)
    {
        PyIpv8.Require();
        var arguments = new List<string>
        {
            Path.Combine(PyIpv8.Scripts, "interop_peer.py"),
            "--host", ipv6 ? "::1" : "127.0.0.1",
            "--port", "0",
            "--time-limit", (timeLimit ?? Deadlines.ProcessLimit).TotalSeconds.ToString(CultureInfo.InvariantCulture),
        };
        if (discovery)
        {
            arguments.Add("--discovery");
        }

        foreach (var (id, mode) in communities)
        {
            arguments.Add("--community");
            arguments.Add($"{id}:{ModeName(mode)}");
        }

        if (tracker is { } t)
        {
            Assert.True(t.IsLoopback, "trackers are on loopback only");
            arguments.Add("--tracker");
            arguments.Add(t.ToString());
        }

        var process = ChildProcess.Start(name, PyIpv8.Python, arguments, new Dictionary<string, string> { ["PYTHONPATH"] = PyIpv8.Directory });
        try
        {
            var (ready, _) = await process.WaitForEventAsync(e => (string?)e["event"] == "ready", "its ready event", Deadlines.Startup);
            var address = UdpAddress.FromIPAddress(IPAddress.Parse((string)ready["host"]!), (ushort)(int)ready["port"]!);
            Assert.True(address.IsLoopback, $"{name} is bound to {address}, not loopback");
            var key = PublicKey.Parse(Convert.FromHexString((string)ready["public_key"]!));
            return new PyPeer(process, address, key);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public static string ModeName(ChatMode mode) => mode switch
    {
        ChatMode.Signed => "signed",
        ChatMode.GlobalTime => "global-time",
        ChatMode.Unsigned => "unsigned",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    /// <summary>py-ipv8 <c>walk_to(address)</c> in every community of the peer.</summary>
    public void WalkTo(UdpAddress address)
    {
        Assert.True(address.IsLoopback, "tests walk to loopback only");
        Process.Send(new JsonObject { ["cmd"] = "walk_to", ["address"] = new JsonArray(address.HostToString(), address.Port) });
    }

    /// <summary>
    /// py-ipv8 <c>ez_send(peer, *payloads, sig=signed)</c> to the verified peer at <paramref name="to"/> in
    /// <paramref name="community"/>; returns once py-ipv8 has handed the datagram to its endpoint.
    /// </summary>
    public async Task SendAsync(CommunityId community, UdpAddress to, bool signed, IReadOnlyList<(string Class, JsonObject Fields)> payloads)
    {
        var id = Interlocked.Increment(ref _nextId);
        var from = Process.Events.Count;
        Process.Send(new JsonObject
        {
            ["cmd"] = "send",
            ["id"] = id,
            ["community"] = community.ToString(),
            ["to"] = new JsonArray(to.HostToString(), to.Port),
            ["signed"] = signed,
            ["payloads"] = new JsonArray([.. payloads.Select(p => (JsonNode)new JsonObject { ["class"] = p.Class, ["fields"] = p.Fields.DeepClone() })]),
        });
        await Process.WaitForEventAsync(e => (string?)e["event"] == "sent" && (int?)e["id"] == id, $"send #{id} to be done", Deadlines.Message, from);
    }

    /// <summary>The verified peers of each overlay (py-ipv8 <c>get_peers()</c>), by community id (hex).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<PyPeerEntry>>> PeersAsync()
    {
        var id = Interlocked.Increment(ref _nextId);
        var from = Process.Events.Count;
        Process.Send(new JsonObject { ["cmd"] = "peers", ["id"] = id });
        var (peers, _) = await Process.WaitForEventAsync(e => (string?)e["event"] == "peers" && (int?)e["id"] == id, $"peers #{id}", Deadlines.Message, from);
        var result = new Dictionary<string, IReadOnlyList<PyPeerEntry>>(StringComparer.Ordinal);
        foreach (var (community, list) in peers["communities"]!.AsObject())
        {
            result[community] = [.. list!.AsArray().Select(p => new PyPeerEntry(
                PublicKey.Parse(Convert.FromHexString((string)p!["public_key"]!)),
                UdpAddress.FromIPAddress(IPAddress.Parse((string)p["address"]![0]!), (ushort)(int)p["address"]![1]!),
                [.. p["pings"]!.AsArray().Select(v => (double)v!)],
                [.. p["services"]!.AsArray().Select(v => CommunityId.Parse((string)v!))]))];
        }

        return result;
    }

    /// <summary>Waits for the first "message" event at event index <paramref name="from"/> or later.</summary>
    public async Task<JsonObject> WaitForMessageAsync(int from, string what)
    {
        var (message, _) = await Process.WaitForEventAsync(e => (string?)e["event"] == "message", what, Deadlines.Message, from);
        return message;
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>py-ipv8's own tracker, <c>scripts/tracker_plugin.py --listen_port P</c>, through py/tracker.py.</summary>
internal sealed class PyTracker : IAsyncDisposable
{
    private PyTracker(ChildProcess process, UdpAddress address)
    {
        Process = process;
        Address = address;
    }

    public ChildProcess Process { get; }

    /// <summary>127.0.0.1:P. The tracker binds 0.0.0.0:P; we only ever contact it on 127.0.0.1.</summary>
    public UdpAddress Address { get; }

    public static async Task<PyTracker> StartAsync(TimeSpan? timeLimit = null)
    {
        PyIpv8.Require();
        var port = FreeUdpPort();
        var process = ChildProcess.Start(
            "py-tracker",
            PyIpv8.Python,
            [
                Path.Combine(PyIpv8.Scripts, "tracker.py"),
                "--py-ipv8", PyIpv8.Directory,
                "--listen_port", port.ToString(CultureInfo.InvariantCulture),
                "--time-limit", (timeLimit ?? Deadlines.ProcessLimit).TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ],
            new Dictionary<string, string> { ["PYTHONPATH"] = PyIpv8.Directory });
        try
        {
            await process.WaitForLineAsync("Started tracker", Deadlines.Startup);
            return new PyTracker(process, UdpAddress.Parse($"127.0.0.1:{port}"));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A UDP port that is free on 0.0.0.0 now. The tracker takes its port as an argument (and would silently move to the
    /// next one if it were taken), so the port is found by binding and releasing it just before the tracker starts.
    /// </summary>
    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

using System.Diagnostics;
using System.Net;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine.Tests.Support;

/// <summary>How a <see cref="TestNode{T}"/> is built. Every node binds only loopback, on a free port.</summary>
internal sealed record TestNodeOptions
{
    public bool Ipv6 { get; init; }

    public int? MaxPeers { get; init; }

    public int Seed { get; init; } = 1;

    public ILoggerFactory? Logs { get; init; }

    public TimeProvider? Time { get; init; }

    public ReceiveMode ReceiveMode { get; init; } = ReceiveMode.DedicatedThread;

    public TimeSpan WalkInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public string? Name { get; init; }

    public TimeSpan SummaryInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The node's key as a key bin (two nodes may share one); a new key when null.</summary>
    public byte[]? KeyBin { get; init; }
}

/// <summary>A started <see cref="Ipv8Node"/> on real UDP sockets bound to 127.0.0.1 (or ::1), with one community.</summary>
internal sealed class TestNode<T> : IAsyncDisposable where T : Community
{
    private TestNode(LibNaClPrivateKey key, Ipv8Node node, T community)
    {
        Key = key;
        Node = node;
        Community = community;
    }

    public LibNaClPrivateKey Key { get; }

    public LibNaClPublicKey PublicKey => Key.PublicKey;

    public Ipv8Node Node { get; }

    public T Community { get; }

    /// <summary>The bound address: 127.0.0.1:port, or [::1]:port for an IPv6 node.</summary>
    public UdpAddress Address => Node.Endpoint.Ipv4Address ?? Node.Endpoint.Ipv6Address ?? throw new InvalidOperationException("The node is not started.");

    /// <summary>Builds a node and its community, lets <paramref name="beforeStart"/> configure them, and starts it.</summary>
    public static TestNode<T> Start(Func<CommunitySettings, T> create, TestNodeOptions? options = null, Action<TestNode<T>>? beforeStart = null)
    {
        options ??= new TestNodeOptions();
        var key = options.KeyBin is { } bin ? LibNaClPrivateKey.Parse(bin) : LibNaClPrivateKey.Generate();
        var endpoint = new UdpEndpoint(Loopback.Options(options.Ipv6, options.ReceiveMode));
        var node = new Ipv8Node(key, endpoint, new Ipv8NodeOptions
        {
            WalkInterval = options.WalkInterval,
            LoggerFactory = options.Logs,
            TimeProvider = options.Time ?? TimeProvider.System,
            Name = options.Name,
            SummaryInterval = options.SummaryInterval,
        });
        var community = node.AddCommunity(create(node.CreateSettings(s =>
        {
            s.RandomSeed = options.Seed;
            if (options.MaxPeers is { } maxPeers)
            {
                s.MaxPeers = maxPeers;
            }
        })));
        var testNode = new TestNode<T>(key, node, community);
        beforeStart?.Invoke(testNode);
        node.Start();
        return testNode;
    }

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        Key.Dispose();
    }
}

/// <summary>Endpoint settings for tests.</summary>
internal static class Loopback
{
    /// <summary>Options that bind loopback only, on a free port, and refuse to send anywhere else.</summary>
    public static UdpEndpointOptions Options(bool ipv6 = false, ReceiveMode mode = ReceiveMode.DedicatedThread) => new()
    {
        Ipv4Host = ipv6 ? null : IPAddress.Loopback,
        Ipv6Host = ipv6 ? IPAddress.IPv6Loopback : null,
        Port = 0,
        LoopbackOnly = true,
        ReceiveMode = mode,
        ReceiveBufferSize = 256 << 10,
        SendBufferSize = 256 << 10,
    };
}

/// <summary>Helpers for waiting on UDP conversations without fixed sleeps.</summary>
internal static class Conversation
{
    /// <summary>
    /// Runs <paramref name="action"/> (a walk, a send), then waits up to <paramref name="every"/> for
    /// <paramref name="condition"/>; repeats until it holds or <paramref name="timeout"/> passes. A datagram lost on a
    /// loaded machine is simply sent again. Bounded in time and in attempts.
    /// </summary>
    public static async Task RepeatUntilAsync(Action action, Func<bool> condition, string what, TimeSpan? timeout = null, TimeSpan? every = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(25);
        var period = every ?? TimeSpan.FromSeconds(1);
        for (var attempt = 0; attempt < 200 && clock.Elapsed < limit; attempt++)
        {
            action();
            if (await Eventually.WaitAsync(condition, period))
            {
                return;
            }
        }

        if (!condition())
        {
            throw new Xunit.Sdk.XunitException($"Timed out after {clock.Elapsed.TotalSeconds:F1} s waiting for: {what}");
        }
    }
}

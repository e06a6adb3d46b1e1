// A consumer of the Ipv8.Wire and Ipv8.Engine packages (not compiled into the tests: Ipv8.Packaging.Tests builds it
// against freshly packed packages). Two nodes on 127.0.0.1 find each other, then exchange this program's own payload.
// Exit code 0 only when both directions of the exchange happened.
using System.Diagnostics;
using System.Net;
using System.Reflection;
using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

var deadline = Stopwatch.StartNew();
var limit = TimeSpan.FromSeconds(60);

Console.WriteLine($"Ipv8.Wire {Version(typeof(Packet))}, Ipv8.Engine {Version(typeof(Ipv8Node))}");
Console.WriteLine($"generated: Greeting is message {Describe<Greeting>()}");

using var keyA = LibNaClPrivateKey.Generate();
using var keyB = LibNaClPrivateKey.Generate();
await using var nodeA = NewNode(keyA, "a");
await using var nodeB = NewNode(keyB, "b");
var a = nodeA.AddCommunity(new GreetingCommunity(nodeA.CreateSettings(), "a"));
var b = nodeB.AddCommunity(new GreetingCommunity(nodeB.CreateSettings(), "b"));
nodeA.Start();
nodeB.Start();
var addressA = nodeA.Endpoint.Ipv4Address ?? throw new InvalidOperationException("node a has no IPv4 address");
Console.WriteLine($"a on {addressA}, b on {nodeB.Endpoint.Ipv4Address}");

// Discovery: b walks to a (an introduction request, answered by an introduction response) until each has the other
// as a verified peer. A datagram lost on a busy machine is simply sent again.
Peer? aAtB = null;
while (deadline.Elapsed < limit)
{
    b.WalkTo(addressA);
    await Task.Delay(250);
    aAtB = b.GetPeers().FirstOrDefault(p => p.Key.Equals(keyA.PublicKey));
    if (aAtB is not null && a.GetPeers().Any(p => p.Key.Equals(keyB.PublicKey)))
    {
        break;
    }
}

if (aAtB is null || !a.GetPeers().Any(p => p.Key.Equals(keyB.PublicKey)))
{
    return Fail("a and b did not find each other");
}

Console.WriteLine($"discovered: a and b are each other's verified peers after {deadline.Elapsed.TotalSeconds:F1} s");

// The exchange: b greets a; a's handler answers b with a greeting of its own.
while (deadline.Elapsed < limit && !b.Received.IsCompleted)
{
    b.Send(aAtB, new Greeting { Text = "hello from b", Number = 41, IsReply = false });
    await Task.WhenAny(b.Received, Task.Delay(1000));
}

if (!a.Received.IsCompleted || !b.Received.IsCompleted)
{
    return Fail("the greetings were not exchanged");
}

var (fromB, atA) = await a.Received;
var (fromA, atB) = await b.Received;
Console.WriteLine($"a received \"{atA.Text}\" #{atA.Number} from {fromB.Address} (key matches b: {fromB.Key.Equals(keyB.PublicKey)})");
Console.WriteLine($"b received \"{atB.Text}\" #{atB.Number} from {fromA.Address} (key matches a: {fromA.Key.Equals(keyA.PublicKey)})");
if (atA.Text != "hello from b" || atA.Number != 41 || atB.Text != "hello from a" || atB.Number != 42
    || !fromB.Key.Equals(keyB.PublicKey) || !fromA.Key.Equals(keyA.PublicKey))
{
    return Fail("a greeting arrived with the wrong content or sender");
}

Console.WriteLine($"OK: custom payload exchanged both ways in {deadline.Elapsed.TotalSeconds:F1} s");
return 0;

static Ipv8Node NewNode(LibNaClPrivateKey key, string name) => new(
    key,
    new UdpEndpoint(new UdpEndpointOptions { Ipv4Host = IPAddress.Loopback, Port = 0, LoopbackOnly = true, Workers = 1 }),
    new Ipv8NodeOptions { Name = name, EnableMetrics = false });

static string Version(Type type) =>
    type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";

static string Describe<T>() where T : IMessagePayload<T>, allows ref struct => $"{T.MessageId}, signed: {T.IsSigned}";

static int Fail(string what)
{
    Console.WriteLine($"FAIL: {what}");
    return 1;
}

/// <summary>This program's own payload: signed (the default), so the receiver knows the sender's key.</summary>
[Payload(MessageId = 7)]
public partial struct Greeting
{
    /// <summary>A text.</summary>
    [Field(Format.VarLenHUtf8)] public string Text { get; init; }

    /// <summary>A number; the answer carries the number plus one.</summary>
    [Field(Format.UInt32)] public uint Number { get; init; }

    /// <summary>Whether this greeting answers another.</summary>
    [Field(Format.Bool)] public bool IsReply { get; init; }
}

/// <summary>A community of this program: it records the first greeting it gets and answers greetings.</summary>
public sealed class GreetingCommunity : Community
{
    private static readonly CommunityId s_id = CommunityId.Parse("9e3e7149e3e7149e3e7149e3e7149e3e7149e3e7");
    private readonly TaskCompletionSource<(Peer Peer, Greeting Greeting)> _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _name;

    /// <summary>Registers the typed handler; the engine checks the signature before it runs.</summary>
    public GreetingCommunity(CommunitySettings settings, string name)
        : base(s_id, settings)
    {
        _name = name;
        AddMessageHandler<Greeting>(OnGreeting);
    }

    /// <summary>Completes with the first greeting received.</summary>
    public Task<(Peer Peer, Greeting Greeting)> Received => _received.Task;

    private void OnGreeting(Peer peer, in Greeting greeting)
    {
        _received.TrySetResult((peer, greeting));
        if (!greeting.IsReply)
        {
            Send(peer, new Greeting { Text = $"hello from {_name}", Number = greeting.Number + 1, IsReply = true });
        }
    }
}

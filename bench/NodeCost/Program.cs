// Measures what starting nodes costs, the way `ipv8 swarm` starts them (SwarmCommand.StartNode): a fresh Ed25519 key, a
// UDP endpoint on 127.0.0.1 in a shared receive group (Async mode), a community with MaxPeers 30, an address-list
// bootstrapper and a RandomWalk, the shared timer wheel as clock, no walk loop of its own. Prints CPU and allocated bytes
// per node, and the heap each node keeps. With steady > 0, a tracker runs too, the nodes walk (each on its own 0.5 s
// timer, not the swarm's single walk thread), and after the start the harness measures `steady` seconds of the running
// swarm (the walks that converge it): CPU and bytes per node-second (IPV8_TRACE_ALLOCATIONS=1: the sampled allocated types of that window).
// NODECOST_KEYS=N: only N key generations. Usage: NodeCost [nodes=2000] [warmup=200] [steady=0]
using System.Diagnostics;
using System.Net;
using Ipv8.Engine;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Discovery;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Tasks;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

if (Environment.GetEnvironmentVariable("NODECOST_KEYS") is { } keyCount)
{
    // Only LibNaClPrivateKey.Generate, N times after 1,000 warm-up keys: CPU and bytes per key.
    for (var i = 0; i < 1_000; i++)
    {
        LibNaClPrivateKey.Generate().Dispose();
    }

    var count = int.Parse(keyCount);
    var keyProcess = Process.GetCurrentProcess();
    var keyCpu = keyProcess.TotalProcessorTime;
    var keyBytes = GC.GetAllocatedBytesForCurrentThread();
    for (var i = 0; i < count; i++)
    {
        LibNaClPrivateKey.Generate().Dispose();
    }

    keyProcess.Refresh();
    Console.WriteLine($"keys {count}: cpu {(keyProcess.TotalProcessorTime - keyCpu).TotalMicroseconds / count:F1} us/key, allocated {(GC.GetAllocatedBytesForCurrentThread() - keyBytes) / (double)count:F0} B/key");
    return;
}

var nodes = args.Length > 0 ? int.Parse(args[0]) : 2000;
var warmup = args.Length > 1 ? int.Parse(args[1]) : 200;
var steadySeconds = args.Length > 2 ? int.Parse(args[2]) : 0;
var id = CommunityId.FromBytes(System.Security.Cryptography.SHA1.HashData("ipv8-dotnet swarm demo"u8));
var tracker = UdpAddress.FromIPAddress(IPAddress.Loopback, 9); // never contacted when no walk runs
Ipv8Node? trackerNode = null;
if (steadySeconds > 0)
{
    trackerNode = new Ipv8Node(LibNaClPrivateKey.Generate(), new UdpEndpoint(new UdpEndpointOptions
    {
        Ipv4Host = IPAddress.Loopback,
        Port = 0,
        LoopbackOnly = true,
        ReceiveMode = ReceiveMode.DedicatedThread,
    }), new Ipv8NodeOptions
    {
        EnableMetrics = false,
        Name = "tracker",
        SummaryInterval = TimeSpan.Zero,
        Network = new Ipv8.Engine.Peers.NetworkOptions { MaxVerifiedPeers = Math.Max(2_000, 2 * (nodes + warmup)), MaxWalkableAddresses = Math.Max(2_000, 2 * (nodes + warmup)) },
    });
    var trackerCommunity = trackerNode.AddCommunity(new TrackerCommunity(trackerNode.CreateSettings()));
    trackerNode.SetFallback(trackerCommunity.AnyPrefix);
    trackerNode.Start();
    trackerCommunity.StartChurn();
    tracker = trackerNode.Endpoint.Ipv4Address!.Value;
}
using var group = new UdpEndpointGroup();
using var wheel = new TimerWheel();
var started = new List<Ipv8Node>(nodes + warmup);

var steps = new (string Name, long Bytes, long Ticks)[7];
string[] stepNames = ["endpoint", "key", "node", "settings", "community", "strategy", "start"];
long markBytes = 0, markTicks = 0;
void Mark() { markBytes = GC.GetAllocatedBytesForCurrentThread(); markTicks = Stopwatch.GetTimestamp(); }
void Step(int i)
{
    var b = GC.GetAllocatedBytesForCurrentThread();
    var t = Stopwatch.GetTimestamp();
    steps[i] = (stepNames[i], steps[i].Bytes + b - markBytes, steps[i].Ticks + t - markTicks);
    Mark();
}

void StartNode(int index)
{
    Mark();
    var endpoint = new UdpEndpoint(new UdpEndpointOptions
    {
        Ipv4Host = IPAddress.Loopback,
        Port = 0,
        LoopbackOnly = true,
        ReceiveMode = ReceiveMode.Async,
        Group = group,
    });
    Step(0);
    var key = LibNaClPrivateKey.Generate();
    Step(1);
    var node = new Ipv8Node(key, endpoint, new Ipv8NodeOptions
    {
        EnableMetrics = false,
        Name = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"node{index}"),
        SummaryInterval = TimeSpan.Zero,
        TimeProvider = wheel,
        WalkInterval = steadySeconds > 0 ? TimeSpan.FromMilliseconds(500) : Timeout.InfiniteTimeSpan,
    });
    Step(2);
    var settings = node.CreateSettings(settings =>
    {
        settings.MaxPeers = 30;
        settings.RandomSeed = index;
    });
    Step(3);
    var community = node.AddCommunity(new HarnessCommunity(id, settings));
    Step(4);
    community.AddBootstrapper(new AddressListBootstrapper([tracker], bootstrapInterval: TimeSpan.FromSeconds(5)));
    node.AddStrategy(community, new RandomWalk(community, randomSeed: index), 20);
    started.Add(node);
    Step(5);
    node.Start();
    Step(6);
}

for (var i = 0; i < warmup; i++)
{
    StartNode(i);
}

if (Environment.GetEnvironmentVariable("NODECOST_WAIT") is { } wait)
{
    Console.WriteLine($"pid {Environment.ProcessId}: measuring in {wait} s");
    Thread.Sleep(TimeSpan.FromSeconds(int.Parse(wait)));
}

GC.Collect();
GC.WaitForPendingFinalizers();
GC.Collect();
var process = Process.GetCurrentProcess();
var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
process.Refresh();
var cpuBefore = process.TotalProcessorTime;
var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
var gc0 = GC.CollectionCount(0);
var gc1 = GC.CollectionCount(1);
var gc2 = GC.CollectionCount(2);
Array.Clear(steps);
using var tracer = steadySeconds > 0 ? null : NodeCost.AllocationTracer.StartIfRequested();
var clock = Stopwatch.StartNew();
for (var i = 0; i < nodes; i++)
{
    StartNode(warmup + i);
}

var wall = clock.Elapsed;
process.Refresh();
var cpu = process.TotalProcessorTime - cpuBefore;
var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
var (c0, c1, c2) = (GC.CollectionCount(0) - gc0, GC.CollectionCount(1) - gc1, GC.CollectionCount(2) - gc2);
var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
Console.WriteLine($"nodes {nodes} (after {warmup} warm-up): wall {wall.TotalSeconds:F2} s, cpu {cpu.TotalSeconds:F2} s = {cpu.TotalMicroseconds / nodes:F0} us/node, " +
    $"allocated {bytes / (double)nodes:F0} B/node, kept {(heapAfter - heapBefore) / (double)nodes:F0} B/node, gc {c0}/{c1}/{c2}");

foreach (var (name, b, t) in steps)
{
    Console.WriteLine($"  {name,-10} {b / (double)nodes,8:F0} B/node {Stopwatch.GetElapsedTime(0, t).TotalMicroseconds / nodes,6:F1} us/node (wall, this thread)");
}

tracer?.Report();
if (steadySeconds > 0)
{
    // No settling: the window covers the walks that fill the tables (after convergence the walks stop).
    using var steadyTracer = NodeCost.AllocationTracer.StartIfRequested();
    process.Refresh();
    var steadyCpu = process.TotalProcessorTime;
    var steadyBytes = GC.GetTotalAllocatedBytes(precise: true);
    var steadyGc = GC.CollectionCount(0);
    Thread.Sleep(TimeSpan.FromSeconds(steadySeconds));
    process.Refresh();
    var nodeSeconds = (double)(nodes + warmup) * steadySeconds;
    Console.WriteLine($"steady {steadySeconds} s with {nodes + warmup} nodes: cpu {(process.TotalProcessorTime - steadyCpu).TotalMicroseconds / nodeSeconds:F0} us/node-s, " +
        $"allocated {(GC.GetTotalAllocatedBytes(precise: true) - steadyBytes) / nodeSeconds:F0} B/node-s, gc0 {GC.CollectionCount(0) - steadyGc}");
    steadyTracer?.Report();
    var known = started.Select(n => n.Network.KnownAddressCount).Order().ToArray();
    var verified = started.Select(n => n.Network.VerifiedPeerCount).Order().ToArray();
    Console.WriteLine($"known addresses per node: median {known[known.Length / 2]}, max {known[^1]}; verified peers: median {verified[verified.Length / 2]}, max {verified[^1]}");
}
if (Environment.GetEnvironmentVariable("NODECOST_PAUSE") is { } pause)
{
    Console.WriteLine($"pid {Environment.ProcessId}: pausing {pause} s");
    await Task.Delay(TimeSpan.FromSeconds(int.Parse(pause)));
}

foreach (var node in started)
{
    await node.DisposeAsync();
}

if (trackerNode is not null)
{
    await trackerNode.DisposeAsync();
}

internal sealed class HarnessCommunity(CommunityId id, CommunitySettings settings) : Community(id, settings);

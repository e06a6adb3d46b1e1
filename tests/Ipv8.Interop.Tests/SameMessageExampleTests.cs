using System.Net;
using Ipv8.Engine;
using Ipv8.Engine.Endpoints;
using Ipv8.Interop.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Crypto;
using SameMessage;

namespace Ipv8.Interop.Tests;

/// <summary>
/// The example of docs/same-message.md, run as the page shows it: docs/examples/greeting.py (py-ipv8) greets a .NET
/// node running docs/examples/Greeting.cs, which answers; each side decodes the other's message.
/// </summary>
public sealed class SameMessageExampleTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task The_py_ipv8_greeting_reaches_the_dotnet_community_and_its_answer_reaches_py_ipv8()
    {
        PyIpv8.Require();
        using var key = LibNaClPrivateKey.Generate();
        await using var node = new Ipv8Node(key, new UdpEndpoint(new UdpEndpointOptions { Ipv4Host = IPAddress.Loopback, Port = 0, LoopbackOnly = true }));
        var community = node.AddCommunity(new GreetingCommunity(node.CreateSettings()));
        var received = new TaskCompletionSource<(string Text, long Count)>(TaskCreationOptions.RunContinuationsAsynchronously);
        community.Received += (_, text, count) => received.TrySetResult((text, count));
        node.Start();

        await using var python = ChildProcess.Start(
            "greeting.py",
            PyIpv8.Python,
            [Path.Combine(PyIpv8.Scripts, "greeting.py"), "--port", "0", "--walk-to", node.Endpoint.Ipv4Address!.Value.ToString(), "--time-limit", "50"],
            new Dictionary<string, string> { ["PYTHONPATH"] = PyIpv8.Directory });

        var (text, count) = await received.Task.WaitAsync(s_deadline);
        Assert.Equal("hello from py-ipv8", text);
        Assert.Equal(1, count);

        await python.WaitForLineAsync("received 'hello from .NET' count=2", s_deadline);
        await python.WaitForExitAsync(s_deadline);
        Assert.True(python.ExitCode == 0, python.Describe());
    }
}

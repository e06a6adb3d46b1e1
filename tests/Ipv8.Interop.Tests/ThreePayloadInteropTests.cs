using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Interop.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Interop.Tests;

/// <summary>
/// Messages of three payloads against the real py-ipv8 (py/three_payloads.py): py-ipv8's
/// <c>ez_send(peer, GlobalTimeDistributionPayload(t), ReadingTag(...), Reading(...))</c>, signed and with
/// <c>sig=False</c>, reaches <c>AddMessageHandler&lt;GlobalTime, ReadingTag, Reading&gt;</c>; the .NET answer, sent with
/// <c>Send(peer, time, tag, reading)</c>, is decoded by py-ipv8's own <c>@lazy_wrapper</c> /
/// <c>@lazy_wrapper_unsigned</c> of the same three classes.
/// </summary>
public sealed class ThreePayloadInteropTests
{
    [SkippableFact]
    public async Task Three_payload_messages_from_py_ipv8_reach_the_typed_handlers_and_py_ipv8_decodes_the_answers()
    {
        PyIpv8.Require();
        using var key = LibNaClPrivateKey.Generate();
        await using var node = new Ipv8Node(key, new UdpEndpoint(new UdpEndpointOptions { Ipv4Host = IPAddress.Loopback, Port = 0, LoopbackOnly = true }));
        var community = node.AddCommunity(new ThreePayloadCommunity(node.CreateSettings()));
        node.Start();
        var dotnetAddress = node.Endpoint.Ipv4Address!.Value;

        await using var python = ChildProcess.Start(
            "three_payloads.py",
            PyIpv8.Python,
            [
                Path.Combine(PyIpv8.Scripts, "three_payloads.py"),
                "--port", "0",
                "--walk-to", dotnetAddress.ToString(),
                "--time-limit", Deadlines.Discovery.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ],
            new Dictionary<string, string> { ["PYTHONPATH"] = PyIpv8.Directory });
        var (ready, _) = await python.WaitForEventAsync(e => (string?)e["event"] == "ready", "its ready event", Deadlines.Startup);
        var pyAddress = UdpAddress.FromIPAddress(IPAddress.Parse((string)ready["host"]!), (ushort)(int)ready["port"]!);
        Assert.True(pyAddress.IsLoopback, $"py-ipv8 is bound to {pyAddress}, not loopback");
        var pyKey = (string)ready["public_key"]!;

        // py-ipv8 -> .NET, signed: [GlobalTimeDistributionPayload, ReadingTag, Reading].
        var signed = await community.Signed.Task.WaitAsync(Deadlines.Discovery);
        Assert.Equal(pyKey, Convert.ToHexStringLower(signed.Peer!.Key.Bin));
        Assert.Equal(pyAddress, signed.Source);
        Assert.True(signed.Time >= 1, $"global time {signed.Time}");
        Assert.Equal("00ff7079", signed.Label);
        Assert.Equal(41U, signed.Counter);
        Assert.Equal(2.5, signed.Value);
        Assert.Equal("from py-ipv8", signed.Unit);

        // py-ipv8 -> .NET, unsigned (sig=False): [GlobalTimeDistributionPayload, ReadingTag, UnsignedReading].
        var unsigned = await community.Unsigned.Task.WaitAsync(Deadlines.Message);
        Assert.Null(unsigned.Peer);
        Assert.Equal(pyAddress, unsigned.Source);
        Assert.True(unsigned.Time >= 1, $"global time {unsigned.Time}");
        Assert.Equal(string.Empty, unsigned.Label);
        Assert.Equal(4_000_000_000U, unsigned.Counter);
        Assert.Equal(-0.125, unsigned.Value);

        // .NET -> py-ipv8: the answers, decoded by py-ipv8's own lazy_wrapper / lazy_wrapper_unsigned.
        var (signedAnswer, _) = await python.WaitForEventAsync(e => (string?)e["event"] == "received" && (bool?)e["signed"] == true, "the signed answer", Deadlines.Message);
        Assert.Equal(Convert.ToHexStringLower(key.PublicKey.Bin), (string?)signedAnswer["peer"]);
        AssertSource(dotnetAddress, signedAnswer);
        Assert.True((ulong)signedAnswer["global_time"]! >= 1);
        Assert.Equal("7970ff00", (string?)signedAnswer["label"]);
        Assert.Equal(42U, (uint)signedAnswer["counter"]!);
        Assert.Equal(5.0, (double)signedAnswer["value"]!);
        Assert.Equal("from .NET", (string?)signedAnswer["unit"]);

        // The answer to the first unsigned message (py-ipv8 sends again until it has both answers).
        var (unsignedAnswer, _) = await python.WaitForEventAsync(
            e => (string?)e["event"] == "received" && (bool?)e["signed"] == false && (ulong?)e["global_time"] == unsigned.Time + 1,
            $"the unsigned answer with global time {unsigned.Time + 1}",
            Deadlines.Message);
        AssertSource(dotnetAddress, unsignedAnswer);
        Assert.Equal("6e6574", (string?)unsignedAnswer["label"]);
        Assert.Equal(3_999_999_999U, (uint)unsignedAnswer["counter"]!);
        Assert.Equal(-1.125, (double)unsignedAnswer["value"]!);

        await python.WaitForExitAsync(Deadlines.Message);
        Assert.True(python.ExitCode == 0, python.Describe());
        Assert.Equal(0, community.Counters.Drops(DropReason.BadSignature) + community.Counters.Drops(DropReason.Malformed));
    }

    private static void AssertSource(UdpAddress expected, JsonObject received)
    {
        var source = received["source"]!.AsArray();
        Assert.Equal(expected, UdpAddress.FromIPAddress(IPAddress.Parse((string)source[0]!), (ushort)(int)source[1]!));
    }
}

/// <summary>What a handler of <see cref="ThreePayloadCommunity"/> saw, copied out of the datagram.</summary>
internal sealed record ThreePayloadMessage(Peer? Peer, UdpAddress Source, ulong Time, string Label, uint Counter, double Value, string? Unit);

/// <summary>
/// The .NET side of py/three_payloads.py: <c>@lazy_wrapper(GlobalTimeDistributionPayload, ReadingTag, Reading)</c> and
/// its unsigned twin, each answering with three payloads of its own.
/// </summary>
internal sealed class ThreePayloadCommunity : Community
{
    public static readonly CommunityId Id = CommunityId.Parse("3a7e3a7e3a7e3a7e3a7e3a7e3a7e3a7e3a7e3a7e");

    public ThreePayloadCommunity(CommunitySettings settings)
        : base(Id, settings)
    {
        AddMessageHandler<GlobalTime, ReadingTag, Reading>(OnReading);
        AddMessageHandler<GlobalTime, ReadingTag, UnsignedReading>(OnUnsignedReading);
    }

    /// <summary>The first signed message.</summary>
    public TaskCompletionSource<ThreePayloadMessage> Signed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The first unsigned message.</summary>
    public TaskCompletionSource<ThreePayloadMessage> Unsigned { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void OnReading(Peer peer, in GlobalTime time, in ReadingTag tag, in Reading reading)
    {
        Signed.TrySetResult(new(peer, peer.Address, time.Value, Convert.ToHexStringLower(tag.Label), tag.Counter, reading.Value, Encoding.UTF8.GetString(reading.Unit)));
        Span<byte> reversed = stackalloc byte[tag.Label.Length];
        tag.Label.CopyTo(reversed);
        reversed.Reverse();
        Send(peer, new GlobalTime(ClaimGlobalTime()), new ReadingTag { Label = reversed, Counter = tag.Counter + 1 }, new Reading { Value = reading.Value * 2, Unit = "from .NET"u8 });
    }

    private void OnUnsignedReading(UdpAddress source, in GlobalTime time, in ReadingTag tag, in UnsignedReading reading)
    {
        Unsigned.TrySetResult(new(null, source, time.Value, Convert.ToHexStringLower(tag.Label), tag.Counter, reading.Value, null));
        Send(source, new GlobalTime(time.Value + 1), new ReadingTag { Label = "net"u8, Counter = tag.Counter - 1 }, new UnsignedReading { Value = reading.Value - 1 });
    }
}

using System.Text;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Testing;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Xunit;

namespace Greeter.Tests;

[Payload(MessageId = 1)]
public partial struct Greeting
{
    [Field(Format.VarLenHUtf8)] public string Text { get; init; }
    [Field(Format.UInt32)] public uint Number { get; init; }
}

[Payload(MessageId = 2)]
public partial struct Thanks
{
    [Field(Format.UInt32)] public uint Number { get; init; }
}

/// <summary>The community under test: greets its peers, thanks whoever greets it, and remembers both.</summary>
public sealed class GreeterCommunity : Community
{
    public static readonly CommunityId Id = CommunityId.Parse("57a57a57a57a57a57a57a57a57a57a57a57a57a5");

    private readonly Lock _lock = new();
    private readonly List<uint> _greetings = [];
    private readonly List<uint> _thanks = [];

    public GreeterCommunity(CommunitySettings settings) : base(Id, settings)
    {
        AddMessageHandler<Greeting>(OnGreeting);
        AddMessageHandler<Thanks>(OnThanks);
    }

    public IReadOnlyList<uint> Greetings { get { lock (_lock) return [.. _greetings]; } }

    public IReadOnlyList<uint> ThanksReceived { get { lock (_lock) return [.. _thanks]; } }

    public void GreetEveryone(uint number)
    {
        foreach (var peer in GetPeers()) Send(peer, new Greeting { Text = "hello", Number = number });
    }

    private void OnGreeting(Peer peer, in Greeting greeting)
    {
        lock (_lock) _greetings.Add(greeting.Number);
        Send(peer, new Thanks { Number = greeting.Number });
    }

    private void OnThanks(Peer peer, in Thanks thanks)
    {
        lock (_lock) _thanks.Add(thanks.Number);
    }
}

public sealed class GreeterCommunityTests
{
    [Fact]
    public async Task A_greeting_is_thanked_once_it_has_crossed_the_link_both_ways()
    {
        await using var network = new TestNetwork<GreeterCommunity>(
            2, settings => new GreeterCommunity(settings),
            new TestNetworkOptions { Conditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(50) } });
        network.IntroduceAll();                            // verified peers at once, as py-ipv8's initialize()
        var start = network.Time.GetUtcNow();

        network[0].Community.GreetEveryone(1);
        Assert.Empty(network[1].Community.Greetings);      // still on the link: the fake clock has not moved

        network.DeliverMessages();                         // advances the clock from arrival to arrival

        Assert.Equal([1u], network[1].Community.Greetings);
        Assert.Equal([1u], network[0].Community.ThanksReceived);
        Assert.Equal(TimeSpan.FromMilliseconds(100), network.Time.GetUtcNow() - start);
    }

    [Fact]
    public async Task Nodes_that_walk_to_each_other_become_peers_and_greet_everyone()
    {
        await using var network = new TestNetwork<GreeterCommunity>(3, settings => new GreeterCommunity(settings));

        network.WalkToAll();                               // introduction requests and responses, as py-ipv8's introduce_nodes()
        foreach (var node in network.Nodes)
        {
            node.Community.GreetEveryone((uint)node.Index);
        }

        Assert.All(network.Nodes, node => Assert.Equal(2, node.Community.GetPeers().Length));
        Assert.Equal([1u, 2u], network[0].Community.Greetings.Order());
    }

    [Fact]
    public async Task On_a_lossy_link_the_same_seed_loses_the_same_greetings()
    {
        static async Task<IReadOnlyList<uint>> ReceivedWithSeed(int seed)
        {
            await using var network = new TestNetwork<GreeterCommunity>(
                2, settings => new GreeterCommunity(settings),
                new TestNetworkOptions { Seed = seed, Conditions = new LinkConditions { LossRate = 0.3, Jitter = TimeSpan.FromMilliseconds(20) } });
            network.IntroduceAll();
            for (uint i = 0; i < 50; i++)
            {
                network[0].Community.GreetEveryone(i);
            }

            network.DeliverMessages();
            return network[1].Community.Greetings;
        }

        var first = await ReceivedWithSeed(7);
        Assert.InRange(first.Count, 25, 45);               // about 30% lost
        Assert.NotEqual(first.Order(), first);             // jitter reordered some
        Assert.Equal(first, await ReceivedWithSeed(7));    // the same seed: the same losses, the same order
        Assert.NotEqual(first, await ReceivedWithSeed(8));
    }

    [Fact]
    public void A_greeting_built_by_hand_is_thanked_through_the_recording_endpoint()
    {
        using var ourKey = LibNaClPrivateKey.Generate();
        using var theirKey = LibNaClPrivateKey.Generate();
        var endpoint = new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:8000"));
        var community = new GreeterCommunity(new CommunitySettings { Key = ourKey, Endpoint = endpoint, Network = new Network() });
        var them = UdpAddress.Parse("127.0.0.1:8001");

        community.OnPacket(them, PacketBuilder.Build(community.GetPrefix(), theirKey, new Greeting { Text = "hi", Number = 9 }));

        var sent = Assert.Single(endpoint.Sent);
        Assert.Equal(them, sent.Destination);
        Assert.True(sent.TryDecode(out Thanks thanks));   // signed by us, checked
        Assert.Equal(9u, thanks.Number);
    }
}

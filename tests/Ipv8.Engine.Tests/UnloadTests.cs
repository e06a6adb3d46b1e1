using Ipv8.Engine.Communities;
using Ipv8.Engine.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Engine.Tests;

/// <summary>Unloading a community stops everything it started, in py-ipv8's order.</summary>
public class UnloadTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(25);

    [Fact]
    public async Task Unload_unloads_bootstrappers_unroutes_the_prefix_and_cancels_every_task_and_timeout()
    {
        var time = new CountingTimeProvider();
        var bootstrapper = new RecordingBootstrapper { WaitUntilCancelled = true };
        await using var a = TestNode<TestCommunity>.Start(
            s => new TestCommunity(s),
            new() { Time = time },
            n => n.Community.AddBootstrapper(bootstrapper));
        await using var b = TestNode<TestCommunity>.Start(s => new TestCommunity(s), new() { Seed = 2 });
        var community = a.Community;

        // Work of every kind: a bootstrap waiting for addresses, a periodic task, a named task, an anonymous task and a
        // pending request with a timeout.
        var ticks = 0;
        var namedToken = CancellationToken.None;
        var anonymousToken = CancellationToken.None;
        community.Bootstrap();
        _ = community.Tasks.RegisterPeriodicTask("periodic", TimeSpan.FromSeconds(1), () => Interlocked.Increment(ref ticks));
        _ = community.Tasks.RegisterTask("named", async token =>
        {
            namedToken = token;
            await Task.Delay(Timeout.Infinite, token);
        });
        _ = community.Tasks.RegisterAnonymousTask("anonymous", async token =>
        {
            anonymousToken = token;
            await Task.Delay(Timeout.Infinite, token);
        });
        var request = new CountingCache("walk", 1, TimeSpan.FromSeconds(5));
        Assert.True(community.RequestCache.TryAdd(request));

        await Eventually.AssertAsync(() => bootstrapper.GetAddressesCalls == 1 && Volatile.Read(ref ticks) == 1 && time.TimersCreated >= 2, "the tasks to be running", s_deadline);
        Assert.True(community.Tasks.Count >= 5);
        Assert.Contains(community, a.Node.Communities);

        await community.UnloadAsync();

        // Bootstrappers first.
        Assert.Equal(1, bootstrapper.UnloadCalls);
        Assert.Empty(community.Bootstrappers);

        // Then no more routing to this community.
        Assert.DoesNotContain(community, a.Node.Communities);
        Assert.True(community.IsUnloaded);

        // Then every task, and the request cache.
        Assert.Equal(0, community.Tasks.Count);
        Assert.Equal(1, bootstrapper.Cancelled);
        Assert.True(namedToken.IsCancellationRequested);
        Assert.True(anonymousToken.IsCancellationRequested);
        Assert.Equal(0, community.RequestCache.Count);
        Assert.False(community.RequestCache.Has("walk", 1));

        // Time passes far beyond every timeout and period: nothing fires.
        time.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(100);
        Assert.Equal(0, request.Timeouts);
        Assert.Equal(1, Volatile.Read(ref ticks));

        // Nothing new can start.
        Assert.Throws<InvalidOperationException>(() => { _ = community.Tasks.RegisterTask("late", _ => Task.CompletedTask); });
        Assert.False(community.RequestCache.TryAdd(new CountingCache("walk", 2, TimeSpan.FromSeconds(1))));
        Assert.Equal(0, community.RequestCache.Count);
        community.Bootstrap();
        Assert.Equal(0, community.Tasks.Count);

        // A's endpoint still runs, but its datagrams for this prefix go nowhere: B is never answered.
        var unknownBefore = a.Node.DroppedUnknownPrefix;
        await Conversation.RepeatUntilAsync(
            () => b.Community.WalkTo(a.Address),
            () => a.Node.DroppedUnknownPrefix >= unknownBefore + 2,
            "A's node to drop B's requests as an unknown prefix",
            every: TimeSpan.FromMilliseconds(250));
        Assert.Equal(0, community.Counters.PacketsIn(DiscoveryMessages.IntroductionRequest));
        Assert.Empty(b.Community.GetPeers());

        // Unloading again is harmless.
        await community.UnloadAsync();
        Assert.Equal(1, bootstrapper.UnloadCalls);
    }

    [Fact]
    public async Task Stopping_a_node_unloads_its_communities_and_closes_the_endpoint()
    {
        var bootstrapper = new RecordingBootstrapper();
        var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s), beforeStart: n => n.Community.AddBootstrapper(bootstrapper));
        try
        {
            Assert.True(a.Node.IsRunning);
            Assert.True(a.Node.Endpoint.IsOpen);
            await a.Node.StopAsync();
            Assert.False(a.Node.IsRunning);
            Assert.False(a.Node.Endpoint.IsOpen);
            Assert.True(a.Community.IsUnloaded);
            Assert.Equal(1, bootstrapper.UnloadCalls);
            Assert.Equal(0, a.Community.Tasks.Count);
            Assert.False(a.Node.Endpoint.Send(a.Address, [1, 2, 3]));

            // Stopping twice is harmless.
            await a.Node.StopAsync();
        }
        finally
        {
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_node_cannot_be_started_twice_and_refuses_foreign_or_duplicate_communities()
    {
        await using var a = TestNode<TestCommunity>.Start(s => new TestCommunity(s));
        Assert.Throws<InvalidOperationException>(a.Node.Start);
        Assert.Throws<InvalidOperationException>(() => a.Node.AddCommunity(new TestCommunity(a.Node.CreateSettings())));

        using var key = LibNaClPrivateKey.Generate();
        var foreign = new TestCommunity(TestIds.Other, Offline.Settings(key, new RecordingEndpoint(Wire.UdpAddress.Parse("127.0.0.1:1"))));
        Assert.Throws<ArgumentException>(() => a.Node.AddCommunity(foreign));
    }
}

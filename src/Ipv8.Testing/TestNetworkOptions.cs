using Ipv8.Engine.Endpoints;
using Microsoft.Extensions.Logging;

namespace Ipv8.Testing;

/// <summary>Settings of a <see cref="TestNetwork{TCommunity}"/>.</summary>
public sealed class TestNetworkOptions
{
    /// <summary>
    /// The seed of the links' random choices (delays, losses, reordering); node <c>i</c>'s community gets
    /// <c>Seed + i</c> as its <see cref="Engine.Communities.CommunitySettings.RandomSeed"/>. Default 1.
    /// </summary>
    public int Seed { get; set; } = 1;

    /// <summary>The conditions of every link (latency, jitter, loss, reordering). Default <see cref="LinkConditions.Perfect"/>.</summary>
    public LinkConditions Conditions { get; set; } = LinkConditions.Perfect;

    /// <summary>The first node's port on 127.0.0.1; the others follow. Default 30000.</summary>
    public int FirstPort { get; set; } = 30_000;

    /// <summary>
    /// Fail the next <see cref="TestNetwork{TCommunity}.DeliverMessages"/>, <see cref="TestNetwork{TCommunity}.Advance"/>
    /// or <see cref="TestNetwork{TCommunity}.Tick"/> when a message handler threw (default true). A node only counts
    /// and logs such an exception, as py-ipv8 does in production; py-ipv8's <c>TestBase</c> makes handlers fragile
    /// the same way.
    /// </summary>
    public bool ThrowOnHandlerError { get; set; } = true;

    /// <summary>Where the nodes log, besides the errors the network watches for. Default: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// How far <see cref="TestNetwork{TCommunity}.DeliverMessages"/> moves the clock at most, by default. Default 60 s:
    /// more than any exchange of a few messages with a sane latency, and a bound on one that never ends.
    /// </summary>
    public TimeSpan DeliveryLimit { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many datagrams <see cref="TestNetwork{TCommunity}.DeliverMessages"/> delivers at most before it returns.
    /// Default 100,000: a bound on two handlers that answer each other forever.
    /// </summary>
    public long DeliveryCountLimit { get; set; } = 100_000;
}

namespace Ipv8.Engine.Endpoints;

/// <summary>How an <see cref="InMemoryNetwork"/> hands datagrams to its endpoints.</summary>
public enum InMemoryDelivery
{
    /// <summary>
    /// Each endpoint has its own bounded queue and dispatch loop, as each UDP socket has: nodes handle datagrams in
    /// parallel, and the order between nodes is up to the thread pool. For swarms.
    /// </summary>
    Concurrent,

    /// <summary>
    /// One datagram at a time for the whole network, in order of arrival time: on the thread that sent it when it
    /// arrives at once, otherwise on the thread that moves the clock past its arrival (with a fake clock, the test's
    /// own thread). A send returns after every datagram it caused without delay was handled. Given the same seed and the
    /// same sends, every run delivers the same datagrams in the same order: for tests.
    /// </summary>
    Sequential,
}

/// <summary>Settings of an <see cref="InMemoryNetwork"/>.</summary>
public sealed class InMemoryNetworkOptions
{
    /// <summary>The first automatic port (endpoints get 127.0.0.1 addresses from here up). Default 20000.</summary>
    public int FirstPort { get; set; } = 20_000;

    /// <summary>How datagrams are handed to the endpoints. Default <see cref="InMemoryDelivery.Concurrent"/>.</summary>
    public InMemoryDelivery Delivery { get; set; } = InMemoryDelivery.Concurrent;

    /// <summary>The conditions of every link without its own (<see cref="InMemoryNetwork.SetLinkConditions"/>). Default <see cref="LinkConditions.Perfect"/>.</summary>
    public LinkConditions Conditions { get; set; } = LinkConditions.Perfect;

    /// <summary>The seed of every random choice the links make (delays, losses, reordering). Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>The clock that delays are measured on: a fake clock makes them happen when the test advances it. Default the system clock.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

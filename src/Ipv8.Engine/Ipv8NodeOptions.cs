using System.Diagnostics.Metrics;
using Ipv8.Engine.Peers;
using Microsoft.Extensions.Logging;

namespace Ipv8.Engine;

/// <summary>Settings of an <see cref="Ipv8Node"/>.</summary>
public sealed class Ipv8NodeOptions
{
    /// <summary>
    /// How often the discovery strategies step (py-ipv8's walk interval, 0.5 s). <see cref="Timeout.InfiniteTimeSpan"/>:
    /// never on their own; the caller steps them with <see cref="Ipv8Node.Tick"/> (deterministic tests). Otherwise from
    /// 1 ms to about 49.7 days (a <see cref="PeriodicTimer"/>'s limits): the <see cref="Ipv8Node"/> constructor throws
    /// <see cref="ArgumentOutOfRangeException"/> for anything else.
    /// </summary>
    public TimeSpan WalkInterval { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Caps of the peer table.</summary>
    public NetworkOptions Network { get; set; } = new();

    /// <summary>Logging. Default: none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock. Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Publish the node's counters as System.Diagnostics.Metrics instruments (meter "Ipv8"). Default true.</summary>
    public bool EnableMetrics { get; set; } = true;

    /// <summary>
    /// Where the meter comes from when <see cref="EnableMetrics"/> is set (a generic host registers one). Default: the
    /// node creates its own <see cref="Meter"/> and disposes it when it stops.
    /// </summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>A name for this node in metrics tags and logs. Default (also for an empty or blank name): the start of its mid in hex.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// How often the node logs its one-line summary at Information (event 1004: peers, traffic, drops by reason, whether
    /// the bootstrap servers answer, suppressed log lines; docs/logging.md). Zero or negative turns it off; a positive value must be
    /// from 1 ms to about 49.7 days (else the <see cref="Ipv8Node"/> constructor throws
    /// <see cref="ArgumentOutOfRangeException"/>). Default 60 s.
    /// </summary>
    public TimeSpan SummaryInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Given to every community of the node (<see cref="Communities.CommunitySettings.HandlerErrorObserver"/>).</summary>
    internal Action<Exception>? HandlerErrorObserver { get; set; }
}

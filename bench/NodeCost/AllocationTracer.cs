using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace NodeCost;

/// <summary>
/// With IPV8_TRACE_ALLOCATIONS=1, samples the runtime's GC allocation ticks (one per ~100 KB allocated) and prints the
/// allocated types at the end, to find what allocates on a path that should not.
/// </summary>
internal sealed class AllocationTracer : EventListener
{
    private readonly ConcurrentDictionary<string, long> _types = new();

    public static AllocationTracer? StartIfRequested() =>
        Environment.GetEnvironmentVariable("IPV8_TRACE_ALLOCATIONS") == "1" ? new AllocationTracer() : null;

    public void Report()
    {
        foreach (var (type, bytes) in _types.OrderByDescending(t => t.Value))
        {
            Console.Error.WriteLine($"  allocated ~{bytes,12:N0} B  {type}");
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && eventData.Payload is { } payload)
        {
            var index = eventData.PayloadNames!.IndexOf("TypeName");
            var amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
            var type = index >= 0 ? payload[index]?.ToString() ?? "?" : "?";
            var amount = amountIndex >= 0 ? Convert.ToInt64(payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
            _types.AddOrUpdate(type, amount, (_, total) => total + amount);
        }
    }
}

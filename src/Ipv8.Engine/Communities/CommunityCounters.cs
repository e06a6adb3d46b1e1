namespace Ipv8.Engine.Communities;

/// <summary>
/// Per-community counters, per message id and per drop reason. Updated with interlocked adds on the packet path (no
/// allocation); read by the metrics callbacks and reports.
/// </summary>
public sealed class CommunityCounters
{
    private readonly long[] _packetsIn = new long[256];
    private readonly long[] _bytesIn = new long[256];
    private readonly long[] _packetsOut = new long[256];
    private readonly long[] _bytesOut = new long[256];
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];

    /// <summary>Packets received with this message id (that reached the community).</summary>
    public long PacketsIn(byte messageId) => Volatile.Read(ref _packetsIn[messageId]);

    /// <summary>Bytes received with this message id.</summary>
    public long BytesIn(byte messageId) => Volatile.Read(ref _bytesIn[messageId]);

    /// <summary>Packets sent with this message id.</summary>
    public long PacketsOut(byte messageId) => Volatile.Read(ref _packetsOut[messageId]);

    /// <summary>Bytes sent with this message id.</summary>
    public long BytesOut(byte messageId) => Volatile.Read(ref _bytesOut[messageId]);

    /// <summary>Datagrams dropped for this reason.</summary>
    public long Drops(DropReason reason) => Volatile.Read(ref _drops[(int)reason]);

    /// <summary>All packets received.</summary>
    public long TotalPacketsIn => Sum(_packetsIn);

    /// <summary>All packets sent.</summary>
    public long TotalPacketsOut => Sum(_packetsOut);

    /// <summary>All drops.</summary>
    public long TotalDrops => Sum(_drops);

    internal void In(byte messageId, int bytes)
    {
        Interlocked.Increment(ref _packetsIn[messageId]);
        Interlocked.Add(ref _bytesIn[messageId], bytes);
    }

    internal void Out(byte messageId, int bytes)
    {
        Interlocked.Increment(ref _packetsOut[messageId]);
        Interlocked.Add(ref _bytesOut[messageId], bytes);
    }

    internal void Drop(DropReason reason) => Interlocked.Increment(ref _drops[(int)reason]);

    private static long Sum(long[] values)
    {
        long total = 0;
        for (var i = 0; i < values.Length; i++)
        {
            total += Volatile.Read(ref values[i]);
        }

        return total;
    }
}

namespace Ipv8.Engine.Communities;

/// <summary>
/// Per-community counters, per message id and per drop reason. Updated with interlocked adds on the packet path (no
/// allocation); read by the metrics callbacks and reports.
/// </summary>
public sealed class CommunityCounters
{
    private readonly long[] _packetsIn = NewTable();
    private readonly long[] _bytesIn = NewTable();
    private readonly long[] _packetsOut = NewTable();
    private readonly long[] _bytesOut = NewTable();
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];
    private long _signaturesCreated;
    private long _signaturesVerified;

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

    /// <summary>
    /// Signatures this community made with its node's key (Ed25519): every signed message it built, sent or not
    /// (introduction requests and responses, punctures, signed <c>Send</c>s).
    /// </summary>
    public long SignaturesCreated => Volatile.Read(ref _signaturesCreated);

    /// <summary>
    /// Signature checks of incoming messages this community ran, valid or not (Ed25519 and legacy EC keys, one each);
    /// messages dropped before the check (blacklisted key, rate limit, bad frame) are not counted.
    /// </summary>
    public long SignaturesVerified => Volatile.Read(ref _signaturesVerified);

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

    internal void Signed() => Interlocked.Increment(ref _signaturesCreated);

    internal void Verified() => Interlocked.Increment(ref _signaturesVerified);

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

    // Counters live as long as their community: allocated straight into the pinned-object heap, which is collected
    // with generation 2, so that 10,000 communities' tables (80 MB) are not copied from generation to generation (issue 13).
    private static long[] NewTable() => GC.AllocateArray<long>(256, pinned: true);
}

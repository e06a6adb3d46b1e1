using System.Runtime.CompilerServices;

namespace Ipv8.Engine.Communities;

/// <summary>
/// Per-community counters, per message id and per drop reason. Updated with interlocked adds on the packet path (no
/// allocation once a message id's block exists); read by the metrics callbacks and reports.
/// </summary>
public sealed class CommunityCounters
{
    // The four counters of a message id (packets in, bytes in, packets out, bytes out) sit side by side, in blocks of
    // eight consecutive ids made on the first packet of one of them: a community that uses a few ids (discovery, 231 to
    // 250: at most four blocks) holds under 2 KB, not four 256-entry tables (8 KB, 80 MB at 10,000 nodes). A block, once published, is
    // never replaced, so that a count is never lost to a concurrent growth.
    private const int BlockShift = 3;
    private const int IdsPerBlock = 1 << BlockShift;
    private const int PerId = 4;
    private const int PacketsInOffset = 0;
    private const int BytesInOffset = 1;
    private const int PacketsOutOffset = 2;
    private const int BytesOutOffset = 3;

    private static readonly int s_dropReasons = Enum.GetValues<DropReason>().Length;

    private readonly long[]?[] _blocks = new long[]?[256 / IdsPerBlock];
    private readonly long[] _drops = new long[s_dropReasons];
    private long _signaturesCreated;
    private long _signaturesVerified;

    /// <summary>Packets received with this message id (that reached the community).</summary>
    public long PacketsIn(byte messageId) => Read(messageId, PacketsInOffset);

    /// <summary>Bytes received with this message id.</summary>
    public long BytesIn(byte messageId) => Read(messageId, BytesInOffset);

    /// <summary>Packets sent with this message id.</summary>
    public long PacketsOut(byte messageId) => Read(messageId, PacketsOutOffset);

    /// <summary>Bytes sent with this message id.</summary>
    public long BytesOut(byte messageId) => Read(messageId, BytesOutOffset);

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
    public long TotalPacketsIn => SumMessages(PacketsInOffset);

    /// <summary>All packets sent.</summary>
    public long TotalPacketsOut => SumMessages(PacketsOutOffset);

    /// <summary>All drops.</summary>
    public long TotalDrops => Sum(_drops, 0, 1);

    internal void In(byte messageId, int bytes)
    {
        var block = Block(messageId);
        var at = Offset(messageId);
        Interlocked.Increment(ref block[at + PacketsInOffset]);
        Interlocked.Add(ref block[at + BytesInOffset], bytes);
    }

    internal void Out(byte messageId, int bytes)
    {
        var block = Block(messageId);
        var at = Offset(messageId);
        Interlocked.Increment(ref block[at + PacketsOutOffset]);
        Interlocked.Add(ref block[at + BytesOutOffset], bytes);
    }

    internal void Signed() => Interlocked.Increment(ref _signaturesCreated);

    internal void Verified() => Interlocked.Increment(ref _signaturesVerified);

    internal void Drop(DropReason reason) => Interlocked.Increment(ref _drops[(int)reason]);

    private static int Offset(byte messageId) => (messageId & (IdsPerBlock - 1)) * PerId;

    private long Read(byte messageId, int counter) =>
        Volatile.Read(ref _blocks[messageId >> BlockShift]) is { } block ? Volatile.Read(ref block[Offset(messageId) + counter]) : 0;

    private long[] Block(byte messageId) => Volatile.Read(ref _blocks[messageId >> BlockShift]) ?? AddBlock(messageId >> BlockShift);

    // The first packet of a block's ids: two threads may race to make it, and the first to publish wins.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long[] AddBlock(int index)
    {
        var block = new long[IdsPerBlock * PerId];
        return Interlocked.CompareExchange(ref _blocks[index], block, null) ?? block;
    }

    private long SumMessages(int counter)
    {
        long total = 0;
        for (var b = 0; b < _blocks.Length; b++)
        {
            if (Volatile.Read(ref _blocks[b]) is { } block)
            {
                total += Sum(block, counter, PerId);
            }
        }

        return total;
    }

    private static long Sum(long[] values, int from, int step)
    {
        long total = 0;
        for (var i = from; i < values.Length; i += step)
        {
            total += Volatile.Read(ref values[i]);
        }

        return total;
    }
}

using Ipv8.Wire;

namespace Ipv8.Engine.Communities;

/// <summary>What the community notes for the logs and the node's summary line (docs/logging.md).</summary>
public abstract partial class Community
{
    private long _bootstrapAnswers;
    private long _lastBootstrapAnswer;

    /// <summary>Introduction responses from bootstrap servers (blacklisted addresses) so far.</summary>
    internal long BootstrapAnswers => Volatile.Read(ref _bootstrapAnswers);

    /// <summary>When a bootstrap server last answered (a <see cref="TimeProvider"/> timestamp), or 0 when none has.</summary>
    internal long LastBootstrapAnswer => Volatile.Read(ref _lastBootstrapAnswer);

    /// <summary>
    /// Drops a signed message from a blacklisted mid. When the mid is this node's own and the sender is not this node
    /// itself (a reflected packet), another node runs with our key: warn, rate-limited.
    /// </summary>
    internal void DropBlacklistedKey(UdpAddress source, byte messageId, ReadOnlySpan<byte> publicKeyBin)
    {
        Counters.Drop(DropReason.Blacklisted);
        if (publicKeyBin.SequenceEqual(MyPeer.PublicKeyBin) && !IsOwnAddress(source))
        {
            CommunityLog.OwnKeyHeard(RemoteLog, source, messageId);
        }
    }

    /// <summary>
    /// Counts an introduction response whose sender cannot become a peer. A bootstrap server's answer (its address is
    /// blacklisted) is also noted, so that the node's summary can tell whether the trackers answer.
    /// </summary>
    internal void DropRefusedResponder(UdpAddress source)
    {
        Counters.Drop(DropReason.Blacklisted);
        if (Network.IsBlacklisted(source))
        {
            Interlocked.Increment(ref _bootstrapAnswers);
            Volatile.Write(ref _lastBootstrapAnswer, Math.Max(1, TimeProvider.GetTimestamp()));
        }
    }

    /// <summary>True when <paramref name="address"/> is this node's own socket, as bound or as estimated.</summary>
    private bool IsOwnAddress(UdpAddress address)
    {
        if (address == MyEstimatedLan || address == MyEstimatedWan)
        {
            return true;
        }

        foreach (var bound in (ReadOnlySpan<UdpAddress?>)[Endpoint.Ipv4Address, Endpoint.Ipv6Address])
        {
            if (bound is { } own && own.Port == address.Port && (own == address || (own.IsUnspecifiedHost && (address.IsLoopback || AddressIsLan(address)))))
            {
                return true;
            }
        }

        return false;
    }
}

using System.Globalization;
using Ipv8.Shared;

namespace Ipv8.Cli.Bench;

/// <summary>
/// Per identity, across the warm-up and every step of one <c>ipv8 bench</c>: when it was first and last answered and
/// when it last sent. It recognizes a target at its peer capacity: py-ipv8 (and our node) drop every introduction
/// request once they have more than max_peers peers, known identities' included, so identities that were answered (in
/// the warm-up or early in the run) stop being answered, while the target answers a few others or nobody at all. Like
/// <see cref="BenchStep"/> it reads no clock: the caller gives timestamps.
/// </summary>
/// <remarks>Thread use: the sender calls <see cref="Sent"/>, the receiver <see cref="Answered"/>; <see cref="Capacity"/> after both stopped.</remarks>
internal sealed class AnswerHistory
{
    private readonly long[] _firstAnswer;
    private readonly long[] _lastAnswer;
    private readonly long[] _lastSent;
    private readonly bool[] _answered;
    private readonly bool[] _sent;

    public AnswerHistory(int identities)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(identities);
        _firstAnswer = new long[identities];
        _lastAnswer = new long[identities];
        _lastSent = new long[identities];
        _answered = new bool[identities];
        _sent = new bool[identities];
    }

    public int Identities => _answered.Length;

    /// <summary>Sender: identity <paramref name="identity"/> sent a request at <paramref name="now"/>.</summary>
    public void Sent(int identity, long now)
    {
        _lastSent[identity] = now;
        _sent[identity] = true;
    }

    /// <summary>Receiver: identity <paramref name="identity"/> was answered at <paramref name="now"/> (in time).</summary>
    public void Answered(int identity, long now)
    {
        if (!_answered[identity])
        {
            _firstAnswer[identity] = now;
            _answered[identity] = true;
        }

        _lastAnswer[identity] = now;
    }

    /// <summary>
    /// Whether the target stopped answering identities it had answered: those (at least one) whose last answer is more
    /// than <paramref name="quiet"/> ticks before both their own last request and <paramref name="end"/>. Null when
    /// none did, or when every identity was answered and all of them stopped (a target that went away, not one that
    /// is full).
    /// </summary>
    /// <param name="end">When the run ended.</param>
    /// <param name="quiet">How long an identity that keeps sending may go unanswered before it counts as dropped (at least the timeout).</param>
    public PeerCapacity? Capacity(long end, long quiet)
    {
        var everAnswered = 0;
        var stopped = 0;
        var stillAnswered = 0;
        for (var i = 0; i < _answered.Length; i++)
        {
            if (!_answered[i])
            {
                continue;
            }

            everAnswered++;
            var last = _lastAnswer[i];
            if (_sent[i] && _lastSent[i] - last > quiet && end - last > quiet)
            {
                stopped++;
            }
            else
            {
                stillAnswered++;
            }
        }

        if (stopped == 0 || (stillAnswered == 0 && everAnswered == _answered.Length))
        {
            return null;
        }

        return new PeerCapacity(everAnswered, stopped, stillAnswered, _answered.Length);
    }
}

/// <summary>What <see cref="AnswerHistory.Capacity"/> saw: identities ever answered, answered then dropped, still answered, of all.</summary>
internal sealed record PeerCapacity(int EverAnswered, int Stopped, int StillAnswered, int Identities)
{
    /// <summary>The finding, in words (<paramref name="introductions"/>: the requests were introduction requests, which a full node drops).</summary>
    public string Describe(bool introductions)
    {
        var inv = CultureInfo.InvariantCulture;
        var what = StillAnswered == 0
            ? string.Create(inv, $"the target answered the first {EverAnswered} of {Counted.Of(Identities, "identity", "identities")} and then stopped answering all of them")
            : string.Create(inv, $"{Counted.Of(Stopped, "identity", "identities")} that had been answered (in the warm-up or earlier in the run) stopped being answered while the target still answered {Counted.Of(StillAnswered, "other", "others")} ({EverAnswered} of {Counted.Of(Identities, "identity", "identities")} answered at some point)");
        return introductions
            ? string.Create(inv, $"target at peer capacity: {what}. A node with more than max_peers peers (py-ipv8's default is 30, ours too) drops every introduction request, known peers' included; its peers count the peers it already had and earlier runs' identities until they time out, so {Counted.Of(EverAnswered, "answered identity", "answered identities")} is not its max_peers. Use fewer --identities than its max_peers, restart it between runs, or raise it; our node's report counts these drops in stats.drops.peer_limit.")
            : string.Create(inv, $"{what}: the target stops answering sources it answered before.");
    }
}

namespace Ipv8.Cli.Bench;

/// <summary>
/// The request identifiers of every identity, across the warm-up and every step of one <c>ipv8 bench</c>: which are
/// free, which wait for an answer, and which step sent them. An identifier whose request was never answered is never
/// sent again (its answer could still come, however late, and would be credited to the newer request): the sender
/// takes the identity's next identifier that is free, skipping those still waiting. When every identifier of an
/// identity waits, <see cref="TryTake"/> fails and the request is not sent (<see cref="BenchStep.RecordSent"/> counts
/// it, and the result is refused): the bench never credits an answer to the wrong request.
/// </summary>
/// <remarks>
/// Thread use: the sender takes identifiers (<see cref="TryTake"/>, <see cref="Release"/>); the receiver settles them
/// (<see cref="TrySettle"/>). A taken identifier is <see cref="Waiting"/> until the receiver settles it, and the sender
/// only takes identifiers that are not waiting, so the two never write one slot at once. <see cref="Grow"/> only
/// between steps, with neither thread running.
/// </remarks>
internal sealed class BenchIdentifiers
{
    /// <summary>Never sent.</summary>
    public const int Free = 0;

    /// <summary>Sent, not answered yet (in time or late).</summary>
    public const int Waiting = 1;

    /// <summary>Sent and answered (in time, or late): it may be sent again.</summary>
    public const int Settled = 2;

    private readonly int[][] _state;
    private readonly long[][] _intended;
    private readonly int[][] _owner;
    private readonly int[] _next;

    /// <param name="identities">K.</param>
    /// <param name="size">Identifiers per identity to start with (at most 65,536).</param>
    /// <param name="first">Where each identity's first request starts looking.</param>
    public BenchIdentifiers(int identities, int size, int first = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(identities);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 65536);
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(first, size);
        _state = new int[identities][];
        _intended = new long[identities][];
        _owner = new int[identities][];
        _next = new int[identities];
        for (var i = 0; i < identities; i++)
        {
            _state[i] = new int[size];
            _intended[i] = new long[size];
            _owner[i] = new int[size];
            _next[i] = first;
        }

        Size = size;
    }

    public int Identities => _next.Length;

    /// <summary>Identifiers per identity (the prepared pool).</summary>
    public int Size { get; private set; }

    /// <summary>The most identifiers any one identity has waiting for an answer.</summary>
    public int MostWaiting()
    {
        var most = 0;
        foreach (var states in _state)
        {
            most = Math.Max(most, states.Count(s => s == Waiting));
        }

        return most;
    }

    /// <summary>Grows every identity to <paramref name="size"/> identifiers; the next requests start at the first new one.</summary>
    public void Grow(int size)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 65536);
        if (size <= Size)
        {
            return;
        }

        for (var i = 0; i < _next.Length; i++)
        {
            Array.Resize(ref _state[i], size);
            Array.Resize(ref _intended[i], size);
            Array.Resize(ref _owner[i], size);
            _next[i] = Size;
        }

        Size = size;
    }

    /// <summary>
    /// Sender: the identity's next identifier that is not waiting for an answer, from where its last request left off,
    /// now waiting for the answer to a request due at <paramref name="intended"/> of step <paramref name="owner"/>; -1
    /// when every identifier of the identity waits.
    /// </summary>
    public int TryTake(int identity, long intended, int owner)
    {
        var states = _state[identity];
        var start = _next[identity];
        for (var n = 0; n < states.Length; n++)
        {
            var id = (start + n) % states.Length;
            if (Volatile.Read(ref states[id]) != Waiting)
            {
                _intended[identity][id] = intended;
                _owner[identity][id] = owner;
                Volatile.Write(ref states[id], Waiting);
                _next[identity] = (id + 1) % states.Length;
                return id;
            }
        }

        return -1;
    }

    /// <summary>Sender: the request taken with <paramref name="identifier"/> was not sent after all (the socket refused it); it was never out, so it is free, and the identity's next request takes it.</summary>
    public void Release(int identity, int identifier)
    {
        Volatile.Write(ref _state[identity][identifier], Free);
        _next[identity] = identifier;
    }

    /// <summary>The state of an identifier (<see cref="Free"/>, <see cref="Waiting"/>, <see cref="Settled"/>) and, unless free, the step that last sent it and when it was due.</summary>
    public int StateOf(int identity, int identifier, out int owner, out long intended)
    {
        var state = Volatile.Read(ref _state[identity][identifier]);
        owner = _owner[identity][identifier];
        intended = _intended[identity][identifier];
        return state;
    }

    /// <summary>Identifiers of every identity that <paramref name="owner"/> (a step) sent and that still wait for an answer, due after <paramref name="dueAfter"/> (still within their timeout); read after the sender and receiver stopped.</summary>
    public long CountWaiting(int owner, long dueAfter)
    {
        long count = 0;
        for (var i = 0; i < _state.Length; i++)
        {
            var states = _state[i];
            for (var id = 0; id < states.Length; id++)
            {
                if (Volatile.Read(ref states[id]) == Waiting && _owner[i][id] == owner && _intended[i][id] > dueAfter)
                {
                    count++;
                }
            }
        }

        return count;
    }

    /// <summary>Receiver: the first answer to a waiting identifier settles it (it may be sent again); false if another answer settled it first.</summary>
    public bool TrySettle(int identity, int identifier) =>
        Interlocked.CompareExchange(ref _state[identity][identifier], Settled, Waiting) == Waiting;
}

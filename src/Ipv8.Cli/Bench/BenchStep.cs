using HdrHistogram;

namespace Ipv8.Cli.Bench;

/// <summary>What became of one datagram that <see cref="BenchStep.RecordAnswer"/> was given.</summary>
internal enum AnswerKind
{
    /// <summary>The first answer to a request we sent, within the timeout: counted, its latency recorded.</summary>
    Answered,

    /// <summary>A second answer to a request already answered.</summary>
    Duplicate,

    /// <summary>An answer that came after the timeout: the request counts as lost.</summary>
    Late,

    /// <summary>An identifier we have not sent (from this identity).</summary>
    Unmatched,
}

/// <summary>
/// One open-loop run at one rate: the schedule, the matching of answers to requests, and the counts and histograms. It
/// does no I/O and reads no clock: the sender and receiver (<see cref="BenchRunner"/>, or a test with a fake clock) give
/// it timestamps. Request <c>i</c> is due at <see cref="IntendedTimestamp"/> <c>start + i / rate</c>, goes out from
/// identity <c>i mod K</c> with that identity's next identifier that is not waiting for an answer (<see cref="BenchIdentifiers"/>:
/// <c>(first + i div K) mod M</c> while every earlier request of the identity was answered, M = its pool of prepared packets), and its
/// latency is measured from that intended time, not from when it actually left: a generator or target that falls behind
/// shows as latency, not as fewer samples (no coordinated omission).
/// </summary>
/// <remarks>
/// Thread use: one sender thread calls <see cref="RecordSent"/>; one receiver thread calls <see cref="RecordAnswer"/>,
/// <see cref="RecordOther"/> and <see cref="Tick"/>; anyone may read the counters. A request is recorded before it is
/// sent, so its answer can never arrive first. An identifier is sent again only once its request was answered (in time
/// or late): a request that was never answered keeps its identifier however long the target stalls, so its answer,
/// however late, counts as <see cref="AnswerKind.Late"/> (or, after the step, as unmatched in the next one) and the
/// request as lost; it is never credited to a newer request.
/// </remarks>
internal sealed class BenchStep
{
    /// <summary>Histograms record microseconds from 1 µs to 10 minutes, 3 significant digits.</summary>
    private const long HighestMicroseconds = 600_000_000;

    private static int s_steps;

    private readonly long _start;
    private readonly long _frequency;
    private readonly double _ticksPerRequest;
    private readonly int _identities;
    private readonly int _poolSize;
    private readonly long _timeoutTicks;
    private readonly BenchIdentifiers _ids;
    private readonly int _stepId = Interlocked.Increment(ref s_steps);
    private readonly long[] _sentBy;
    private readonly long[] _answeredBy;
    private readonly LongHistogram _latency = NewHistogram();
    private readonly LongHistogram _schedule = NewHistogram();
    private readonly LongHistogram _second = NewHistogram();
    private readonly List<SecondSample> _series = [];
    private readonly int _verifyLimit;
    private readonly List<byte[]> _toVerify = [];
    private readonly AnswerHistory? _history;
    private readonly int _firstIdentifier;
    private long _sent;
    private long _notSent;
    private long _portUnreachable;
    private long _sendFailures;
    private long _answered;
    private long _duplicates;
    private long _late;
    private long _unmatched;
    private long _other;
    private long _lastSent;
    private long _currentSecond;
    private long _answeredThisSecond;
    private long _lastReply = -1;

    /// <summary>Per identity and due second (the first <see cref="MaxCellSeconds"/>): requests sent, and those answered in time (<see cref="Dispersion"/>).</summary>
    private readonly int _cellSeconds;
    private readonly int[] _sentCells;
    private readonly int[] _answeredCells;

    /// <summary>The most due seconds kept per identity for <see cref="Dispersion"/>.</summary>
    private const int MaxCellSeconds = 600;

    /// <param name="rate">Requests per second.</param>
    /// <param name="count">Requests in the run.</param>
    /// <param name="identities">K, the sending identities.</param>
    /// <param name="poolSize">M, the identifiers (prepared packets) per identity, at most 65,536.</param>
    /// <param name="timeout">An answer later than this after its request's intended time counts as lost.</param>
    /// <param name="start">The timestamp request 0 is due at.</param>
    /// <param name="frequency">Timestamp ticks per second.</param>
    /// <param name="verifyLimit">How many signed answers to keep for signature checks (<see cref="TakeSample"/>).</param>
    /// <param name="firstIdentifier">The identifier of each identity's first request: where the previous step left off, so that an earlier step's late answers are not credited to this one.</param>
    /// <param name="history">Told of every send and answer, across steps (peer-capacity detection), or null.</param>
    /// <param name="identifiers">The identifiers shared with the steps before and after this one (their poolSize is used), or null for this step's own.</param>
    public BenchStep(double rate, long count, int identities, int poolSize, TimeSpan timeout, long start, long frequency, int verifyLimit = 4096, int firstIdentifier = 0, AnswerHistory? history = null, BenchIdentifiers? identifiers = null)
    {
        poolSize = identifiers?.Size ?? poolSize;
        ArgumentOutOfRangeException.ThrowIfNegative(firstIdentifier);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(firstIdentifier, poolSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(identities);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(poolSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(poolSize, 65536);
        Rate = rate;
        Count = count;
        _identities = identities;
        _poolSize = poolSize;
        _start = start;
        _frequency = frequency;
        _ticksPerRequest = frequency / rate;
        _timeoutTicks = (long)(timeout.TotalSeconds * frequency);
        _ids = identifiers ?? new BenchIdentifiers(identities, poolSize, firstIdentifier);
        ArgumentOutOfRangeException.ThrowIfNotEqual(_ids.Identities, identities);
        _sentBy = new long[identities];
        _answeredBy = new long[identities];
        _verifyLimit = verifyLimit;
        _lastSent = start;
        _firstIdentifier = firstIdentifier;
        _history = history;
        _cellSeconds = (int)Math.Clamp(Math.Ceiling(count / rate), 1, MaxCellSeconds);
        _sentCells = new int[identities * _cellSeconds];
        _answeredCells = new int[identities * _cellSeconds];
    }

    public double Rate { get; }

    public long Count { get; }

    public int Identities => _identities;

    public long Start => _start;

    public long Frequency => _frequency;

    public long Sent => Volatile.Read(ref _sent);

    public long Answered => Volatile.Read(ref _answered);

    public long Late => Volatile.Read(ref _late);

    /// <summary>ICMP port unreachable reports so far (each answers one request: nothing will).</summary>
    public long PortUnreachable => Volatile.Read(ref _portUnreachable);

    /// <summary>The latest per-second sample (answers by arrival second), or null before the first second closed.</summary>
    public SecondSample? LastSecond { get; private set; }

    /// <summary>When request <paramref name="index"/> is due: <c>start + index / rate</c>, in timestamp ticks.</summary>
    public long IntendedTimestamp(long index) => _start + (long)(index * _ticksPerRequest);

    /// <summary>The identity that sends request <paramref name="index"/>.</summary>
    public int IdentityOf(long index) => (int)(index % _identities);

    /// <summary>The identifier of request <paramref name="index"/> while every earlier request of its identity (in this step) was answered: <see cref="RecordSent"/> skips identifiers still waiting for an answer, and returns the one it took.</summary>
    public ushort IdentifierOf(long index) => (ushort)((_firstIdentifier + (index / _identities)) % _poolSize);

    /// <summary>
    /// Sender: request <paramref name="index"/> is about to leave at <paramref name="now"/> (call before sending, so its
    /// answer cannot come first). Records how late it is against its intended time and returns the identifier it goes
    /// out with, or -1 when every identifier of its identity still waits for an answer: then it must not be sent, and
    /// counts as not sent (the result is refused, <see cref="BenchResult.ScheduleProblem"/>).
    /// </summary>
    public int RecordSent(long index, long now)
    {
        var intended = IntendedTimestamp(index);
        var identity = IdentityOf(index);
        var identifier = _ids.TryTake(identity, intended, _stepId);
        if (identifier < 0)
        {
            Interlocked.Increment(ref _notSent);
            _schedule.RecordValue(Clamp(Microseconds(Math.Max(0, now - intended))));
            _lastSent = now;
            return -1;
        }

        _sentBy[identity]++;
        if (Cell(identity, intended) is var cell and >= 0)
        {
            _sentCells[cell]++;
        }

        _history?.Sent(identity, now);
        _schedule.RecordValue(Clamp(Microseconds(Math.Max(0, now - intended))));
        _lastSent = now;
        Volatile.Write(ref _sent, _sent + 1);
        return identifier;
    }

    /// <summary>
    /// Sender: the socket refused request <paramref name="index"/>, sent with <paramref name="identifier"/> (a connected
    /// socket reports an earlier ICMP port unreachable on the next send, and drops the datagram): it did not leave, so it
    /// counts as a send failure, not as sent, and its identifier is free again.
    /// </summary>
    public void RecordSendFailure(long index, int identifier)
    {
        var identity = IdentityOf(index);
        _ids.Release(identity, identifier);
        _sentBy[identity]--;
        if (Cell(identity, IntendedTimestamp(index)) is var cell and >= 0)
        {
            _sentCells[cell]--;
        }

        Volatile.Write(ref _sent, _sent - 1);
        Interlocked.Increment(ref _sendFailures);
    }

    /// <summary>Receiver: an answer from the target to identity <paramref name="identity"/>, read at <paramref name="now"/>.</summary>
    /// <param name="identity">The identity whose socket received it.</param>
    /// <param name="identifier">The identifier the answer echoes.</param>
    /// <param name="now">When it was read.</param>
    /// <param name="datagram">The answer, kept for a signature check when it is one of the sample (empty: unsigned).</param>
    public AnswerKind RecordAnswer(int identity, ushort identifier, long now, ReadOnlySpan<byte> datagram = default)
    {
        if (identifier >= _poolSize || (uint)identity >= (uint)_identities)
        {
            Interlocked.Increment(ref _unmatched);
            return AnswerKind.Unmatched;
        }

        var state = _ids.StateOf(identity, identifier, out var owner, out var intended);
        if (state == BenchIdentifiers.Free || owner != _stepId)
        {
            // Never sent, or sent by an earlier step (its late answer settles it, so that it may be sent again).
            if (state == BenchIdentifiers.Waiting)
            {
                _ids.TrySettle(identity, identifier);
            }

            Interlocked.Increment(ref _unmatched);
            return AnswerKind.Unmatched;
        }

        if (state != BenchIdentifiers.Waiting || !_ids.TrySettle(identity, identifier))
        {
            Volatile.Write(ref _lastReply, now);
            Interlocked.Increment(ref _duplicates);
            return AnswerKind.Duplicate;
        }

        Volatile.Write(ref _lastReply, now);
        var latency = now - intended;
        if (latency > _timeoutTicks)
        {
            Interlocked.Increment(ref _late);
            return AnswerKind.Late;
        }

        Tick(now);
        var micros = Clamp(Microseconds(Math.Max(0, latency)));
        _latency.RecordValue(micros);
        _second.RecordValue(micros);
        _answeredThisSecond++;
        Interlocked.Increment(ref _answeredBy[identity]);
        if (Cell(identity, intended) is var cell and >= 0)
        {
            _answeredCells[cell]++;
        }
        _history?.Answered(identity, now);
        var answered = Interlocked.Increment(ref _answered);
        if (!datagram.IsEmpty && _toVerify.Count < _verifyLimit && (answered <= 256 || answered % 64 == 0))
        {
            _toVerify.Add(datagram.ToArray());
        }

        return AnswerKind.Answered;
    }

    /// <summary>Receiver: a datagram from the target that answers nothing we sent (a puncture request introducing us, a walk of the target's own...).</summary>
    public void RecordOther() => Interlocked.Increment(ref _other);

    /// <summary>Receiver: the target's host answered with ICMP port unreachable (a connected socket reports it on the next read or send).</summary>
    public void RecordPortUnreachable() => Interlocked.Increment(ref _portUnreachable);

    /// <summary>Receiver: closes the per-second samples up to <paramref name="now"/>.</summary>
    public void Tick(long now)
    {
        var second = Math.Max(0, (now - _start) / _frequency);
        while (_currentSecond < second)
        {
            var sample = new SecondSample(
                _currentSecond + 1,
                _answeredThisSecond,
                _second.TotalCount == 0 ? null : Milliseconds(_second.GetValueAtPercentile(50)),
                _second.TotalCount == 0 ? null : Milliseconds(_second.GetValueAtPercentile(99)),
                _second.TotalCount == 0 ? null : Milliseconds(_second.GetMaxValue()));
            _series.Add(sample);
            LastSecond = sample;
            _second.Reset();
            _answeredThisSecond = 0;
            _currentSecond++;
        }
    }

    /// <summary>The signed answers kept for signature checks; call once, after the receiver stopped.</summary>
    public IReadOnlyList<byte[]> TakeSample() => _toVerify;

    /// <summary>
    /// The result, once the sender and receiver have stopped (<paramref name="end"/>: when the run ended). Answers whose
    /// signature was checked and bad (<paramref name="verification"/>) do not count as answered: their requests are lost.
    /// An interrupted run (<see cref="BenchGenerator.Interrupted"/>) lasted as long as the requests it sent.
    /// </summary>
    public BenchResult Finish(long end, BenchGenerator generator, BenchVerification verification)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(verification);
        Tick(end);
        if (_answeredThisSecond > 0)
        {
            // The last, partial second (answers after the last whole one): per_second adds up to the answers in time.
            _series.Add(new SecondSample(
                _currentSecond + 1,
                _answeredThisSecond,
                Milliseconds(_second.GetValueAtPercentile(50)),
                Milliseconds(_second.GetValueAtPercentile(99)),
                Milliseconds(_second.GetMaxValue())));
            _second.Reset();
            _answeredThisSecond = 0;
            _currentSecond++;
        }

        var sent = Sent;
        var answered = Math.Max(0, Answered - verification.Bad);
        // Interrupted: the requests still within their timeout were cut short, not lost.
        var unsettled = generator.Interrupted ? _ids.CountWaiting(_stepId, end - _timeoutTicks) : 0;
        var lastReply = Volatile.Read(ref _lastReply);
        var neverAnswered = 0;
        long lostOnNeverAnswered = 0;
        var perIdentity = new List<(long Sent, long Answered)>(_identities);
        for (var i = 0; i < _identities; i++)
        {
            var identitySent = _sentBy[i];
            var identityAnswered = Volatile.Read(ref _answeredBy[i]);
            perIdentity.Add((identitySent, identityAnswered));
            if (identitySent > 0 && identityAnswered == 0)
            {
                neverAnswered++;
                lostOnNeverAnswered += identitySent;
            }
        }

        // Requests that left, that the socket refused and that had no free identifier: each was handled at its due time.
        var handled = sent + Volatile.Read(ref _sendFailures) + Volatile.Read(ref _notSent);
        var scheduled = generator.Interrupted ? handled : Count;
        // Interrupted before its first request was due: it lasted no time at all (not one interval).
        var duration = scheduled == 0 ? 0 : scheduled == 1 ? 1.0 / Rate : (IntendedTimestamp(scheduled - 1) - _start) / (double)_frequency + (1.0 / Rate);
        return new BenchResult
        {
            Rate = Rate,
            DurationSeconds = duration,
            Sent = sent,
            Answered = answered,
            Unsettled = unsettled,
            Late = Late,
            Duplicates = Volatile.Read(ref _duplicates),
            Unmatched = Volatile.Read(ref _unmatched),
            Other = Volatile.Read(ref _other),
            SendFailures = Volatile.Read(ref _sendFailures),
            NotSent = Volatile.Read(ref _notSent),
            PortUnreachable = Volatile.Read(ref _portUnreachable),
            AchievedRate = duration > 0 ? answered / duration : 0,
            Latency = answered == 0 ? null : new LatencyPercentiles(
                Milliseconds(_latency.GetValueAtPercentile(50)),
                Milliseconds(_latency.GetValueAtPercentile(90)),
                Milliseconds(_latency.GetValueAtPercentile(99)),
                Milliseconds(_latency.GetValueAtPercentile(99.9)),
                Milliseconds(_latency.GetMaxValue())),
            Generator = generator with
            {
                ScheduleErrorMsP99 = _schedule.TotalCount == 0 ? 0 : Milliseconds(_schedule.GetValueAtPercentile(99)),
                ScheduleErrorMsMax = _schedule.TotalCount == 0 ? 0 : Milliseconds(_schedule.GetMaxValue()),
                // Requests the socket refused and those without a free identifier left on time too: the schedule was kept.
                // An interrupted run is measured against what was due until it stopped, not the whole schedule.
                SendRateError = SendRateError(handled, scheduled),
                LastSendLateMs = LastSendLateMs(handled, scheduled),
            },
            Verification = verification,
            IdentitiesNeverAnswered = neverAnswered,
            LostOnNeverAnswered = lostOnNeverAnswered,
            PerIdentity = perIdentity,
            Series = [.. _series],
            PoolSize = _poolSize,
            LastReplySeconds = lastReply < 0 ? null : (lastReply - _start) / (double)_frequency,
            LastSentSeconds = (_lastSent - _start) / (double)_frequency,
            Dispersion = Dispersion(),
        };
    }

    /// <summary>
    /// How the answers in time of each identity and due second vary, against the binomial variance that independent
    /// losses at the run's loss fraction would give (seconds after the first, whose answers a token bucket's burst
    /// inflates, and before the last, which may be partial): about 1 for random loss (a lossy path, an overloaded
    /// queue), near 0 when every identity is answered a steady number per second whatever it sends (a per-source cap).
    /// Null with too little loss or too few requests per identity and second to tell.
    /// </summary>
    private double? Dispersion()
    {
        var seconds = Math.Min(_cellSeconds, (int)Math.Floor(Count / Rate)) - 1;
        long sent = 0;
        long answered = 0;
        for (var identity = 0; identity < _identities; identity++)
        {
            for (var second = 1; second < seconds; second++)
            {
                sent += _sentCells[(identity * _cellSeconds) + second];
                answered += _answeredCells[(identity * _cellSeconds) + second];
            }
        }

        if (sent == 0)
        {
            return null;
        }

        var p = answered / (double)sent;
        double squares = 0;
        double expected = 0;
        for (var identity = 0; identity < _identities; identity++)
        {
            for (var second = 1; second < seconds; second++)
            {
                var n = _sentCells[(identity * _cellSeconds) + second];
                var a = _answeredCells[(identity * _cellSeconds) + second];
                squares += (a - (n * p)) * (a - (n * p));
                expected += n * p * (1 - p);
            }
        }

        return p is <= 0.01 or >= 0.99 || expected < 10 ? null : squares / expected;
    }

    /// <summary>The cell of <paramref name="identity"/> for the due second of <paramref name="intended"/>, or -1 past the kept seconds.</summary>
    private int Cell(int identity, long intended)
    {
        var second = (intended - _start) / _frequency;
        return second >= 0 && second < _cellSeconds ? (int)((identity * _cellSeconds) + second) : -1;
    }

    /// <summary>|achieved send rate − rate| / rate, the achieved rate being (sent − 1) over the time from the first due time to the last send.</summary>
    private double SendRateError(long sent, long scheduled)
    {
        if (sent <= 1)
        {
            return sent >= scheduled ? 0 : 1;
        }

        var span = (_lastSent - _start) / (double)_frequency;
        var achieved = span <= 0 ? double.PositiveInfinity : (sent - 1) / span;
        var error = Math.Abs(achieved - Rate) / Rate;
        // A run that stopped early (sent < count) did not keep its schedule whatever its pace.
        return sent < scheduled ? Math.Max(error, 1 - (sent / (double)scheduled)) : error;
    }

    /// <summary>
    /// How late the last request left against its due time, in ms, when every scheduled request left; null when some
    /// did not (the run stopped early). See <see cref="BenchGenerator.LastSendLateMs"/>.
    /// </summary>
    private double? LastSendLateMs(long sent, long scheduled)
    {
        if (sent < scheduled || sent == 0)
        {
            return sent >= scheduled ? 0 : null;
        }

        return Math.Max(0, _lastSent - IntendedTimestamp(sent - 1)) * 1000.0 / _frequency;
    }

    private long Microseconds(long ticks) => (long)(ticks * 1_000_000.0 / _frequency);

    private static long Clamp(long micros) => Math.Clamp(micros, 0, HighestMicroseconds);

    private static double Milliseconds(long micros) => micros / 1000.0;

    private static LongHistogram NewHistogram() => new(1, HighestMicroseconds, 3);
}

/// <summary>Answers that arrived in one second of the run (second 1 is [0, 1) s after the start).</summary>
internal sealed record SecondSample(long Second, long Answered, double? P50Ms, double? P99Ms, double? MaxMs);

/// <summary>Latency percentiles in milliseconds.</summary>
internal sealed record LatencyPercentiles(double P50, double P90, double P99, double P999, double Max);

/// <summary>The generator's own numbers: CPU, and how well it kept its schedule.</summary>
internal sealed record BenchGenerator
{
    public double CpuSeconds { get; init; }

    public double ScheduleErrorMsP99 { get; init; }

    public double ScheduleErrorMsMax { get; init; }

    /// <summary>|achieved send rate − rate| / rate.</summary>
    public double SendRateError { get; init; }

    /// <summary>
    /// How late the last request left against its due time, in ms, when every scheduled request left (null when some
    /// did not). Of a short run, that one send's lateness is the whole send-rate error: 8 requests at 20/s span 350 ms,
    /// and the last leaving 4 ms late reads as 19.8/s, 1.1% off (see <see cref="BenchResult.ScheduleProblem"/>).
    /// </summary>
    public double? LastSendLateMs { get; init; }

    /// <summary>Why the sender stopped before the end, if it did.</summary>
    public string? Aborted { get; init; }

    /// <summary>The run was interrupted (Ctrl+C): it stopped early, but not for the generator's schedule.</summary>
    public bool Interrupted { get; init; }
}

/// <summary>Signatures checked on a sample of the signed answers.</summary>
internal sealed record BenchVerification(int Checked, int Bad, int OtherKeys);

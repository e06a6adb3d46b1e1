using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ipv8.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Cli.Bench;

/// <summary>What <c>ipv8 bench</c> runs.</summary>
internal sealed record BenchConfig
{
    public required IPEndPoint Target { get; init; }

    public CommunityId Community { get; init; }

    public BenchMessage Message { get; init; } = BenchMessage.IntroductionRequest;

    /// <summary>Requests per second (the first step's, with <see cref="FindMax"/>).</summary>
    public double Rate { get; init; } = 1000;

    /// <summary>Seconds of sending (per step with <see cref="FindMax"/>).</summary>
    public double DurationSeconds { get; init; } = 10;

    /// <summary>K: identities, each with its own key and UDP source port.</summary>
    public int Identities { get; init; } = 20;

    public bool FindMax { get; init; }

    /// <summary>--find-max: the p99 bound in ms a step must meet.</summary>
    public double MaxP99Ms { get; init; } = 50;

    /// <summary>--find-max: the loss fraction a step must not exceed.</summary>
    public double MaxLoss { get; init; } = 0.01;

    /// <summary>--find-max: the highest rate tried.</summary>
    public double MaxRate { get; init; } = 1_000_000;

    /// <summary>An answer later than this counts as lost.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The generator's allowed p99 lateness against its schedule, in ms; above it the result is refused.</summary>
    public double MaxScheduleErrorMs { get; init; } = 5;

    public FileInfo? Report { get; init; }

    public FileInfo? Plot { get; init; }

    public bool AllowRemote { get; init; }

    public bool Quiet { get; init; }

    /// <summary>Seconds of load at the first rate before anything is measured (JIT, caches, the target's peer table); its numbers are dropped.</summary>
    public double WarmupSeconds { get; init; } = 1;
}

/// <summary>
/// Runs <see cref="BenchStep"/>s over UDP: K identities (an Ed25519 key and a socket connected to the target each), a
/// pool of requests prepared (signed) before the clock starts, a sender thread that keeps the schedule and a receiver
/// thread that matches answers, then a signature check of a sample of the answers.
/// </summary>
internal sealed class BenchRunner : IDisposable
{
    /// <summary>An identifier comes round again no sooner than this (and never sooner than twice the timeout).</summary>
    public const double MinimumCycleSeconds = 4;

    /// <summary>The most identifiers (prepared requests) one identity can have: they are 16-bit.</summary>
    public const int MaxPoolSize = 65536;

    /// <summary>
    /// A pool covers a whole step when the step has at most this many requests (in all identities), so that no
    /// identifier comes round within it; a longer step gets at least <see cref="CycleSeconds"/> of requests.
    /// </summary>
    public const int WholeStepRequests = 20_000;

    /// <summary>
    /// The sender yields (instead of sleeping) when the next request is due within this many ms: 0 by default (always
    /// sleep, 1 ms at a time), or <c>IPV8_BENCH_SPIN_MS</c> (docs/benchmarking-a-node.md). At 1000/s the next request
    /// is always within 1 ms, so a 1 ms window made the sender yield in a loop and burn a whole core (9 s of CPU in a
    /// 10 s run) that a target on the same machine needs; sleeping keeps a 5 ms schedule at a small fraction of a core.
    /// </summary>
    private static readonly double SpinMilliseconds =
        double.TryParse(Environment.GetEnvironmentVariable("IPV8_BENCH_SPIN_MS"), System.Globalization.NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0 ? ms : 0;

    private readonly BenchConfig _config;
    private readonly Identity[] _identities;
    private readonly byte[] _prefix;
    private readonly UdpAddress _target;
    private readonly TextWriter _progress;
    private readonly AnswerHistory _history;
    private int _poolSize;
    private BenchIdentifiers? _ids;

    public BenchRunner(BenchConfig config, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _progress = progress;
        _prefix = BenchMessages.Prefix(config.Message, config.Community);
        _target = UdpAddress.FromIPEndPoint(config.Target);
        _identities = new Identity[config.Identities];
        _history = new AnswerHistory(config.Identities);
        try
        {
            for (var i = 0; i < _identities.Length; i++)
            {
                _identities[i] = new Identity(config.Target);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The identities' own addresses (tests).</summary>
    public IEnumerable<UdpAddress> Addresses => _identities.Select(i => i.Self);

    /// <summary>Packets prepared per identity so far.</summary>
    public int PoolSize => _poolSize;

    /// <summary>How often the receiver woke up in the last <see cref="Run"/> (tests: it must block, not spin).</summary>
    public long ReceiverWakeups { get; private set; }

    /// <summary>How often the sender yielded instead of sleeping in the last <see cref="Run"/> (tests: none by default).</summary>
    public long SenderYields { get; private set; }

    /// <summary>Seconds the last <see cref="Prepare"/> spent signing.</summary>
    public double LastPrepareSeconds { get; private set; }

    public void Dispose()
    {
        foreach (var identity in _identities)
        {
            identity?.Dispose();
        }
    }

    /// <summary>
    /// The pool size a run at <paramref name="rate"/> for <paramref name="seconds"/> needs per identity: the whole run
    /// when it has at most <see cref="WholeStepRequests"/> requests, else at least a cycle's worth; plus the identifiers
    /// still waiting for an answer from earlier steps (they are not sent again, <see cref="BenchIdentifiers"/>).
    /// </summary>
    public int PoolSizeFor(double rate, double seconds) =>
        PoolSizeFor(rate, seconds, _identities.Length, _config.Timeout, _ids?.MostWaiting() ?? 0);

    /// <summary>The pool size per identity of <see cref="PoolSizeFor(double, double)"/>, with <paramref name="waiting"/> identifiers of an identity still waiting.</summary>
    public static int PoolSizeFor(double rate, double seconds, int identities, TimeSpan timeout, int waiting)
    {
        var cycle = Math.Ceiling(rate / identities * CycleSeconds(timeout));
        var whole = Math.Ceiling(rate * seconds / identities);
        var budget = Math.Ceiling(WholeStepRequests / (double)identities);
        var size = Math.Max(Math.Min(whole, cycle), Math.Min(whole, budget)) + waiting;
        return (int)Math.Clamp(size, 16, MaxPoolSize);
    }

    /// <summary>How long an identifier must stay unused before it comes round again: 4 s, or twice the timeout.</summary>
    public static double CycleSeconds(TimeSpan timeout) => Math.Max(MinimumCycleSeconds, 2 * timeout.TotalSeconds);

    /// <summary>
    /// The highest rate <paramref name="identities"/> identities can send without an identifier coming round within
    /// <see cref="CycleSeconds"/> (65,536 identifiers each): above it a late answer could be credited to a newer request.
    /// </summary>
    public static double MaxRateFor(int identities, TimeSpan timeout) => identities * (double)MaxPoolSize / CycleSeconds(timeout);

    /// <summary>Prepares (signs) requests so that every identity has <paramref name="size"/> of them, identifiers 0 … size − 1: the warm-up, outside the schedule.</summary>
    public void Prepare(int size)
    {
        if (size <= _poolSize)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        var from = _poolSize;
        Parallel.ForEach(_identities, identity => identity.Grow(from, size, _config.Message, _prefix, _target));
        _poolSize = size;
        if (_ids is null)
        {
            _ids = new BenchIdentifiers(_identities.Length, size);
        }
        else
        {
            _ids.Grow(size);
        }

        LastPrepareSeconds = clock.Elapsed.TotalSeconds;
    }

    /// <summary>Runs one step at <paramref name="rate"/> for <paramref name="seconds"/>, with a progress line each second unless quiet.</summary>
    public BenchResult Run(double rate, double seconds, CancellationToken cancel, bool progress = true)
    {
        // rate × seconds requests, to the nearest whole number (halves up: --rate 1 --duration 2.5 sends 3), at least one.
        var count = Math.Max(1, (long)Math.Round(rate * seconds, MidpointRounding.AwayFromZero));
        Prepare(PoolSizeFor(rate, seconds));
        DrainSockets(TimeSpan.FromMilliseconds(200));

        var frequency = Stopwatch.Frequency;
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var start = Stopwatch.GetTimestamp() + (frequency / 10);
        // Identifiers continue where the last step (or the warm-up) left off; after the pool grew, at the first new one;
        // those still waiting for an answer are skipped.
        var step = new BenchStep(rate, count, _identities.Length, _poolSize, _config.Timeout, start, frequency, history: _history, identifiers: _ids);
        var stopReceiving = 0;
        SenderYields = 0;
        string? aborted = null;
        var sender = new Thread(() => aborted = Send(step, cancel)) { IsBackground = true, Name = "bench sender", Priority = ThreadPriority.AboveNormal };
        var receiver = new Thread(() => Receive(step, ref stopReceiving)) { IsBackground = true, Name = "bench receiver", Priority = ThreadPriority.AboveNormal };
        receiver.Start();
        sender.Start();

        // Progress once a second while sending; then wait for the last answers (at most the timeout).
        // A line waits until the receiver closed its second (it does every 20 ms at most), so that it shows that
        // second's answers, not the one before.
        var nextLine = start + frequency;
        while (!sender.Join(20))
        {
            var now = Stopwatch.GetTimestamp();
            if (ProgressDue(step, nextLine, now))
            {
                if (progress && !_config.Quiet)
                {
                    _progress.WriteLine(ProgressLine(step, now));
                }

                nextLine += frequency;
            }
        }

        var drainUntil = Stopwatch.GetTimestamp() + (long)(_config.Timeout.TotalSeconds * frequency);
        while (step.Answered + step.Late + step.PortUnreachable < step.Sent && Stopwatch.GetTimestamp() < drainUntil && !cancel.IsCancellationRequested)
        {
            Thread.Sleep(5);
        }

        Volatile.Write(ref stopReceiving, 1);
        receiver.Join();
        var end = Stopwatch.GetTimestamp();
        var cpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;
        var verification = Verify(step.TakeSample());
        var quiet = (long)(Math.Max(_config.Timeout.TotalSeconds, 3.0 * _identities.Length / rate) * frequency);
        // Ctrl+C while sending, or while waiting for the last answers: either way the run was cut short.
        var interrupted = aborted == Cancelled || cancel.IsCancellationRequested;
        var generator = new BenchGenerator { CpuSeconds = cpu, Aborted = aborted == Cancelled ? null : aborted, Interrupted = interrupted };
        return step.Finish(end, generator, verification) with { PeerCapacity = _history.Capacity(end, quiet) };
    }

    /// <summary>Whether the progress line due at <paramref name="due"/> may be written at <paramref name="now"/>: once it is due and the receiver closed that second (or 200 ms later, if the receiver is stuck).</summary>
    internal static bool ProgressDue(BenchStep step, long due, long now)
    {
        if (now < due)
        {
            return false;
        }

        var second = (due - step.Start) / step.Frequency;
        return (step.LastSecond?.Second ?? 0) >= second || now - due > step.Frequency / 5;
    }

    /// <summary>The progress line at <paramref name="now"/>: the time it is written, the counts so far, and the last closed second's answers.</summary>
    internal static string ProgressLine(BenchStep step, long now)
    {
        var elapsed = (now - step.Start) / (double)step.Frequency;
        var last = step.LastSecond;
        var p99 = last?.P99Ms is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value:0.###} ms") : "-";
        var sent = step.Sent;
        var answered = step.Answered;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"[{elapsed,6:0.0}s] {step.Rate:0.#}/s: sent {sent}, answered {answered} ({last?.Answered ?? 0} in second {last?.Second ?? 0}, p99 {p99}), unanswered so far {sent - answered}");
    }

    /// <summary>
    /// The sender thread: each request at its due time. It sleeps 1 ms at a time while the next one is more than
    /// <see cref="SpinMilliseconds"/> (0 by default) away and yields closer; after a sleep it sends every request that
    /// came due. Windows of 20 ms and 1 ms were measured (2 cores) to cost a whole core at 1000/s and more, which the
    /// target on the same machine needed. Its CPU is in the report (generator.cpu_seconds: the whole process during
    /// the run, the receiver and the runtime included).
    /// </summary>
    private string? Send(BenchStep step, CancellationToken cancel)
    {
        var frequency = step.Frequency;
        var sleepAbove = (long)(frequency * SpinMilliseconds / 1000);
        for (long i = 0; i < step.Count; i++)
        {
            if (cancel.IsCancellationRequested)
            {
                return Cancelled;
            }

            var due = step.IntendedTimestamp(i);
            long now;
            while ((now = Stopwatch.GetTimestamp()) < due)
            {
                if (due - now > sleepAbove)
                {
                    Thread.Sleep(1);
                }
                else
                {
                    SenderYields++;
                    Thread.Yield();
                }
            }

            if (now - due > frequency)
            {
                return string.Create(CultureInfo.InvariantCulture, $"it fell more than 1 s behind its schedule after {i} of {Counted.Of(step.Count, "request", "requests")}");
            }

            var identity = _identities[step.IdentityOf(i)];
            var identifier = step.RecordSent(i, now);
            if (identifier < 0)
            {
                // Every identifier of this identity waits for an answer: not sent (the result is refused).
                continue;
            }

            var error = identity.Send((ushort)identifier);
            if (error != SocketError.Success)
            {
                step.RecordSendFailure(i, identifier);
                if (error is SocketError.ConnectionRefused or SocketError.ConnectionReset)
                {
                    // An earlier request's ICMP port unreachable, reported on this send.
                    step.RecordPortUnreachable();
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The receiver thread: waits on every socket at once, reads what is there, matches it. A socket with a pending
    /// error (a connected socket's ICMP port unreachable) is in the error list, not the read list: the error is read and
    /// cleared there, or the wait would return at once, again and again (a busy loop), and the next send would fail.
    /// </summary>
    private void Receive(BenchStep step, ref int stop)
    {
        var sockets = new List<Socket>(_identities.Length);
        var errors = new List<Socket>(_identities.Length);
        var index = new Dictionary<Socket, int>(_identities.Length);
        for (var i = 0; i < _identities.Length; i++)
        {
            index[_identities[i].Socket] = i;
        }

        var buffer = new byte[2048];
        long wakeups = 0;
        while (Volatile.Read(ref stop) == 0)
        {
            wakeups++;
            sockets.Clear();
            sockets.AddRange(index.Keys);
            errors.Clear();
            errors.AddRange(index.Keys);
            Socket.Select(sockets, null, errors, 20_000);
            foreach (var socket in errors)
            {
                // Reading SO_ERROR clears it.
                if (socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int code
                    && (SocketError)code is SocketError.ConnectionRefused or SocketError.ConnectionReset)
                {
                    step.RecordPortUnreachable();
                }
            }

            foreach (var socket in sockets)
            {
                var identity = index[socket];
                for (var n = 0; n < 4096; n++)
                {
                    var length = socket.Receive(buffer, SocketFlags.None, out var error);
                    if (error == SocketError.WouldBlock)
                    {
                        break;
                    }

                    if (error is SocketError.ConnectionRefused or SocketError.ConnectionReset)
                    {
                        // ICMP port unreachable, reported on a connected socket's next read.
                        step.RecordPortUnreachable();
                        continue;
                    }

                    if (error != SocketError.Success)
                    {
                        // A datagram larger than the buffer.
                        continue;
                    }

                    var now = Stopwatch.GetTimestamp();
                    var datagram = buffer.AsSpan(0, length);
                    if (BenchMessages.TryReadAnswer(datagram, _config.Message, _prefix, out var identifier, out var signed))
                    {
                        step.RecordAnswer(identity, identifier, now, signed ? datagram : default);
                    }
                    else
                    {
                        step.RecordOther();
                    }
                }
            }

            step.Tick(Stopwatch.GetTimestamp());
        }

        ReceiverWakeups = wakeups;
    }

    private const string Cancelled = "cancelled";

    /// <summary>Checks the signatures of the sampled answers, and that they are all under one key.</summary>
    private static BenchVerification Verify(IReadOnlyList<byte[]> sample)
    {
        if (sample.Count == 0)
        {
            return new BenchVerification(0, 0, 0);
        }

        var first = Packet.TryParseSigned(sample[0], out var packet, out _) ? packet.PublicKeyBin.ToArray() : [];
        var bad = 0;
        var otherKeys = 0;
        Parallel.ForEach(sample, datagram =>
        {
            if (!Packet.TryReadSigned(datagram, out var checkedPacket, out _))
            {
                Interlocked.Increment(ref bad);
            }
            else if (!checkedPacket.PublicKeyBin.SequenceEqual(first))
            {
                Interlocked.Increment(ref otherKeys);
            }
        });
        return new BenchVerification(sample.Count, bad, otherKeys);
    }

    /// <summary>Reads and drops whatever is queued (late answers of an earlier step), until the sockets are quiet or <paramref name="quiet"/> passed without a datagram (at most 5 s).</summary>
    private void DrainSockets(TimeSpan quiet)
    {
        var buffer = new byte[2048];
        var clock = Stopwatch.StartNew();
        var lastDatagram = TimeSpan.Zero;
        while (clock.Elapsed - lastDatagram < quiet && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            var any = false;
            foreach (var identity in _identities)
            {
                for (var n = 0; n < 65536 && identity.Socket.Receive(buffer, SocketFlags.None, out var error) >= 0 && error != SocketError.WouldBlock; n++)
                {
                    any = true;
                }
            }

            if (any)
            {
                lastDatagram = clock.Elapsed;
            }
            else
            {
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>One sender: its key, its socket (connected to the target), its prepared requests.</summary>
    private sealed class Identity : IDisposable
    {
        private byte[] _pool = [];
        private int _stride;

        public Identity(IPEndPoint target)
        {
            Key = LibNaClPrivateKey.Generate();
            Socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                var local = IPAddress.IsLoopback(target.Address)
                    ? target.Address
                    : target.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
                Socket.ReceiveBufferSize = 4 << 20;
                Socket.SendBufferSize = 1 << 20;
                Socket.Bind(new IPEndPoint(local, 0));
                Socket.Connect(target);
                Socket.Blocking = false;
                Self = UdpAddress.FromIPEndPoint((IPEndPoint)Socket.LocalEndPoint!);
            }
            catch
            {
                Socket.Dispose();
                Key.Dispose();
                throw;
            }
        }

        public LibNaClPrivateKey Key { get; }

        public Socket Socket { get; }

        public UdpAddress Self { get; }

        public void Grow(int from, int size, BenchMessage message, byte[] prefix, UdpAddress target)
        {
            Span<byte> buffer = stackalloc byte[BenchMessages.MaxSize];
            if (_stride == 0)
            {
                _stride = BenchMessages.Write(buffer, message, prefix, Key, target, Self, 0, 1);
            }

            var pool = new byte[size * _stride];
            _pool.AsSpan(0, from * _stride).CopyTo(pool);
            for (var id = from; id < size; id++)
            {
                var length = BenchMessages.Write(pool.AsSpan(id * _stride, _stride), message, prefix, Key, target, Self, (ushort)id, (ulong)id + 1);
                Debug.Assert(length == _stride, "every request of one kind and identity has the same length");
            }

            _pool = pool;
        }

        public SocketError Send(ushort identifier)
        {
            Socket.Send(_pool.AsSpan(identifier * _stride, _stride), SocketFlags.None, out var error);
            return error;
        }

        public void Dispose()
        {
            Socket.Dispose();
            Key.Dispose();
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
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

    /// <summary>
    /// The sender yields (instead of sleeping) when the next request is due within this many ms: 20 by default, or
    /// <c>IPV8_BENCH_SPIN_MS</c> (0: always sleep 1 ms at a time; docs/benchmarking-a-node.md).
    /// </summary>
    private static readonly double SpinMilliseconds =
        double.TryParse(Environment.GetEnvironmentVariable("IPV8_BENCH_SPIN_MS"), System.Globalization.NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0 ? ms : 20;

    private readonly BenchConfig _config;
    private readonly Identity[] _identities;
    private readonly byte[] _prefix;
    private readonly UdpAddress _target;
    private readonly TextWriter _progress;
    private int _poolSize;

    public BenchRunner(BenchConfig config, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _progress = progress;
        _prefix = BenchMessages.Prefix(config.Message, config.Community);
        _target = UdpAddress.FromIPEndPoint(config.Target);
        _identities = new Identity[config.Identities];
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

    /// <summary>Seconds the last <see cref="Prepare"/> spent signing.</summary>
    public double LastPrepareSeconds { get; private set; }

    public void Dispose()
    {
        foreach (var identity in _identities)
        {
            identity?.Dispose();
        }
    }

    /// <summary>The pool size a run at <paramref name="rate"/> for <paramref name="seconds"/> needs per identity.</summary>
    public int PoolSizeFor(double rate, double seconds)
    {
        var k = _identities.Length;
        var cycle = Math.Max(MinimumCycleSeconds, 2 * _config.Timeout.TotalSeconds);
        var perIdentity = Math.Ceiling(rate / k * cycle);
        var total = Math.Ceiling(rate * seconds / k);
        return (int)Math.Clamp(Math.Min(perIdentity, total), 16, 65536);
    }

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
        LastPrepareSeconds = clock.Elapsed.TotalSeconds;
    }

    /// <summary>Runs one step at <paramref name="rate"/> for <paramref name="seconds"/>, with a progress line each second unless quiet.</summary>
    public BenchResult Run(double rate, double seconds, CancellationToken cancel, bool progress = true)
    {
        var count = Math.Max(1, (long)Math.Round(rate * seconds));
        Prepare(PoolSizeFor(rate, seconds));
        DrainSockets(TimeSpan.FromMilliseconds(200));

        var frequency = Stopwatch.Frequency;
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var start = Stopwatch.GetTimestamp() + (frequency / 10);
        var step = new BenchStep(rate, count, _identities.Length, _poolSize, _config.Timeout, start, frequency);
        var stopReceiving = 0;
        string? aborted = null;
        var sender = new Thread(() => aborted = Send(step, cancel)) { IsBackground = true, Name = "bench sender", Priority = ThreadPriority.AboveNormal };
        var receiver = new Thread(() => Receive(step, ref stopReceiving)) { IsBackground = true, Name = "bench receiver", Priority = ThreadPriority.AboveNormal };
        receiver.Start();
        sender.Start();

        // Progress once a second while sending; then wait for the last answers (at most the timeout).
        var nextLine = start + frequency;
        while (!sender.Join(50))
        {
            if (Stopwatch.GetTimestamp() >= nextLine)
            {
                if (progress)
                {
                    WriteProgress(step, nextLine);
                }

                nextLine += frequency;
            }
        }

        var drainUntil = Stopwatch.GetTimestamp() + (long)(_config.Timeout.TotalSeconds * frequency);
        while (step.Answered + step.Late < step.Sent && Stopwatch.GetTimestamp() < drainUntil && !cancel.IsCancellationRequested)
        {
            Thread.Sleep(5);
        }

        Volatile.Write(ref stopReceiving, 1);
        receiver.Join();
        var end = Stopwatch.GetTimestamp();
        var cpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;
        var verification = Verify(step.TakeSample());
        return step.Finish(end, new BenchGenerator { CpuSeconds = cpu, Aborted = aborted }, verification);
    }

    private void WriteProgress(BenchStep step, long now)
    {
        if (_config.Quiet)
        {
            return;
        }

        var elapsed = (now - step.Start) / (double)step.Frequency;
        var last = step.LastSecond;
        var p99 = last?.P99Ms is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value:0.###} ms") : "-";
        _progress.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"[{elapsed,6:0.0}s] {step.Rate:0.#}/s: sent {step.Sent}, answered {step.Answered} ({last?.Answered ?? 0} in the last second, p99 {p99}), unanswered so far {step.Sent - step.Answered}"));
    }

    /// <summary>
    /// The sender thread: each request at its due time. It sleeps only while the next one is more than 20 ms away and
    /// yields closer: on a busy machine a sleeping thread wakes up late (tens of ms with 20 runnable threads per core,
    /// measured), while a yielding one keeps its turn and gives the core to anyone runnable. So at 50/s and above the
    /// sender takes a core when nothing else wants it (its CPU is in the report).
    /// </summary>
    private string? Send(BenchStep step, CancellationToken cancel)
    {
        var frequency = step.Frequency;
        var sleepAbove = (long)(frequency * SpinMilliseconds / 1000);
        for (long i = 0; i < step.Count; i++)
        {
            if (cancel.IsCancellationRequested)
            {
                return "cancelled";
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
                    Thread.Yield();
                }
            }

            if (now - due > frequency)
            {
                return string.Create(CultureInfo.InvariantCulture, $"it fell more than 1 s behind its schedule after {i} of {step.Count} requests");
            }

            var identity = _identities[step.IdentityOf(i)];
            step.RecordSent(i, now);
            if (!identity.Send(step.IdentifierOf(i)))
            {
                step.RecordSendFailure();
            }
        }

        return null;
    }

    /// <summary>The receiver thread: waits on every socket at once, reads what is there, matches it.</summary>
    private void Receive(BenchStep step, ref int stop)
    {
        var sockets = new List<Socket>(_identities.Length);
        var index = new Dictionary<Socket, int>(_identities.Length);
        for (var i = 0; i < _identities.Length; i++)
        {
            index[_identities[i].Socket] = i;
        }

        var buffer = new byte[2048];
        while (Volatile.Read(ref stop) == 0)
        {
            sockets.Clear();
            sockets.AddRange(index.Keys);
            Socket.Select(sockets, null, null, 20_000);
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

                    if (error != SocketError.Success)
                    {
                        // ICMP port unreachable from a connected socket, or a datagram larger than the buffer.
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
    }

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

        public bool Send(ushort identifier)
        {
            Socket.Send(_pool.AsSpan(identifier * _stride, _stride), SocketFlags.None, out var error);
            return error == SocketError.Success;
        }

        public void Dispose()
        {
            Socket.Dispose();
            Key.Dispose();
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Cli.Fuzzing;

/// <summary>What <c>ipv8 fuzz</c> runs against a node.</summary>
internal sealed record NetworkFuzzOptions
{
    public required IPEndPoint Target { get; init; }

    public required CommunityId Community { get; init; }

    /// <summary>How long to fuzz (a finding stops earlier).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    public int Seed { get; init; }

    /// <summary>Datagrams per second at most (probes not counted).</summary>
    public int Rate { get; init; } = 1000;

    /// <summary>A liveness probe after every this many datagrams.</summary>
    public int ProbeEvery { get; init; } = 500;

    /// <summary>How long the target has to answer a probe.</summary>
    public TimeSpan LivenessTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where reproducers go.</summary>
    public string FindingsDirectory { get; init; } = "fuzz-findings";

    /// <summary>How many of the last datagrams a reproducer holds.</summary>
    public int KeepLast { get; init; } = 1000;

    /// <summary>How many sockets the datagrams go out from, in turn (each is its own source for the target's per-source limits).</summary>
    public int Sources { get; init; } = 4;

    /// <summary>How many fuzzer identities sign the messages (kept below py-ipv8's default max_peers, 30, so that the probe is never refused as one peer too many).</summary>
    public int Identities { get; init; } = 3;
}

/// <summary>A finding: a file (reproducer, or saved input) and what happened.</summary>
internal sealed record FuzzFinding(string File, string Description);

/// <summary>What a run did: the report's numbers.</summary>
internal sealed class FuzzTally
{
    public long Sent { get; set; }

    public long LivenessChecks { get; set; }

    public long LivenessFailures { get; set; }

    /// <summary>Probes answered only by the second, confirming probe: the target was slow, not dead.</summary>
    public long LivenessLate { get; set; }

    public long SkippedNotLocal { get; set; }

    /// <summary>Datagrams the socket refused to send (e.g. larger than a UDP datagram can be): not counted as sent.</summary>
    public long SendFailed { get; set; }

    public Dictionary<string, long> Mutations { get; } = new(StringComparer.Ordinal);

    public List<FuzzFinding> Findings { get; } = [];

    public TimeSpan Elapsed { get; set; }

    /// <summary>The target answered no probe before the first datagram: nothing was sent, nothing is a finding.</summary>
    public bool NeverAnswered { get; set; }

    /// <summary>Ctrl+C or SIGTERM stopped the run early.</summary>
    public bool Interrupted { get; set; }
}

/// <summary>
/// The black-box network fuzzer behind <c>ipv8 fuzz</c>: builds valid messages of every registry kind
/// (<see cref="MessageFactory"/>), mutates them (<see cref="Mutator"/>), sends them to the target at a bounded rate
/// from a few sockets, and every <see cref="NetworkFuzzOptions.ProbeEvery"/> datagrams checks that the target still
/// answers (<see cref="LivenessProbe"/>). A probe without an answer stops the run and saves the last datagrams as a
/// <see cref="Reproducer"/>. Everything random comes from the seed: the same seed sends the same datagrams.
/// </summary>
internal sealed class NetworkFuzzer : IDisposable
{
    private readonly NetworkFuzzOptions _options;
    private readonly TextWriter _log;
    private readonly Random _random;
    private readonly FuzzInputs _inputs;
    private readonly LibNaClPrivateKey _probeKey;
    private readonly Socket[] _sockets;
    private readonly LivenessProbe _probe;
    private readonly Queue<FuzzDatagram> _last = new();

    public NetworkFuzzer(NetworkFuzzOptions options, TextWriter log)
    {
        _options = options;
        _log = log;
        _random = new Random(options.Seed ^ 0x5EED);
        _inputs = new FuzzInputs(options.Seed, options.Community, options.Identities);
        _probeKey = FuzzInputs.CreateKey(_random);
        var local = options.Target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        if (!IPAddress.IsLoopback(options.Target.Address))
        {
            local = options.Target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        }

        _sockets = new Socket[Math.Max(1, options.Sources)];
        for (var i = 0; i < _sockets.Length; i++)
        {
            _sockets[i] = new Socket(options.Target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            _sockets[i].Bind(new IPEndPoint(local, 0));
        }

        _probe = new LivenessProbe(options.Target, options.Community, _probeKey, new Random(_random.Next()));
    }

    /// <summary>The probe identity's public key (<c>LibNaCLPK:</c> bin): a target's answers to it are the liveness answers.</summary>
    internal ReadOnlySpan<byte> ProbePublicKey => _probeKey.PublicKey.Bin;

    /// <summary>Fuzzes until the duration is over, a probe fails, or <paramref name="cancel"/> fires.</summary>
    public async Task<FuzzTally> RunAsync(CancellationToken cancel)
    {
        var tally = new FuzzTally();
        var clock = new Stopwatch();
        var lastStatus = TimeSpan.Zero;
        try
        {
            // A target that does not answer before the first datagram is not there (or not of this community): say
            // so, rather than blame the datagrams. Not counted as a liveness check.
            if (!await _probe.CheckAsync(_options.LivenessTimeout, cancel).ConfigureAwait(false)
                && !await _probe.CheckAsync(2 * _options.LivenessTimeout, cancel).ConfigureAwait(false))
            {
                tally.NeverAnswered = true;
                return tally;
            }

            // The duration counts from here: start-up and the first probe are not taken out of it.
            clock.Start();
            while (clock.Elapsed < _options.Duration && !cancel.IsCancellationRequested)
            {
                // Pacing: never ahead of rate × elapsed.
                var allowed = (long)(clock.Elapsed.TotalSeconds * _options.Rate) + 1;
                if (tally.Sent >= allowed)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(2), cancel).ConfigureAwait(false);
                    continue;
                }

                var next = _inputs.Next();
                if (!TrySend(next, tally))
                {
                    continue;
                }
                if (tally.Sent % _options.ProbeEvery == 0 && !await CheckLivenessAsync(tally, cancel).ConfigureAwait(false))
                {
                    break;
                }

                if (clock.Elapsed - lastStatus >= TimeSpan.FromSeconds(10))
                {
                    lastStatus = clock.Elapsed;
                    _log.WriteLine($"fuzz: {clock.Elapsed.TotalSeconds:0}s sent {tally.Sent}, liveness checks {tally.LivenessChecks}, failures {tally.LivenessFailures}, skipped (not local) {tally.SkippedNotLocal}");
                }
            }

            if (tally.LivenessFailures == 0 && !cancel.IsCancellationRequested)
            {
                await CheckLivenessAsync(tally, cancel).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Ctrl+C: report what was done.
        }

        tally.Interrupted = cancel.IsCancellationRequested;
        tally.Elapsed = clock.Elapsed;
        return tally;
    }

    /// <summary>Sends a reproducer's datagrams (read from <paramref name="file"/>) in order at the rate, then checks liveness.</summary>
    public async Task<FuzzTally> ReplayAsync(Reproducer reproducer, string file, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(reproducer);
        var tally = new FuzzTally();
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var datagram in reproducer.Datagrams)
            {
                while (tally.Sent >= (long)(clock.Elapsed.TotalSeconds * _options.Rate) + 1)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(2), cancel).ConfigureAwait(false);
                }

                if (!TrySend(datagram, tally))
                {
                    continue;
                }
            }

            await CheckLivenessAsync(tally, cancel, file).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Ctrl+C: report what was done.
        }

        tally.Interrupted = cancel.IsCancellationRequested;
        tally.Elapsed = clock.Elapsed;
        return tally;
    }

    /// <summary>
    /// Sends <paramref name="datagram"/> and counts its mutation; false when it did not go out: counted as skipped when
    /// it may not, as a send failure when the socket refused it.
    /// </summary>
    private bool TrySend(FuzzDatagram datagram, FuzzTally tally)
    {
        if (!LocalOnly.MaySend(datagram.Bytes))
        {
            tally.SkippedNotLocal++;
            return false;
        }

        if (!Send(datagram, tally))
        {
            return false;
        }

        var mutation = MutationName(datagram.Mutation);
        tally.Mutations[mutation] = tally.Mutations.GetValueOrDefault(mutation) + 1;
        return true;
    }

    private bool Send(FuzzDatagram datagram, FuzzTally tally)
    {
        try
        {
            _sockets[tally.Sent % _sockets.Length].SendTo(datagram.Bytes, _options.Target);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
        {
            // An ICMP error from an earlier datagram, reported on this send: the probe will tell.
        }
        catch (SocketException e)
        {
            // This datagram cannot go out (e.g. EMSGSIZE: over 65,507 bytes, as a hand-made reproducer may hold): not
            // sent, counted apart, said once.
            if (tally.SendFailed++ == 0)
            {
                _log.WriteLine($"fuzz: a datagram of {datagram.Bytes.Length} bytes could not be sent ({e.SocketErrorCode}: {e.Message}); such datagrams count as send_failed, not as sent");
            }

            return false;
        }

        tally.Sent++;
        _last.Enqueue(datagram);
        if (_last.Count > _options.KeepLast)
        {
            _last.Dequeue();
        }

        return true;
    }

    private async Task<bool> CheckLivenessAsync(FuzzTally tally, CancellationToken cancel, string? replayed = null)
    {
        tally.LivenessChecks++;
        if (await _probe.CheckAsync(_options.LivenessTimeout, cancel).ConfigureAwait(false))
        {
            return true;
        }

        // No answer in time. On a busy machine a live target can be late: a second probe (a new identifier) gets twice
        // the deadline; an answer to it counts the first as late, not as a failure.
        if (await _probe.CheckAsync(2 * _options.LivenessTimeout, cancel).ConfigureAwait(false))
        {
            tally.LivenessLate++;
            _log.WriteLine($"fuzz: liveness probe {tally.LivenessChecks} was not answered within {_options.LivenessTimeout.TotalSeconds:0.#} s, but a second one was (late, not a failure)");
            return true;
        }

        tally.LivenessFailures++;
        var description = $"no answer to liveness probe {tally.LivenessChecks} within {_options.LivenessTimeout.TotalSeconds:0.#} s, nor to a second one within {2 * _options.LivenessTimeout.TotalSeconds:0.#} s, after {tally.Sent} datagrams";
        if (replayed is not null)
        {
            tally.Findings.Add(new FuzzFinding(replayed, $"replay: {description}"));
            _log.WriteLine($"fuzz: {description} (replay of {replayed})");
            return false;
        }

        var file = Path.GetFullPath(Path.Combine(_options.FindingsDirectory, $"liveness-seed{_options.Seed}-{tally.Sent}.json"));
        var target = _options.Target.ToString(); // [::1]:8090 for IPv6, as --target takes it
        try
        {
            new Reproducer(description, _options.Seed, _options.Community.ToString(), target, [.. _last]).Save(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Checked at start, but the folder may have changed since: keep the finding, say what was lost.
            tally.Findings.Add(new FuzzFinding(string.Empty, description));
            _log.WriteLine($"fuzz: {description}; the reproducer could not be saved: {e.Message.ReplaceLineEndings(" ")}");
            return false;
        }

        tally.Findings.Add(new FuzzFinding(file, description));
        _log.WriteLine($"fuzz: {description}; the last {_last.Count} datagrams are in {file}");
        _log.WriteLine($"fuzz: replay them with: ipv8 fuzz --replay {ShellQuote(file)} --target {ShellQuote(target)} --community {_options.Community}");
        return false;
    }

    /// <summary>The mutation a datagram's description names (<c>kind: mutation details</c>) as the report counts it.</summary>
    /// <remarks>
    /// A reproducer written or trimmed by hand may have no <c>mutation</c>, or any text: an empty one counts as
    /// <see cref="UnnamedMutation"/>, one without <c>kind: </c> by its first word.
    /// </remarks>
    internal static string MutationName(string? description)
    {
        var text = description.AsSpan().Trim();
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        if (colon >= 0)
        {
            text = text[(colon + 2)..].TrimStart();
        }

        var end = text.IndexOf(' ');
        var name = end < 0 ? text : text[..end];
        return name.IsEmpty ? UnnamedMutation : name.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> as one word for a POSIX shell (bash, zsh, sh): as it is when it has only characters no
    /// shell treats specially, else in single quotes (a quote inside as <c>'\''</c>). <c>[::1]:8090</c> needs them: zsh
    /// and bash's failglob take the brackets for a pattern.
    /// </summary>
    internal static string ShellQuote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // A leading '=' is zsh's command-path expansion (=ls): quoted too.
        return text.Length > 0 && text[0] != '=' && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or ':' or '=' or '-')
            ? text
            : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>How the report counts a replayed datagram whose reproducer names no mutation.</summary>
    internal const string UnnamedMutation = "unnamed";

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _probe.Dispose();
        _inputs.Dispose();
        _probeKey.Dispose();
    }
}

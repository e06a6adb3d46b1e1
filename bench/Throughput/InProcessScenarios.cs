using System.Diagnostics;
using System.Diagnostics.Metrics;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Peers;
using Ipv8.Testing;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;

namespace Ipv8.Bench.Throughput;

/// <summary>Scenarios that run the real code path in process, without sockets: replies go to a counting sink.</summary>
internal static class InProcessScenarios
{
    private static readonly CommunityId s_id = CommunityId.Parse("7777777777777777777777777777777777777777");

    /// <summary>The py-ipv8 vector mix, decoded without signature checks.</summary>
    public static ScenarioResult Decode(ThroughputOptions options)
    {
        using var vectors = VectorSet.Load();
        var packets = vectors.Packets.Select(p => p.Packet).ToArray();
        var sink = 0UL;
        var result = WorkerPool.Run(options, worker =>
        {
            var local = 0UL;
            return () =>
            {
                foreach (var packet in packets)
                {
                    local += Decoders.Any(packet);
                }

                Volatile.Write(ref sink, local);
                return packets.Length;
            };
        });
        GC.KeepAlive(sink);
        return result;
    }

    /// <summary>
    /// Distinct signed new-style introduction requests from many peers: each is verified, answered with a signed
    /// introduction response, and the response goes to the sink. Peers are sharded over the workers by source, so each
    /// peer's messages stay in order.
    /// </summary>
    public static ScenarioResult IntroductionRequests(ThroughputOptions options)
    {
        const int peers = 256;
        const int perPeer = 16;
        using var key = LibNaClPrivateKey.Generate();
        var sink = new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:30000")) { KeepDatagrams = false };
        var networkOptions = new NetworkOptions { MaxVerifiedPeers = 10 * peers, MaxWalkableAddresses = 20 * peers };
        void Configure(CommunitySettings settings)
        {
            settings.MaxPeers = -1;
            settings.RandomSeed = 3;
            settings.RateLimits = Engine.Limits.RateLimitOptions.Unlimited; // raw handling, as py-ipv8: no limits
        }

        BenchCommunity community;
        using var listener = new MeterListener();
        long histogramMeasurements = 0;
        if (options.Metrics)
        {
            // The community inside a node with its meter, every instrument listened to: signature checks are timed.
            var node = new Engine.Ipv8Node(key, sink, new Engine.Ipv8NodeOptions { Network = networkOptions, Name = "bench" });
            community = node.AddCommunity(new BenchCommunity(node.CreateSettings(Configure)));
            var meter = node.Metrics!.Meter;
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref histogramMeasurements));
            listener.Start();
        }
        else
        {
            var settings = new CommunitySettings { Key = key, Endpoint = sink, Network = new Network(networkOptions) };
            Configure(settings);
            community = new BenchCommunity(settings);
        }

        var prefix = s_id.ToPrefix();
        var shards = Enumerable.Range(0, options.Workers).Select(_ => new List<(UdpAddress, byte[])>()).ToArray();
        for (var p = 0; p < peers; p++)
        {
            using var peerKey = LibNaClPrivateKey.Generate();
            var source = UdpAddress.Parse("127.0.0.1:0").WithPort((ushort)(31000 + p));
            for (ulong t = 1; t <= perPeer; t++)
            {
                var payload = new NewIntroductionRequestPayload
                {
                    DestinationAddress = sink.Address, SourceLanAddress = source, SourceWanAddress = source, Identifier = (ushort)t,
                };
                var packet = new byte[Packet.GetSize(default(GlobalTime), payload)];
                Packet.Write(packet, prefix, peerKey, new GlobalTime(t), payload);
                shards[p % options.Workers].Add((source, packet));
            }
        }

        // Every peer becomes known once, as in a running node; the timed part is steady-state handling.
        foreach (var shard in shards)
        {
            foreach (var (source, packet) in shard)
            {
                community.OnPacket(source, packet);
            }
        }

        long before = 0, punctureRequestsBefore = 0;
        var result = WorkerPool.Run(options, worker => WorkerPool.Chunked(shards[worker], community), () =>
        {
            before = sink.Count(233);
            punctureRequestsBefore = sink.Count(232);
        });

        var answered = sink.Count(233) - before;
        return result with
        {
            Extra = new Dictionary<string, object>(result.Extra)
            {
                ["responses_sent"] = answered,
                ["puncture_requests_sent"] = sink.Count(232) - punctureRequestsBefore,
                ["drops"] = community.Counters.TotalDrops,
                ["metrics"] = options.Metrics,
                ["histogram_measurements"] = Interlocked.Read(ref histogramMeasurements),
            },
        };
    }

    /// <summary>Unsigned new-style puncture requests: each is parsed and answered with a signed puncture sent to the sink.</summary>
    public static ScenarioResult PunctureRequests(ThroughputOptions options)
    {
        using var key = LibNaClPrivateKey.Generate();
        var sink = new RecordingEndpoint(UdpAddress.Parse("127.0.0.1:30000")) { KeepDatagrams = false };
        var community = new BenchCommunity(new CommunitySettings { Key = key, Endpoint = sink, Network = new Network(), RandomSeed = 4, RateLimits = Engine.Limits.RateLimitOptions.Unlimited });
        var prefix = s_id.ToPrefix();
        var shards = Enumerable.Range(0, options.Workers).Select(_ => new List<(UdpAddress, byte[])>()).ToArray();
        for (var i = 0; i < 1024; i++)
        {
            var source = UdpAddress.Parse("127.0.0.1:0").WithPort((ushort)(32000 + (i % 64)));
            var walker = UdpAddress.Parse("127.0.0.2:0").WithPort((ushort)(33000 + i));
            var payload = new NewPunctureRequestPayload { LanWalkerAddress = walker, WanWalkerAddress = walker, Identifier = (ushort)i };
            var packet = new byte[Packet.GetSize(default(GlobalTime), payload)];
            Packet.Write(packet, prefix, null, new GlobalTime((ulong)i + 1), payload);
            shards[i % options.Workers].Add((source, packet));
        }

        long before = 0;
        var result = WorkerPool.Run(options, worker => WorkerPool.Chunked(shards[worker], community), () => before = sink.Count(231));

        return result with
        {
            Extra = new Dictionary<string, object>(result.Extra) { ["punctures_sent"] = sink.Count(231) - before, ["drops"] = community.Counters.TotalDrops },
        };
    }

    private sealed class BenchCommunity(CommunitySettings settings) : Community(s_id, settings);
}

/// <summary>
/// Runs the same step on W threads until the time is up. Allocations are measured on each worker thread over its timed
/// loop only (GC.GetAllocatedBytesForCurrentThread), so harness set-up does not count against the packet path.
/// </summary>
internal static class WorkerPool
{
    public static ScenarioResult Run(ThroughputOptions options, Func<int, Func<long>> createStep, Action? onTimedStart = null)
    {
        var steps = Enumerable.Range(0, options.Workers).Select(createStep).ToArray();
        if (options.Paired && options.Workers > 1)
        {
            return RunPaired(options, steps, onTimedStart);
        }

        if (options.Interleave)
        {
            return options.Workers == 1 ? RunInterleaved(options, steps[0], onTimedStart) : RunPhased(options, steps, onTimedStart);
        }

        // Warm-up: JIT, tiering, caches.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(Math.Min(1, options.Seconds / 4)))
        {
            foreach (var step in steps)
            {
                step();
            }
        }

        var counts = new long[options.Workers];
        var allocations = new long[options.Workers];
        using var start = new Barrier(options.Workers + 1);
        var duration = Stopwatch.Frequency * options.Seconds;
        var threads = Enumerable.Range(0, options.Workers).Select(w => new Thread(() =>
        {
            var step = steps[w];
            start.SignalAndWait();
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var begin = Stopwatch.GetTimestamp();
            long count = 0;
            while (Stopwatch.GetTimestamp() - begin < duration)
            {
                count += step();
            }

            allocations[w] = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            counts[w] = count;
        })
        { IsBackground = true, Name = $"worker-{w}" }).ToArray();

        foreach (var thread in threads)
        {
            thread.Start();
        }

        onTimedStart?.Invoke();
        var clock = Stopwatch.StartNew();
        start.SignalAndWait();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        return new ScenarioResult(counts.Sum(), clock.Elapsed.TotalSeconds, allocations.Sum(), new Dictionary<string, object>());
    }

    /// <summary>
    /// One worker, in 100 ms slices on this thread: scenario, libsodium verify, libsodium sign, and again, until the
    /// scenario has had its time. The three rates come from the same stretch of machine time, so their ratios hold on
    /// a machine whose speed changes during the run.
    /// </summary>
    private static ScenarioResult RunInterleaved(ThroughputOptions options, Func<long> step, Action? onTimedStart)
    {
        var (verify, sign, key) = RateProbe.Steps();
        using (key)
        {
            var warm = Stopwatch.StartNew();
            while (warm.Elapsed < TimeSpan.FromSeconds(Math.Min(1, options.Seconds / 4)))
            {
                step();
                verify();
                sign();
            }

            var slice = Stopwatch.Frequency / 10;
            var target = (long)(Stopwatch.Frequency * options.Seconds);
            long packets = 0, packetTicks = 0, verifies = 0, verifyTicks = 0, signs = 0, signTicks = 0, allocated = 0;
            onTimedStart?.Invoke();
            while (packetTicks < target)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                packetTicks += Slice(step, slice, ref packets);
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                verifyTicks += Slice(verify, slice, ref verifies);
                signTicks += Slice(sign, slice, ref signs);
            }

            var seconds = (double)packetTicks / Stopwatch.Frequency;
            return new ScenarioResult(packets, seconds, allocated, new Dictionary<string, object>
            {
                ["interleaved_verify_per_second"] = Math.Round(verifies * (double)Stopwatch.Frequency / verifyTicks, 1),
                ["interleaved_sign_per_second"] = Math.Round(signs * (double)Stopwatch.Frequency / signTicks, 1),
                ["rate_measurement"] = "interleaved 100 ms slices on one thread",
            });
        }
    }

    /// <summary>
    /// Several workers, in phases: all workers run the scenario for 100 ms together, then one of them measures libsodium
    /// verify and sign for 100 ms each while the others wait; repeated until the scenario has had its time. The
    /// one-core libsodium rates then come from the same stretch of machine time as the W-worker packet rate.
    /// </summary>
    private static ScenarioResult RunPhased(ThroughputOptions options, Func<long>[] steps, Action? onTimedStart)
    {
        var (verify, sign, key) = RateProbe.Steps();
        using (key)
        {
            var warm = Stopwatch.StartNew();
            while (warm.Elapsed < TimeSpan.FromSeconds(Math.Min(1, options.Seconds / 4)))
            {
                foreach (var step in steps)
                {
                    step();
                }
            }

            var workers = steps.Length;
            var slice = Stopwatch.Frequency / 10;
            var target = (long)(Stopwatch.Frequency * options.Seconds);
            var packets = new long[workers];
            var allocations = new long[workers];
            long scenarioTicks = 0, verifies = 0, verifyTicks = 0, signs = 0, signTicks = 0;
            var done = false;
            using var barrier = new Barrier(workers);
            onTimedStart?.Invoke();
            var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
            {
                while (true)
                {
                    barrier.SignalAndWait();
                    if (Volatile.Read(ref done))
                    {
                        return;
                    }

                    var before = GC.GetAllocatedBytesForCurrentThread();
                    var ticks = Slice(steps[w], slice, ref packets[w]);
                    allocations[w] += GC.GetAllocatedBytesForCurrentThread() - before;
                    barrier.SignalAndWait();
                    if (w == 0)
                    {
                        scenarioTicks += ticks;
                        verifyTicks += Slice(verify, slice, ref verifies);
                        signTicks += Slice(sign, slice, ref signs);
                        Volatile.Write(ref done, scenarioTicks >= target);
                    }
                }
            })
            { IsBackground = true, Name = $"worker-{w}" }).ToArray();
            foreach (var thread in threads)
            {
                thread.Start();
            }

            foreach (var thread in threads)
            {
                thread.Join();
            }

            return new ScenarioResult(packets.Sum(), (double)scenarioTicks / Stopwatch.Frequency, allocations.Sum(), new Dictionary<string, object>
            {
                ["interleaved_verify_per_second"] = Math.Round(verifies * (double)Stopwatch.Frequency / verifyTicks, 1),
                ["interleaved_sign_per_second"] = Math.Round(signs * (double)Stopwatch.Frequency / signTicks, 1),
                ["rate_measurement"] = "phases: all workers 100 ms, then one-core libsodium 100 ms + 100 ms",
            });
        }
    }

    /// <summary>
    /// One worker against W, in alternating 100 ms phases: the scenario on one thread (which takes every worker's
    /// shard in turn, so it does the same work), the scenario on all W threads, libsodium verify+sign on one thread,
    /// and libsodium on all W threads; the order of the two scenario phases (and of the two libsodium phases) flips
    /// every round. Both scalings, the scenario's and libsodium's (the machine's own ceiling for this work), then
    /// come from the same stretch of machine time. The reported rate is the W-worker one.
    /// </summary>
    private static ScenarioResult RunPaired(ThroughputOptions options, Func<long>[] steps, Action? onTimedStart)
    {
        var workers = steps.Length;
        var probes = Enumerable.Range(0, workers).Select(_ => RateProbe.Steps()).ToArray();
        try
        {
            var oneWorker = 0;
            long OneWorkerStep() => steps[oneWorker = (oneWorker + 1) % workers]();

            // A whole second of warm-up, the scenario and libsodium alike: cold first phases (JIT tiers, caches) made short
            // paired runs report two workers slower than one.
            var warm = Stopwatch.StartNew();
            while (warm.Elapsed < TimeSpan.FromSeconds(1))
            {
                foreach (var step in steps)
                {
                    step();
                }

                foreach (var (verify, sign, _) in probes)
                {
                    verify();
                    sign();
                }
            }

            var slice = Stopwatch.Frequency / 10;
            var half = slice / 2;
            var target = (long)(Stopwatch.Frequency * options.Seconds);

            // [0] one worker, [1] all workers; per worker thread: count and ticks.
            var packets = new long[2, workers];
            var packetTicks = new long[2, workers];
            var verifies = new long[2, workers];
            var verifyTicks = new long[2, workers];
            var signs = new long[2, workers];
            var signTicks = new long[2, workers];
            var allocations = new long[workers];
            long timed = 0;
            var done = false;
            using var barrier = new Barrier(workers);
            onTimedStart?.Invoke();
            var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
            {
                var (verify, sign, _) = probes[w];
                for (var round = 0; ; round++)
                {
                    for (var phase = 0; phase < 4; phase++)
                    {
                        barrier.SignalAndWait();
                        if (Volatile.Read(ref done))
                        {
                            return;
                        }

                        // Phases 0/1: the scenario, one worker then all (flipped on odd rounds); 2/3: libsodium alike.
                        var all = (phase % 2 == 1) ^ (round % 2 == 1) ? 1 : 0;
                        if (all == 0 && w != 0)
                        {
                            continue;
                        }

                        if (phase < 2)
                        {
                            var before = GC.GetAllocatedBytesForCurrentThread();
                            packetTicks[all, w] += Slice(all == 1 ? steps[w] : OneWorkerStep, slice, ref packets[all, w]);
                            allocations[w] += GC.GetAllocatedBytesForCurrentThread() - before;
                        }
                        else
                        {
                            verifyTicks[all, w] += Slice(verify, half, ref verifies[all, w]);
                            signTicks[all, w] += Slice(sign, half, ref signs[all, w]);
                        }
                    }

                    barrier.SignalAndWait();
                    if (w == 0)
                    {
                        timed = packetTicks[0, 0] + packetTicks[1, 0];
                        Volatile.Write(ref done, timed >= target);
                    }
                }
            })
            { IsBackground = true, Name = $"worker-{w}" }).ToArray();
            foreach (var thread in threads)
            {
                thread.Start();
            }

            foreach (var thread in threads)
            {
                thread.Join();
            }

            double Rate(long[,] counts, long[,] ticks, int all) =>
                Enumerable.Range(0, all == 1 ? workers : 1).Sum(w => counts[all, w] * (double)Stopwatch.Frequency / ticks[all, w]);
            // The ceiling is made of the scenario's own libsodium work: one sign per packet (puncture-request), or one
            // verify and one sign (introduction-request, libsodium, and decode as a CPU-bound reference).
            double Pairs(int all) =>
                Enumerable.Range(0, all == 1 ? workers : 1).Sum(w =>
                {
                    var v = verifies[all, w] * (double)Stopwatch.Frequency / verifyTicks[all, w];
                    var g = signs[all, w] * (double)Stopwatch.Frequency / signTicks[all, w];
                    return options.Bound == CryptoBound.Sign ? g : 1 / ((1 / v) + (1 / g));
                });
            var one = Rate(packets, packetTicks, 0);
            var many = Rate(packets, packetTicks, 1);
            var libsodiumOne = Pairs(0);
            var libsodiumMany = Pairs(1);
            var allPackets = Enumerable.Range(0, workers).Sum(w => packets[1, w]);
            var ceiling = options.Bound == CryptoBound.Sign ? "sign" : "verify+sign";
            return new ScenarioResult(allPackets, allPackets / many, allocations.Sum() * allPackets / Math.Max(1, allPackets + packets[0, 0]), new Dictionary<string, object>
            {
                ["one_worker_packets_per_second"] = Math.Round(one, 1),
                ["packets_all_phases"] = allPackets + packets[0, 0], // what the scenario's own counters (responses_sent, …) count
                ["scaling"] = Math.Round(many / one, 3),
                ["libsodium_ceiling_work"] = ceiling,
                ["libsodium_one_core_per_second"] = Math.Round(libsodiumOne, 1),
                ["libsodium_all_cores_per_second"] = Math.Round(libsodiumMany, 1),
                ["libsodium_scaling"] = Math.Round(libsodiumMany / libsodiumOne, 3),
                ["scaling_to_libsodium_scaling"] = Math.Round(many / one / (libsodiumMany / libsodiumOne), 3),
                ["interleaved_verify_per_second"] = Math.Round(verifies[0, 0] * (double)Stopwatch.Frequency / verifyTicks[0, 0], 1),
                ["interleaved_sign_per_second"] = Math.Round(signs[0, 0] * (double)Stopwatch.Frequency / signTicks[0, 0], 1),
                ["rate_measurement"] = $"paired: alternating 100 ms phases of 1 and {workers} workers, scenario and libsodium alone",
            });
        }
        finally
        {
            foreach (var (_, _, key) in probes)
            {
                key.Dispose();
            }
        }
    }

    private static long Slice(Func<long> work, long ticks, ref long count)
    {
        var start = Stopwatch.GetTimestamp();
        long now;
        do
        {
            count += work();
            now = Stopwatch.GetTimestamp();
        }
        while (now - start < ticks);
        return now - start;
    }

    /// <summary>A step that handles the next <paramref name="chunk"/> packets of a shard, round and round.</summary>
    public static Func<long> Chunked(List<(UdpAddress Source, byte[] Packet)> shard, IPacketSink sink, int chunk = 32)
    {
        var next = 0;
        return () =>
        {
            for (var i = 0; i < chunk; i++)
            {
                var (source, packet) = shard[next];
                sink.OnPacket(source, packet);
                next = next + 1 == shard.Count ? 0 : next + 1;
            }

            return chunk;
        };
    }
}

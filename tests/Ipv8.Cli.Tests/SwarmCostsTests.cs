using System.Text.Json.Nodes;
using Ipv8.Cli.Commands;
using Ipv8.Cli.Hosting;

namespace Ipv8.Cli.Tests;

/// <summary>The swarm report's cost fields: the crypto ratio's arithmetic, the /proc parsers, the JSON.</summary>
public class SwarmCostsTests
{
    // /proc/net/snmp as Linux 6.x writes it (IPv4; UdpLite rows follow Udp's and are not UDP's).
    private const string Snmp = """
        Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates OutTransmits
        Ip: 1 64 287106781 0 0 0 0 0 287104203 264211460 0 18 0 0 0 0 0 0 0 264211460
        Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
        Udp: 114196449 18399883 65892043 198610946 65892042 0 1 0 0
        UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
        UdpLite: 0 0 0 0 7 0 0 0 0

        """;

    // /proc/net/snmp6 (IPv6): one counter a row, name and value separated by spaces and a tab.
    private const string Snmp6 = "Udp6InDatagrams                 \t1200\nUdp6NoPorts                     \t3\nUdp6InErrors                    \t41\nUdp6RcvbufErrors                \t40\nUdp6SndbufErrors                \t0\nUdpLite6RcvbufErrors            \t9\n";

    [Fact]
    public void The_snmp_parser_reads_the_RcvbufErrors_column_of_the_Udp_rows_not_UdpLite()
    {
        Assert.Equal(65892042, ProcessStats.ParseSnmpUdpRcvbufErrors(Snmp));
        Assert.Equal(65892042, ProcessStats.ParseSnmpUdpRcvbufErrors(Snmp.Replace("\n", "\r\n", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_snmp6_parser_reads_the_Udp6RcvbufErrors_row_not_UdpLite6()
    {
        Assert.Equal(40, ProcessStats.ParseSnmp6Udp6RcvbufErrors(Snmp6));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Ip: Forwarding\nIp: 1\n")]
    [InlineData("Udp: InDatagrams NoPorts\nUdp: 1 2\n")] // no RcvbufErrors column
    [InlineData("Udp: InDatagrams RcvbufErrors\nUdp: 1\n")] // a short value row
    [InlineData("Udp: InDatagrams RcvbufErrors\nUdp: 1 x\n")]
    public void The_snmp_parser_answers_null_for_text_without_the_counter(string text)
    {
        Assert.Null(ProcessStats.ParseSnmpUdpRcvbufErrors(text));
    }

    [Fact]
    public void The_snmp6_parser_answers_null_without_the_row()
    {
        Assert.Null(ProcessStats.ParseSnmp6Udp6RcvbufErrors("Udp6InDatagrams \t1\nUdpLite6RcvbufErrors\t9\n"));
    }

    [Fact]
    public void The_status_parser_reads_VmHWM_in_bytes()
    {
        const string status = "Name:\tipv8\nVmPeak:\t 3456789 kB\nVmHWM:\t  337920 kB\nVmRSS:\t  300000 kB\n";
        Assert.Equal(337920L * 1024, ProcessStats.ParseVmHwmBytes(status));
        Assert.Null(ProcessStats.ParseVmHwmBytes("VmRSS:\t 1 kB\n"));
    }

    [Fact]
    public void On_Linux_the_live_counters_read()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // /proc and clock_gettime are Linux's; elsewhere the report falls back (and this has nothing to check)
        }

        Assert.True(ProcessStats.UdpReceiveBufferErrors() >= 0);
        Assert.True(ProcessStats.PeakWorkingSetBytes() > 1024 * 1024);
        Assert.True(ProcessStats.TryThreadCpuSeconds(out var thread) && thread > 0);
        Assert.True(ProcessStats.ProcessCpuSeconds() >= thread);
    }

    [Fact]
    public void The_crypto_ratio_is_cpu_over_the_signatures_at_the_probed_rates()
    {
        // 40,000 signatures at 40,000/s and 26,000 checks at 13,000/s: 1 + 2 = 3 CPU-s of Ed25519 work.
        Assert.Equal(3.0, SwarmCosts.CryptoWorkSeconds(40_000, 26_000, 40_000, 13_000), 12);
        Assert.Equal(7.0, SwarmCosts.Ratio(21, 40_000, 26_000, 40_000, 13_000)!.Value, 12);
        Assert.Equal(0.5, SwarmCosts.Ratio(1, 0, 26_000, 40_000, 13_000)!.Value, 12);
        Assert.Null(SwarmCosts.Ratio(21, 0, 0, 40_000, 13_000)); // no work: no ratio
        Assert.Null(SwarmCosts.Ratio(21, 10, 10, 0, 13_000));
    }

    [Fact]
    public void Probes_combine_as_total_operations_over_total_seconds_so_each_weighs_by_its_work()
    {
        var start = new ProbeWork(Signs: 4_000, SignSeconds: 0.100, Verifies: 2_000, VerifySeconds: 0.160); // 40,000/s, 12,500/s
        var during = new ProbeWork(Signs: 3_000, SignSeconds: 0.100, Verifies: 1_200, VerifySeconds: 0.100); // 30 batches: 30,000/s, 12,000/s
        var end = new ProbeWork(Signs: 4_000, SignSeconds: 0.080, Verifies: 2_000, VerifySeconds: 0.100); // 50,000/s, 20,000/s

        var all = ProbeWork.Sum(start, during, end);

        Assert.Equal(11_000, all.Signs);
        Assert.Equal(0.280, all.SignSeconds, 12);
        Assert.Equal(5_200, all.Verifies);
        Assert.Equal(0.360, all.VerifySeconds, 12);
        Assert.Equal(11_000 / 0.280, all.Rates.SignPerSecond, 9); // 39,285.7/s, not the mean of the rates (40,000/s)
        Assert.Equal(5_200 / 0.360, all.Rates.VerifyPerSecond, 9); // 14,444.4/s, not 14,833.3/s
        Assert.Equal(all, start.Add(during).Add(end));
        Assert.Equal(new CryptoRates(40_000, 12_500), start.Rates);
        Assert.Equal(new CryptoRates(0, 0), default(ProbeWork).Rates); // no work: no rate (not NaN)
        Assert.Equal(start, ProbeWork.Sum(start, default, default)); // a run without batches during it: start + end as before
    }

    [Fact]
    public void The_run_cpu_leaves_out_the_probe_thread_and_never_goes_below_zero()
    {
        Assert.Equal(21.2, SwarmCosts.RunCpuSeconds(21.5, 0.3), 12);
        Assert.Equal(21.5, SwarmCosts.RunCpuSeconds(21.5, 0), 12);
        Assert.Equal(0, SwarmCosts.RunCpuSeconds(0.1, 0.3));
    }

    [Fact]
    public void The_report_weighs_every_probe_by_its_work_and_writes_every_field()
    {
        var costs = new SwarmCosts(
            CpuSeconds: 21.25,
            PeakWorkingSetBytes: 330_000_000,
            SignaturesCreated: 76_000,
            SignaturesVerified: 52_000,
            StartProbe: ProbeSet.Of(new ProbeWork(4_000, 4_000 / 42_000.0, 2_000, 2_000 / 12_000.0)),
            EndProbe: ProbeSet.Of(new ProbeWork(4_000, 4_000 / 34_000.0, 2_000, 2_000 / 14_000.0)),
            DatagramsDroppedByKernel: 17)
        {
            // 20 batches of 100 signs and 40 verifies: 2,000 signs in 0.05 s, 800 verifies in 0.064 s.
            DuringProbe = new DuringProbes(ProbeSet.Of(new ProbeWork(2_000, 0.05, 800, 0.064)), Batches: 20, ThreadCpuSeconds: 0.2),
        };

        // 20 batches (at least MinDuringBatches): the rates are the batches' alone, 40,000 and 12,500 per second.
        Assert.True(costs.RatesFromDuring);
        Assert.Equal(40_000, costs.SignPerSecond, 9);
        Assert.Equal(12_500, costs.VerifyPerSecond, 9);

        // Below MinDuringBatches, every probe counts, each by its work.
        var few = costs with { DuringProbe = new DuringProbes(ProbeSet.Of(new ProbeWork(900, 0.0225, 360, 0.0288)), Batches: 9, ThreadCpuSeconds: 0.09) };
        Assert.False(few.RatesFromDuring);
        Assert.Equal(8_900 / ((4_000 / 42_000.0) + (4_000 / 34_000.0) + 0.0225), few.SignPerSecond, 9);
        Assert.Equal(4_360 / ((2_000 / 12_000.0) + (2_000 / 14_000.0) + 0.0288), few.VerifyPerSecond, 9);
        var cryptoSeconds = (76_000 / costs.SignPerSecond) + (52_000 / costs.VerifyPerSecond);
        Assert.Equal(cryptoSeconds, costs.CryptoSeconds, 12);
        Assert.Equal(21.25 / cryptoSeconds, costs.CryptoRatio!.Value, 12);

        var json = ReportJson(costs);
        Assert.Equal(21.25, (double)json["cpu_seconds"]!);
        Assert.Equal(330_000_000, (long)json["peak_working_set_bytes"]!);
        Assert.Equal(76_000, (long)json["signatures_created"]!);
        Assert.Equal(52_000, (long)json["signatures_verified"]!);
        Assert.Equal(40_000, (double)json["libsodium_sign_per_second"]!);
        Assert.Equal(12_500, (double)json["libsodium_verify_per_second"]!);
        var probes = json["libsodium_probes"]!.AsObject();
        Assert.Equal(["start", "during", "end", "rates_from", "per_cpu"], probes.Select(p => p.Key));
        Assert.Equal("during", (string)probes["rates_from"]!);
        Assert.False(probes["during"]!.AsObject().ContainsKey("failure"));
        Assert.Equal(42_000, (double)probes["start"]!["sign_per_second"]!);
        Assert.Equal(40_000, (double)probes["during"]!["sign_per_second"]!);
        Assert.Equal(12_500, (double)probes["during"]!["verify_per_second"]!);
        Assert.Equal(20, (int)probes["during"]!["batches"]!);
        Assert.Equal(14_000, (double)probes["end"]!["verify_per_second"]!);
        Assert.Equal(Math.Round(21.25 / cryptoSeconds, 3), (double)json["crypto_ratio"]!);
        Assert.Equal(17, (long)json["datagrams_dropped_by_kernel"]!);
    }

    [Fact]
    public void Without_signatures_kernel_counters_or_batches_during_the_run_the_report_writes_nulls()
    {
        var costs = new SwarmCosts(1, 1, 0, 0, ProbeSet.Of(new ProbeWork(1, 1, 1, 1)), ProbeSet.Of(new ProbeWork(1, 1, 1, 1)), null);
        var json = ReportJson(costs);
        Assert.True(json.ContainsKey("crypto_ratio"));
        Assert.Null(json["crypto_ratio"]);
        Assert.True(json.ContainsKey("datagrams_dropped_by_kernel"));
        Assert.Null(json["datagrams_dropped_by_kernel"]);
        var during = json["libsodium_probes"]!["during"]!.AsObject();
        CliHarness.AssertKeys(during, ["sign_per_second", "verify_per_second", "batches"]);
        Assert.Null(during["sign_per_second"]);
        Assert.Null(during["verify_per_second"]);
        Assert.Equal(0, (int)during["batches"]!);
        Assert.Equal("all", (string)json["libsodium_probes"]!["rates_from"]!);
    }

    [Theory]
    [InlineData(SwarmCosts.MinDuringBatches - 1, "all")]
    [InlineData(SwarmCosts.MinDuringBatches, "during")]
    public void The_report_takes_the_batches_rates_alone_from_ten_batches_on(int batches, string ratesFrom)
    {
        // Batches at 50,000 signs/s and 10,000 verifies/s; start and end probes at 100,000 and 20,000.
        var during = new DuringProbes(ProbeSet.Of(new ProbeWork(100L * batches, 100.0 * batches / 50_000, 40L * batches, 40.0 * batches / 10_000)), batches, 0.1);
        var probe = ProbeSet.Of(new ProbeWork(4_000, 0.04, 2_000, 0.1));
        var costs = new SwarmCosts(10, 1, 1_000, 1_000, probe, probe, null) { DuringProbe = during };
        var json = ReportJson(costs);
        Assert.Equal(ratesFrom, (string)json["libsodium_probes"]!["rates_from"]!);
        var sign = (double)json["libsodium_sign_per_second"]!;
        if (ratesFrom == "during")
        {
            Assert.Equal(50_000, sign, 0.1);
        }
        else
        {
            Assert.True(sign > 90_000, $"{sign}: every probe by its work, the start and end probes' 8,000 signs outweighing the batches");
        }
    }

    [Fact]
    public void A_probe_thread_that_failed_says_why_in_the_report()
    {
        var failed = new DuringProbes(ProbeSet.Of(new ProbeWork(100, 0.002, 40, 0.002)), 3, 0.01, Failure: "crypto_sign_detached failed");
        var costs = new SwarmCosts(1, 1, 10, 10, ProbeSet.Of(new ProbeWork(1, 1, 1, 1)), ProbeSet.Of(new ProbeWork(1, 1, 1, 1)), null) { DuringProbe = failed };
        var json = ReportJson(costs);
        var probes = json["libsodium_probes"]!.AsObject();
        Assert.Equal("crypto_sign_detached failed", (string)probes["during"]!["failure"]!);
        Assert.Equal("all", (string)probes["rates_from"]!); // 3 batches: fewer than MinDuringBatches
    }

    [Fact]
    public void The_libsodium_probe_times_its_share_of_the_operations_on_every_cpu()
    {
        var probe = LibsodiumProbe.Run(signs: 240, verifies: 100);
        var allowed = CliHarness.PinnableCpus();
        var cpus = probe.Cpus.ToArray();
        if (allowed.Length > 0)
        {
            Assert.Equal(allowed, cpus.Select(c => c.Cpu)); // pinned to each CPU the process may use, in turn
        }
        else
        {
            Assert.Equal(-1, Assert.Single(cpus).Cpu); // nothing to pin: one unpinned run of the whole
        }

        foreach (var cpu in cpus)
        {
            var n = Math.Max(cpus.Length, 1);
            Assert.Equal(LibsodiumProbe.Share(240, n, LibsodiumProbe.MinSignsPerCpu), cpu.Work.Signs);
            Assert.Equal(LibsodiumProbe.Share(100, n, LibsodiumProbe.MinVerifiesPerCpu), cpu.Work.Verifies);
            Assert.True(cpu.Work.SignSeconds > 0);
            Assert.True(cpu.Work.VerifySeconds > 0);
        }

        Assert.True(probe.Rates.SignPerSecond > 0);
        Assert.True(probe.Rates.VerifyPerSecond > 0);
    }

    [Fact]
    public void A_cpus_share_of_a_probe_is_its_part_rounded_up_at_least_the_minimum_at_most_the_whole()
    {
        Assert.Equal(2_000, LibsodiumProbe.Share(4_000, 2, 100));
        Assert.Equal(1_334, LibsodiumProbe.Share(4_000, 3, 100));
        Assert.Equal(100, LibsodiumProbe.Share(4_000, 64, 100)); // many CPUs: each still times enough to mean something
        Assert.Equal(20, LibsodiumProbe.Share(20, 2, 100)); // never more than the whole
        Assert.Equal(4_000, LibsodiumProbe.Share(4_000, 0, 100));
    }

    [Fact]
    public void Rates_of_several_cpus_are_the_mean_of_each_cpus_rates_each_cpu_by_its_work()
    {
        // CPU 0 at 60,000 signs/s and 20,000 verifies/s, CPU 1 at 40,000 and 15,000 (a slower core of the same machine).
        var cpu0 = ProbeSet.Of(new ProbeWork(2_000, 2_000 / 60_000.0, 1_000, 1_000 / 20_000.0), cpu: 0);
        var cpu1 = ProbeSet.Of(new ProbeWork(2_000, 2_000 / 40_000.0, 1_000, 1_000 / 15_000.0), cpu: 1);
        var batch0 = ProbeSet.Of(new ProbeWork(100, 100 / 60_000.0, 40, 40 / 20_000.0), cpu: 0); // a batch on CPU 0 adds to its work
        var set = ProbeSet.Sum(cpu0, cpu1, batch0);

        Assert.Equal([0, 1], set.Cpus.ToArray().Select(c => c.Cpu));
        Assert.Equal(2_100, set.Cpus[0].Work.Signs);
        Assert.Equal(50_000, set.Rates.SignPerSecond, 6); // not the work-weighted 4,100 / (0.035 + 0.05) = 48,235/s
        Assert.Equal(17_500, set.Rates.VerifyPerSecond, 6);
        Assert.Equal(new ProbeWork(4_100, 0.035 + 0.05, 2_040, (1_040 / 20_000.0) + (1_000 / 15_000.0)).Signs, set.Total.Signs);
        Assert.Equal(set, ProbeSet.Sum(cpu1, cpu0, batch0)); // kept by CPU number, whatever order the CPUs came in
        Assert.NotEqual(set, ProbeSet.Sum(cpu0, cpu1));
        Assert.Equal(new CryptoRates(0, 0), default(ProbeSet).Rates);
        Assert.True(default(ProbeSet).Cpus.IsEmpty);
        Assert.Equal(default, ProbeSet.Sum(default, default));

        var costs = new SwarmCosts(10, 1, 50_000, 17_500, set, set, null);
        Assert.Equal(10 / 2.0, costs.CryptoRatio!.Value, 9); // 1 s of signing and 1 s of checking at the mean rates
        var perCpu = ReportJson(costs)["libsodium_probes"]!["per_cpu"]!.AsArray();
        Assert.Equal(2, perCpu.Count);
        Assert.Equal(1, (int)perCpu[1]!["cpu"]!);
        Assert.Equal(40_000, (double)perCpu[1]!["sign_per_second"]!, 1);
        Assert.Equal("the mean of cpu0 60000/20000 and cpu1 40000/15000", SwarmCommand.PerCpu(set));
        Assert.Equal("probes not pinned to a CPU", SwarmCommand.PerCpu(ProbeSet.Of(new ProbeWork(1, 1, 1, 1))));
    }

    [Fact]
    public void Batches_that_missed_a_cpu_the_start_probe_measured_do_not_decide_the_rates_alone()
    {
        var start = ProbeSet.Sum(ProbeSet.Of(new ProbeWork(2_000, 0.04, 1_000, 0.05), cpu: 0), ProbeSet.Of(new ProbeWork(2_000, 0.05, 1_000, 0.06), cpu: 1));
        var onlyCpu0 = new DuringProbes(ProbeSet.Of(new ProbeWork(1_200, 0.024, 480, 0.024), cpu: 0), Batches: 12, ThreadCpuSeconds: 0.1);
        var costs = new SwarmCosts(10, 1, 1_000, 1_000, start, start, null) { DuringProbe = onlyCpu0 };
        Assert.False(costs.RatesFromDuring); // 12 batches, but none on CPU 1: a mean over CPU 0 alone is not the run's
        Assert.Equal([0, 1], costs.RateProbes.Cpus.ToArray().Select(c => c.Cpu));

        var both = onlyCpu0 with { Work = onlyCpu0.Work.Add(1, new ProbeWork(100, 0.002, 40, 0.002)), Batches = 13 };
        Assert.True((costs with { DuringProbe = both }).RatesFromDuring);
    }

    [Fact]
    public void Unpinned_work_among_pinned_is_shown_but_left_out_of_the_mean_and_the_coverage()
    {
        var cpu0 = ProbeSet.Of(new ProbeWork(100, 0.002, 40, 0.002), cpu: 0); // 50,000 / 20,000
        var cpu1 = ProbeSet.Of(new ProbeWork(100, 0.004, 40, 0.004), cpu: 1); // 25,000 / 10,000
        var unpinned = ProbeSet.Of(new ProbeWork(100, 0.001, 40, 0.001)); // 100,000 / 40,000: ran on CPU 0 or 1
        var mixed = ProbeSet.Sum(cpu0, cpu1, unpinned);
        Assert.Equal(new CryptoRates(37_500, 15_000), mixed.Rates); // CPU 0 and 1 only
        Assert.Equal(new CryptoRates(100_000, 40_000), unpinned.Rates); // nothing pinned: the unpinned work is all there is
        Assert.Equal(3, ReportJson(new SwarmCosts(1, 1, 1, 1, mixed, mixed, null))["libsodium_probes"]!["per_cpu"]!.AsArray().Count);

        var start = ProbeSet.Sum(cpu0, cpu1);
        var work = new ProbeWork(1_000, 0.02, 400, 0.02);
        DuringProbes During(ProbeSet set) => new(set, Batches: 12, ThreadCpuSeconds: 0.1);
        var costs = new SwarmCosts(10, 1, 1_000, 1_000, start, start, null);
        Assert.True((costs with { DuringProbe = During(ProbeSet.Sum(ProbeSet.Of(work, 0), ProbeSet.Of(work, 1), ProbeSet.Of(work))) }).RatesFromDuring);
        Assert.False((costs with { DuringProbe = During(ProbeSet.Sum(ProbeSet.Of(work, 0), ProbeSet.Of(work))) }).RatesFromDuring); // CPU 1 missing
        Assert.False((costs with { DuringProbe = During(ProbeSet.Of(work)) }).RatesFromDuring); // nothing pinned: not the CPUs'
        var unpinnedStart = new SwarmCosts(10, 1, 1_000, 1_000, unpinned, unpinned, null);
        Assert.True((unpinnedStart with { DuringProbe = During(ProbeSet.Of(work)) }).RatesFromDuring); // nothing pinned anywhere
        Assert.True((unpinnedStart with { DuringProbe = During(ProbeSet.Of(work, 0)) }).RatesFromDuring);
    }

    [Fact]
    public void The_summary_names_each_cpu_and_batches_that_could_not_be_pinned()
    {
        var mixed = ProbeSet.Sum(ProbeSet.Of(new ProbeWork(100, 0.002, 40, 0.002), cpu: 3), ProbeSet.Of(new ProbeWork(100, 0.004, 40, 0.004)));
        Assert.Equal("cpu3 50000/20000 (batches not pinned 25000/10000, left out)", SwarmCommand.PerCpu(mixed));
        Assert.Equal("cpu3 50000/20000", SwarmCommand.PerCpu(ProbeSet.Of(new ProbeWork(100, 0.002, 40, 0.002), cpu: 3)));
        Assert.Equal("no probe", SwarmCommand.PerCpu(default));
    }

    [Fact]
    public void A_time_limit_below_the_clocks_resolution_is_printed_as_given_not_as_zero()
    {
        Assert.Equal("30", SwarmCommand.Limit(30));
        Assert.Equal("0.0001", SwarmCommand.Limit(0.0001));
        Assert.Equal("1E-08", SwarmCommand.Limit(1e-8));
        Assert.Equal("0", SwarmCommand.Limit(0));
    }

    [Fact]
    public void A_thread_pinned_to_one_cpu_gets_all_its_cpus_back()
    {
        var allowed = CliHarness.PinnableCpus();
        if (allowed.Length == 0)
        {
            var pins = true;
            var scratch = new Thread(() => pins = ThreadAffinity.TryPinCurrentThread(0)); // never on a test worker thread
            scratch.Start();
            scratch.Join();
            Assert.False(pins); // no affinity here (not Linux, or refused): nothing is pinned
            return;
        }

        int[]? pinned = null, restored = null;
        bool pinnedOk = false, restoredOk = false;
        var thread = new Thread(() =>
        {
            pinnedOk = ThreadAffinity.TryPinCurrentThread(allowed[^1]);
            pinned = ThreadAffinity.AllowedCpus();
            restoredOk = ThreadAffinity.TrySetCurrentThread(allowed);
            restored = ThreadAffinity.AllowedCpus();
        });
        thread.Start();
        thread.Join();

        Assert.True(pinnedOk);
        Assert.True(restoredOk);

        Assert.Equal([allowed[^1]], pinned!);
        Assert.Equal(allowed, restored!);
        Assert.False(ThreadAffinity.TryPinCurrentThread(-1));
        Assert.False(ThreadAffinity.TrySetCurrentThread([]));
        Assert.False(ThreadAffinity.TrySetCurrentThread([1_024]));
    }

    /// <summary>The report's cost fields, as the swarm writes them into its JSON object.</summary>
    private static JsonObject ReportJson(SwarmCosts costs) => JsonNode.Parse(Hosting.Json.Write(writer =>
    {
        writer.WriteStartObject();
        costs.Write(writer);
        writer.WriteEndObject();
    }))!.AsObject();
}

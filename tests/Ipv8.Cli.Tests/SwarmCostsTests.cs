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
            StartProbe: new ProbeWork(4_000, 4_000 / 42_000.0, 2_000, 2_000 / 12_000.0),
            EndProbe: new ProbeWork(4_000, 4_000 / 34_000.0, 2_000, 2_000 / 14_000.0),
            DatagramsDroppedByKernel: 17)
        {
            // 20 batches of 100 signs and 40 verifies: 2,000 signs in 0.05 s, 800 verifies in 0.064 s.
            DuringProbe = new DuringProbes(new ProbeWork(2_000, 0.05, 800, 0.064), Batches: 20, ThreadCpuSeconds: 0.2),
        };

        // 20 batches (at least MinDuringBatches): the rates are the batches' alone, 40,000 and 12,500 per second.
        Assert.True(costs.RatesFromDuring);
        Assert.Equal(40_000, costs.SignPerSecond, 9);
        Assert.Equal(12_500, costs.VerifyPerSecond, 9);

        // Below MinDuringBatches, every probe counts, each by its work.
        var few = costs with { DuringProbe = new DuringProbes(new ProbeWork(900, 0.0225, 360, 0.0288), Batches: 9, ThreadCpuSeconds: 0.09) };
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
        Assert.Equal(["start", "during", "end", "rates_from"], probes.Select(p => p.Key));
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
        var costs = new SwarmCosts(1, 1, 0, 0, new ProbeWork(1, 1, 1, 1), new ProbeWork(1, 1, 1, 1), null);
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
        var during = new DuringProbes(new ProbeWork(100L * batches, 100.0 * batches / 50_000, 40L * batches, 40.0 * batches / 10_000), batches, 0.1);
        var probe = new ProbeWork(4_000, 0.04, 2_000, 0.1);
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
        var failed = new DuringProbes(new ProbeWork(100, 0.002, 40, 0.002), 3, 0.01, Failure: "crypto_sign_detached failed");
        var costs = new SwarmCosts(1, 1, 10, 10, new ProbeWork(1, 1, 1, 1), new ProbeWork(1, 1, 1, 1), null) { DuringProbe = failed };
        var json = ReportJson(costs);
        var probes = json["libsodium_probes"]!.AsObject();
        Assert.Equal("crypto_sign_detached failed", (string)probes["during"]!["failure"]!);
        Assert.Equal("all", (string)probes["rates_from"]!); // 3 batches: fewer than MinDuringBatches
    }

    [Fact]
    public void The_libsodium_probe_times_its_fixed_count_of_operations()
    {
        var probe = LibsodiumProbe.Run(signs: 20, verifies: 20);
        Assert.Equal(20, probe.Signs);
        Assert.Equal(20, probe.Verifies);
        Assert.True(probe.SignSeconds > 0);
        Assert.True(probe.VerifySeconds > 0);
        Assert.True(probe.Rates.SignPerSecond > 0);
        Assert.True(probe.Rates.VerifyPerSecond > 0);
    }

    /// <summary>The report's cost fields, as the swarm writes them into its JSON object.</summary>
    private static JsonObject ReportJson(SwarmCosts costs) => JsonNode.Parse(Hosting.Json.Write(writer =>
    {
        writer.WriteStartObject();
        costs.Write(writer);
        writer.WriteEndObject();
    }))!.AsObject();
}

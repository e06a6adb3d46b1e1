using BenchmarkDotNet.Running;

namespace Ipv8.Bench;

/// <summary>
/// Entry point. <c>dotnet run -c Release --project bench -- [BenchmarkDotNet args]</c> runs the micro-benchmarks; a
/// first argument naming a harness (<c>throughput</c>, or <c>flood</c>: docs/security.md) runs that harness with the remaining arguments.
/// </summary>
internal static class Program
{
    public static int Main(string[] args) => args switch
    {
        ["throughput", ..] => Throughput.ThroughputHarness.Run(args),
        ["throughput-sender", .. var rest] => Throughput.UdpScenarios.RunSender(rest),
        ["flood", .. var rest] => Throughput.FloodHarness.Run(rest),
        ["flood-sender", .. var rest] => Throughput.FloodHarness.RunSender(rest),
        _ => BenchArguments.Refuse(args, Console.Error) ?? RunBenchmarks(args),
    };

    private static int RunBenchmarks(string[] args)
    {
        // No global config here: the shared BenchConfig reaches every class through its assembly attribute, and
        // passing it globally would make BenchmarkDotNet ignore --job (see BenchConfig).
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        var failed = summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success));
        return failed ? 1 : 0;
    }
}

using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Validators;
using Ipv8.Bench;
using Perfolizer.Horology;

[assembly: Config(typeof(BenchConfig))]

namespace Ipv8.Bench;

/// <summary>
/// The one configuration every benchmark class gets (through the assembly attribute above): allocated bytes per
/// operation, an ops/s column, a hard failure when anything was built without optimizations, and a job sized for a
/// noisy 2-core machine.
/// </summary>
/// <remarks>
/// The job is marked as the default job. BenchmarkDotNet drops a default job as soon as the command line names
/// another one, so <c>--job dry</c> or <c>--job short</c> replace it rather than run beside it, and options such as
/// <c>--iterationCount</c> adjust it.
/// </remarks>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(NoisyMachineJob);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond);
        AddValidator(JitOptimizationsValidator.FailOnError);
    }

    /// <summary>
    /// One launch, a few warmups, then a fixed dozen short iterations: about a third of the default job's time, while
    /// still giving an error interval wide enough to show when a neighbour's build disturbed a row.
    /// </summary>
    public static Job NoisyMachineJob { get; } = Job.Default
        .WithId("Noisy2Core")
        .WithLaunchCount(1)
        .WithWarmupCount(4)
        .WithIterationCount(12)
        .WithIterationTime(TimeInterval.FromMilliseconds(250))
        .AsDefault();
}

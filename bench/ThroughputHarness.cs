namespace Ipv8.Bench;

/// <summary>The end-to-end throughput harness (<c>bench -- throughput …</c>). Not written yet.</summary>
internal static class ThroughputHarness
{
    /// <summary>Exit code for a harness that does not exist yet.</summary>
    private const int NotImplemented = 2;

    public static int Run(string[] args)
    {
        Console.Error.WriteLine("throughput: not implemented yet");
        return NotImplemented;
    }
}

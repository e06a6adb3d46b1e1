namespace Ipv8.Tests.Shared;

/// <summary>
/// Measures what a piece of code allocates on the calling thread once it is warm.
/// </summary>
/// <remarks>
/// The runtime itself may allocate on the calling thread at moments the test does not choose: when a method's
/// call count reaches the tiering threshold (which can start the tiering worker thread again) or when on-stack
/// replacement first kicks in. A pass that hits such a moment is measured again; code that allocates on every
/// pass still fails, because every pass then shows its bytes.
/// </remarks>
internal static class SteadyState
{
    /// <summary>
    /// Runs <paramref name="pass"/> <paramref name="warmups"/> times, then measures up to <paramref name="attempts"/>
    /// passes and stops at the first that allocates nothing.
    /// </summary>
    /// <returns>The fewest bytes a measured pass allocated, and how many passes ran in all (warm-ups included).</returns>
    public static (long Bytes, int Passes) Allocated(Action pass, int warmups = 1, int attempts = 3)
    {
        for (var i = 0; i < warmups; i++)
        {
            pass();
        }

        var fewest = long.MaxValue;
        var passes = warmups;
        for (var i = 0; i < attempts && fewest != 0; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            pass();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
            passes++;
        }

        return (fewest, passes);
    }
}

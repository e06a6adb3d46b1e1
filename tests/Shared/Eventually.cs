using System.Diagnostics;

namespace Ipv8.Tests.Shared;

/// <summary>Waits for a condition with a generous deadline, instead of sleeping a fixed time.</summary>
internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds or <paramref name="timeout"/> (default 20 s) passes.</summary>
    public static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (deadline.Elapsed > limit)
            {
                return condition();
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Like <see cref="WaitAsync"/>, but fails the test with <paramref name="what"/> when the deadline passes.</summary>
    public static async Task AssertAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        if (!await WaitAsync(condition, timeout).ConfigureAwait(false))
        {
            throw new Xunit.Sdk.XunitException($"Timed out waiting for: {what}");
        }
    }
}

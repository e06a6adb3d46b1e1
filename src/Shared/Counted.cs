using System.Globalization;

namespace Ipv8.Shared;

/// <summary>
/// A count with its noun, singular for one ("1 peer", "2 peers", "1 community", "3 communities"), for the free-text
/// lines of the engine and the <c>ipv8</c> command. [LoggerMessage] templates put the count after a label instead
/// ("peers: 1"), which reads right for any count.
/// </summary>
internal static class Counted
{
    public static string Of(long count, string one, string? many = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {Pick(count, one, many ?? one + "s")}");

    /// <summary><paramref name="one"/> when <paramref name="count"/> is 1, else <paramref name="many"/>: a verb or pronoun that agrees with a count ("was"/"were").</summary>
    public static string Pick(long count, string one, string many) => count == 1 ? one : many;
}

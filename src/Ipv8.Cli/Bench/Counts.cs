using System.Globalization;

namespace Ipv8.Cli.Bench;

/// <summary>
/// Counts in bench's sentences, singular for 1 and plural otherwise: "1 request was", "2 requests were" (never "1
/// requests were").
/// </summary>
internal static class Counts
{
    /// <summary>"1 request", "0 requests", "2 requests": <paramref name="count"/> and the words that agree with it.</summary>
    public static string Of(long count, string one, string many) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {Pick(count, one, many)}");

    /// <summary><paramref name="one"/> when <paramref name="count"/> is 1, else <paramref name="many"/>: a verb or pronoun that agrees with a count.</summary>
    public static string Pick(long count, string one, string many) => count == 1 ? one : many;
}

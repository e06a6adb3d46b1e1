namespace Ipv8.Shared;

/// <summary>
/// "Did you mean" for a mistyped command or option, shared by the <c>ipv8</c> command and the bench program (compiled
/// into each, as src/Shared/SettingRanges.cs is).
/// </summary>
internal static class Suggest
{
    /// <summary>
    /// <c>" (did you mean 'node'?)"</c> for the known names nearest to <paramref name="token"/> (at most two edits, one
    /// for short words, a swap of neighbours counting as one), or nothing. System.CommandLine's own typo corrections
    /// print several lines and propose any name within three edits (<c>-h</c> for <c>xyz</c>), so the CLI does its own.
    /// </summary>
    /// <param name="token">What was typed.</param>
    /// <param name="candidates">The known names.</param>
    /// <param name="maxEdits">The most edits a guess may be away; default one for words of up to four letters, two for longer ones.</param>
    public static string DidYouMean(string token, IEnumerable<string> candidates, int? maxEdits = null)
    {
        var word = token.TrimStart('-');
        var limit = maxEdits ?? (word.Length <= 4 ? 1 : 2);
        var nearest = candidates
            .Where(c => c.TrimStart('-').Length > 1 && !string.Equals(c, token, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Select(c => (Name: c, Distance: EditDistance(word, c.TrimStart('-'))))
            .Where(c => c.Distance <= limit)
            .ToList();
        if (nearest.Count == 0)
        {
            return string.Empty;
        }

        var best = nearest.Min(c => c.Distance);
        return $" (did you mean {string.Join(" or ", nearest.Where(c => c.Distance == best).Select(c => $"'{c.Name}'").Order(StringComparer.Ordinal))}?)";
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours, case-insensitive.</summary>
    public static int EditDistance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var d = new int[a.Length + 1][];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i] = new int[b.Length + 1];
            d[i][0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0][j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i][j] = Math.Min(Math.Min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i][j] = Math.Min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }

        return d[a.Length][b.Length];
    }
}

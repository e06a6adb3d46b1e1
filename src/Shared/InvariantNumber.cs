using System.Globalization;

namespace Ipv8.Shared;

/// <summary>
/// A number with decimals as the command line gives it, read the same way in every locale, shared by the <c>ipv8</c>
/// command and the bench program (compiled into each, as src/Shared/Suggest.cs is): '.' for decimals, an exponent
/// allowed, no group separators. System.CommandLine alone reads such numbers in the current culture, with group
/// separators: "0,5" was 5 in an English locale and "0.5" was 5 in a German one, a run ten times as long as meant.
/// </summary>
internal static class InvariantNumber
{
    /// <summary>
    /// True with the value when <paramref name="text"/> is a number; otherwise false with the error to give:
    /// "NAME must be a number, got 'TEXT'", or with a ',' "NAME must be a number with a '.' for decimals and no ',', got
    /// 'TEXT'".
    /// </summary>
    public static bool TryParse(string text, string name, out double value, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            error = null;
            return true;
        }

        error = text.Contains(',', StringComparison.Ordinal)
            ? $"{name} must be a number with a '.' for decimals and no ',', got '{text}'"
            : $"{name} must be a number, got '{text}'";
        return false;
    }
}

using System.Globalization;

namespace Ipv8.Shared;

/// <summary>
/// A number with decimals as the command line gives it, read the same way in every locale, shared by the <c>ipv8</c>
/// command and the bench program (compiled into each, as src/Shared/Suggest.cs is): '.' for decimals, an exponent
/// allowed, no group separators, no space before or after it (<c>" 2"</c> is refused, as a whole number is).
/// System.CommandLine alone reads such numbers in the current culture, with group separators: "0,5" was 5 in an English
/// locale and "0.5" was 5 in a German one, a run ten times as long as meant.
/// </summary>
internal static class InvariantNumber
{
    /// <summary>
    /// A sign, digits, a '.' and an exponent; not <see cref="NumberStyles.Float"/>'s leading and trailing white space,
    /// which would take <c>" 2"</c> for 2 where every whole-number option refuses it.
    /// </summary>
    public const NumberStyles Style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>
    /// True with the value when <paramref name="text"/> is a number; otherwise false with the error to give:
    /// "NAME must be a number, got 'TEXT'", or with a ',' "NAME must be a number with a '.' for decimals and no ',', got
    /// 'TEXT'".
    /// </summary>
    public static bool TryParse(string text, string name, out double value, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (double.TryParse(text, Style, CultureInfo.InvariantCulture, out value))
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

using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Ipv8.Tests.Shared;

/// <summary>
/// Compares JSON values structurally and exactly, as Python reads them: object keys in any order; integers by value
/// (any size); floats (a literal with a fraction or an exponent) by their bits, so that -0.0 differs from 0.0; and an
/// integer never equals a float.
/// </summary>
internal static class JsonExact
{
    /// <summary>Null when equal, else the path of the first difference and what differs.</summary>
    public static string? Difference(JsonElement expected, JsonElement actual, string path = "$")
    {
        if (expected.ValueKind != actual.ValueKind)
        {
            return $"{path}: expected {expected.ValueKind} {expected.GetRawText()}, got {actual.ValueKind} {actual.GetRawText()}";
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedKeys = expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
                var actualKeys = actual.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
                if (!expectedKeys.SequenceEqual(actualKeys))
                {
                    return $"{path}: expected keys [{string.Join(",", expectedKeys)}], got [{string.Join(",", actualKeys)}]";
                }

                foreach (var key in expectedKeys)
                {
                    if (Difference(expected.GetProperty(key), actual.GetProperty(key), $"{path}.{key}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                if (expected.GetArrayLength() != actual.GetArrayLength())
                {
                    return $"{path}: expected {expected.GetArrayLength()} items, got {actual.GetArrayLength()}";
                }

                for (var i = 0; i < expected.GetArrayLength(); i++)
                {
                    if (Difference(expected[i], actual[i], $"{path}[{i}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.String:
                return expected.GetString() == actual.GetString() ? null : $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}";
            case JsonValueKind.Number:
                return NumbersEqual(expected.GetRawText(), actual.GetRawText()) ? null : $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}";
            default:
                return null;
        }
    }

    /// <summary>Fails with the first difference.</summary>
    public static void AssertEqual(JsonElement expected, JsonElement actual, string context = "")
    {
        if (Difference(expected, actual) is { } difference)
        {
            throw new Xunit.Sdk.XunitException($"{context}{difference}\nexpected {expected.GetRawText()}\nactual   {actual.GetRawText()}");
        }
    }

    /// <summary>Parses both texts and fails with the first difference.</summary>
    public static void AssertEqual(string expectedJson, string actualJson, string context = "")
    {
        using var expected = JsonDocument.Parse(expectedJson);
        using var actual = JsonDocument.Parse(actualJson);
        AssertEqual(expected.RootElement, actual.RootElement, context);
    }

    private static bool NumbersEqual(string expected, string actual)
    {
        var expectedIsFloat = IsFloatLiteral(expected);
        if (expectedIsFloat != IsFloatLiteral(actual))
        {
            return false;
        }

        if (!expectedIsFloat)
        {
            return BigInteger.Parse(expected, CultureInfo.InvariantCulture) == BigInteger.Parse(actual, CultureInfo.InvariantCulture);
        }

        var a = double.Parse(expected, NumberStyles.Float, CultureInfo.InvariantCulture);
        var b = double.Parse(actual, NumberStyles.Float, CultureInfo.InvariantCulture);
        return BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);
    }

    private static bool IsFloatLiteral(string number) => number.AsSpan().IndexOfAny(".eE") >= 0;
}

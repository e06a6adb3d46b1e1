using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Ipv8.Wire;

/// <summary>Throws from out-of-line methods so the hot paths that call them stay small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowDestinationTooSmall(int needed, int available) =>
        throw CreateDestinationTooSmall(needed, available);

    [DoesNotReturn]
    public static void ThrowArgument(string message, string paramName) =>
        throw CreateArgument(message, paramName);

    [DoesNotReturn]
    public static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn]
    public static void ThrowFormat(string message) => throw new FormatException(message);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ArgumentException CreateDestinationTooSmall(int needed, int available) =>
        new($"The destination is too small: {needed} more bytes are needed, {available} are left.", "destination");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ArgumentException CreateArgument(string message, string paramName) => new(message, paramName);
}

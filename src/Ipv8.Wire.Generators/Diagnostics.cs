using Microsoft.CodeAnalysis;

namespace Ipv8.Wire.Generators;

/// <summary>
/// The generator's diagnostics. Ids are stable: tests and users refer to them. IPV8W004 (duplicate message id) was
/// removed: message ids are per community, and two communities of one assembly may use the same ids, as py-ipv8's
/// DiscoveryCommunity and most user communities both use 1–4.
/// </summary>
internal static class Diagnostics
{
    private const string Category = "Ipv8.Wire.Generators";

    public static readonly DiagnosticDescriptor NotPartial = new(
        "IPV8W001",
        "Payload type must be partial",
        "The [Payload] type '{0}' must be declared partial (and so must every type that contains it)",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedMemberType = new(
        "IPV8W002",
        "Unsupported member type for the field format",
        "The member '{0}' has type '{1}', which the format {2} does not support; use {3}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor RawNotLast = new(
        "IPV8W003",
        "A raw field must be the last field",
        "The raw field '{0}' takes the rest of the packet, so it must be the last field of '{1}'",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MemberNotSettable = new(
        "IPV8W005",
        "Field member must be settable",
        "The member '{0}' must be an instance property with an init or set accessor, or a non-readonly instance field",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericPayload = new(
        "IPV8W006",
        "Payload type must not be generic",
        "The [Payload] type '{0}' must not be generic",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MessageIdOutOfRange = new(
        "IPV8W007",
        "Message id out of range",
        "The message id {0} of '{1}' is outside 0-255",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SpanNeedsRefStruct = new(
        "IPV8W008",
        "Span members need a ref struct",
        "The member '{0}' is a span, which only a ref struct payload can hold; declare '{1}' as a ref struct or use byte[]",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static DiagnosticDescriptor? Find(string id) => id switch
    {
        "IPV8W001" => NotPartial,
        "IPV8W002" => UnsupportedMemberType,
        "IPV8W003" => RawNotLast,
        "IPV8W005" => MemberNotSettable,
        "IPV8W006" => GenericPayload,
        "IPV8W007" => MessageIdOutOfRange,
        "IPV8W008" => SpanNeedsRefStruct,
        _ => null,
    };
}

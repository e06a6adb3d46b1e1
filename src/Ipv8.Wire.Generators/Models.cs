using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Ipv8.Wire.Generators;

/// <summary>Where a diagnostic points, as plain values so the model stays equatable.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location) =>
        location?.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
}

/// <summary>A diagnostic found while parsing, reported by the output step.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments);

/// <summary>A containing type declaration that the generated part must repeat.</summary>
internal sealed record ContainingTypeModel(string Keyword, string Name);

/// <summary>One wire field of a payload.</summary>
/// <param name="Name">The member name.</param>
/// <param name="TypeName">The member type, fully qualified.</param>
/// <param name="FormatName">The <c>Format</c> name.</param>
/// <param name="ReadCall">The reader call, with <c>{0}</c> for the out variable.</param>
/// <param name="WriteCall">The writer call, with <c>{0}</c> for the member access.</param>
/// <param name="Size">The size: a constant, or an expression with <c>{0}</c> for the member access.</param>
/// <param name="WireName">The field's name in snake case (<c>DestinationAddress</c>: <c>destination_address</c>), as py-ipv8 names fields.</param>
/// <param name="NestedTypeName">The nested payload type of a <c>Payload</c> or <c>PayloadList</c> field, fully qualified, else null.</param>
internal sealed record FieldModel(string Name, string TypeName, string FormatName, string ReadCall, string WriteCall, string Size, string WireName, string? NestedTypeName);

/// <summary>Everything the emitter needs for one <c>[Payload]</c> type.</summary>
internal sealed record PayloadModel(
    string? Namespace,
    string Name,
    string FullyQualifiedName,
    string HintName,
    string Modifiers,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    int MessageId,
    bool Signed,
    EquatableArray<FieldModel> Fields,
    LocationInfo? Location,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>True when the model has errors and no code should be emitted.</summary>
    public bool HasErrors => Diagnostics.Count > 0;
}

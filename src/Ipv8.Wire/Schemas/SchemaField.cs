using System.Text.Json;

namespace Ipv8.Wire.Schemas;

/// <summary>
/// One field of a <see cref="PayloadClass"/>: its name and py-ipv8 format. A <c>bits</c> field has eight names, one per
/// flag, because py-ipv8 unpacks it into eight values (the first is bit 0x80).
/// </summary>
public sealed class SchemaField
{
    internal SchemaField(string[] names, Format format, PayloadClass? nested)
    {
        Names = Array.AsReadOnly(names);
        Format = format;
        Class = nested;
        Name = names.Length == 1 ? names[0] : string.Join(",", names);
        EncodedNames = names.Select(n => JsonEncodedText.Encode(n)).ToArray();
    }

    /// <summary>The field name; for <c>bits</c>, the eight names joined by commas.</summary>
    public string Name { get; }

    /// <summary>The name of every value the field unpacks to: one, or eight for <c>bits</c>.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The field's format.</summary>
    public Format Format { get; }

    /// <summary>The nested class of a <see cref="Format.Payload"/> or <see cref="Format.PayloadList"/> field, else null.</summary>
    public PayloadClass? Class { get; }

    /// <summary>The format as a schema writes it: py-ipv8's name, or <c>payload:Class</c> / <c>payload-list:Class</c>.</summary>
    public string FormatName => Class is null ? FormatNames.GetName(Format) : $"{FormatNames.GetName(Format)}:{Class.Name}";

    internal JsonEncodedText[] EncodedNames { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {FormatName}";
}

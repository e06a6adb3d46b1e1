namespace Ipv8.Wire.Schemas;

/// <summary>
/// A payload class of a schema: its fields in wire order, as py-ipv8's <c>format_list</c> of a
/// <c>VariablePayload</c>/<c>DataClassPayload</c> subclass (<c>names</c> give the field names).
/// </summary>
public sealed class PayloadClass
{
    private SchemaField[] _fields = [];
    private IReadOnlyList<SchemaField> _readOnlyFields = [];

    internal PayloadClass(string name) => Name = name;

    /// <summary>The class name, as the schema's <c>classes</c> object names it.</summary>
    public string Name { get; }

    /// <summary>The fields, in the order they travel.</summary>
    public IReadOnlyList<SchemaField> Fields => _readOnlyFields;

    /// <summary>True when the last field is <c>raw</c>, which takes every byte left: such a class can only be the last payload of a message.</summary>
    public bool EndsWithRaw => _fields.Length > 0 && _fields[^1].Format == Format.Raw;

    internal SchemaField[] FieldArray => _fields;

    internal void SetFields(SchemaField[] fields)
    {
        _fields = fields;
        _readOnlyFields = Array.AsReadOnly(fields);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

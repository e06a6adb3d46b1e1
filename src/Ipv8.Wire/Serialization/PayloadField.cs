namespace Ipv8.Wire;

/// <summary>
/// One wire field of a <c>[Payload]</c> type, as the generator knows it: the field's name (the member name in snake
/// case, as py-ipv8's <c>names</c>) and its <see cref="Format"/> (py-ipv8's <c>format_list</c> entry). A payload's
/// fields in wire order are its generated <c>Fields</c> (<see cref="IPayload{TSelf}.Fields"/>); a
/// <see cref="MessageKind"/> lists them per payload in <see cref="MessageKind.PayloadFields"/>. Tools that describe
/// messages without decoding them (the generated Wireshark dissector, <c>ipv8 dissector</c>) read them.
/// </summary>
public sealed class PayloadField
{
    private readonly Func<IReadOnlyList<PayloadField>>? _nestedFields;

    /// <summary>Creates a field (the generator does, in each payload's <c>Fields</c>).</summary>
    /// <param name="name">The field's name in snake case.</param>
    /// <param name="format">The field's format.</param>
    /// <param name="nestedFields">For a <see cref="Format.Payload"/> or <see cref="Format.PayloadList"/> field, the nested payload's fields (asked for when read, so that a payload may list itself).</param>
    public PayloadField(string name, Format format, Func<IReadOnlyList<PayloadField>>? nestedFields = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Format = format;
        _nestedFields = nestedFields;
    }

    /// <summary>The field's name: the member name in snake case (<c>DestinationAddress</c>: <c>destination_address</c>).</summary>
    public string Name { get; }

    /// <summary>The field's wire format.</summary>
    public Format Format { get; }

    /// <summary>The fields of the nested payload of a <see cref="Format.Payload"/> or <see cref="Format.PayloadList"/> field, else null.</summary>
    public IReadOnlyList<PayloadField>? NestedFields => _nestedFields?.Invoke();

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Format}";
}

namespace Ipv8.Wire.Schemas;

/// <summary>Why a datagram did not decode with a schema, and where.</summary>
public readonly record struct DecodeFailure
{
    private readonly string? _reason;

    /// <summary>A failure with no field to point at.</summary>
    public DecodeFailure(WireError error)
        : this(error, null, null)
    {
    }

    /// <summary>A failure at <paramref name="field"/> (a path such as <c>Catalog.entries[1].count</c>), with an optional detail.</summary>
    public DecodeFailure(WireError error, string? field, string? detail = null)
    {
        Error = error;
        Field = field;
        _reason = (field, detail) switch
        {
            (null, null) => null,
            (null, _) => $"{error.Describe()} ({detail})",
            (_, null) => $"{error.Describe()} (at {field})",
            _ => $"{error.Describe()} (at {field}: {detail})",
        };
    }

    /// <summary>What went wrong.</summary>
    public WireError Error { get; }

    /// <summary>The field that did not decode, as <c>Class.field[index].field</c>, or null when no field is to blame (the frame, the signature, bytes after the last payload).</summary>
    public string? Field { get; }

    /// <summary>One line for people: the reason, and where.</summary>
    public string Reason => _reason ?? Error.Describe();

    /// <inheritdoc/>
    public override string ToString() => Reason;
}

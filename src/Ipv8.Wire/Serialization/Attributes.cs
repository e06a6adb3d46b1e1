namespace Ipv8.Wire;

/// <summary>
/// Marks a <c>partial</c> struct or ref struct as a wire payload. The source generator emits
/// <c>TryRead</c>, <c>Write</c>, an exact <c>GetSize</c> and, when <see cref="MessageId"/> is set, the message
/// metadata of <see cref="IMessagePayload{TSelf}"/>. Fields are the members marked with <see cref="FieldAttribute"/>,
/// in declaration order. This is py-ipv8's <c>@dataclass</c> payload / <c>VariablePayload</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
public sealed class PayloadAttribute : Attribute
{
    /// <summary>The message id (0–255), or -1 for a payload that is only nested inside others.</summary>
    public int MessageId { get; set; } = -1;

    /// <summary>Whether the message travels signed (with the sender's key and an Ed25519 signature). Default true, as in py-ipv8's <c>ez_send</c>.</summary>
    public bool Signed { get; set; } = true;
}

/// <summary>Marks a property (with an <c>init</c> or <c>set</c> accessor) or a field of a payload as one wire field.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = false)]
public sealed class FieldAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="format">The wire format of the field.</param>
    public FieldAttribute(Format format) => Format = format;

    /// <summary>The wire format of the field.</summary>
    public Format Format { get; }
}

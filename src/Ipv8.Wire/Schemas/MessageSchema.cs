namespace Ipv8.Wire.Schemas;

/// <summary>
/// A message of a schema: its id, whether it travels signed (py-ipv8 <c>lazy_wrapper</c>) or not
/// (<c>lazy_wrapper_unsigned</c>), and its payload classes in wire order (the classes given to <c>ez_send</c>).
/// </summary>
public sealed class MessageSchema
{
    private readonly PayloadClass[] _payloads;

    internal MessageSchema(byte messageId, bool signed, PayloadClass[] payloads)
    {
        MessageId = messageId;
        Signed = signed;
        _payloads = payloads;
        Payloads = Array.AsReadOnly(payloads);
    }

    /// <summary>The message id (the byte after the community prefix).</summary>
    public byte MessageId { get; }

    /// <summary>True when the message carries the sender's key and a signature.</summary>
    public bool Signed { get; }

    /// <summary>The payload classes, in the order they travel. A global time is a class of one <c>Q</c> field, listed first.</summary>
    public IReadOnlyList<PayloadClass> Payloads { get; }

    internal PayloadClass[] PayloadArray => _payloads;
}

namespace Ipv8.Wire;

/// <summary>A type that the <see cref="PayloadAttribute"/> generator made readable and writable.</summary>
/// <typeparam name="TSelf">The payload type itself.</typeparam>
public interface IPayload<TSelf> where TSelf : IPayload<TSelf>, allows ref struct
{
    /// <summary>Reads the payload's fields from <paramref name="reader"/>. Returns false (with <see cref="WireReader.Error"/> set) on malformed data; never throws on wire data.</summary>
    static abstract bool TryRead(scoped ref WireReader reader, out TSelf value);

    /// <summary>The exact number of bytes <see cref="Write"/> produces.</summary>
    int GetSize();

    /// <summary>Writes the payload's fields.</summary>
    void Write(ref WireWriter writer);

    /// <summary>
    /// The wire fields in order (names and formats), generated for every <c>[Payload]</c> type; empty for a payload
    /// written by hand that does not list them, whose layout is then unknown to the tools that describe messages.
    /// </summary>
    static virtual IReadOnlyList<PayloadField> Fields => [];
}

/// <summary>A payload that is a message of its own: it has a message id and is signed or not.</summary>
/// <typeparam name="TSelf">The payload type itself.</typeparam>
public interface IMessagePayload<TSelf> : IPayload<TSelf> where TSelf : IMessagePayload<TSelf>, allows ref struct
{
    /// <summary>The message id (the byte after the community prefix).</summary>
    static abstract byte MessageId { get; }

    /// <summary>Whether the message travels signed.</summary>
    static abstract bool IsSigned { get; }
}

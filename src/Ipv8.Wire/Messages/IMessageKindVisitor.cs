namespace Ipv8.Wire;

/// <summary>
/// Generic code over a <see cref="MessageKind"/>'s payload types: <see cref="MessageKind.Accept{TVisitor, TResult}"/>
/// calls the <c>Visit</c> that matches the kind's number of payloads, with the payload types as type arguments. Inside,
/// the typed kind decodes (<c>TryDecode</c>, <c>TryReadBody</c>) and the payloads' static members
/// (<c>T.MessageId</c>, <c>T.IsSigned</c>, <c>T.TryRead</c>) are at hand, so one method serves every kind without a
/// switch on the message id.
/// </summary>
/// <remarks>
/// Write visitors as (ref) structs: they are passed by reference, so a <c>ref struct</c> visitor can hold the datagram
/// span and any results, and nothing is allocated. A visitor that only handles some shapes (say, two payloads) returns a
/// failure from the others.
/// <code>
/// ref struct Size(ReadOnlySpan&lt;byte&gt; datagram) : IMessageKindVisitor&lt;int&gt;
/// {
///     private readonly ReadOnlySpan&lt;byte&gt; _datagram = datagram;
///     public int Visit&lt;T&gt;(MessageKind&lt;T&gt; kind) where T : IMessagePayload&lt;T&gt;, allows ref struct =&gt;
///         kind.TryDecode(_datagram, true, out _, out var p, out _) ? p.GetSize() : -1;
///     public int Visit&lt;T1, T2&gt;(MessageKind&lt;T1, T2&gt; kind) … =&gt;
///         kind.TryDecode(_datagram, true, out _, out var a, out var b, out _) ? a.GetSize() + b.GetSize() : -1;
///     public int Visit&lt;T1, T2, T3&gt;(MessageKind&lt;T1, T2, T3&gt; kind) … =&gt; -1;
/// }
/// </code>
/// </remarks>
/// <typeparam name="TResult">What a visit returns.</typeparam>
public interface IMessageKindVisitor<TResult>
{
    /// <summary>Visits a kind of one payload.</summary>
    TResult Visit<T>(MessageKind<T> kind)
        where T : IMessagePayload<T>, allows ref struct;

    /// <summary>Visits a kind of two payloads (the discovery messages: <c>[GlobalTime, payload]</c>).</summary>
    TResult Visit<T1, T2>(MessageKind<T1, T2> kind)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct;

    /// <summary>Visits a kind of three payloads.</summary>
    TResult Visit<T1, T2, T3>(MessageKind<T1, T2, T3> kind)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IMessagePayload<T3>, allows ref struct;
}

using System.Runtime.CompilerServices;

namespace Ipv8.Wire;

/// <summary>
/// One kind of message: its id, its name, whether it travels signed, the community it belongs to, and its payload types,
/// which <see cref="Accept{TVisitor, TResult}"/> hands to generic code. A kind is what py-ipv8's
/// <c>add_message_handler(Payload, handler)</c> registers together with the handler's <c>@lazy_wrapper(…)</c> payload
/// list, without the handler. Kinds are collected in a <see cref="MessageKindRegistry"/>.
/// </summary>
/// <remarks>
/// <para>
/// Create kinds with <see cref="MessageKind{T}"/>, <see cref="MessageKind{T1, T2}"/> or
/// <see cref="MessageKind{T1, T2, T3}"/>: the message id and signedness come from the last payload type's
/// <c>[Payload(MessageId = …, Signed = …)]</c>, as in <see cref="Packet.TryDecode{T1, T2}"/> and py-ipv8's
/// <c>ez_send</c>. The built-in kinds are <see cref="Discovery.DiscoveryKinds"/> and
/// <see cref="Discovery.DiscoveryCommunityKinds"/>.
/// </para>
/// <para>
/// Kinds are immutable and thread-safe; create them once (static properties, as the built-in ones are), since each
/// takes a slot in the dispatch tables for good. <see cref="Accept{TVisitor, TResult}"/> is one indirect call and
/// allocates nothing; code that knows its message statically should call the typed kind (or <see cref="Packet"/>)
/// directly.
/// </para>
/// </remarks>
public abstract class MessageKind
{
    private static int s_count;

    private readonly CommunityId _community;
    private readonly bool _ofOneCommunity;

    private protected MessageKind(string name, byte messageId, bool isSigned, CommunityId? community, MessageKind? fallback, Type[] payloadTypes, IReadOnlyList<PayloadField>[] payloadFields)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (fallback is not null && (fallback.MessageId != messageId || fallback.IsSigned != isSigned))
        {
            ThrowHelper.ThrowArgument($"The fallback of {name} ({messageId}) must have the same message id and signedness, not {fallback}.", nameof(fallback));
        }

        Name = name;
        MessageId = messageId;
        IsSigned = isSigned;
        _community = community.GetValueOrDefault();
        _ofOneCommunity = community.HasValue;
        Fallback = fallback;
        PayloadTypes = Array.AsReadOnly(payloadTypes);
        PayloadFields = Array.AsReadOnly(payloadFields);
        Index = Interlocked.Increment(ref s_count) - 1;
    }

    /// <summary>This kind's slot in the per-visitor dispatch tables (<see cref="KindDispatch{TVisitor, TResult}"/>).</summary>
    internal int Index { get; }

    /// <summary>The message id (the byte after the community prefix; py-ipv8's <c>msg_id</c>).</summary>
    public byte MessageId { get; }

    /// <summary>
    /// The message's name, as <c>ipv8 decode</c> prints it and the reference vectors name it (after py-ipv8's
    /// <c>create_…</c> methods, e.g. <c>introduction-request</c>).
    /// </summary>
    public string Name { get; }

    /// <summary>
    /// Whether the message travels signed: the sender's key after the id and a signature at the end (py-ipv8
    /// <c>lazy_wrapper</c>), or neither (<c>lazy_wrapper_unsigned</c>).
    /// </summary>
    public bool IsSigned { get; }

    /// <summary>
    /// The community whose prefix the message travels under, or null for a message of every community (py-ipv8's
    /// <c>Community</c> base class handles the discovery messages under any community's prefix).
    /// </summary>
    public CommunityId? Community => _ofOneCommunity ? _community : null;

    /// <summary>
    /// The kind whose payloads are read when this kind's do not fill the body exactly, or null. Both have the same id
    /// and signedness, so the frame and signature are checked once. Of the built-in kinds only DiscoveryCommunity's 246
    /// has one: py-ipv8's <c>DiscoveryCommunity.on_old_introduction_request</c> first reads the request that names a
    /// peer, then the plain 246.
    /// </summary>
    public MessageKind? Fallback { get; }

    /// <summary>The payload types, in wire order (the last one carries the id and signedness).</summary>
    public IReadOnlyList<Type> PayloadTypes { get; }

    /// <summary>
    /// The wire fields of each payload, in the order of <see cref="PayloadTypes"/> (each payload type's generated
    /// <see cref="IPayload{TSelf}.Fields"/>): the message's layout as data, for tools that describe messages without
    /// decoding them (<c>ipv8 dissector</c>).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<PayloadField>> PayloadFields { get; }

    /// <summary>
    /// True when <paramref name="datagram"/> has this kind's community prefix: 0x00, version 2 and the community id
    /// (py-ipv8 <c>Community.on_packet</c> compares the whole prefix); always true for a kind of every community. The
    /// message id is not checked.
    /// </summary>
    public bool MatchesPrefix(ReadOnlySpan<byte> datagram) =>
        !_ofOneCommunity || Packet.HasPrefix(datagram, _community);

    /// <summary>
    /// Checks that <paramref name="datagram"/> has this kind's message id, then parses its frame (signed or not, as this
    /// kind is) and, when <paramref name="verify"/> is true, verifies the signature. The prefix is not checked. On
    /// success <see cref="Packet.Body"/> holds the payloads, to be read by the typed kind's <c>TryReadBody</c>. Never
    /// throws on wire data.
    /// </summary>
    public bool TryFrame(ReadOnlySpan<byte> datagram, bool verify, out Packet packet, out WireError error) =>
        Packet.TryFrame(datagram, MessageId, IsSigned, verify, out packet, out error);

    /// <summary>
    /// Calls <paramref name="visitor"/>'s <c>Visit</c> with this kind's payload types as type arguments: generic code
    /// over the payload types, without a switch on the id. One indirect call through a table per visitor type (filled on
    /// a kind's first visit); allocates nothing after that.
    /// </summary>
    /// <typeparam name="TVisitor">The visitor, usually a (ref) struct, passed by reference so that it can carry state and results.</typeparam>
    /// <typeparam name="TResult">What the visitor returns.</typeparam>
    public unsafe TResult Accept<TVisitor, TResult>(ref TVisitor visitor)
        where TVisitor : IMessageKindVisitor<TResult>, allows ref struct =>
        ((delegate*<ref TVisitor, MessageKind, TResult>)KindDispatch<TVisitor, TResult>.Get(this))(ref visitor, this);

    /// <summary>A pointer to the static method that calls <typeparamref name="TVisitor"/>'s <c>Visit</c> with this kind's payload types (asked once per visitor type).</summary>
    internal abstract nint CreateThunk<TVisitor, TResult>()
        where TVisitor : IMessageKindVisitor<TResult>, allows ref struct;

    /// <summary>The name and id, e.g. <c>introduction-request (246)</c>.</summary>
    public override string ToString() => $"{Name} ({MessageId})";
}

/// <summary>A message of one payload (py-ipv8 <c>ez_send(peer, payload)</c> / <c>@lazy_wrapper(T)</c>).</summary>
/// <typeparam name="T">The payload; its <c>[Payload]</c> gives the id and signedness.</typeparam>
public sealed class MessageKind<T> : MessageKind
    where T : IMessagePayload<T>, allows ref struct
{
    /// <summary>Creates the kind.</summary>
    /// <param name="name">The message's name.</param>
    /// <param name="community">The community it belongs to, or null for every community.</param>
    /// <param name="fallback">A kind of the same id and signedness to read when this one's payload does not fit, or null.</param>
    public MessageKind(string name, CommunityId? community = null, MessageKind? fallback = null)
        : base(name, T.MessageId, T.IsSigned, community, fallback, [typeof(T)], [T.Fields])
    {
    }

    /// <inheritdoc/>
    internal override unsafe nint CreateThunk<TVisitor, TResult>() => (nint)(delegate*<ref TVisitor, MessageKind, TResult>)&Visit<TVisitor, TResult>;

    private static TResult Visit<TVisitor, TResult>(ref TVisitor visitor, MessageKind kind)
        where TVisitor : IMessageKindVisitor<TResult>, allows ref struct => visitor.Visit(Unsafe.As<MessageKind<T>>(kind));

    /// <summary>Decodes a datagram of this kind: <see cref="Packet.TryDecode{T}"/>.</summary>
    public bool TryDecode(ReadOnlySpan<byte> datagram, bool verify, out Packet packet, out T payload, out WireError error) =>
        Packet.TryDecode(datagram, verify, out packet, out payload, out error);

    /// <summary>Reads the payload from the body of a frame that <see cref="MessageKind.TryFrame"/> accepted; it must fill the body exactly.</summary>
    public bool TryReadBody(ReadOnlySpan<byte> body, out T payload, out WireError error) =>
        Packet.TryReadBody(body, out payload, out error);
}

/// <summary>
/// A message of two payloads (py-ipv8 <c>ez_send(peer, a, b)</c> / <c>@lazy_wrapper(A, B)</c>), such as the discovery
/// messages, <c>[GlobalTime, payload]</c>.
/// </summary>
/// <typeparam name="T1">The first payload.</typeparam>
/// <typeparam name="T2">The last payload; its <c>[Payload]</c> gives the id and signedness.</typeparam>
public sealed class MessageKind<T1, T2> : MessageKind
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IMessagePayload<T2>, allows ref struct
{
    /// <summary>Creates the kind.</summary>
    /// <param name="name">The message's name.</param>
    /// <param name="community">The community it belongs to, or null for every community.</param>
    /// <param name="fallback">A kind of the same id and signedness to read when this one's payloads do not fit, or null.</param>
    public MessageKind(string name, CommunityId? community = null, MessageKind? fallback = null)
        : base(name, T2.MessageId, T2.IsSigned, community, fallback, [typeof(T1), typeof(T2)], [T1.Fields, T2.Fields])
    {
    }

    /// <inheritdoc/>
    internal override unsafe nint CreateThunk<TVisitor, TResult>() => (nint)(delegate*<ref TVisitor, MessageKind, TResult>)&Visit<TVisitor, TResult>;

    private static TResult Visit<TVisitor, TResult>(ref TVisitor visitor, MessageKind kind)
        where TVisitor : IMessageKindVisitor<TResult>, allows ref struct => visitor.Visit(Unsafe.As<MessageKind<T1, T2>>(kind));

    /// <summary>Decodes a datagram of this kind: <see cref="Packet.TryDecode{T1, T2}"/>.</summary>
    public bool TryDecode(ReadOnlySpan<byte> datagram, bool verify, out Packet packet, out T1 first, out T2 second, out WireError error) =>
        Packet.TryDecode(datagram, verify, out packet, out first, out second, out error);

    /// <summary>Reads the payloads from the body of a frame that <see cref="MessageKind.TryFrame"/> accepted; they must fill the body exactly.</summary>
    public bool TryReadBody(ReadOnlySpan<byte> body, out T1 first, out T2 second, out WireError error) =>
        Packet.TryReadBody(body, out first, out second, out error);
}

/// <summary>A message of three payloads (py-ipv8 <c>ez_send(peer, a, b, c)</c> / <c>@lazy_wrapper(A, B, C)</c>).</summary>
/// <typeparam name="T1">The first payload.</typeparam>
/// <typeparam name="T2">The second payload.</typeparam>
/// <typeparam name="T3">The last payload; its <c>[Payload]</c> gives the id and signedness.</typeparam>
public sealed class MessageKind<T1, T2, T3> : MessageKind
    where T1 : IPayload<T1>, allows ref struct
    where T2 : IPayload<T2>, allows ref struct
    where T3 : IMessagePayload<T3>, allows ref struct
{
    /// <summary>Creates the kind.</summary>
    /// <param name="name">The message's name.</param>
    /// <param name="community">The community it belongs to, or null for every community.</param>
    /// <param name="fallback">A kind of the same id and signedness to read when this one's payloads do not fit, or null.</param>
    public MessageKind(string name, CommunityId? community = null, MessageKind? fallback = null)
        : base(name, T3.MessageId, T3.IsSigned, community, fallback, [typeof(T1), typeof(T2), typeof(T3)], [T1.Fields, T2.Fields, T3.Fields])
    {
    }

    /// <inheritdoc/>
    internal override unsafe nint CreateThunk<TVisitor, TResult>() => (nint)(delegate*<ref TVisitor, MessageKind, TResult>)&Visit<TVisitor, TResult>;

    private static TResult Visit<TVisitor, TResult>(ref TVisitor visitor, MessageKind kind)
        where TVisitor : IMessageKindVisitor<TResult>, allows ref struct => visitor.Visit(Unsafe.As<MessageKind<T1, T2, T3>>(kind));

    /// <summary>Decodes a datagram of this kind: <see cref="Packet.TryDecode{T1, T2, T3}"/>.</summary>
    public bool TryDecode(ReadOnlySpan<byte> datagram, bool verify, out Packet packet, out T1 first, out T2 second, out T3 third, out WireError error) =>
        Packet.TryDecode(datagram, verify, out packet, out first, out second, out third, out error);

    /// <summary>Reads the payloads from the body of a frame that <see cref="MessageKind.TryFrame"/> accepted; they must fill the body exactly.</summary>
    public bool TryReadBody(ReadOnlySpan<byte> body, out T1 first, out T2 second, out T3 third, out WireError error) =>
        Packet.TryReadBody(body, out first, out second, out third, out error);
}

/// <summary>
/// One table of function pointers per visitor type, indexed by <see cref="MessageKind.Index"/> and filled on a kind's
/// first visit (copy on write, so readers never lock). <see cref="MessageKind.Accept{TVisitor, TResult}"/> then costs an
/// array read and an indirect call. Measured in one process over the 64 vectors (bench <c>Decoders.Any</c>, 2026-11-30):
/// a switch on the id 19–21 ns per packet; this table 2–4 ns more; a table of delegates about 4 ns more; a generic
/// virtual <c>Accept</c> (the runtime's lookup on every call) about 6 ns more.
/// </summary>
internal static class KindDispatch<TVisitor, TResult>
    where TVisitor : IMessageKindVisitor<TResult>, allows ref struct
{
    private static readonly Lock s_lock = new();
    private static nint[] s_thunks = [];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint Get(MessageKind kind)
    {
        var thunks = Volatile.Read(ref s_thunks);
        var index = kind.Index;
        return (uint)index < (uint)thunks.Length && thunks[index] is var thunk && thunk != 0 ? thunk : Add(kind);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nint Add(MessageKind kind)
    {
        lock (s_lock)
        {
            var thunks = s_thunks;
            if (thunks.Length <= kind.Index)
            {
                Array.Resize(ref thunks, Math.Max(kind.Index + 1, thunks.Length * 2));
            }
            else
            {
                thunks = (nint[])thunks.Clone();
            }

            if (thunks[kind.Index] == 0)
            {
                thunks[kind.Index] = kind.CreateThunk<TVisitor, TResult>();
            }

            var thunk = thunks[kind.Index];
            Volatile.Write(ref s_thunks, thunks);
            return thunk;
        }
    }
}

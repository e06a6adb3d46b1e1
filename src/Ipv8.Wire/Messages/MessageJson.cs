using System.Text.Json;
using Ipv8.Wire.Discovery;

namespace Ipv8.Wire;

/// <summary>Writes a payload's fields as properties of the JSON object that is open.</summary>
internal delegate void PayloadJsonWriter<T>(Utf8JsonWriter writer, in T payload)
    where T : allows ref struct;

/// <summary>Refuses a payload that decodes but that py-ipv8 would not accept; checked before anything is written.</summary>
internal delegate WireError PayloadJsonCheck<T>(in T payload)
    where T : allows ref struct;

/// <summary>The JSON writer of payload type <typeparamref name="T"/>, if it has one (set by <see cref="MessageJson"/>'s registrations).</summary>
internal static class PayloadJson<T>
    where T : allows ref struct
{
    public static PayloadJsonWriter<T>? Writer { get; private set; }

    public static PayloadJsonCheck<T>? Check { get; private set; }

    public static void Register(PayloadJsonWriter<T> writer, PayloadJsonCheck<T>? check = null)
    {
        Writer = writer;
        Check = check;
    }
}

/// <summary>
/// Writes a message of a <see cref="MessageKind"/> as <c>ipv8 decode</c> prints it and the reference vectors give it:
/// <c>{"name","msg_id","signed","public_key","global_time","payload":{…}}</c>. The payloads before the last write their
/// fields at the top (the global time: <c>global_time</c>), the last one inside <c>payload</c>; each payload type has
/// one writer (<see cref="PayloadJson{T}"/>), and the kind, found in a <see cref="MessageKindRegistry"/>, picks them.
/// </summary>
internal static class MessageJson
{
    static MessageJson()
    {
        DiscoveryJson.RegisterPayloads();
        DiscoveryCommunityJson.RegisterPayloads();
    }

    /// <summary>
    /// Decodes <paramref name="datagram"/> as <paramref name="kind"/> (frame and signature once, then the payloads, then
    /// the fallback's payloads when the kind's do not fit) and writes one JSON object. On failure nothing is written and
    /// <paramref name="error"/> says why: <see cref="WireError.UnknownMessage"/> for a payload type without a writer.
    /// </summary>
    public static bool TryWrite(Utf8JsonWriter writer, ReadOnlySpan<byte> datagram, MessageKind kind, out WireError error)
    {
        if (!kind.TryFrame(datagram, verify: true, out var packet, out error))
        {
            return false;
        }

        var visitor = new Visitor(writer, packet);
        var written = kind.Accept<Visitor, bool>(ref visitor);
        error = visitor.Error;
        return written;
    }

    /// <summary>Opens the message object: name, id, signedness and, when signed, the key.</summary>
    private static void Begin(Utf8JsonWriter writer, MessageKind kind, Packet packet)
    {
        writer.WriteStartObject();
        writer.WriteString("name", kind.Name);
        writer.WriteNumber("msg_id", packet.MessageId);
        writer.WriteBoolean("signed", packet.IsSigned);
        if (packet.IsSigned)
        {
            writer.WriteString("public_key", Convert.ToHexStringLower(packet.PublicKeyBin));
        }
    }

    /// <summary>Writes the last payload as the <c>payload</c> object and closes the message.</summary>
    private static void End<T>(Utf8JsonWriter writer, in T payload)
        where T : allows ref struct
    {
        writer.WriteStartObject("payload");
        PayloadJson<T>.Writer!(writer, payload);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static bool HasWriter<T>(ref WireError error)
        where T : allows ref struct
    {
        if (PayloadJson<T>.Writer is null)
        {
            error = WireError.UnknownMessage;
            return false;
        }

        return true;
    }

    private static bool CanEnd<T>(in T payload, ref WireError error)
        where T : allows ref struct
    {
        if (!HasWriter<T>(ref error))
        {
            return false;
        }

        error = PayloadJson<T>.Check?.Invoke(payload) ?? WireError.None;
        return error == WireError.None;
    }

    private ref struct Visitor(Utf8JsonWriter writer, Packet packet) : IMessageKindVisitor<bool>
    {
        private readonly Utf8JsonWriter _writer = writer;
        private readonly Packet _packet = packet;

        public WireError Error;

        public bool Visit<T>(MessageKind<T> kind)
            where T : IMessagePayload<T>, allows ref struct
        {
            if (!kind.TryReadBody(_packet.Body, out var payload, out Error))
            {
                return Fallback(kind);
            }

            if (!CanEnd(payload, ref Error))
            {
                return false;
            }

            Begin(_writer, kind, _packet);
            End(_writer, payload);
            return true;
        }

        public bool Visit<T1, T2>(MessageKind<T1, T2> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IMessagePayload<T2>, allows ref struct
        {
            if (!kind.TryReadBody(_packet.Body, out var first, out var second, out Error))
            {
                return Fallback(kind);
            }

            if (!HasWriter<T1>(ref Error) || !CanEnd(second, ref Error))
            {
                return false;
            }

            Begin(_writer, kind, _packet);
            PayloadJson<T1>.Writer!(_writer, first);
            End(_writer, second);
            return true;
        }

        public bool Visit<T1, T2, T3>(MessageKind<T1, T2, T3> kind)
            where T1 : IPayload<T1>, allows ref struct
            where T2 : IPayload<T2>, allows ref struct
            where T3 : IMessagePayload<T3>, allows ref struct
        {
            if (!kind.TryReadBody(_packet.Body, out var first, out var second, out var third, out Error))
            {
                return Fallback(kind);
            }

            if (!HasWriter<T1>(ref Error) || !HasWriter<T2>(ref Error) || !CanEnd(third, ref Error))
            {
                return false;
            }

            Begin(_writer, kind, _packet);
            PayloadJson<T1>.Writer!(_writer, first);
            PayloadJson<T2>.Writer!(_writer, second);
            End(_writer, third);
            return true;
        }

        // The fallback reads the same body (same id and signedness); its error is the one reported, as py-ipv8 raises the last.
        private bool Fallback(MessageKind kind) => kind.Fallback is { } fallback && fallback.Accept<Visitor, bool>(ref this);
    }
}

using Ipv8.Wire;

namespace Ipv8.Interop.Tests.Support;

// The six message classes of shared/vectors/payloads.json are in tests/Shared/Payloads/UserPayloads.cs; the py-ipv8
// side declares the same classes in py/interop_peer.py. PayloadTypeTests checks them against payload_classes.

/// <summary>The same <c>Chat</c>, sent unsigned (py-ipv8 <c>ez_send(peer, chat, sig=False)</c>, <c>@lazy_wrapper_unsigned(Chat)</c>).</summary>
[Payload(MessageId = 1, Signed = false)]
public partial struct UnsignedChat
{
    [Field(Format.Int64)] public long Seq { get; init; }

    [Field(Format.VarLenHUtf8)] public string Text { get; init; }
}

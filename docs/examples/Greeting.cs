using System.Text;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Peers;
using Ipv8.Wire;

namespace SameMessage;

/// <summary>py-ipv8: <c>class Greeting(DataClassPayload[1])</c> with <c>text: str</c> and <c>count: int</c>.</summary>
[Payload(MessageId = 1)] // signed, as py-ipv8's ez_send sends it
public readonly ref partial struct Greeting
{
    [Field(Format.VarLenHUtf8)] public ReadOnlySpan<byte> Text { get; init; } // text: str   -> varlenHutf8
    [Field(Format.Int64)] public long Count { get; init; }                   // count: int  -> q
}

/// <summary>py-ipv8: <c>GreetingCommunity</c>: answers every greeting with the next count.</summary>
public sealed class GreetingCommunity : Community
{
    public static readonly CommunityId Id = CommunityId.Parse("9ee7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7");

    public GreetingCommunity(CommunitySettings settings) : base(Id, settings) =>
        AddMessageHandler<Greeting>(OnGreeting); // @lazy_wrapper(Greeting): the signature is checked first

    /// <summary>Raised for every greeting: the peer, the text and the count.</summary>
    public event Action<Peer, string, long>? Received;

    private void OnGreeting(Peer peer, in Greeting greeting)
    {
        var text = Encoding.UTF8.GetString(greeting.Text); // the span is valid only during this call
        Received?.Invoke(peer, text, greeting.Count);
        Send(peer, new Greeting { Text = "hello from .NET"u8, Count = greeting.Count + 1 }); // ez_send(peer, Greeting(...))
    }
}

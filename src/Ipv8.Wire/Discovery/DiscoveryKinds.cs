using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Ipv8.Wire.Discovery;

/// <summary>
/// py-ipv8's eight discovery messages as <see cref="MessageKind"/>s (PROTOCOL.md §4): each is
/// <c>[GlobalTime, payload]</c> and belongs to every community (py-ipv8's <c>Community</c> base class registers them
/// in <c>Community.__init__</c>). The puncture requests travel unsigned (<c>@lazy_wrapper_unsigned</c>), the rest signed.
/// </summary>
public static class DiscoveryKinds
{
    /// <summary>246, <c>introduction-request</c> (py-ipv8 <c>IntroductionRequestPayload</c>, <c>on_old_introduction_request</c>).</summary>
    public static MessageKind<GlobalTime, IntroductionRequestPayload> IntroductionRequest { get; } = new("introduction-request");

    /// <summary>245, <c>introduction-response</c> (py-ipv8 <c>IntroductionResponsePayload</c>).</summary>
    public static MessageKind<GlobalTime, IntroductionResponsePayload> IntroductionResponse { get; } = new("introduction-response");

    /// <summary>250, <c>puncture-request</c>, unsigned (py-ipv8 <c>PunctureRequestPayload</c>).</summary>
    public static MessageKind<GlobalTime, PunctureRequestPayload> PunctureRequest { get; } = new("puncture-request");

    /// <summary>249, <c>puncture</c> (py-ipv8 <c>PuncturePayload</c>).</summary>
    public static MessageKind<GlobalTime, PuncturePayload> Puncture { get; } = new("puncture");

    /// <summary>234, <c>new-introduction-request</c> (py-ipv8 <c>NewIntroductionRequestPayload</c>).</summary>
    public static MessageKind<GlobalTime, NewIntroductionRequestPayload> NewIntroductionRequest { get; } = new("new-introduction-request");

    /// <summary>233, <c>new-introduction-response</c> (py-ipv8 <c>NewIntroductionResponsePayload</c>).</summary>
    public static MessageKind<GlobalTime, NewIntroductionResponsePayload> NewIntroductionResponse { get; } = new("new-introduction-response");

    /// <summary>232, <c>new-puncture-request</c>, unsigned (py-ipv8 <c>NewPunctureRequestPayload</c>).</summary>
    public static MessageKind<GlobalTime, NewPunctureRequestPayload> NewPunctureRequest { get; } = new("new-puncture-request");

    /// <summary>231, <c>new-puncture</c> (py-ipv8 <c>NewPuncturePayload</c>).</summary>
    public static MessageKind<GlobalTime, NewPuncturePayload> NewPuncture { get; } = new("new-puncture");

    /// <summary>The eight, in py-ipv8's message id order from 246 down; the base of every community's registry.</summary>
    public static MessageKindRegistry Registry { get; } = new(
    [
        IntroductionRequest, IntroductionResponse, PunctureRequest, Puncture,
        NewIntroductionRequest, NewIntroductionResponse, NewPunctureRequest, NewPuncture,
    ]);

    /// <summary>
    /// Visits the discovery kind with <paramref name="messageId"/> (one of the eight above): <see cref="Registry"/>'s
    /// fast path for its fixed built-in set. A switch over the eight ids calls <typeparamref name="TVisitor"/>'s
    /// <c>Visit</c> with the typed kind directly, so the call is static and can be inlined, where
    /// <see cref="MessageKindRegistry.TryFind(ReadOnlySpan{byte}, out MessageKind?)"/> plus
    /// <see cref="MessageKind.Accept{TVisitor, TResult}"/> costs a table read and an indirect call (2–4 ns per packet on
    /// the 64 reference packets, bench <c>Decoders.Any</c>). Allocates nothing. Kinds registered elsewhere (a
    /// community's own, DiscoveryCommunity's) go through the registry.
    /// </summary>
    /// <typeparam name="TVisitor">The visitor, a (ref) struct passed by reference.</typeparam>
    /// <typeparam name="TResult">What a visit returns.</typeparam>
    /// <param name="messageId">The message id (the byte after the 22-byte prefix).</param>
    /// <param name="visitor">The visitor.</param>
    /// <param name="result">The visit's result; default when the id is not a discovery message.</param>
    /// <returns>False when <paramref name="messageId"/> is none of the eight.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryVisit<TVisitor, TResult>(byte messageId, ref TVisitor visitor, [MaybeNullWhen(false)] out TResult result)
        where TVisitor : IMessageKindVisitor<TResult>, allows ref struct
    {
        // The ids are the payloads' [Payload(MessageId = …)]; DiscoveryKindsTests checks the switch against Registry.
        switch (messageId)
        {
            case 246: result = visitor.Visit(IntroductionRequest); return true;
            case 245: result = visitor.Visit(IntroductionResponse); return true;
            case 250: result = visitor.Visit(PunctureRequest); return true;
            case 249: result = visitor.Visit(Puncture); return true;
            case 234: result = visitor.Visit(NewIntroductionRequest); return true;
            case 233: result = visitor.Visit(NewIntroductionResponse); return true;
            case 232: result = visitor.Visit(NewPunctureRequest); return true;
            case 231: result = visitor.Visit(NewPuncture); return true;
            default: result = default; return false;
        }
    }
}

/// <summary>
/// py-ipv8's <c>DiscoveryCommunity</c> (<c>ipv8/peerdiscovery/community.py</c>) messages as <see cref="MessageKind"/>s,
/// under its prefix (<see cref="DiscoveryCommunityMessages.CommunityId"/>): similarity request and response (signed),
/// ping and pong (unsigned), and its reading of 246. Each is <c>[GlobalTime, payload]</c>.
/// </summary>
public static class DiscoveryCommunityKinds
{
    /// <summary>1, <c>similarity-request</c> (py-ipv8 <c>SimilarityRequestPayload</c>).</summary>
    public static MessageKind<GlobalTime, SimilarityRequestPayload> SimilarityRequest { get; } = new("similarity-request", DiscoveryCommunityMessages.CommunityId);

    /// <summary>2, <c>similarity-response</c> (py-ipv8 <c>SimilarityResponsePayload</c>).</summary>
    public static MessageKind<GlobalTime, SimilarityResponsePayload> SimilarityResponse { get; } = new("similarity-response", DiscoveryCommunityMessages.CommunityId);

    /// <summary>3, <c>ping</c>, unsigned (py-ipv8 <c>PingPayload</c>).</summary>
    public static MessageKind<GlobalTime, PingPayload> Ping { get; } = new("ping", DiscoveryCommunityMessages.CommunityId);

    /// <summary>4, <c>pong</c>, unsigned (py-ipv8 <c>PongPayload</c>).</summary>
    public static MessageKind<GlobalTime, PongPayload> Pong { get; } = new("pong", DiscoveryCommunityMessages.CommunityId);

    /// <summary>
    /// 246 as DiscoveryCommunity reads it, <c>discovery-introduction-request</c> (py-ipv8
    /// <c>DiscoveryIntroductionRequestPayload</c>): the request that names a peer, falling back to the plain
    /// <see cref="DiscoveryKinds.IntroductionRequest"/> when that layout does not fit
    /// (<see cref="DiscoveryCommunityMessages.TryDecodeIntroductionRequest"/>).
    /// </summary>
    public static MessageKind<GlobalTime, DiscoveryIntroductionRequestPayload> IntroductionRequest { get; } =
        new("discovery-introduction-request", DiscoveryCommunityMessages.CommunityId, DiscoveryKinds.IntroductionRequest);

    /// <summary>
    /// The discovery messages of every community and DiscoveryCommunity's five under its prefix: what py-ipv8's
    /// <c>DiscoveryCommunity</c> handles, and every kind <c>ipv8 decode</c> knows.
    /// </summary>
    public static MessageKindRegistry Registry { get; } = DiscoveryKinds.Registry.With(SimilarityRequest, SimilarityResponse, Ping, Pong, IntroductionRequest);
}

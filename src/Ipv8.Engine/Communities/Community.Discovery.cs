using Ipv8.Engine.Peers;
using Ipv8.Wire;
using Ipv8.Wire.Discovery;

namespace Ipv8.Engine.Communities;

public abstract partial class Community
{
    /// <summary>Called after an introduction request was handled (py-ipv8 <c>introduction_request_callback</c>).</summary>
    protected virtual void IntroductionRequestCallback(Peer peer, GlobalTime time, in IntroductionRequest request)
    {
    }

    /// <summary>Called after an introduction response was handled (py-ipv8 <c>introduction_response_callback</c>).</summary>
    protected virtual void IntroductionResponseCallback(Peer peer, GlobalTime time, in IntroductionResponse response)
    {
    }

    /// <summary>Handles message 246 (py-ipv8 <c>on_old_introduction_request</c>).</summary>
    protected virtual void OnOldIntroductionRequest(Peer peer, in GlobalTime time, in IntroductionRequestPayload payload)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (payload.SupportsNewStyle)
        {
            peer.NewStyleIntro = true;
        }

        OnIntroductionRequest(peer, time, IntroductionRequest.From(payload));
    }

    /// <summary>Handles message 234 (py-ipv8 <c>on_new_introduction_request</c>).</summary>
    protected virtual void OnNewIntroductionRequest(Peer peer, in GlobalTime time, in NewIntroductionRequestPayload payload)
    {
        ArgumentNullException.ThrowIfNull(peer);
        peer.NewStyleIntro = true;
        OnIntroductionRequest(peer, time, IntroductionRequest.From(payload));
    }

    /// <summary>
    /// Handles an introduction request of either style (py-ipv8 <c>on_introduction_request</c>): over the peer limit it
    /// drops the request (the sender churns); otherwise it records the peer, answers with an introduction response
    /// (introducing a random other peer, who gets a puncture request) and calls the callback.
    /// </summary>
    protected virtual void OnIntroductionRequest(Peer peer, GlobalTime time, in IntroductionRequest request)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (MaxPeers >= 0 && MaxPeers < PeerCount)
        {
            Counters.Drop(DropReason.PeerLimit);
            CommunityLog.PeerLimit(RemoteLog, peer.Address, MaxPeers);
            return;
        }

        var destination = peer.Address;
        if (!IsVerifiedDestination(peer, destination) && !Limits.AllowUnverifiedReply(destination))
        {
            Counters.Drop(DropReason.RateLimited);
            return;
        }

        // The LAN address, the peer, and the service: one change of the network.
        var verified = Network.AddVerifiedPeer(peer, CommunityId, request.SourceLanAddress.IsIPv4 ? request.SourceLanAddress : null);
        if (verified is null)
        {
            Counters.Drop(DropReason.Blacklisted);
        }
        else
        {
            peer = verified;
        }

        destination = peer.Address;
        Span<byte> buffer = stackalloc byte[MaxDiscoveryPacketSize];
        var n = WriteIntroductionResponse(buffer, request.DestinationAddress, destination, request.Identifier, requester: verified, introduction: null, extraBytes: default, prefix: default, newStyle: peer.NewStyleIntro);
        SendPacket(destination, buffer[..n]);

        IntroductionRequestCallback(peer, time, request);
    }

    /// <summary>Handles message 245 (py-ipv8 <c>on_old_introduction_response</c>).</summary>
    protected virtual void OnOldIntroductionResponse(Peer peer, in GlobalTime time, in IntroductionResponsePayload payload)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (payload.SupportsNewStyle)
        {
            peer.NewStyleIntro = true;
        }

        OnIntroductionResponse(peer, time, IntroductionResponse.From(payload));
    }

    /// <summary>Handles message 233 (py-ipv8 <c>on_new_introduction_response</c>).</summary>
    protected virtual void OnNewIntroductionResponse(Peer peer, in GlobalTime time, in NewIntroductionResponsePayload payload)
    {
        ArgumentNullException.ThrowIfNull(peer);
        peer.NewStyleIntro = true;
        OnIntroductionResponse(peer, time, IntroductionResponse.From(payload));
    }

    /// <summary>
    /// Handles an introduction response of either style (py-ipv8 <c>on_introduction_response</c>): updates our address
    /// estimates, switches the peer to another interface it offers and we serve, records it as verified, and learns the
    /// introduced addresses as walkable.
    /// </summary>
    protected virtual void OnIntroductionResponse(Peer peer, GlobalTime time, in IntroductionResponse response)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var destination = response.DestinationAddress;
        if (destination.IsIPv4 && !destination.IsPrivateIPv4)
        {
            MyEstimatedWan = destination;
        }

        MyPeer.Address = destination;

        if (peer.NewStyleIntro)
        {
            var requested = response.SourceWanAddress;
            var used = peer.Address;
            if (requested.IsIPv6 != used.IsIPv6 && requested != used && ServesFamily(requested.IsIPv6))
            {
                Network.DiscoverAddress(peer, requested, CommunityId, newStyle: true);
                var myAddress = MyPeer.GetAddress(requested.IsIPv6) ?? GuessAddress(requested.IsIPv6);
                if (myAddress is { } mine)
                {
                    Span<byte> punctureRequest = stackalloc byte[MaxDiscoveryPacketSize];
                    var length = CreatePunctureRequest(punctureRequest, UdpAddress.Any, mine, response.Identifier, newStyle: true);
                    SendPacket(peer.Address, punctureRequest[..length]);
                }
            }
        }

        RecordWalkRoundTrip(response.Identifier);
        var verified = Network.AddVerifiedPeer(peer, CommunityId);
        if (verified is null)
        {
            DropRefusedResponder(peer.Address);
        }
        else
        {
            peer = verified;
        }

        var lan = response.LanIntroductionAddress;
        var wan = response.WanIntroductionAddress;
        var myWan = MyEstimatedWan;
        var newStyle = response.IntroSupportsNewStyle;
        if (!wan.IsAny && !wan.HostEquals(myWan))
        {
            if (!lan.IsAny)
            {
                Network.DiscoverAddress(peer, lan, CommunityId, newStyle);
            }

            Network.DiscoverAddress(peer, wan, CommunityId, newStyle);
        }
        else if (!lan.IsAny && wan.HostEquals(myWan))
        {
            Network.DiscoverAddress(peer, lan, CommunityId, newStyle);
        }
        else if (!wan.IsAny)
        {
            Network.DiscoverAddress(peer, wan, CommunityId, newStyle);
            var myLan = MyEstimatedLan;
            if (myLan.IsIPv4)
            {
                Network.DiscoverAddress(peer, myLan.WithPort(wan.Port), CommunityId, newStyle);
            }
        }

        IntroductionResponseCallback(peer, time, response);
    }

    /// <summary>Handles message 249: the signature was checked, nothing else happens (py-ipv8 <c>on_puncture</c>).</summary>
    protected virtual void OnOldPuncture(Peer peer, in GlobalTime time, in PuncturePayload payload)
    {
    }

    /// <summary>Handles message 231: the signature was checked, nothing else happens (py-ipv8 <c>on_new_puncture</c>).</summary>
    protected virtual void OnNewPuncture(Peer peer, in GlobalTime time, in NewPuncturePayload payload)
    {
    }

    /// <summary>Handles message 250 (py-ipv8 <c>on_old_puncture_request</c>).</summary>
    protected virtual void OnOldPunctureRequest(UdpAddress source, in GlobalTime time, in PunctureRequestPayload payload) =>
        OnPunctureRequest(source, time, payload.LanWalkerAddress, payload.WanWalkerAddress, payload.Identifier, newStyle: false);

    /// <summary>Handles message 232 (py-ipv8 <c>on_new_puncture_request</c>).</summary>
    protected virtual void OnNewPunctureRequest(UdpAddress source, in GlobalTime time, in NewPunctureRequestPayload payload) =>
        OnPunctureRequest(source, time, payload.LanWalkerAddress, payload.WanWalkerAddress, payload.Identifier, newStyle: true);

    /// <summary>
    /// Handles a puncture request of either style (py-ipv8 <c>on_puncture_request</c>): sends a signed puncture to the
    /// walker's WAN address, or to its LAN address when the walker shares our WAN IP.
    /// </summary>
    protected virtual void OnPunctureRequest(UdpAddress source, GlobalTime time, UdpAddress lanWalker, UdpAddress wanWalker, ushort identifier, bool newStyle)
    {
        var target = wanWalker.HostEquals(MyEstimatedWan) ? lanWalker : wanWalker;
        if (!Limits.AllowPuncture(target))
        {
            Counters.Drop(DropReason.RateLimited);
            return;
        }

        Span<byte> buffer = stackalloc byte[MaxDiscoveryPacketSize];
        var n = CreatePuncture(buffer, MyEstimatedLan, wanWalker, identifier, newStyle);
        SendPacket(target, buffer[..n]);
    }
}

using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Peers;
using Ipv8.Wire;

namespace Ipv8.Engine.Communities;

public abstract partial class Community
{
    private const double KeepAliveChance = 0.05;

    // This community's entry of the network's peers by service, looked up once (an entry is never removed).
    private Network.ServicePeers? _servicePeers;

    /// <summary>The verified peers of this community (py-ipv8 <c>get_peers</c>). A shared snapshot: do not modify it.</summary>
    public Peer[] GetPeers() => Network.GetPeersForService(CommunityId);

    /// <summary>
    /// The number of verified peers of this community (py-ipv8 <c>len(get_peers())</c>; <see cref="Network.CountPeersForService"/>
    /// without the look-up by service id). Allocates nothing and takes no lock: cheap enough to poll for thousands of
    /// communities.
    /// </summary>
    public int PeerCount => ServicePeers.Count;

    /// <summary>The network's live list of this community's peers (its count is read without a lock).</summary>
    internal Network.ServicePeers ServicePeers => Volatile.Read(ref _servicePeers) ?? LookUpServicePeers();

    /// <summary>Addresses we know of but have not verified, for this community (py-ipv8 <c>get_walkable_addresses</c>).</summary>
    public List<UdpAddress> GetWalkableAddresses() => Network.GetWalkableAddresses(CommunityId);

    /// <summary>Sends an introduction request to an address (py-ipv8 <c>walk_to</c>); new-style if the network knows the address as such.</summary>
    public void WalkTo(UdpAddress address) => WalkTo(address, Network.IsNewStyle(address));

    /// <summary><see cref="WalkTo(UdpAddress)"/> when the caller already knows whether the address is new-style.</summary>
    internal void WalkTo(UdpAddress address, bool newStyle)
    {
        Span<byte> buffer = stackalloc byte[MaxDiscoveryPacketSize];
        var n = CreateIntroductionRequest(buffer, address, newStyle);
        SendPacket(address, buffer[..n]);
    }

    /// <summary>Sends an introduction request to a peer (py-ipv8 <c>send_introduction_request</c>).</summary>
    public void SendIntroductionRequest(Peer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var address = peer.Address;
        Span<byte> buffer = stackalloc byte[MaxDiscoveryPacketSize];
        var n = CreateIntroductionRequest(buffer, address, peer.NewStyleIntro);
        SendPacket(address, buffer[..n]);
    }

    /// <summary>
    /// Asks for a new introduction (py-ipv8 <c>get_new_introduction</c>): with no peers, bootstrap; otherwise, 5% of the
    /// time when a bootstrapper is ready, keep the bootstrappers alive; otherwise ask a random peer.
    /// </summary>
    public void GetNewIntroduction(Peer? fromPeer = null)
    {
        if (fromPeer is null)
        {
            // A random peer of the live list, under the network's lock: no snapshot of the peers per call (the set changes
            // often while a swarm walks, and every change made the next call copy it).
            var peers = ServicePeers;
            var keepAlive = false;
            lock (_random)
            {
                if (peers.Count > 0)
                {
                    keepAlive = _random.NextDouble() < KeepAliveChance;
                    fromPeer = Network.PickRandomPeer(peers, _random);
                }
            }

            if (fromPeer is null)
            {
                Bootstrap();
                return;
            }

            if (keepAlive && AnyBootstrapperInitialized())
            {
                foreach (var bootstrapper in Bootstrappers)
                {
                    bootstrapper.KeepAlive(this);
                }

                return;
            }
        }

        SendIntroductionRequest(fromPeer);
    }

    private bool AnyBootstrapperInitialized()
    {
        var bootstrappers = Bootstrappers;
        for (var i = 0; i < bootstrappers.Count; i++)
        {
            if (bootstrappers[i].Initialized)
            {
                return true;
            }
        }

        return false;
    }

    private Network.ServicePeers LookUpServicePeers()
    {
        var peers = Network.GetServicePeers(CommunityId);
        Volatile.Write(ref _servicePeers, peers);
        return peers;
    }

    /// <summary>
    /// A random verified peer of this community to introduce, never <paramref name="exclude"/>, and IPv4 only unless
    /// <paramref name="newStyle"/> (py-ipv8 <c>get_peer_for_introduction</c>). Allocates nothing.
    /// </summary>
    public Peer? GetPeerForIntroduction(Peer? exclude = null, bool newStyle = false)
    {
        lock (_random)
        {
            return Network.PickPeerForIntroduction(CommunityId, _random, exclude, newStyle);
        }
    }

    /// <summary>
    /// A uniformly random peer of <paramref name="peers"/> that is not <paramref name="exclude"/> and, unless
    /// <paramref name="newStyle"/>, has an IPv4 address. A few random draws first (rejection sampling keeps the choice
    /// uniform, in O(1) for the usual case); a full pass only when they all miss.
    /// </summary>
    internal static Peer? PickIntroduction(ReadOnlySpan<Peer> peers, Random random, Peer? exclude, bool newStyle)
    {
        if (peers.Length == 0)
        {
            return null;
        }

        for (var attempt = 0; attempt < 16; attempt++)
        {
            var candidate = peers[random.Next(peers.Length)];
            if (IsIntroducible(candidate, exclude, newStyle))
            {
                return candidate;
            }
        }

        Peer? chosen = null;
        var seen = 0;
        foreach (var peer in peers)
        {
            if (IsIntroducible(peer, exclude, newStyle) && random.Next(++seen) == 0)
            {
                chosen = peer;
            }
        }

        return chosen;
    }

    private static bool IsIntroducible(Peer peer, Peer? exclude, bool newStyle) =>
        !peer.Equals(exclude) && (newStyle || peer.Address.IsIPv4);

    /// <summary>
    /// Contacts every bootstrapper for addresses and walks to at most <see cref="MaxPeers"/> of them (py-ipv8
    /// <c>bootstrap</c>). Runs in the background; cancelled by <see cref="UnloadAsync"/>.
    /// </summary>
    public void Bootstrap()
    {
        if (IsUnloaded)
        {
            return;
        }

        foreach (var bootstrapper in Bootstrappers)
        {
            try
            {
                Tasks.RegisterAnonymousTask($"bootstrap {bootstrapper}", token => BootstrapAsync(bootstrapper, token));
            }
            catch (InvalidOperationException)
            {
                return; // unloading
            }
        }
    }

    /// <summary>Adds an address to the network's blacklist (py-ipv8 <c>ensure_blacklisted</c>).</summary>
    public void EnsureBlacklisted(UdpAddress address) => Network.BlacklistAddress(address);

    /// <summary>
    /// Guesses our own address on an interface (py-ipv8 <c>guess_address</c>): IPv4 → our LAN estimate; IPv6 → the
    /// endpoint's IPv6 address. Null when the endpoint does not serve that family.
    /// </summary>
    public UdpAddress? GuessAddress(bool ipv6)
    {
        if (ipv6)
        {
            return Endpoint.Ipv6Address;
        }

        return Endpoint.Ipv4Address is null ? null : MyEstimatedLan;
    }

    /// <summary>
    /// Our preferred address, the <c>source_wan_address</c> of new-style messages (py-ipv8 <c>my_preferred_address</c>):
    /// our own guess for every interface the endpoint serves, IPv6 preferred. As py-ipv8's <c>DispatcherEndpoint</c> (what
    /// its <c>IPv8</c> service runs) it guesses again on every call, so the address an introduction response told us is
    /// never advertised here: a new-style message carries our interface address (py-ipv8 compares interface names with
    /// address classes, so its "already known" check never holds).
    /// </summary>
    public UdpAddress MyPreferredAddress()
    {
        foreach (var ipv6 in (ReadOnlySpan<bool>)[false, true])
        {
            if (ServesFamily(ipv6) && GuessAddress(ipv6) is { } guess)
            {
                MyPeer.Address = guess;
            }
        }

        var address = MyPeer.Address;
        return address.IsAny ? MyEstimatedWan : address;
    }

    /// <summary>
    /// True when <paramref name="address"/> is one of this machine's own IPv4 addresses (py-ipv8 <c>address_is_lan</c>:
    /// the host is in <c>get_lan_addresses()</c>, which never lists 127.0.0.1). An introduced peer on our own host is
    /// introduced by its address as LAN and our WAN host with its port as WAN.
    /// </summary>
    public bool AddressIsLan(UdpAddress address) => OwnAddresses.Contains(address);

    private bool ServesFamily(bool ipv6) => ipv6 ? Endpoint.Ipv6Address is not null : Endpoint.Ipv4Address is not null;

    private async Task BootstrapAsync(IBootstrapper bootstrapper, CancellationToken token)
    {
        var initialize = bootstrapper.InitializeAsync(this, token);
        var addresses = await bootstrapper.GetAddressesAsync(this, TimeSpan.FromSeconds(60), token).ConfigureAwait(false);
        var limit = MaxPeers < 0 ? int.MaxValue : MaxPeers;
        foreach (var address in addresses.Take(limit))
        {
            token.ThrowIfCancellationRequested();
            WalkTo(address);
        }

        await initialize.ConfigureAwait(false);
        CommunityLog.Bootstrapped(Logger, GetType().Name, bootstrapper, addresses.Count);
    }

    /// <summary>
    /// Guesses the address estimates again once the endpoint is open (the node calls it from <c>Start</c>): the
    /// community is built before a UDP endpoint is bound, when the endpoint has no address yet. A WAN estimate learned
    /// from an introduction response in the meantime is kept.
    /// </summary>
    internal void RefreshAddressEstimates()
    {
        lock (_addressLock)
        {
            var lan = _myEstimatedLan;
            var wan = _myEstimatedWan;
            InitializeAddressEstimates();
            if (wan != lan)
            {
                _myEstimatedWan = wan;
            }
        }
    }

    private void InitializeAddressEstimates()
    {
        UdpAddress lan;
        if (Endpoint.Ipv4Address is { } v4)
        {
            lan = v4.IsUnspecifiedHost
                ? (OwnAddresses.FirstLanAddress ?? UdpAddress.Parse("127.0.0.1:0")).WithPort(v4.Port)
                : v4;
        }
        else
        {
            lan = Endpoint.Ipv6Address ?? UdpAddress.Any;
        }

        _myEstimatedLan = lan;
        _myEstimatedWan = lan;
    }
}

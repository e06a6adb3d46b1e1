using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Engine.Peers;

/// <summary>
/// The peer table shared by the communities of one node (py-ipv8 <c>Network</c>): walkable addresses (address →
/// introducer, service, new-style), verified peers by key, the services each peer offers, and two blacklists (by
/// address and by mid). Thread-safe. Every table is bounded by <see cref="NetworkOptions"/>; a full table evicts its
/// least recently useful entry.
/// </summary>
public sealed class Network
{
    private readonly Lock _lock = new();
    private readonly NetworkOptions _options;

    // Every known address (walkable, and those of verified peers), oldest first.
    private readonly Dictionary<UdpAddress, LinkedListNode<WalkableAddress>> _addresses = [];
    private readonly LinkedList<WalkableAddress> _addressOrder = new();

    private readonly Dictionary<PublicKey, PeerEntry> _verified = new(KeyComparer.Instance);
    private readonly Dictionary<PublicKey, PeerEntry>.AlternateLookup<ReadOnlySpan<byte>> _verifiedByBin;
    private readonly Dictionary<UdpAddress, Peer> _byAddress = [];
    private readonly Dictionary<CommunityId, ServicePeers> _servicePeers = [];

    private readonly BoundedSet<UdpAddress> _blacklist;
    private readonly BoundedSet<MidKey> _blacklistMids;

    // Services that peers not verified (yet) announced (py-ipv8 keeps services per key whether or not the peer is
    // verified); applied when the peer is. Bounded by NetworkOptions.MaxPendingServicePeers, oldest key first.
    private readonly Dictionary<PublicKey, LinkedListNode<(PublicKey Key, HashSet<CommunityId> Services)>> _pendingServices = new(KeyComparer.Instance);
    private readonly LinkedList<(PublicKey Key, HashSet<CommunityId> Services)> _pendingOrder = new();

    // py-ipv8 service_overlays: the communities of this node, by id.
    private readonly Dictionary<CommunityId, Communities.Community> _serviceProviders = [];

    /// <summary>Creates an empty network with the given caps (defaults when null).</summary>
    public Network(NetworkOptions? options = null)
    {
        _options = options ?? new NetworkOptions();
        _options.Validate();
        _verifiedByBin = _verified.GetAlternateLookup<ReadOnlySpan<byte>>();
        _blacklist = new BoundedSet<UdpAddress>(_options.MaxBlacklistedAddresses);
        _blacklistMids = new BoundedSet<MidKey>(_options.MaxBlacklistedMids);
    }

    /// <summary>Raised (outside the table lock) when a peer becomes verified.</summary>
    public event Action<Peer>? PeerAdded;

    /// <summary>Raised (outside the table lock) when a verified peer is removed or evicted.</summary>
    public event Action<Peer>? PeerRemoved;

    /// <summary>The caps in force.</summary>
    public NetworkOptions Options => _options;

    /// <summary>The number of verified peers.</summary>
    public int VerifiedPeerCount
    {
        get
        {
            lock (_lock)
            {
                return _verified.Count;
            }
        }
    }

    /// <summary>The number of known addresses (walkable plus those of verified peers).</summary>
    public int KnownAddressCount
    {
        get
        {
            lock (_lock)
            {
                return _addresses.Count;
            }
        }
    }

    /// <summary>A copy of the verified peers.</summary>
    public IReadOnlyList<Peer> VerifiedPeers
    {
        get
        {
            lock (_lock)
            {
                return _verified.Values.Select(e => e.Peer).ToArray();
            }
        }
    }

    /// <summary>Blacklisted addresses: never added as peers (py-ipv8 <c>blacklist</c>).</summary>
    public int BlacklistedAddressCount
    {
        get
        {
            lock (_lock)
            {
                return _blacklist.Count;
            }
        }
    }

    /// <summary>Adds an address to the blacklist (py-ipv8 <c>network.blacklist.append</c>).</summary>
    public void BlacklistAddress(UdpAddress address)
    {
        lock (_lock)
        {
            _blacklist.Add(address);
        }
    }

    /// <summary>True when the address is blacklisted.</summary>
    public bool IsBlacklisted(UdpAddress address)
    {
        lock (_lock)
        {
            return _blacklist.Contains(address);
        }
    }

    /// <summary>Adds a mid to the blacklist (py-ipv8 <c>network.blacklist_mids.append</c>).</summary>
    public void BlacklistMid(ReadOnlySpan<byte> mid)
    {
        var key = MidKey.From(mid);
        lock (_lock)
        {
            _blacklistMids.Add(key);
        }
    }

    /// <summary>True when the mid is blacklisted.</summary>
    public bool IsMidBlacklisted(ReadOnlySpan<byte> mid)
    {
        var key = MidKey.From(mid);
        lock (_lock)
        {
            return _blacklistMids.Contains(key);
        }
    }

    /// <summary>
    /// True when the mid of <paramref name="publicKeyBin"/> (its SHA-1) is blacklisted. About 0.3 µs: cheap enough to
    /// run before a signature check, which costs two orders of magnitude more. Allocates nothing.
    /// </summary>
    public bool IsKeyBlacklisted(ReadOnlySpan<byte> publicKeyBin)
    {
        Span<byte> mid = stackalloc byte[20];
        System.Security.Cryptography.SHA1.HashData(publicKeyBin, mid);
        return IsMidBlacklisted(mid);
    }

    /// <summary>True when the address is known and known to speak the new-style messages (py-ipv8 <c>is_new_style</c>).</summary>
    public bool IsNewStyle(UdpAddress address)
    {
        lock (_lock)
        {
            return _addresses.TryGetValue(address, out var node) && node.Value.NewStyle;
        }
    }

    /// <summary>
    /// A peer introduced us to <paramref name="address"/> (py-ipv8 <c>discover_address</c>). A blacklisted address only
    /// verifies the introducer. The address is recorded unless it is known with a still-verified introducer.
    /// </summary>
    public void DiscoverAddress(Peer peer, UdpAddress address, CommunityId? service = null, bool newStyle = false)
    {
        ArgumentNullException.ThrowIfNull(peer);
        List<Peer>? removed = null;
        Peer? added;
        lock (_lock)
        {
            if (!_blacklist.Contains(address))
            {
                if (!_addresses.TryGetValue(address, out var node)
                    || node.Value.IntroducedBy is null
                    || !_verified.ContainsKey(node.Value.IntroducedBy))
                {
                    SetAddressEntry(address, new WalkableAddress(address, peer.Key, service, newStyle));
                }
            }

            added = AddVerifiedPeerLocked(peer, ref removed);
        }

        Notify(added, removed);
    }

    /// <summary>A peer offers this service (py-ipv8 <c>discover_services</c>).</summary>
    public void DiscoverServices(Peer peer, CommunityId service)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_lock)
        {
            DiscoverServiceLocked(peer, service);
        }
    }

    /// <summary>
    /// A peer offers these services (py-ipv8 <c>discover_services</c>). Services of a peer that is not verified are
    /// remembered (at most <see cref="NetworkOptions.MaxPendingServicePeers"/> such peers) and apply once it is.
    /// </summary>
    public void DiscoverServices(Peer peer, IEnumerable<CommunityId> services)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(services);
        lock (_lock)
        {
            foreach (var service in services)
            {
                DiscoverServiceLocked(peer, service);
            }
        }
    }

    /// <summary>Registers a community of this node as the provider of its service (py-ipv8 <c>register_service_provider</c>).</summary>
    public void RegisterServiceProvider(CommunityId service, Communities.Community overlay)
    {
        ArgumentNullException.ThrowIfNull(overlay);
        lock (_lock)
        {
            _serviceProviders[service] = overlay;
        }
    }

    /// <summary>Forgets a community that unloaded, if it is still the provider of <paramref name="service"/>.</summary>
    public void UnregisterServiceProvider(CommunityId service, Communities.Community overlay)
    {
        lock (_lock)
        {
            if (_serviceProviders.TryGetValue(service, out var registered) && ReferenceEquals(registered, overlay))
            {
                _serviceProviders.Remove(service);
            }
        }
    }

    /// <summary>This node's communities by service id (py-ipv8 <c>service_overlays</c>), a copy.</summary>
    public IReadOnlyDictionary<CommunityId, Communities.Community> ServiceProviders
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<CommunityId, Communities.Community>(_serviceProviders);
            }
        }
    }

    /// <summary>The number of peers not verified yet whose services are remembered.</summary>
    public int PendingServicePeerCount
    {
        get
        {
            lock (_lock)
            {
                return _pendingServices.Count;
            }
        }
    }

    private void DiscoverServiceLocked(Peer peer, CommunityId service)
    {
        if (!_verified.TryGetValue(peer.Key, out var entry))
        {
            if (!_pendingServices.TryGetValue(peer.Key, out var pending))
            {
                if (_pendingServices.Count >= _options.MaxPendingServicePeers && _pendingOrder.First is { } oldest)
                {
                    _pendingServices.Remove(oldest.Value.Key);
                    _pendingOrder.RemoveFirst();
                }

                pending = _pendingOrder.AddLast((peer.Key, []));
                _pendingServices[peer.Key] = pending;
            }

            if (pending.Value.Services.Count < _options.MaxServicesPerPeer)
            {
                pending.Value.Services.Add(service);
            }

            return;
        }

        if (entry.Services.Contains(service) || entry.Services.Count >= _options.MaxServicesPerPeer)
        {
            return;
        }

        entry.Services.Add(service);
        GetServicePeers(service).Add(entry.Peer);
    }

    /// <summary>The services a peer offers.</summary>
    public IReadOnlyCollection<CommunityId> GetServicesForPeer(Peer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_lock)
        {
            return _verified.TryGetValue(peer.Key, out var entry) ? entry.Services.ToArray() : [];
        }
    }

    /// <summary>
    /// The verified peer at <paramref name="address"/> when it offers <paramref name="service"/> (a peer of that
    /// community); otherwise null. Allocation-free.
    /// </summary>
    public Peer? GetVerifiedByAddress(UdpAddress address, CommunityId service)
    {
        lock (_lock)
        {
            return _byAddress.TryGetValue(address, out var peer) && _verified.TryGetValue(peer.Key, out var entry) && entry.Services.Contains(service)
                ? peer
                : null;
        }
    }

    /// <summary>
    /// Adds a verified peer (py-ipv8 <c>add_verified_peer</c>). A blacklisted mid is ignored; a known key only merges
    /// addresses; a peer none of whose addresses is known is refused when one of them is blacklisted.
    /// </summary>
    /// <returns>The verified peer instance for that key (the existing one if known), or null when refused.</returns>
    public Peer? AddVerifiedPeer(Peer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        List<Peer>? removed = null;
        Peer? added;
        Peer? result;
        lock (_lock)
        {
            added = AddVerifiedPeerLocked(peer, ref removed);
            result = _verified.TryGetValue(peer.Key, out var entry) ? entry.Peer : null;
        }

        Notify(added, removed);
        return result;
    }

    /// <summary>Sets a verified peer's address for its family and updates the address index (the signed-message rule: a known peer gains the source address).</summary>
    public void UpdateAddress(Peer peer, UdpAddress address)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_lock)
        {
            var old = peer.GetAddress(address.IsIPv6);
            peer.Address = address;
            if (_verified.TryGetValue(peer.Key, out var entry) && ReferenceEquals(entry.Peer, peer))
            {
                if (old is { } previous && previous != address && _byAddress.TryGetValue(previous, out var owner) && ReferenceEquals(owner, peer))
                {
                    _byAddress.Remove(previous);
                }

                _byAddress[address] = peer;
                PruneAddressIndex();
                if (!_addresses.ContainsKey(address))
                {
                    SetAddressEntry(address, new WalkableAddress(address, null, null, false));
                }
            }
        }
    }

    /// <summary>Sets a peer's reported LAN address and indexes it.</summary>
    public void UpdateLanAddress(Peer peer, UdpAddress lanAddress)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_lock)
        {
            var old = peer.LanAddress;
            peer.LanAddress = lanAddress;
            if (_verified.TryGetValue(peer.Key, out var entry) && ReferenceEquals(entry.Peer, peer))
            {
                if (old is { } previous && previous != lanAddress && _byAddress.TryGetValue(previous, out var owner) && ReferenceEquals(owner, peer) && !peer.HasAddress(previous))
                {
                    _byAddress.Remove(previous);
                }

                _byAddress.TryAdd(lanAddress, peer);
            }
        }
    }

    /// <summary>The verified peer with this address, if any (py-ipv8 <c>get_verified_by_address</c>). Allocates nothing.</summary>
    public Peer? GetVerifiedByAddress(UdpAddress address)
    {
        lock (_lock)
        {
            return _byAddress.TryGetValue(address, out var peer) && peer.HasAddress(address) ? peer : null;
        }
    }

    /// <summary>The verified peer with this public key bin, if any. Allocates nothing.</summary>
    public Peer? GetVerifiedByPublicKeyBin(ReadOnlySpan<byte> publicKeyBin)
    {
        lock (_lock)
        {
            return _verifiedByBin.TryGetValue(publicKeyBin, out var entry) ? entry.Peer : null;
        }
    }

    /// <summary>
    /// The verified peers that offer <paramref name="service"/> (py-ipv8 <c>get_peers_for_service</c>). The array is a
    /// snapshot shared between calls until the set changes: do not modify it. Allocates nothing in steady state.
    /// </summary>
    public Peer[] GetPeersForService(CommunityId service)
    {
        lock (_lock)
        {
            return _servicePeers.TryGetValue(service, out var peers) ? peers.Snapshot() : [];
        }
    }

    /// <summary>The number of verified peers that offer <paramref name="service"/>. Allocates nothing.</summary>
    public int CountPeersForService(CommunityId service)
    {
        lock (_lock)
        {
            return _servicePeers.TryGetValue(service, out var peers) ? peers.Count : 0;
        }
    }

    /// <summary>
    /// Addresses ready to walk to for <paramref name="service"/> (py-ipv8 <c>get_walkable_addresses</c>): known addresses
    /// minus those of the peers already known for that service (of every verified peer when no service is given),
    /// restricted to addresses introduced for that service, or by a peer offering it. So a peer verified in one community
    /// and introduced in another is walked to in the other, as in py-ipv8.
    /// </summary>
    public List<UdpAddress> GetWalkableAddresses(CommunityId? service = null, bool oldStyleOnly = false)
    {
        var result = new List<UdpAddress>();
        lock (_lock)
        {
            foreach (var entry in _addressOrder)
            {
                if (_byAddress.TryGetValue(entry.Address, out var owner) && owner.HasAddress(entry.Address)
                    && (service is not { } served || (_verified.TryGetValue(owner.Key, out var ownerEntry) && ownerEntry.Services.Contains(served))))
                {
                    continue;
                }

                if (service is { } wanted)
                {
                    if (oldStyleOnly && entry.NewStyle)
                    {
                        continue;
                    }

                    var offered = entry.Service == wanted
                        || (entry.IntroducedBy is not null && _verified.TryGetValue(entry.IntroducedBy, out var introducer) && introducer.Services.Contains(wanted));
                    if (!offered)
                    {
                        continue;
                    }
                }

                result.Add(entry.Address);
            }
        }

        return result;
    }

    /// <summary>The addresses a peer introduced us to (py-ipv8 <c>get_introductions_from</c>).</summary>
    public List<UdpAddress> GetIntroductionsFrom(Peer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_lock)
        {
            return _addressOrder.Where(e => peer.Key.Equals(e.IntroducedBy)).Select(e => e.Address).ToList();
        }
    }

    /// <summary>Forgets an address, and every verified peer that uses it (py-ipv8 <c>remove_by_address</c>).</summary>
    public void RemoveByAddress(UdpAddress address)
    {
        List<Peer>? removed = null;
        lock (_lock)
        {
            RemoveAddressEntry(address);
            foreach (var entry in _verified.Values.Where(e => e.Peer.HasAddress(address)).ToList())
            {
                RemovePeerLocked(entry.Peer, ref removed);
            }
        }

        Notify(null, removed);
    }

    /// <summary>Removes a verified peer and its addresses (py-ipv8 <c>remove_peer</c>).</summary>
    public void RemovePeer(Peer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        List<Peer>? removed = null;
        lock (_lock)
        {
            foreach (var address in peer.Addresses)
            {
                RemoveAddressEntry(address);
            }

            if (_verified.TryGetValue(peer.Key, out var entry))
            {
                RemovePeerLocked(entry.Peer, ref removed);
            }

            if (_pendingServices.Remove(peer.Key, out var pending))
            {
                _pendingOrder.Remove(pending);
            }
        }

        Notify(null, removed);
    }

    private Peer? AddVerifiedPeerLocked(Peer peer, ref List<Peer>? removed)
    {
        if (_blacklistMids.Contains(MidKey.From(peer.Mid)))
        {
            return null;
        }

        if (_verified.TryGetValue(peer.Key, out var known))
        {
            if (!ReferenceEquals(known.Peer, peer))
            {
                known.Peer.MergeAddresses(peer);
                IndexAddresses(known.Peer);
            }

            return null;
        }

        var addresses = peer.Addresses;
        var anyKnown = false;
        var anyBlacklisted = false;
        foreach (var address in addresses)
        {
            anyKnown |= _addresses.ContainsKey(address);
            anyBlacklisted |= _blacklist.Contains(address);
        }

        if (!anyKnown && anyBlacklisted)
        {
            return null;
        }

        foreach (var address in addresses)
        {
            if (!_addresses.ContainsKey(address))
            {
                SetAddressEntry(address, new WalkableAddress(address, null, null, false));
            }
        }

        if (_verified.Count >= _options.MaxVerifiedPeers)
        {
            EvictLeastRecentPeer(ref removed);
        }

        var added = new PeerEntry(peer);
        _verified[peer.Key] = added;
        IndexAddresses(peer);
        if (_pendingServices.Remove(peer.Key, out var pending))
        {
            _pendingOrder.Remove(pending);
            foreach (var service in pending.Value.Services)
            {
                added.Services.Add(service);
                GetServicePeers(service).Add(peer);
            }
        }

        return peer;
    }

    private void EvictLeastRecentPeer(ref List<Peer>? removed)
    {
        PeerEntry? oldest = null;
        foreach (var entry in _verified.Values)
        {
            if (oldest is null || entry.Peer.LastResponseTimestamp < oldest.Peer.LastResponseTimestamp)
            {
                oldest = entry;
            }
        }

        if (oldest is not null)
        {
            RemovePeerLocked(oldest.Peer, ref removed);
        }
    }

    private void RemovePeerLocked(Peer peer, ref List<Peer>? removed)
    {
        if (!_verified.Remove(peer.Key, out var entry))
        {
            return;
        }

        foreach (var address in peer.Addresses)
        {
            if (_byAddress.TryGetValue(address, out var owner) && ReferenceEquals(owner, peer))
            {
                _byAddress.Remove(address);
            }
        }

        foreach (var service in entry.Services)
        {
            if (_servicePeers.TryGetValue(service, out var peers))
            {
                peers.Remove(peer);
            }
        }

        (removed ??= []).Add(peer);
    }

    private void IndexAddresses(Peer peer)
    {
        foreach (var address in peer.Addresses)
        {
            _byAddress[address] = peer;
        }

        PruneAddressIndex();
    }

    /// <summary>
    /// Drops index entries whose peer left or changed address. Amortized: it sweeps only when the index has grown to
    /// several times the addresses the verified peers can hold, so the index stays bounded.
    /// </summary>
    private void PruneAddressIndex()
    {
        if (_byAddress.Count <= (4 * _verified.Count) + 64)
        {
            return;
        }

        List<UdpAddress>? stale = null;
        foreach (var (address, peer) in _byAddress)
        {
            if (!peer.HasAddress(address) || !_verified.TryGetValue(peer.Key, out var entry) || !ReferenceEquals(entry.Peer, peer))
            {
                (stale ??= []).Add(address);
            }
        }

        if (stale is not null)
        {
            foreach (var address in stale)
            {
                _byAddress.Remove(address);
            }
        }
    }

    private void SetAddressEntry(UdpAddress address, WalkableAddress value)
    {
        if (_addresses.TryGetValue(address, out var node))
        {
            node.Value = value;
            _addressOrder.Remove(node);
            _addressOrder.AddLast(node);
            return;
        }

        if (_addresses.Count >= _options.MaxWalkableAddresses)
        {
            EvictOldestAddress();
        }

        _addresses[address] = _addressOrder.AddLast(value);
    }

    private void EvictOldestAddress()
    {
        // Prefer evicting an address no verified peer uses: those are the walkable ones nobody answered for.
        for (var node = _addressOrder.First; node is not null; node = node.Next)
        {
            if (!(_byAddress.TryGetValue(node.Value.Address, out var owner) && owner.HasAddress(node.Value.Address)))
            {
                RemoveAddressEntry(node.Value.Address);
                return;
            }
        }

        if (_addressOrder.First is { } first)
        {
            RemoveAddressEntry(first.Value.Address);
        }
    }

    private void RemoveAddressEntry(UdpAddress address)
    {
        if (_addresses.Remove(address, out var node))
        {
            _addressOrder.Remove(node);
        }
    }

    private ServicePeers GetServicePeers(CommunityId service)
    {
        if (!_servicePeers.TryGetValue(service, out var peers))
        {
            peers = new ServicePeers();
            _servicePeers[service] = peers;
        }

        return peers;
    }

    private void Notify(Peer? added, List<Peer>? removed)
    {
        if (removed is not null)
        {
            foreach (var peer in removed)
            {
                PeerRemoved?.Invoke(peer);
            }
        }

        if (added is not null)
        {
            PeerAdded?.Invoke(added);
        }
    }

    private sealed record WalkableAddress(UdpAddress Address, PublicKey? IntroducedBy, CommunityId? Service, bool NewStyle);

    private sealed class PeerEntry(Peer peer)
    {
        public Peer Peer { get; } = peer;

        public HashSet<CommunityId> Services { get; } = [];
    }

    /// <summary>The peers of one service, with a cached array snapshot for allocation-free reads.</summary>
    private sealed class ServicePeers
    {
        private readonly List<Peer> _peers = [];
        private Peer[]? _snapshot;

        public int Count => _peers.Count;

        public void Add(Peer peer)
        {
            _peers.Add(peer);
            _snapshot = null;
        }

        public void Remove(Peer peer)
        {
            if (_peers.Remove(peer))
            {
                _snapshot = null;
            }
        }

        public Peer[] Snapshot() => _snapshot ??= [.. _peers];
    }
}

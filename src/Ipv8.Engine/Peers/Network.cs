using System.Collections.Concurrent;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Engine.Peers;

/// <summary>
/// The peer table shared by the communities of one node (py-ipv8 <c>Network</c>): walkable addresses (address →
/// introducer, service, new-style), verified peers by key, the services each peer offers, and two blacklists (by
/// address and by mid). Thread-safe. Every table is bounded by <see cref="NetworkOptions"/>; a full table evicts its
/// least recently useful entry (<see cref="BoundedLru{TKey, TValue}"/>). The one exception: the mids of the communities'
/// own keys (one a community) stay blacklisted for good, outside the caps, as in py-ipv8.
/// </summary>
/// <remarks>
/// A peer's addresses change only through the network (<see cref="UpdateAddress"/>, <see cref="UpdateLanAddress"/>), so
/// that the address index stays true. The peers of a service and their count are read without the lock: the packet path
/// reads them for every introduction request.
/// </remarks>
public sealed class Network
{
    // Reserve: a node that asks for more peers than this grows its tables as they fill (as with no limit at all).
    internal const int MaxReservedPeers = 256;

    // TryPickWalkableAddress: random slots drawn before it filters the whole address table.
    internal const int WalkSampleAttempts = 16;

    private readonly Lock _lock = new();
    private readonly NetworkOptions _options;

    // Every known address (walkable, and those of verified peers), least recently set first.
    private readonly BoundedLru<UdpAddress, WalkableAddress> _addresses;

    private readonly Dictionary<PublicKey, PeerEntry> _verified = new(KeyComparer.Instance);
    private readonly Dictionary<PublicKey, PeerEntry>.AlternateLookup<ReadOnlySpan<byte>> _verifiedByBin;
    private readonly Dictionary<UdpAddress, Peer> _byAddress = [];
    // Written under the lock, read without it (a service's entry is never removed). One writer at a time and usually one
    // service: one stripe lock and one bucket to start with, not the default stripes and 31 buckets (about 400 bytes a
    // node).
    private readonly ConcurrentDictionary<CommunityId, ServicePeers> _servicePeers = new(concurrencyLevel: 1, capacity: 1);

    // Sets: the oldest member is forgotten first (the values are unused). _blacklistMids holds the bare mids
    // (BlacklistMid) only, never those of the keys below: filling it must not make a node forget its own mid.
    private readonly BoundedLru<UdpAddress, bool> _blacklist;
    private readonly BoundedLru<MidKey, bool> _blacklistMids;

    // The keys blacklisted with the key at hand (BlacklistKey: every community blacklists its own key, py-ipv8
    // blacklist_mids.append(my_peer.mid)), kept for good: py-ipv8's blacklist_mids is a list that never forgets, and
    // only the application adds to these (one key a community), never a remote sender. While no bare mid was
    // blacklisted, a key is checked by comparing bins with these few instead of hashing it: SHA-1 through OpenSSL costs
    // about a microsecond a call, twice for every unknown sender (before its signature is checked, then when it is
    // added), and a swarm's nodes hear from thousands of them.
    private readonly List<(byte[] Bin, MidKey Mid)> _blacklistedKeys = [];

    // The mids of the keys past MaxBlacklistedKeys (null until there are any): kept for good as well, but looked up by
    // mid (hashed keys), as comparing them all would cost more than one hash. As many as the communities sharing this
    // network beyond the first MaxBlacklistedKeys.
    private HashSet<MidKey>? _moreBlacklistedKeyMids;

    // Beyond this many keys (communities with keys of their own sharing one network), comparing them all would cost more
    // than one hash: the network hashes again.
    internal const int MaxBlacklistedKeys = 16;

    // Services that peers not verified (yet) announced (py-ipv8 keeps services per key whether or not the peer is
    // verified); applied when the peer is. Bounded by NetworkOptions.MaxPendingServicePeers, oldest key first.
    private readonly BoundedLru<PublicKey, PendingServices> _pendingServices;

    // py-ipv8 service_overlays: the communities of this node, by id.
    private readonly Dictionary<CommunityId, Communities.Community> _serviceProviders = [];

    /// <summary>Creates an empty network with the given caps (defaults when null).</summary>
    public Network(NetworkOptions? options = null)
    {
        _options = options ?? new NetworkOptions();
        _options.Validate();
        _verifiedByBin = _verified.GetAlternateLookup<ReadOnlySpan<byte>>();
        _blacklist = new BoundedLru<UdpAddress, bool>(_options.MaxBlacklistedAddresses);
        _blacklistMids = new BoundedLru<MidKey, bool>(_options.MaxBlacklistedMids);
        _pendingServices = new BoundedLru<PublicKey, PendingServices>(_options.MaxPendingServicePeers, KeyComparer.Instance);

        // A full address table evicts the least recently set address no verified peer uses first: those are the
        // walkable ones nobody answered for.
        _addresses = new BoundedLru<UdpAddress, WalkableAddress>(_options.MaxWalkableAddresses, preferEvicting: (address, _) => !IsIndexed(address));
    }

    /// <summary>
    /// Sizes the tables of verified peers, their addresses and the walkable addresses for <paramref name="peers"/>
    /// entries (a community's peer limit), at most <see cref="MaxReservedPeers"/> and the caps in force, so that they do
    /// not grow through every doubling while the walk fills them. Never shrinks a table.
    /// </summary>
    internal void Reserve(int peers)
    {
        peers = Math.Min(peers, MaxReservedPeers);
        if (peers <= 0)
        {
            return;
        }

        lock (_lock)
        {
            _verified.EnsureCapacity(Math.Min(peers, _options.MaxVerifiedPeers));
            _byAddress.EnsureCapacity(Math.Min(peers, _options.MaxVerifiedPeers));
            _addresses.EnsureCapacity(peers);
        }
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
            _blacklist.TryAdd(address, true);
        }
    }

    /// <summary>True when the address is blacklisted.</summary>
    public bool IsBlacklisted(UdpAddress address)
    {
        lock (_lock)
        {
            return _blacklist.ContainsKey(address);
        }
    }

    /// <summary>
    /// Adds a mid to the blacklist (py-ipv8 <c>network.blacklist_mids.append</c>). These mids are kept up to
    /// <see cref="NetworkOptions.MaxBlacklistedMids"/>, the oldest forgotten first (py-ipv8's list is unbounded); the
    /// mids of the communities' own keys are kept apart, for good, and never forgotten however many are added here.
    /// </summary>
    public void BlacklistMid(ReadOnlySpan<byte> mid)
    {
        var key = MidKey.From(mid);
        lock (_lock)
        {
            if (!IsKeyMidLocked(key))
            {
                _blacklistMids.TryAdd(key, true); // while it holds a mid, keys are hashed (IsBinBlacklistedLocked)
            }
        }
    }

    /// <summary>
    /// Blacklists the mid of <paramref name="key"/> for good (py-ipv8 <c>blacklist_mids.append(my_peer.mid)</c>, a list
    /// that never forgets): outside <see cref="NetworkOptions.MaxBlacklistedMids"/>, so that no number of
    /// <see cref="BlacklistMid"/> calls evicts it. A community blacklists its own key this way, so that the node never
    /// adds itself as a peer; there are as many such keys as communities sharing the network. The first
    /// <see cref="MaxBlacklistedKeys"/> are kept with their bins, so that <see cref="IsKeyBlacklisted"/> and
    /// <see cref="AddVerifiedPeer(Peer)"/> can compare key bins instead of hashing them while no bare mid is blacklisted;
    /// beyond them, keys are hashed and their mids looked up.
    /// </summary>
    internal void BlacklistKey(PublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var mid = MidKey.From(key.Mid);
        lock (_lock)
        {
            if (IsKeyMidLocked(mid))
            {
                return;
            }

            if (_blacklistedKeys.Count < MaxBlacklistedKeys)
            {
                _blacklistedKeys.Add((key.Bin.ToArray(), mid));
            }
            else
            {
                (_moreBlacklistedKeyMids ??= []).Add(mid); // past the cap, the bins no longer decide (IsBinBlacklistedLocked)
            }

            _blacklistMids.Remove(mid); // blacklisted bare before: now kept for good, and counts no longer as a bare mid
        }
    }

    // Under _lock: whether the mid is that of a key given to BlacklistKey (blacklisted for good).
    private bool IsKeyMidLocked(MidKey mid)
    {
        foreach (var (_, keyMid) in _blacklistedKeys)
        {
            if (keyMid == mid)
            {
                return true;
            }
        }

        return _moreBlacklistedKeyMids?.Contains(mid) == true;
    }

    // Under _lock: whether the mid is blacklisted, for good (a key's) or among the bare mids.
    private bool IsMidBlacklistedLocked(MidKey mid) => IsKeyMidLocked(mid) || _blacklistMids.ContainsKey(mid);

    // Under _lock: whether the key bins alone decide the mid blacklist (no bare mid is blacklisted, and every key is kept
    // with its bin); if so, whether this bin is one of them.
    private bool? IsBinBlacklistedLocked(ReadOnlySpan<byte> publicKeyBin)
    {
        if (_blacklistMids.Count != 0 || _moreBlacklistedKeyMids is not null)
        {
            return null;
        }

        foreach (var (bin, _) in _blacklistedKeys)
        {
            if (publicKeyBin.SequenceEqual(bin))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the mid is blacklisted.</summary>
    public bool IsMidBlacklisted(ReadOnlySpan<byte> mid)
    {
        var key = MidKey.From(mid);
        lock (_lock)
        {
            return IsMidBlacklistedLocked(key);
        }
    }

    /// <summary>
    /// True when the mid of <paramref name="publicKeyBin"/> (its SHA-1) is blacklisted. While every blacklisted mid is
    /// that of a key the network was given (a community's own key, at most <see cref="MaxBlacklistedKeys"/> of them), the
    /// bin is compared with those keys' bins instead of hashed; otherwise it is hashed (about 1 µs). Either way cheap
    /// enough to run before a signature check, which costs well over an order of magnitude more. Allocates nothing.
    /// </summary>
    public bool IsKeyBlacklisted(ReadOnlySpan<byte> publicKeyBin)
    {
        lock (_lock)
        {
            if (IsBinBlacklistedLocked(publicKeyBin) is { } decided)
            {
                return decided;
            }
        }

        Span<byte> mid = stackalloc byte[20];
        System.Security.Cryptography.SHA1.HashData(publicKeyBin, mid);
        return IsMidBlacklisted(mid);
    }

    /// <summary>True when the address is known and known to speak the new-style messages (py-ipv8 <c>is_new_style</c>).</summary>
    public bool IsNewStyle(UdpAddress address)
    {
        lock (_lock)
        {
            return _addresses.TryGetValue(address, out var entry) && entry.NewStyle;
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
            if (!_blacklist.ContainsKey(address))
            {
                if (!_addresses.TryGetValue(address, out var entry)
                    || entry.IntroducedBy is null
                    || !_verified.ContainsKey(entry.IntroducedBy))
                {
                    _addresses.Set(address, new WalkableAddress(address, peer.Key, service, newStyle));
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
                pending = new PendingServices();
                _pendingServices.TryAdd(peer.Key, pending);
            }

            if (pending.Services.Count < _options.MaxServicesPerPeer)
            {
                pending.Services.Add(service);
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
            return _byAddress.TryGetValue(address, out var peer) && _verified.TryGetValue(peer.Key, out var entry) && ReferenceEquals(entry.Peer, peer) && entry.Services.Contains(service)
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

    /// <summary>
    /// True when this peer instance is one of the verified peers. Takes no lock in the usual case (the instance is known
    /// to at most one network).
    /// </summary>
    internal bool IsVerified(Peer peer)
    {
        if (peer.IsVerifiedIn(this) is { } known)
        {
            return known;
        }

        lock (_lock)
        {
            return IsVerifiedLocked(peer);
        }
    }

    private bool IsVerifiedLocked(Peer peer) =>
        peer.IsVerifiedIn(this) ?? (_verified.TryGetValue(peer.Key, out var entry) && ReferenceEquals(entry.Peer, peer));

    /// <summary>
    /// Records a peer that contacted a community, under one lock: its reported LAN address (when given), then the peer
    /// as verified (<see cref="AddVerifiedPeer(Peer)"/>), then, when it is, <paramref name="service"/> as one it offers
    /// (<see cref="DiscoverServices(Peer, CommunityId)"/>).
    /// </summary>
    /// <returns>The verified peer instance for that key, or null when refused.</returns>
    internal Peer? AddVerifiedPeer(Peer peer, CommunityId service, UdpAddress? lanAddress = null)
    {
        List<Peer>? removed = null;
        Peer? added;
        Peer? result = null;
        lock (_lock)
        {
            if (lanAddress is { } lan)
            {
                UpdateLanAddressLocked(peer, lan);
            }

            added = AddVerifiedPeerLocked(peer, ref removed);
            if (_verified.TryGetValue(peer.Key, out var entry))
            {
                result = entry.Peer;
                DiscoverServiceLocked(result, service);
            }
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
                    _addresses.Set(address, new WalkableAddress(address, null, null, false));
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
            UpdateLanAddressLocked(peer, lanAddress);
        }
    }

    private void UpdateLanAddressLocked(Peer peer, UdpAddress lanAddress)
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

    /// <summary>The verified peer with this address, if any (py-ipv8 <c>get_verified_by_address</c>). Allocates nothing.</summary>
    public Peer? GetVerifiedByAddress(UdpAddress address)
    {
        lock (_lock)
        {
            return _byAddress.TryGetValue(address, out var peer) && peer.HasAddress(address) && IsVerifiedLocked(peer) ? peer : null;
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
    /// snapshot shared between calls until the set changes: do not modify it. Allocates nothing and takes no lock in
    /// steady state.
    /// </summary>
    public Peer[] GetPeersForService(CommunityId service) =>
        _servicePeers.TryGetValue(service, out var peers) ? peers.Snapshot(_lock) : [];

    /// <summary>
    /// A random verified peer of <paramref name="service"/> to introduce (as
    /// <see cref="Communities.Community.GetPeerForIntroduction"/>), chosen from the live peer list under the lock instead of a
    /// snapshot: a tracker with thousands of peers that keep joining would otherwise copy all of them after every join.
    /// </summary>
    internal Peer? PickPeerForIntroduction(CommunityId service, Random random, Peer? exclude, bool newStyle)
    {
        if (!_servicePeers.TryGetValue(service, out var peers))
        {
            return null;
        }

        lock (_lock)
        {
            return Communities.Community.PickIntroduction(peers.LockedSpan, random, exclude, newStyle);
        }
    }

    /// <summary>The number of verified peers that offer <paramref name="service"/>. Allocates nothing and takes no lock.</summary>
    public int CountPeersForService(CommunityId service) =>
        _servicePeers.TryGetValue(service, out var peers) ? peers.Count : 0;

    /// <summary>
    /// The live peer list of <paramref name="service"/>, created empty when no peer offers it yet (an entry is never
    /// removed, so a community keeps it and reads its count and peers without looking the service up every time).
    /// </summary>
    internal ServicePeers GetServicePeers(CommunityId service) => _servicePeers.GetOrAdd(service, static _ => new ServicePeers());

    /// <summary>
    /// A uniformly random peer of <paramref name="peers"/> (from <see cref="GetServicePeers"/>), chosen under the lock
    /// from the live list: no snapshot. Null when there is none.
    /// </summary>
    internal Peer? PickRandomPeer(ServicePeers peers, Random random)
    {
        lock (_lock)
        {
            var span = peers.LockedSpan;
            return span.IsEmpty ? null : span[random.Next(span.Length)];
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
            foreach (var (_, entry) in _addresses)
            {
                if (IsWalkableLocked(entry, service, oldStyleOnly))
                {
                    result.Add(entry.Address);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// A uniformly random address of the walkable addresses for <paramref name="service"/> that are not in
    /// <paramref name="exclude"/> (py-ipv8 <c>RandomWalk.take_step</c>: <c>choice(set(get_walkable_addresses()) -
    /// set(intro_timeouts))</c>), and whether it is known as new-style (<see cref="IsNewStyle"/>); false when there is
    /// none. Allocates nothing once <paramref name="scratch"/> has grown.
    /// </summary>
    /// <remarks>
    /// Instead of filtering every known address on every step, it first draws up to <see cref="WalkSampleAttempts"/>
    /// random slots of the address table and takes the first that holds an address passing the filter: each draw that
    /// passes is uniform over the passing addresses (every address has one slot). Only when all of them miss does it
    /// filter the whole table into <paramref name="scratch"/> (in the order of <see cref="GetWalkableAddresses"/>) and
    /// pick one of those uniformly. Either way the choice is uniform over the same set (under the lock it does not
    /// change), so their mixture is too; and the full pass tells when nothing is walkable. A table of at most
    /// <see cref="WalkSampleAttempts"/> slots is filtered whole at once.
    /// </remarks>
    internal bool TryPickWalkableAddress(CommunityId service, ReadOnlySpan<UdpAddress> exclude, Random random, List<UdpAddress> scratch, out UdpAddress address, out bool newStyle)
    {
        scratch.Clear();
        lock (_lock)
        {
            var slots = _addresses.SlotCount;
            if (slots > WalkSampleAttempts)
            {
                for (var attempt = 0; attempt < WalkSampleAttempts; attempt++)
                {
                    if (_addresses.TryGetSlot(random.Next(slots), out var candidate, out var entry)
                        && !exclude.Contains(candidate)
                        && IsWalkableLocked(entry, service, oldStyleOnly: false))
                    {
                        address = candidate;
                        newStyle = entry.NewStyle;
                        return true;
                    }
                }
            }

            foreach (var (_, entry) in _addresses)
            {
                if (IsWalkableLocked(entry, service, oldStyleOnly: false) && !exclude.Contains(entry.Address))
                {
                    scratch.Add(entry.Address);
                }
            }

            if (scratch.Count == 0)
            {
                address = default;
                newStyle = false;
                return false;
            }

            address = scratch[random.Next(scratch.Count)];
            newStyle = _addresses.TryGetValue(address, out var chosen) && chosen.NewStyle;
            scratch.Clear();
            return true;
        }
    }

    // Under _lock: the filter of GetWalkableAddresses.
    private bool IsWalkableLocked(in WalkableAddress entry, CommunityId? service, bool oldStyleOnly)
    {
        if (_byAddress.TryGetValue(entry.Address, out var owner) && owner.HasAddress(entry.Address)
            && (service is not { } served || (_verified.TryGetValue(owner.Key, out var ownerEntry) && ownerEntry.Services.Contains(served))))
        {
            return false;
        }

        if (service is { } wanted)
        {
            if (oldStyleOnly && entry.NewStyle)
            {
                return false;
            }

            return entry.Service == wanted
                || (entry.IntroducedBy is not null && _verified.TryGetValue(entry.IntroducedBy, out var introducer) && introducer.Services.Contains(wanted));
        }

        return true;
    }

    /// <summary>The addresses a peer introduced us to (py-ipv8 <c>get_introductions_from</c>).</summary>
    public List<UdpAddress> GetIntroductionsFrom(Peer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_lock)
        {
            var result = new List<UdpAddress>();
            foreach (var (address, entry) in _addresses)
            {
                if (peer.Key.Equals(entry.IntroducedBy))
                {
                    result.Add(address);
                }
            }

            return result;
        }
    }

    /// <summary>Forgets an address, and every verified peer that uses it (py-ipv8 <c>remove_by_address</c>).</summary>
    public void RemoveByAddress(UdpAddress address)
    {
        List<Peer>? removed = null;
        lock (_lock)
        {
            _addresses.Remove(address);
            List<Peer>? users = null; // collected first: removing changes _verified
            foreach (var entry in _verified.Values)
            {
                if (entry.Peer.HasAddress(address))
                {
                    (users ??= []).Add(entry.Peer);
                }
            }

            if (users is not null)
            {
                foreach (var user in users)
                {
                    RemovePeerLocked(user, ref removed);
                }
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
            foreach (var address in peer.CopyAddresses())
            {
                _addresses.Remove(address);
            }

            if (_verified.TryGetValue(peer.Key, out var entry))
            {
                RemovePeerLocked(entry.Peer, ref removed);
            }

            _pendingServices.Remove(peer.Key);
        }

        Notify(null, removed);
    }

    private Peer? AddVerifiedPeerLocked(Peer peer, ref List<Peer>? removed)
    {
        if (IsBinBlacklistedLocked(peer.Key.Bin) ?? IsMidBlacklistedLocked(MidKey.From(peer.Mid)))
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

        var addresses = peer.CopyAddresses();
        var anyKnown = false;
        var anyBlacklisted = false;
        foreach (var address in addresses)
        {
            anyKnown |= _addresses.ContainsKey(address);
            anyBlacklisted |= _blacklist.ContainsKey(address);
        }

        if (!anyKnown && anyBlacklisted)
        {
            return null;
        }

        foreach (var address in addresses)
        {
            if (!_addresses.ContainsKey(address))
            {
                _addresses.Set(address, new WalkableAddress(address, null, null, false));
            }
        }

        if (_verified.Count >= _options.MaxVerifiedPeers)
        {
            EvictLeastRecentPeer(ref removed);
        }

        var added = new PeerEntry(peer);
        _verified[peer.Key] = added;
        peer.MarkVerified(this);
        IndexAddresses(peer);
        if (_pendingServices.Remove(peer.Key, out var pending))
        {
            for (var i = 0; i < pending.Services.Count; i++)
            {
                var service = pending.Services[i];
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

        peer.MarkUnverified();

        foreach (var address in peer.CopyAddresses())
        {
            if (_byAddress.TryGetValue(address, out var owner) && ReferenceEquals(owner, peer))
            {
                _byAddress.Remove(address);
            }
        }

        for (var i = 0; i < entry.Services.Count; i++)
        {
            if (_servicePeers.TryGetValue(entry.Services[i], out var peers))
            {
                peers.Remove(peer);
            }
        }

        (removed ??= []).Add(peer);
    }

    private void IndexAddresses(Peer peer)
    {
        foreach (var address in peer.CopyAddresses())
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

    // True when a verified peer uses the address (the index may hold stale entries: check the peer still has it).
    private bool IsIndexed(UdpAddress address) => _byAddress.TryGetValue(address, out var owner) && owner.HasAddress(address);

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

    // What the network knows of an address: who introduced it, for which service, and whether it speaks the new-style
    // messages (none of these for the address of a verified peer). A value held in the table's entry array, not an
    // object per address.
    // The service is stored with its own flag beside NewStyle, not as a CommunityId? (which pads to 32 bytes).
    private readonly struct WalkableAddress(UdpAddress address, PublicKey? introducedBy, CommunityId? service, bool newStyle)
    {
        private readonly CommunityId _service = service.GetValueOrDefault();
        private readonly bool _hasService = service.HasValue;

        public UdpAddress Address { get; } = address;

        public PublicKey? IntroducedBy { get; } = introducedBy;

        public CommunityId? Service => _hasService ? _service : null;

        public bool NewStyle { get; } = newStyle;
    }

    // The services a peer not verified (yet) announced: a box, so that the list changes in place in the table.
    private sealed class PendingServices
    {
        public ServiceList Services;
    }

    private sealed class PeerEntry(Peer peer)
    {
        public Peer Peer { get; } = peer;

        // A field: ServiceList is a mutable struct, changed in place.
        public ServiceList Services;
    }

    /// <summary>
    /// The peers of one service, changed under the network's lock, with a cached array snapshot and a count that are
    /// read without it (allocation-free in steady state).
    /// </summary>
    internal sealed class ServicePeers
    {
        private readonly List<Peer> _peers = [];
        private Peer[]? _snapshot;
        private int _count;

        public int Count => Volatile.Read(ref _count);

        /// <summary>The peers themselves; only under the network's lock.</summary>
        public ReadOnlySpan<Peer> LockedSpan => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_peers);

        public void Add(Peer peer)
        {
            _peers.Add(peer);
            Volatile.Write(ref _count, _peers.Count);
            Volatile.Write(ref _snapshot, null);
        }

        public void Remove(Peer peer)
        {
            if (_peers.Remove(peer))
            {
                Volatile.Write(ref _count, _peers.Count);
                Volatile.Write(ref _snapshot, null);
            }
        }

        /// <summary>The current snapshot; built under <paramref name="networkLock"/> after a change.</summary>
        public Peer[] Snapshot(Lock networkLock)
        {
            if (Volatile.Read(ref _snapshot) is { } snapshot)
            {
                return snapshot;
            }

            lock (networkLock)
            {
                snapshot = _snapshot ?? [.. _peers];
                Volatile.Write(ref _snapshot, snapshot);
                return snapshot;
            }
        }
    }
}

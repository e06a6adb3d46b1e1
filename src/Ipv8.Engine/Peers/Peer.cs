using Ipv8.Wire;
using Ipv8.Wire.Crypto;

namespace Ipv8.Engine.Peers;

/// <summary>
/// Another node, known by its public key (py-ipv8 <c>Peer</c>). It has an address per interface (IPv6 preferred over
/// IPv4), a LAN address it reported, a Lamport clock, the time it last answered, whether it speaks the new-style
/// messages, and its last five ping times. Peers are equal when their public key bins are equal. Thread-safe.
/// </summary>
public sealed class Peer : IEquatable<Peer>
{
    internal const int PingHistory = 5;

    // A private lock, not the peer's own monitor: the engine takes it under the network's lock, so a user's
    // lock (peer) { ... network ... } would take the two in the other order and could deadlock (review9).
    private readonly Lock _sync = new();
    private double[]? _pings; // made on the first ping: most peers are never pinged (a peer is made per unknown sender)
    private UdpAddress _ipv4;
    private UdpAddress _ipv6;
    private UdpAddress _lan;
    private bool _hasIpv4;
    private bool _hasIpv6;
    private bool _hasLan;
    private ulong _lamport;
    private long _lastResponseTicks;
    private int _pingCount;
    private int _pingNext;

    // Kept by Network under its lock: in how many networks this instance is a verified peer, and which one when it is
    // exactly one (null once several have known it). Lets Network.IsVerified answer without a lookup.
    private Network? _verifiedIn;
    private int _verifiedCount;

    /// <summary>Creates a peer for a public key at an address.</summary>
    /// <param name="key">The peer's public key. Private key material cannot reach here: <see cref="PublicKey.TryParse"/> refuses it.</param>
    /// <param name="address">Its address, or <see cref="UdpAddress.Any"/> when unknown.</param>
    /// <param name="introduced">
    /// True for a peer we were introduced to (<see cref="LastResponseTimestamp"/> starts at zero); false for one that contacted us
    /// (it starts now). py-ipv8 <c>intro</c>.
    /// </param>
    /// <param name="timeProvider">The clock for <see cref="LastResponseTimestamp"/>; the system clock by default.</param>
    public Peer(PublicKey key, UdpAddress address, bool introduced = false, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = key;
        Clock = timeProvider ?? TimeProvider.System;
        if (!address.IsAny)
        {
            SetAddress(address);
        }

        _lastResponseTicks = introduced ? 0 : Clock.GetTimestamp();
    }

    /// <summary>The public key.</summary>
    public PublicKey Key { get; }

    /// <summary>The public key bin.</summary>
    public ReadOnlySpan<byte> PublicKeyBin => Key.Bin;

    /// <summary>The mid: SHA-1 of the public key bin.</summary>
    public ReadOnlySpan<byte> Mid => Key.Mid;

    internal TimeProvider Clock { get; }

    /// <summary>
    /// The preferred address: IPv6 if known, else IPv4, else <c>0.0.0.0:0</c> (py-ipv8 <c>Peer.address</c>). To change a
    /// peer's address use <see cref="Network.UpdateAddress"/>, which keeps the network's address index true.
    /// </summary>
    public UdpAddress Address
    {
        get
        {
            lock (_sync)
            {
                return _hasIpv6 ? _ipv6 : _hasIpv4 ? _ipv4 : UdpAddress.Any;
            }
        }

        internal set => SetAddress(value);
    }

    /// <summary>True when <paramref name="address"/> is the peer's IPv4 or IPv6 address.</summary>
    public bool IsAt(UdpAddress address)
    {
        lock (_sync)
        {
            return (_hasIpv4 && _ipv4 == address) || (_hasIpv6 && _ipv6 == address);
        }
    }

    /// <summary>
    /// The LAN address the peer reported in an introduction request, if any (py-ipv8 <c>UDPv4LANAddress</c>). Changed
    /// through <see cref="Network.UpdateLanAddress"/>.
    /// </summary>
    public UdpAddress? LanAddress
    {
        get
        {
            lock (_sync)
            {
                return _hasLan ? _lan : null;
            }
        }

        internal set
        {
            lock (_sync)
            {
                _hasLan = value.HasValue;
                _lan = value ?? default;
            }
        }
    }

    /// <summary>True when the peer speaks the new-style discovery messages (py-ipv8 <c>new_style_intro</c>).</summary>
    public bool NewStyleIntro { get; set; }

    /// <summary>The peer's Lamport clock: the highest global time it sent us.</summary>
    public ulong LamportTimestamp
    {
        get
        {
            lock (_sync)
            {
                return _lamport;
            }
        }
    }

    /// <summary>When the peer last answered, as a <see cref="TimeProvider"/> timestamp; 0 for never.</summary>
    public long LastResponseTimestamp => Volatile.Read(ref _lastResponseTicks);

    /// <summary>Seconds since the peer last answered, or <see cref="double.PositiveInfinity"/> for never.</summary>
    public double SecondsSinceLastResponse
    {
        get
        {
            var last = LastResponseTimestamp;
            return last == 0 ? double.PositiveInfinity : Clock.GetElapsedTime(last).TotalSeconds;
        }
    }

    /// <summary>Records that the peer answered now (py-ipv8 <c>last_response = time()</c>).</summary>
    public void Touch() => Volatile.Write(ref _lastResponseTicks, Clock.GetTimestamp());

    /// <summary>Every address of this peer: IPv4, IPv6 and the LAN address, when known. Allocates; not for hot paths.</summary>
    public IReadOnlyList<UdpAddress> Addresses
    {
        get
        {
            var copy = CopyAddresses();
            var list = new List<UdpAddress>(copy.Count);
            foreach (var address in copy)
            {
                list.Add(address);
            }

            return list;
        }
    }

    /// <summary>The same addresses as <see cref="Addresses"/>, in the same order, as a value: allocates nothing.</summary>
    internal PeerAddresses CopyAddresses()
    {
        lock (_sync)
        {
            var copy = default(PeerAddresses);
            if (_hasIpv4)
            {
                copy.Add(_ipv4);
            }

            if (_hasIpv6)
            {
                copy.Add(_ipv6);
            }

            if (_hasLan)
            {
                copy.Add(_lan);
            }

            return copy;
        }
    }

    /// <summary>The address of one family, if known.</summary>
    public UdpAddress? GetAddress(bool ipv6)
    {
        lock (_sync)
        {
            return ipv6 ? (_hasIpv6 ? _ipv6 : null) : (_hasIpv4 ? _ipv4 : null);
        }
    }

    /// <summary>True when <paramref name="address"/> is one of this peer's addresses (interface or LAN).</summary>
    public bool HasAddress(UdpAddress address)
    {
        lock (_sync)
        {
            return (_hasIpv4 && _ipv4 == address) || (_hasIpv6 && _ipv6 == address) || (_hasLan && _lan == address);
        }
    }

    /// <summary>
    /// Copies the interface addresses of <paramref name="other"/> into this peer (py-ipv8 <c>addresses.update</c>). Only
    /// <see cref="Network"/> calls it, and re-indexes the peer.
    /// </summary>
    internal void MergeAddresses(Peer other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this))
        {
            return;
        }

        UdpAddress v4, v6, lan;
        bool has4, has6, hasLan;
        lock (other)
        {
            (v4, v6, lan, has4, has6, hasLan) = (other._ipv4, other._ipv6, other._lan, other._hasIpv4, other._hasIpv6, other._hasLan);
        }

        lock (_sync)
        {
            if (has4)
            {
                _ipv4 = v4;
                _hasIpv4 = true;
            }

            if (has6)
            {
                _ipv6 = v6;
                _hasIpv6 = true;
            }

            if (hasLan)
            {
                _lan = lan;
                _hasLan = true;
            }
        }
    }

    /// <summary>Raises the Lamport clock to <paramref name="timestamp"/> if that is higher, and records a response now.</summary>
    public void UpdateClock(ulong timestamp)
    {
        lock (_sync)
        {
            if (timestamp > _lamport)
            {
                _lamport = timestamp;
            }
        }

        Touch();
    }

    /// <summary>Increments the clock by one and returns the new value (py-ipv8 <c>claim_global_time</c> on our own peer).</summary>
    internal ulong ClaimClock()
    {
        lock (_sync)
        {
            return ++_lamport;
        }
    }

    /// <summary>Records a ping round-trip time in seconds; the last five are kept.</summary>
    public void AddPing(double seconds)
    {
        lock (_sync)
        {
            _pings ??= new double[PingHistory];
            _pings[_pingNext] = seconds;
            _pingNext = (_pingNext + 1) % PingHistory;
            _pingCount = Math.Min(_pingCount + 1, PingHistory);
        }
    }

    /// <summary>How many ping times are recorded (at most five, py-ipv8 <c>len(peer.pings)</c>).</summary>
    public int PingCount
    {
        get
        {
            lock (_sync)
            {
                return _pingCount;
            }
        }
    }

    /// <summary>The median of the recorded pings, or null.</summary>
    public double? GetMedianPing()
    {
        lock (_sync)
        {
            if (_pingCount == 0)
            {
                return null;
            }

            Span<double> sorted = stackalloc double[PingHistory];
            _pings.AsSpan(0, _pingCount).CopyTo(sorted);
            sorted = sorted[.._pingCount];
            sorted.Sort();
            return _pingCount % 2 == 1 ? sorted[_pingCount / 2] : (sorted[(_pingCount / 2) - 1] + sorted[_pingCount / 2]) / 2;
        }
    }

    /// <summary>The mean of the recorded pings, or null.</summary>
    public double? GetAveragePing()
    {
        lock (_sync)
        {
            if (_pingCount == 0)
            {
                return null;
            }

            double sum = 0;
            for (var i = 0; i < _pingCount; i++)
            {
                sum += _pings![i];
            }

            return sum / _pingCount;
        }
    }

    private void SetAddress(UdpAddress address)
    {
        lock (_sync)
        {
            if (address.IsIPv6)
            {
                _ipv6 = address;
                _hasIpv6 = true;
            }
            else
            {
                _ipv4 = address;
                _hasIpv4 = true;
            }
        }
    }

    /// <summary>Called by <paramref name="network"/> under its lock when this instance becomes one of its verified peers.</summary>
    internal void MarkVerified(Network network)
    {
        var count = Interlocked.Increment(ref _verifiedCount);
        Volatile.Write(ref _verifiedIn, count == 1 ? network : null);
    }

    /// <summary>Called by a network under its lock when this instance stops being one of its verified peers.</summary>
    internal void MarkUnverified()
    {
        Interlocked.Decrement(ref _verifiedCount);
        Volatile.Write(ref _verifiedIn, null);
    }

    /// <summary>
    /// True when this instance is a verified peer of <paramref name="network"/> and of no other; false when it is a
    /// verified peer of none; null when only the networks can tell (several of them know this instance).
    /// </summary>
    internal bool? IsVerifiedIn(Network network)
    {
        if (ReferenceEquals(Volatile.Read(ref _verifiedIn), network))
        {
            return true;
        }

        return Volatile.Read(ref _verifiedCount) == 0 ? false : null;
    }

    /// <inheritdoc/>
    public bool Equals(Peer? other) => other is not null && (ReferenceEquals(this, other) || Key.Equals(other.Key));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Peer);

    /// <inheritdoc/>
    public override int GetHashCode() => Key.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => $"Peer<{Address}, {Convert.ToHexStringLower(Mid)}>";
}

/// <summary>Up to three addresses of a peer (IPv4, IPv6, LAN), copied by value: what the network's tables iterate without allocating.</summary>
internal struct PeerAddresses
{
    private UdpAddress _first;
    private UdpAddress _second;
    private UdpAddress _third;

    /// <summary>How many addresses (0-3).</summary>
    public int Count { get; private set; }

    /// <summary>The address at <paramref name="index"/> (0 to <see cref="Count"/> - 1).</summary>
    public readonly UdpAddress this[int index] => index switch
    {
        0 when Count > 0 => _first,
        1 when Count > 1 => _second,
        2 when Count > 2 => _third,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>Adds an address (at most three).</summary>
    public void Add(UdpAddress address)
    {
        switch (Count)
        {
            case 0:
                _first = address;
                break;
            case 1:
                _second = address;
                break;
            case 2:
                _third = address;
                break;
            default:
                throw new InvalidOperationException("A peer has at most three addresses.");
        }

        Count++;
    }

    /// <summary>For <c>foreach</c>, without allocating.</summary>
    public readonly Enumerator GetEnumerator() => new(this);

    /// <summary>Enumerates a copy.</summary>
    public struct Enumerator(PeerAddresses addresses)
    {
        private int _index = -1;

        /// <summary>The current address.</summary>
        public readonly UdpAddress Current => addresses[_index];

        /// <summary>Moves to the next address.</summary>
        public bool MoveNext() => ++_index < addresses.Count;
    }
}

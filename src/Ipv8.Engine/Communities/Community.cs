using CommunityToolkit.HighPerformance.Buffers;
using Ipv8.Engine.Bootstrapping;
using Ipv8.Engine.Endpoints;
using Ipv8.Engine.Diagnostics;
using Ipv8.Engine.Limits;
using Ipv8.Engine.Peers;
using Ipv8.Engine.Tasks;
using Ipv8.Wire;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Discovery;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv8.Engine.Communities;

/// <summary>
/// The base of every overlay (py-ipv8 <c>Community</c>): it owns a 22-byte prefix, a 256-entry handler table, the
/// discovery messages (introduction request and response, puncture and puncture request, old and new style), the
/// address estimates, and the walking primitives that strategies use. Derive from it, give it a
/// <see cref="Wire.CommunityId"/>, and register handlers for your own <c>[Payload]</c> types.
/// </summary>
/// <remarks>
/// Handlers run on the endpoint's dispatch loops. With several receive workers
/// (<see cref="Endpoints.UdpEndpointOptions.Workers"/>) handlers run concurrently for different sources, while the
/// messages of one source stay in order: keep handler state thread-safe. A handler that keeps packet data must copy
/// it: payload spans point into the datagram. Steady-state handling of a known peer's messages allocates nothing.
/// </remarks>
public abstract partial class Community : IPacketSink, IAsyncDisposable
{
    /// <summary>The protocol version byte of the prefix (py-ipv8 <c>version</c>).</summary>
    public const byte Version = Packet.Version;

    private readonly byte[] _prefix;
    // The handlers by message id, in blocks of 16 ids made when a handler is first set in one: a community that handles
    // the discovery ids (231 to 255) holds two blocks, not a 256-entry table (2 KB a community, 20 MB for a 10,000-node
    // swarm).
    private const int HandlerBlockShift = 4;
    private const int HandlerBlockMask = (1 << HandlerBlockShift) - 1;
    private readonly HandlerEntry?[]?[] _handlers = new HandlerEntry?[]?[256 >> HandlerBlockShift];
    private readonly Lock _bootstrapperLock = new();
    private IBootstrapper[] _bootstrappers = [];
    private readonly Lock _addressLock = new();
    private readonly Random _random;
    private readonly CommunityLimits _limits;
    private UdpAddress _myEstimatedLan;
    private UdpAddress _myEstimatedWan;
    private int _unloaded;
    private CommunityInstruments? _instruments;

    /// <summary>Creates the community. Fails with a clear error when the settings lack a key, endpoint or network.</summary>
    /// <param name="communityId">The 20-byte community id (py-ipv8 <c>community_id</c>).</param>
    /// <param name="settings">The settings; <see cref="Ipv8Node.CreateSettings"/> fills in the node parts.</param>
    protected Community(CommunityId communityId, CommunitySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (communityId == default)
        {
            throw new ArgumentException($"Attempted to launch {GetType().Name} without a community id: give it 20 non-zero bytes.", nameof(communityId));
        }

        Key = settings.Key ?? throw new ArgumentException("CommunitySettings.Key is required.", nameof(settings));
        Endpoint = settings.Endpoint ?? throw new ArgumentException("CommunitySettings.Endpoint is required.", nameof(settings));
        Network = settings.Network ?? throw new ArgumentException("CommunitySettings.Network is required.", nameof(settings));
        if (!Shared.SettingRanges.MaxPeers.Contains(settings.MaxPeers))
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.MaxPeers, $"MaxPeers must be {Shared.SettingRanges.MaxPeers.Text}.");
        }

        CommunityId = communityId;
        Settings = settings.Clone();
        MaxPeers = settings.MaxPeers;
        Anonymize = settings.Anonymize;
        TimeProvider = settings.TimeProvider;
        _roundTripEpoch = TimeProvider.GetTimestamp();
        MyPeer = settings.MyPeer ?? new Peer(Key.PublicKey, UdpAddress.Any, timeProvider: TimeProvider);
        Logger = settings.LoggerFactory?.CreateLogger(GetType()) ?? NullLogger.Instance;
        Tasks = new TaskGroup(Logger, TimeProvider);
        RemoteLog = new RemoteLog(Logger, TimeProvider, settings.RemoteEventLogInterval);
        _random = settings.RandomSeed is { } seed ? new Random(seed) : new Random();
        _limits = new CommunityLimits(settings.RateLimits ?? throw new ArgumentException("CommunitySettings.RateLimits must not be null.", nameof(settings)), TimeProvider);
        _prefix = communityId.ToPrefix(Version);

        if (Anonymize)
        {
            if (Endpoint is IAnonymizingEndpoint anonymizing)
            {
                anonymizing.SetAnonymity(_prefix, true);
            }
            else
            {
                CommunityLog.AnonymityUnavailable(Logger, GetType().Name);
            }
        }

        Network.Reserve(MaxPeers + 1); // the peer limit may be passed by one (the check precedes the add)
        Network.BlacklistKey(MyPeer.Key);
        Network.RegisterServiceProvider(CommunityId, this);
        InitializeAddressEstimates();

        foreach (var entry in s_discoveryHandlers)
        {
            SetHandler(entry.Id, entry.Entry);
        }

        for (var id = 0; id < 256; id++)
        {
            if (DiscoveryMessages.IsDeprecated((byte)id))
            {
                SetHandler((byte)id, DeprecatedHandlerEntry.Instance);
            }
        }
    }

    // The discovery messages' handlers (the virtual On… methods of whichever community receives the message): shared by
    // every community, as AddMessageHandler would register them one by one.
    private static readonly (byte Id, HandlerEntry Entry)[] s_discoveryHandlers =
    [
        Unsigned<GlobalTime, PunctureRequestPayload>(nameof(OnOldPunctureRequest), static (Community c, UdpAddress s, in GlobalTime t, in PunctureRequestPayload p) => c.OnOldPunctureRequest(s, in t, in p)),
        Signed<GlobalTime, PuncturePayload>(nameof(OnOldPuncture), static (Community c, Peer peer, in GlobalTime t, in PuncturePayload p) => c.OnOldPuncture(peer, in t, in p)),
        Unsigned<GlobalTime, NewPunctureRequestPayload>(nameof(OnNewPunctureRequest), static (Community c, UdpAddress s, in GlobalTime t, in NewPunctureRequestPayload p) => c.OnNewPunctureRequest(s, in t, in p)),
        Signed<GlobalTime, NewPuncturePayload>(nameof(OnNewPuncture), static (Community c, Peer peer, in GlobalTime t, in NewPuncturePayload p) => c.OnNewPuncture(peer, in t, in p)),
        Signed<GlobalTime, IntroductionRequestPayload>(nameof(OnOldIntroductionRequest), static (Community c, Peer peer, in GlobalTime t, in IntroductionRequestPayload p) => c.OnOldIntroductionRequest(peer, in t, in p)),
        Signed<GlobalTime, IntroductionResponsePayload>(nameof(OnOldIntroductionResponse), static (Community c, Peer peer, in GlobalTime t, in IntroductionResponsePayload p) => c.OnOldIntroductionResponse(peer, in t, in p)),
        Signed<GlobalTime, NewIntroductionRequestPayload>(nameof(OnNewIntroductionRequest), static (Community c, Peer peer, in GlobalTime t, in NewIntroductionRequestPayload p) => c.OnNewIntroductionRequest(peer, in t, in p)),
        Signed<GlobalTime, NewIntroductionResponsePayload>(nameof(OnNewIntroductionResponse), static (Community c, Peer peer, in GlobalTime t, in NewIntroductionResponsePayload p) => c.OnNewIntroductionResponse(peer, in t, in p)),
    ];

    private static (byte, HandlerEntry) Signed<T1, T2>(string name, CommunitySignedHandler<T1, T2> handler)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct
    {
        RequireSigned(T2.IsSigned, T2.MessageId, typeof(T2));
        return (T2.MessageId, new SharedSignedHandlerEntry<T1, T2>(name, handler));
    }

    private static (byte, HandlerEntry) Unsigned<T1, T2>(string name, CommunityUnsignedHandler<T1, T2> handler)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct
    {
        RequireUnsigned(T2.IsSigned, T2.MessageId, typeof(T2));
        return (T2.MessageId, new SharedUnsignedHandlerEntry<T1, T2>(name, handler));
    }

    /// <summary>The community id.</summary>
    public CommunityId CommunityId { get; }

    /// <summary>The settings this community was built with (a copy).</summary>
    public CommunitySettings Settings { get; }

    /// <summary>The peer limit (py-ipv8 <c>max_peers</c>); -1 is unlimited.</summary>
    public int MaxPeers { get; set; }

    /// <summary>Whether anonymity was asked for (py-ipv8 <c>anonymize</c>).</summary>
    public bool Anonymize { get; }

    /// <summary>This node's private key.</summary>
    public LibNaClPrivateKey Key { get; }

    /// <summary>This node's own peer (py-ipv8 <c>my_peer</c>).</summary>
    public Peer MyPeer { get; }

    /// <summary>The endpoint the community sends through.</summary>
    public IEndpoint Endpoint { get; }

    /// <summary>The shared peer table.</summary>
    public Network Network { get; }

    /// <summary>
    /// The bootstrappers (py-ipv8 <c>bootstrappers</c>), in the order they were added: a snapshot, safe to enumerate
    /// while the walk runs. Add with <see cref="AddBootstrapper"/>; <see cref="UnloadAsync"/> unloads and removes them.
    /// </summary>
    public IReadOnlyList<IBootstrapper> Bootstrappers => Volatile.Read(ref _bootstrappers);

    /// <summary>
    /// Adds a bootstrapper (py-ipv8 <c>bootstrappers.append</c>). The walk uses it from its next step.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="bootstrapper"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The community is unloaded.</exception>
    public void AddBootstrapper(IBootstrapper bootstrapper)
    {
        ArgumentNullException.ThrowIfNull(bootstrapper);
        lock (_bootstrapperLock)
        {
            if (IsUnloaded)
            {
                throw new InvalidOperationException("The community is unloaded.");
            }

            _bootstrappers = [.. _bootstrappers, bootstrapper];
        }
    }

    /// <summary>The community's background tasks; all cancelled by <see cref="UnloadAsync"/>.</summary>
    public TaskGroup Tasks { get; }

    /// <summary>The community's request cache, cancelled by <see cref="UnloadAsync"/>. Created on first use.</summary>
    public RequestCache RequestCache => _requestCache ??= new RequestCache(Tasks, TimeProvider);

    private RequestCache? _requestCache;

    /// <summary>Packet and drop counters.</summary>
    public CommunityCounters Counters { get; } = new();

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The logger.</summary>
    protected ILogger Logger { get; }

    /// <summary>The rate-limited, non-blocking log of the events a remote sender can cause (docs/logging.md).</summary>
    internal RemoteLog RemoteLog { get; }

    /// <summary>
    /// The community's random source (seeded by <see cref="CommunitySettings.RandomSeed"/>). Not thread-safe, and handlers
    /// run on several receive threads at once: use it under <c>lock (Random)</c>, as the community does itself.
    /// </summary>
    protected Random Random => _random;

    /// <summary>True after <see cref="UnloadAsync"/> started.</summary>
    public bool IsUnloaded => Volatile.Read(ref _unloaded) != 0;

    /// <summary>Our LAN address estimate (py-ipv8 <c>my_estimated_lan</c>).</summary>
    public UdpAddress MyEstimatedLan
    {
        get
        {
            lock (_addressLock)
            {
                return _myEstimatedLan;
            }
        }

        set
        {
            lock (_addressLock)
            {
                _myEstimatedLan = value;
            }
        }
    }

    /// <summary>Our WAN address estimate (py-ipv8 <c>my_estimated_wan</c>), learned from introduction responses.</summary>
    public UdpAddress MyEstimatedWan
    {
        get
        {
            lock (_addressLock)
            {
                return _myEstimatedWan;
            }
        }

        set
        {
            lock (_addressLock)
            {
                _myEstimatedWan = value;
            }
        }
    }

    /// <summary>The 22-byte prefix: 0x00, version 0x02, community id (py-ipv8 <c>get_prefix</c>).</summary>
    public ReadOnlySpan<byte> GetPrefix() => _prefix;

    /// <summary>Claims the next global time of our Lamport clock (py-ipv8 <c>claim_global_time</c>).</summary>
    public ulong ClaimGlobalTime() => MyPeer.ClaimClock();

    /// <summary>
    /// Registers a handler for a signed message of one payload (py-ipv8 <c>add_message_handler(Payload, …)</c> with
    /// <c>@lazy_wrapper(Payload)</c>), under <typeparamref name="T"/>'s message id. The signature is verified before the
    /// handler sees the payload.
    /// </summary>
    /// <exception cref="InvalidOperationException">The message id already has a handler.</exception>
    /// <exception cref="ArgumentException">The payload type is unsigned.</exception>
    public void AddMessageHandler<T>(MessageHandler<T> handler) where T : IMessagePayload<T>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(handler);
        RequireSigned(T.IsSigned, T.MessageId, typeof(T));
        SetHandler(T.MessageId, new SignedHandlerEntry<T>(handler));
    }

    /// <summary>
    /// Registers a handler for a signed message of two payloads (py-ipv8 <c>@lazy_wrapper(A, B)</c>), under the last
    /// payload's message id, as py-ipv8's <c>ez_send</c> sends it. Use <c>&lt;GlobalTime, T&gt;</c> for a message that
    /// carries a <c>GlobalTimeDistributionPayload</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The message id already has a handler.</exception>
    /// <exception cref="ArgumentException">The last payload type is unsigned.</exception>
    public void AddMessageHandler<T1, T2>(MessageHandler<T1, T2> handler)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(handler);
        RequireSigned(T2.IsSigned, T2.MessageId, typeof(T2));
        SetHandler(T2.MessageId, new SignedHandlerEntry<T1, T2>(handler));
    }

    /// <summary>
    /// Registers a handler for a signed message of three payloads (py-ipv8 <c>@lazy_wrapper(A, B, C)</c>), under the last
    /// payload's message id, as py-ipv8's <c>ez_send</c> sends it. The signature is verified before the handler sees the
    /// payloads. A message of four or more payloads has no typed handler: see docs/same-message.md.
    /// </summary>
    /// <exception cref="InvalidOperationException">The message id already has a handler.</exception>
    /// <exception cref="ArgumentException">The last payload type is unsigned.</exception>
    public void AddMessageHandler<T1, T2, T3>(MessageHandler<T1, T2, T3> handler)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IMessagePayload<T3>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(handler);
        RequireSigned(T3.IsSigned, T3.MessageId, typeof(T3));
        SetHandler(T3.MessageId, new SignedHandlerEntry<T1, T2, T3>(handler));
    }

    /// <summary>Registers a handler for an unsigned message of one payload (py-ipv8 <c>@lazy_wrapper_unsigned(Payload)</c>).</summary>
    /// <exception cref="InvalidOperationException">The message id already has a handler.</exception>
    /// <exception cref="ArgumentException">The payload type is signed.</exception>
    public void AddMessageHandler<T>(UnsignedMessageHandler<T> handler) where T : IMessagePayload<T>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(handler);
        RequireUnsigned(T.IsSigned, T.MessageId, typeof(T));
        SetHandler(T.MessageId, new UnsignedHandlerEntry<T>(handler));
    }

    /// <summary>Registers a handler for an unsigned message of two payloads (py-ipv8 <c>@lazy_wrapper_unsigned(A, B)</c>), under the last payload's id.</summary>
    /// <exception cref="InvalidOperationException">The message id already has a handler.</exception>
    /// <exception cref="ArgumentException">The last payload type is signed.</exception>
    public void AddMessageHandler<T1, T2>(UnsignedMessageHandler<T1, T2> handler)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(handler);
        RequireUnsigned(T2.IsSigned, T2.MessageId, typeof(T2));
        SetHandler(T2.MessageId, new UnsignedHandlerEntry<T1, T2>(handler));
    }

    /// <summary>Registers a handler for an unsigned message of three payloads (py-ipv8 <c>@lazy_wrapper_unsigned(A, B, C)</c>), under the last payload's id.</summary>
    /// <exception cref="InvalidOperationException">The message id already has a handler.</exception>
    /// <exception cref="ArgumentException">The last payload type is signed.</exception>
    public void AddMessageHandler<T1, T2, T3>(UnsignedMessageHandler<T1, T2, T3> handler)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IMessagePayload<T3>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(handler);
        RequireUnsigned(T3.IsSigned, T3.MessageId, typeof(T3));
        SetHandler(T3.MessageId, new UnsignedHandlerEntry<T1, T2, T3>(handler));
    }

    /// <summary>Registers a handler for raw datagrams of one message id (py-ipv8 <c>add_message_handler(int, …)</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside 0–255.</exception>
    /// <exception cref="InvalidOperationException">The message id already has a handler.</exception>
    public void AddMessageHandler(int messageId, RawMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (messageId is < 0 or > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(messageId), messageId, $"Attempted to add a handler for message number {messageId}, which is not a byte.");
        }

        SetHandler((byte)messageId, new RawHandlerEntry(handler));
    }

    /// <summary>
    /// Handles a datagram routed to this community (py-ipv8 <c>on_packet</c>): refreshes the sender's
    /// <c>last_response</c>, checks the prefix, and runs the handler for the message id, catching and logging any
    /// exception. Never throws.
    /// </summary>
    public void OnPacket(UdpAddress source, ReadOnlySpan<byte> datagram) => Receive(source, datagram, anyPrefix: false);

    /// <summary>
    /// The receive path of every community: the one peer lookup of the datagram (the verified peer at
    /// <paramref name="source"/>, whose <c>last_response</c> is refreshed and which is passed down), the prefix, the
    /// message id, then the handler table (signed messages: <see cref="SignedHandlerEntry"/>). With
    /// <paramref name="anyPrefix"/> (a tracker, py-ipv8 <c>EndpointServer.on_packet</c>) the prefix is not checked and
    /// unknown message ids are dropped without a warning.
    /// </summary>
    internal void Receive(UdpAddress source, ReadOnlySpan<byte> datagram, bool anyPrefix)
    {
        var sender = Network.GetVerifiedByAddress(source);
        sender?.Touch();
        if (datagram.Length <= Packet.PrefixLength)
        {
            // py-ipv8 raises an IndexError on a 22-byte packet; here it is only dropped.
            Counters.Drop(anyPrefix || (datagram.Length == Packet.PrefixLength && datagram.SequenceEqual(_prefix)) ? DropReason.TooShort : DropReason.BadPrefix);
            return;
        }

        if (!anyPrefix && !datagram[..Packet.PrefixLength].SequenceEqual(_prefix))
        {
            Counters.Drop(DropReason.BadPrefix);
            return;
        }

        var messageId = datagram[Packet.PrefixLength];
        Counters.In(messageId, datagram.Length);
        var handler = GetHandler(messageId);
        if (handler is null)
        {
            Counters.Drop(DropReason.UnknownMessage);
            if (!anyPrefix)
            {
                CommunityLog.UnknownMessage(RemoteLog, messageId, source);
            }

            return;
        }

        try
        {
            handler.Handle(this, source, datagram, sender);
        }
        catch (Exception ex)
        {
            Counters.Drop(DropReason.HandlerError);
            Settings.HandlerErrorObserver?.Invoke(ex);
            CommunityLog.HandlerError(RemoteLog, ex, messageId, source);
        }
    }

    /// <summary>
    /// Sends a message of one payload to a peer (py-ipv8 <c>ez_send(peer, payload)</c>): signed with our key when
    /// <typeparamref name="T"/> is signed. Allocates nothing for packets up to 1 KiB.
    /// </summary>
    public bool Send<T>(Peer peer, scoped in T payload) where T : IMessagePayload<T>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(peer);
        return Send(peer.Address, payload);
    }

    /// <summary>Sends a message of one payload to an address (py-ipv8 <c>_ez_senda</c>), as <see cref="Send{T}(Peer, in T)"/>.</summary>
    public bool Send<T>(UdpAddress address, scoped in T payload) where T : IMessagePayload<T>, allows ref struct
    {
        var size = Packet.GetSize(payload);
        if (size <= StackPacketSize)
        {
            Span<byte> buffer = stackalloc byte[StackPacketSize];
            return SendPacket(address, buffer[..CountSigned<T>(Packet.Write(buffer, _prefix, Key, payload))]);
        }

        using var rented = SpanOwner<byte>.Allocate(size);
        return SendPacket(address, rented.Span[..CountSigned<T>(Packet.Write(rented.Span, _prefix, Key, payload))]);
    }

    /// <summary>
    /// Sends a message of two payloads to a peer (py-ipv8 <c>ez_send(peer, first, second)</c>): the message id and
    /// signing come from the last payload. <c>Send(peer, new GlobalTime(ClaimGlobalTime()), payload)</c> sends a message
    /// with a global time, as py-ipv8's <c>GlobalTimeDistributionPayload</c>.
    /// </summary>
    public bool Send<T1, T2>(Peer peer, scoped in T1 first, scoped in T2 second)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(peer);
        return Send(peer.Address, first, second);
    }

    /// <summary>Sends a message of two payloads to an address, as <see cref="Send{T1, T2}(Peer, in T1, in T2)"/>.</summary>
    public bool Send<T1, T2>(UdpAddress address, scoped in T1 first, scoped in T2 second)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct =>
        SendSignedBy(Key, address, first, second);

    /// <summary>
    /// Sends a message of two payloads signed with <paramref name="key"/>, another of this node's keys (py-ipv8
    /// <c>custom_pack</c>: communities of one node may run under different keys).
    /// </summary>
    protected internal bool SendSignedBy<T1, T2>(LibNaClPrivateKey key, UdpAddress address, scoped in T1 first, scoped in T2 second)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IMessagePayload<T2>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(key);
        var size = Packet.GetSize(first, second);
        if (size <= StackPacketSize)
        {
            Span<byte> buffer = stackalloc byte[StackPacketSize];
            return SendPacket(address, buffer[..CountSigned<T2>(Packet.Write(buffer, _prefix, key, first, second))]);
        }

        using var rented = SpanOwner<byte>.Allocate(size);
        return SendPacket(address, rented.Span[..CountSigned<T2>(Packet.Write(rented.Span, _prefix, key, first, second))]);
    }

    /// <summary>
    /// Sends a message of three payloads to a peer (py-ipv8 <c>ez_send(peer, first, second, third)</c>): the message id
    /// and signing come from the last payload. Allocates nothing for packets up to 1 KiB.
    /// </summary>
    public bool Send<T1, T2, T3>(Peer peer, scoped in T1 first, scoped in T2 second, scoped in T3 third)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IMessagePayload<T3>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(peer);
        return Send(peer.Address, first, second, third);
    }

    /// <summary>Sends a message of three payloads to an address, as <see cref="Send{T1, T2, T3}(Peer, in T1, in T2, in T3)"/>.</summary>
    public bool Send<T1, T2, T3>(UdpAddress address, scoped in T1 first, scoped in T2 second, scoped in T3 third)
        where T1 : IPayload<T1>, allows ref struct
        where T2 : IPayload<T2>, allows ref struct
        where T3 : IMessagePayload<T3>, allows ref struct
    {
        var size = Packet.GetSize(first, second, third);
        if (size <= StackPacketSize)
        {
            Span<byte> buffer = stackalloc byte[StackPacketSize];
            return SendPacket(address, buffer[..CountSigned<T3>(Packet.Write(buffer, _prefix, Key, first, second, third))]);
        }

        using var rented = SpanOwner<byte>.Allocate(size);
        return SendPacket(address, rented.Span[..CountSigned<T3>(Packet.Write(rented.Span, _prefix, Key, first, second, third))]);
    }

    /// <summary>Counts the signature of a message of kind <typeparamref name="T"/> just written; returns <paramref name="length"/>.</summary>
    private int CountSigned<T>(int length) where T : IMessagePayload<T>, allows ref struct
    {
        if (T.IsSigned)
        {
            Counters.Signed();
        }

        return length;
    }

    /// <summary>Sends a ready-made packet through the endpoint and counts it.</summary>
    public bool SendPacket(UdpAddress address, ReadOnlySpan<byte> packet)
    {
        if (packet.Length > Packet.PrefixLength)
        {
            Counters.Out(packet[Packet.PrefixLength], packet.Length);
        }

        return Endpoint.Send(address, packet);
    }

    /// <summary>
    /// Shuts the community down in py-ipv8's order: unload the bootstrappers, stop receiving (the node unregisters the
    /// prefix), then cancel every task and the request cache.
    /// </summary>
    public async Task UnloadAsync()
    {
        if (Interlocked.Exchange(ref _unloaded, 1) != 0)
        {
            return;
        }

        IBootstrapper[] bootstrappers;
        lock (_bootstrapperLock)
        {
            bootstrappers = _bootstrappers;
            _bootstrappers = [];
        }

        for (var i = bootstrappers.Length - 1; i >= 0; i--)
        {
            bootstrappers[i].Unload();
        }

        Unloading?.Invoke(this);
        Network.UnregisterServiceProvider(CommunityId, this);
        await Tasks.CancelAllAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await UnloadAsync().ConfigureAwait(false);
        await Tasks.DisposeAsync().ConfigureAwait(false);
        RemoteLog.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Raised by <see cref="UnloadAsync"/> after the bootstrappers and before the tasks: the node stops routing packets here.</summary>
    internal event Action<Community>? Unloading;

    /// <summary>
    /// Counts a deprecated message and logs it (py-ipv8 <c>on_deprecated_message</c>, which logs every one); it is
    /// otherwise ignored. Every message is counted (<see cref="DropReason.Deprecated"/>), but, as every event a remote
    /// sender can cause, a warning is logged at most once per <see cref="CommunitySettings.RemoteEventLogInterval"/>, off
    /// the packet path, so that a stream of them can neither flood the log nor stall the node.
    /// </summary>
    protected virtual void OnDeprecatedMessage(UdpAddress source, ReadOnlySpan<byte> datagram)
    {
        Counters.Drop(DropReason.Deprecated);
        CommunityLog.DeprecatedMessage(RemoteLog, datagram[Packet.PrefixLength], source, Counters.Drops(DropReason.Deprecated));
    }

    /// <summary>
    /// The peer of a verified signed message (py-ipv8 <c>lazy_wrapper</c>): the verified peer with that key, which gains
    /// <paramref name="source"/>, or a new peer there. <paramref name="key"/> is the key already parsed, if any.
    /// </summary>
    internal Peer? ResolvePeer(Peer? known, PublicKey? key, ReadOnlySpan<byte> publicKeyBin, UdpAddress source)
    {
        if (known is null)
        {
            if (key is null && !PublicKey.TryParse(publicKeyBin, out key, out _))
            {
                Counters.Drop(DropReason.UnsupportedKey);
                return null;
            }

            return new Peer(key, source, introduced: false, TimeProvider);
        }

        if (known.GetAddress(source.IsIPv6) != source)
        {
            Network.UpdateAddress(known, source);
        }

        return known;
    }

    internal CommunityLimits Limits => _limits;

    /// <summary>This machine's own addresses, for <see cref="AddressIsLan"/> and the LAN estimate (tests replace them).</summary>
    internal LocalNetworks OwnAddresses { get; set; } = LocalNetworks.Machine;

    /// <summary>The node's histograms for this community; set when a node with metrics adds it.</summary>
    internal CommunityInstruments? Instruments
    {
        get => Volatile.Read(ref _instruments);
        set => Volatile.Write(ref _instruments, value);
    }

    /// <summary>The most addresses any of the community's rate limiters tracks (bounded by <see cref="RateLimitOptions.TrackedAddresses"/>).</summary>
    public int RateLimiterTrackedAddresses => _limits.TrackedAddresses;

    internal void CountDecodeFailure(byte messageId, WireError error)
    {
        Counters.Drop(error switch
        {
            WireError.BadSignature => DropReason.BadSignature,
            WireError.UnsupportedKey or WireError.PrivateKeyMaterial => DropReason.UnsupportedKey,
            _ => DropReason.Malformed,
        });
        CommunityLog.DecodeFailure(RemoteLog, messageId, error);
    }

    private const int StackPacketSize = 1024;

    private static void RequireSigned(bool signed, byte messageId, Type type)
    {
        if (!signed)
        {
            throw new ArgumentException($"Message {messageId} ({type.Name}) is unsigned: register an UnsignedMessageHandler.", "handler");
        }
    }

    private static void RequireUnsigned(bool signed, byte messageId, Type type)
    {
        if (signed)
        {
            throw new ArgumentException($"Message {messageId} ({type.Name}) is signed: register a MessageHandler.", "handler");
        }
    }

    /// <summary>Replaces the handler of a message id (a subclass's own decoding of a base message, as py-ipv8's DiscoveryCommunity overrides 246).</summary>
    internal void ReplaceHandler(byte messageId, HandlerEntry entry) => Volatile.Write(ref HandlerBlock(messageId)[messageId & HandlerBlockMask], entry);

    /// <summary>Removes every handler (a tracker handles introduction requests only).</summary>
    internal void ClearHandlers() => Array.Clear(_handlers);

    /// <summary>
    /// True when a reply to <paramref name="address"/> on behalf of <paramref name="peer"/> goes to a verified peer: the
    /// peer itself (known without a lookup when it came from the receive path) or another verified peer at that address.
    /// </summary>
    internal bool IsVerifiedDestination(Peer peer, UdpAddress address) =>
        Network.IsVerified(peer) || Network.GetVerifiedByAddress(address) is not null;

    /// <summary>Runs <see cref="OnDeprecatedMessage"/> (for the handler entry that every community shares).</summary>
    internal void HandleDeprecated(UdpAddress source, ReadOnlySpan<byte> datagram) => OnDeprecatedMessage(source, datagram);

    private void SetHandler(byte messageId, HandlerEntry entry)
    {
        if (GetHandler(messageId) is { } existing)
        {
            throw new InvalidOperationException($"Attempted to add a handler for message number {messageId}, already mapped to {existing.Name}.");
        }

        ReplaceHandler(messageId, entry);
    }

    private HandlerEntry? GetHandler(byte messageId) =>
        Volatile.Read(ref _handlers[messageId >> HandlerBlockShift]) is { } block ? Volatile.Read(ref block[messageId & HandlerBlockMask]) : null;

    // The block of the message id's handler, made (empty) when it has none yet.
    private HandlerEntry?[] HandlerBlock(byte messageId)
    {
        ref var slot = ref _handlers[messageId >> HandlerBlockShift];
        if (Volatile.Read(ref slot) is { } block)
        {
            return block;
        }

        var made = new HandlerEntry?[HandlerBlockMask + 1];
        return Interlocked.CompareExchange(ref slot, made, null) ?? made;
    }
}

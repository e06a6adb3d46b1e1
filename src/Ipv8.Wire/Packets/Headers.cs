namespace Ipv8.Wire;

/// <summary>
/// The authentication header of a signed message: the sender's public key bin as <c>varlenH</c>
/// (py-ipv8 <c>BinMemberAuthenticationPayload</c>).
/// </summary>
[Payload]
public readonly ref partial struct AuthHeader
{
    /// <summary>The sender's public key bin (74 bytes for a LibNaCL key).</summary>
    [Field(Format.VarLenH)] public ReadOnlySpan<byte> PublicKeyBin { get; init; }
}

/// <summary>
/// The sender's Lamport clock (py-ipv8 <c>GlobalTimeDistributionPayload</c>, the <c>dist</c> argument of its handlers):
/// the first payload of the messages that carry one (the discovery messages, py-ipv8's <c>lazy_wrapper(GlobalTimeDistributionPayload, …)</c>
/// messages). A message carries it only when its payload list names it: <c>ez_send</c> messages do not.
/// </summary>
[Payload]
public readonly partial struct GlobalTime
{
    /// <summary>Creates a global time.</summary>
    public GlobalTime(ulong value) => Value = value;

    /// <summary>The global time.</summary>
    [Field(Format.UInt64)] public ulong Value { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

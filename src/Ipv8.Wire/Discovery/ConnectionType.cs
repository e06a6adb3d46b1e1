namespace Ipv8.Wire.Discovery;

/// <summary>
/// The NAT type a peer reports in its introduction flags: bits (0x80, 0x40) = (0,0) unknown, (1,0) public,
/// (1,1) symmetric NAT. py-ipv8 <c>encode_connection_type</c> / <c>decode_connection_type</c>.
/// </summary>
public enum ConnectionType
{
    /// <summary>Bits (0,0): <c>"unknown"</c>.</summary>
    Unknown,

    /// <summary>Bits (1,0): <c>"public"</c>.</summary>
    Public,

    /// <summary>Bits (1,1): <c>"symmetric-NAT"</c>.</summary>
    SymmetricNat,
}

/// <summary>Conversions between <see cref="ConnectionType"/>, its two flag bits and py-ipv8's names.</summary>
public static class ConnectionTypes
{
    /// <summary>Decodes the two connection-type bits. (0,1) is not defined by py-ipv8; like py-ipv8 it reads as unknown.</summary>
    public static ConnectionType FromBits(bool bit0, bool bit1) => (bit0, bit1) switch
    {
        (true, false) => ConnectionType.Public,
        (true, true) => ConnectionType.SymmetricNat,
        _ => ConnectionType.Unknown,
    };

    /// <summary>
    /// The connection type of a flag byte's bits 0x80 and 0x40 as py-ipv8's <c>decode_connection_type</c> names it:
    /// <c>"unknown"</c>, <c>"public"</c>, <c>"symmetric-NAT"</c>, or <c>"N/A"</c> for bits (0, 1), which no py-ipv8
    /// node writes (<see cref="FromBits"/> reads those as <see cref="ConnectionType.Unknown"/>; the differential target
    /// found the decode JSON printing "unknown" for them).
    /// </summary>
    internal static string WireName(byte flags) =>
        !BitFlags.Get(flags, 0) && BitFlags.Get(flags, 1) ? "N/A" : FromBits(BitFlags.Get(flags, 0), BitFlags.Get(flags, 1)).ToWireName();

    /// <summary>The flag byte bits (0x80, 0x40) for a connection type.</summary>
    public static byte ToFlagBits(this ConnectionType type) => type switch
    {
        ConnectionType.Public => 0x80,
        ConnectionType.SymmetricNat => 0xC0,
        _ => 0,
    };

    /// <summary>py-ipv8's name: <c>unknown</c>, <c>public</c> or <c>symmetric-NAT</c>.</summary>
    public static string ToWireName(this ConnectionType type) => type switch
    {
        ConnectionType.Public => "public",
        ConnectionType.SymmetricNat => "symmetric-NAT",
        _ => "unknown",
    };
}

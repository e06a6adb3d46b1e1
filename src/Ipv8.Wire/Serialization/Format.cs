namespace Ipv8.Wire;

/// <summary>
/// The field formats of py-ipv8's serializer (<c>ipv8/messaging/serialization.py</c>). Every multi-byte
/// integer is big-endian.
/// </summary>
public enum Format
{
    /// <summary>py-ipv8 <c>B</c>: unsigned 8-bit integer (<see cref="byte"/>).</summary>
    UInt8,

    /// <summary>py-ipv8 <c>H</c>: unsigned 16-bit integer (<see cref="ushort"/>).</summary>
    UInt16,

    /// <summary>py-ipv8 <c>I</c>: unsigned 32-bit integer (<see cref="uint"/>).</summary>
    UInt32,

    /// <summary>py-ipv8 <c>Q</c>: unsigned 64-bit integer (<see cref="ulong"/>).</summary>
    UInt64,

    /// <summary>py-ipv8 <c>q</c>: signed 64-bit integer (<see cref="long"/>).</summary>
    Int64,

    /// <summary>py-ipv8 <c>?</c>: one byte, any non-zero value reads as true (<see cref="bool"/>).</summary>
    Bool,

    /// <summary>py-ipv8 <c>f</c>: IEEE 754 single (<see cref="float"/>).</summary>
    Float,

    /// <summary>py-ipv8 <c>d</c>: IEEE 754 double (<see cref="double"/>).</summary>
    Double,

    /// <summary>
    /// py-ipv8 <c>bits</c>: one byte holding 8 flags, the first at bit 0x80 and the last at 0x01. The member is
    /// the raw <see cref="byte"/>; <see cref="BitFlags"/> reads single flags.
    /// </summary>
    Bits,

    /// <summary>py-ipv8 <c>ipv4</c>: 4 address bytes and a port (6 bytes, <see cref="UdpAddress"/>).</summary>
    Ipv4,

    /// <summary>
    /// py-ipv8 <c>ip_address</c>: a type byte (1 = IPv4, 3 = IPv6), the address and a port
    /// (<see cref="UdpAddress"/>). Type 2 (domain name) is malformed here.
    /// </summary>
    IpAddress,

    /// <summary>py-ipv8 <c>address</c>: like <see cref="IpAddress"/>, plus type 2, a domain name (<see cref="HostAddress"/>).</summary>
    Address,

    /// <summary>py-ipv8 <c>raw</c>: the rest of the packet. Only the last field may use it.</summary>
    Raw,

    /// <summary>py-ipv8 <c>varlenH</c>: a 16-bit length, then that many bytes.</summary>
    VarLenH,

    /// <summary>py-ipv8 <c>varlenI</c>: a 32-bit length, then that many bytes.</summary>
    VarLenI,

    /// <summary>py-ipv8 <c>varlenBx2</c>: an 8-bit count, then count × 2 bytes.</summary>
    VarLenBx2,

    /// <summary>py-ipv8 <c>varlenHx20</c>: a 16-bit count, then count × 20 bytes.</summary>
    VarLenHx20,

    /// <summary>py-ipv8 <c>varlenHutf8</c>: <see cref="VarLenH"/> holding UTF-8 text (span of UTF-8 bytes, or <see cref="string"/>).</summary>
    VarLenHUtf8,

    /// <summary>py-ipv8 <c>varlenIutf8</c>: <see cref="VarLenI"/> holding UTF-8 text (span of UTF-8 bytes, or <see cref="string"/>).</summary>
    VarLenIUtf8,

    /// <summary>py-ipv8 <c>20s</c>: exactly 20 bytes.</summary>
    Bytes20,

    /// <summary>py-ipv8 <c>32s</c>: exactly 32 bytes.</summary>
    Bytes32,

    /// <summary>py-ipv8 <c>64s</c>: exactly 64 bytes.</summary>
    Bytes64,

    /// <summary>py-ipv8 <c>74s</c>: exactly 74 bytes.</summary>
    Bytes74,

    /// <summary>py-ipv8 <c>c20s</c>: one char and 20 bytes, held as one 21-byte field.</summary>
    C20s,

    /// <summary>py-ipv8 <c>varlenH-list</c>: an 8-bit count, then that many <see cref="VarLenH"/> items (<c>byte[][]</c>).</summary>
    VarLenHList,

    /// <summary>py-ipv8 nested <c>payload</c>: a 16-bit length, then a nested <c>[Payload]</c> type.</summary>
    Payload,

    /// <summary>py-ipv8 <c>payload-list</c>: an 8-bit count, then that many nested payloads (<c>T[]</c> of a <c>[Payload]</c> struct).</summary>
    PayloadList,

    /// <summary>py-ipv8 <c>arrayH-?</c>: a 16-bit count, then that many bools (<c>bool[]</c>).</summary>
    ArrayHBool,

    /// <summary>py-ipv8 <c>arrayH-q</c>: a 16-bit count, then that many signed 64-bit integers (<c>long[]</c>).</summary>
    ArrayHInt64,

    /// <summary>py-ipv8 <c>arrayH-d</c>: a 16-bit count, then that many doubles (<c>double[]</c>).</summary>
    ArrayHDouble,
}

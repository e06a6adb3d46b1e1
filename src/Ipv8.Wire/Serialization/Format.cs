namespace Ipv8.Wire;

/// <summary>
/// The field formats of py-ipv8's serializer (<c>ipv8/messaging/serialization.py</c>, <c>Serializer._packers</c>), every
/// one of them. Every multi-byte integer is big-endian, except inside the <c>arrayH-*</c> formats, which py-ipv8 writes
/// with Python's <c>array</c> module in the machine's byte order (little-endian).
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

    /// <summary>py-ipv8 <c>arrayH-?</c>: a 16-bit count, then that many bools (<c>bool[]</c>), count little-endian.</summary>
    ArrayHBool,

    /// <summary>py-ipv8 <c>arrayH-q</c>: a 16-bit count, then that many signed 64-bit integers (<c>long[]</c>), all little-endian.</summary>
    ArrayHInt64,

    /// <summary>py-ipv8 <c>arrayH-d</c>: a 16-bit count, then that many doubles (<c>double[]</c>), all little-endian.</summary>
    ArrayHDouble,

    /// <summary>py-ipv8 <c>c</c>: one byte (a Python <c>bytes</c> of length 1; <see cref="byte"/>).</summary>
    Char,

    /// <summary>py-ipv8 <c>l</c>: signed 32-bit integer (<see cref="int"/>).</summary>
    Int32,

    /// <summary>py-ipv8 <c>doublevarlenH</c>: the same bytes as <see cref="VarLenH"/>.</summary>
    DoubleVarLenH,

    /// <summary>py-ipv8 <c>BH</c>: <c>(byte, ushort)</c>, 3 bytes.</summary>
    StructBH,

    /// <summary>py-ipv8 <c>BBH</c>: <c>(byte, byte, ushort)</c>, 4 bytes.</summary>
    StructBBH,

    /// <summary>py-ipv8 <c>HH</c>: <c>(ushort, ushort)</c>, 4 bytes.</summary>
    StructHH,

    /// <summary>py-ipv8 <c>LL</c>: <c>(uint, uint)</c>, 8 bytes.</summary>
    StructLL,

    /// <summary>py-ipv8 <c>QH</c>: <c>(ulong, ushort)</c>, 10 bytes.</summary>
    StructQH,

    /// <summary>py-ipv8 <c>QL</c>: <c>(ulong, uint)</c>, 12 bytes.</summary>
    StructQL,

    /// <summary>py-ipv8 <c>QQHHBH</c>: <c>(ulong, ulong, ushort, ushort, byte, ushort)</c>, 23 bytes.</summary>
    StructQQHHBH,

    /// <summary>py-ipv8 <c>ccB</c>: <c>(byte, byte, byte)</c>, two chars and an unsigned byte.</summary>
    StructCcB,

    /// <summary>py-ipv8 <c>4SH</c>: four address bytes and a port (<see cref="UdpAddress"/>, IPv4), the same bytes as <see cref="Ipv4"/>.</summary>
    Struct4SH,
}

using Ipv8.Wire;

namespace Ipv8.Generators.Tests.Execution;

// These types are compiled by the real generator through the project's analyzer reference.

/// <summary>A nested payload that is not a ref struct, so it can be a list element. Ends with a raw field.</summary>
[Payload]
public partial struct Entry
{
    [Field(Format.UInt32)] public uint Id { get; init; }

    [Field(Format.VarLenHUtf8)] public string Label { get; init; }

    [Field(Format.Raw)] public byte[] Extra { get; init; }
}

/// <summary>A nested ref struct payload of spans.</summary>
[Payload]
public ref partial struct SpanEntry
{
    [Field(Format.Bytes20)] public ReadOnlySpan<byte> Key { get; init; }

    [Field(Format.Raw)] public ReadOnlySpan<byte> Tail { get; init; }
}

/// <summary>A message with one field of every <see cref="Format"/>, spans wherever a span fits.</summary>
[Payload(MessageId = 200)]
public ref partial struct EveryFormatPayload
{
    [Field(Format.UInt8)] public byte UInt8 { get; init; }

    [Field(Format.UInt16)] public ushort UInt16 { get; init; }

    [Field(Format.UInt32)] public uint UInt32 { get; init; }

    [Field(Format.UInt64)] public ulong UInt64 { get; init; }

    [Field(Format.Int64)] public long Int64 { get; init; }

    [Field(Format.Bool)] public bool Bool { get; init; }

    [Field(Format.Float)] public float Float { get; init; }

    [Field(Format.Double)] public double Double { get; init; }

    [Field(Format.Bits)] public byte Bits { get; init; }

    [Field(Format.Ipv4)] public UdpAddress Ipv4 { get; init; }

    [Field(Format.IpAddress)] public UdpAddress IpAddress { get; init; }

    [Field(Format.Address)] public HostAddress Address { get; init; }

    [Field(Format.VarLenH)] public ReadOnlySpan<byte> VarLenH { get; init; }

    [Field(Format.VarLenI)] public ReadOnlySpan<byte> VarLenI { get; init; }

    [Field(Format.VarLenBx2)] public ReadOnlySpan<byte> VarLenBx2 { get; init; }

    [Field(Format.VarLenHx20)] public ReadOnlySpan<byte> VarLenHx20 { get; init; }

    [Field(Format.VarLenHUtf8)] public ReadOnlySpan<byte> VarLenHUtf8 { get; init; }

    [Field(Format.VarLenIUtf8)] public ReadOnlySpan<byte> VarLenIUtf8 { get; init; }

    [Field(Format.Bytes20)] public ReadOnlySpan<byte> Bytes20 { get; init; }

    [Field(Format.Bytes32)] public ReadOnlySpan<byte> Bytes32 { get; init; }

    [Field(Format.Bytes64)] public ReadOnlySpan<byte> Bytes64 { get; init; }

    [Field(Format.Bytes74)] public ReadOnlySpan<byte> Bytes74 { get; init; }

    [Field(Format.C20s)] public ReadOnlySpan<byte> C20s { get; init; }

    [Field(Format.VarLenHList)] public byte[][] VarLenHList { get; init; }

    [Field(Format.Payload)] public SpanEntry Payload { get; init; }

    [Field(Format.PayloadList)] public Entry[] PayloadList { get; init; }

    [Field(Format.ArrayHBool)] public bool[] ArrayHBool { get; init; }

    [Field(Format.ArrayHInt64)] public long[] ArrayHInt64 { get; init; }

    [Field(Format.ArrayHDouble)] public double[] ArrayHDouble { get; init; }

    [Field(Format.Char)] public byte Char { get; init; }

    [Field(Format.Int32)] public int Int32 { get; init; }

    [Field(Format.DoubleVarLenH)] public ReadOnlySpan<byte> DoubleVarLenH { get; init; }

    [Field(Format.StructBH)] public (byte, ushort) StructBH { get; init; }

    [Field(Format.StructBBH)] public (byte, byte, ushort) StructBBH { get; init; }

    [Field(Format.StructHH)] public (ushort, ushort) StructHH { get; init; }

    [Field(Format.StructLL)] public (uint, uint) StructLL { get; init; }

    [Field(Format.StructQH)] public (ulong, ushort) StructQH { get; init; }

    [Field(Format.StructQL)] public (ulong, uint) StructQL { get; init; }

    [Field(Format.StructQQHHBH)] public (ulong, ulong, ushort, ushort, byte, ushort) StructQQHHBH { get; init; }

    [Field(Format.StructCcB)] public (byte, byte, byte) StructCcB { get; init; }

    [Field(Format.Struct4SH)] public UdpAddress Struct4SH { get; init; }

    [Field(Format.Raw)] public ReadOnlySpan<byte> Raw { get; init; }
}

/// <summary>
/// A message that is not a ref struct: byte arrays, strings and arrays, a nested payload and a payload list, some
/// held in plain fields. It does not end with a raw field, so every truncation of it is malformed.
/// </summary>
[Payload(MessageId = 201, Signed = false)]
public partial struct ArrayFormatsPayload
{
    [Field(Format.UInt16)] public ushort Version { get; set; }

    [Field(Format.VarLenH)] public byte[] VarLenH { get; init; }

    [Field(Format.VarLenI)] public byte[] VarLenI { get; init; }

    [Field(Format.VarLenBx2)] public byte[] VarLenBx2 { get; init; }

    [Field(Format.VarLenHx20)] public byte[] VarLenHx20 { get; init; }

    [Field(Format.VarLenHUtf8)] public string VarLenHUtf8 { get; init; }

    [Field(Format.VarLenIUtf8)] public string VarLenIUtf8 { get; init; }

    [Field(Format.Bytes20)] public byte[] Bytes20;

    [Field(Format.Bytes32)] public byte[] Bytes32;

    [Field(Format.Bytes64)] public byte[] Bytes64;

    [Field(Format.Bytes74)] public byte[] Bytes74;

    [Field(Format.C20s)] public byte[] C20s;

    [Field(Format.VarLenHList)] public byte[][] VarLenHList { get; init; }

    [Field(Format.Payload)] public Entry Payload { get; init; }

    [Field(Format.PayloadList)] public Entry[] PayloadList { get; init; }

    [Field(Format.ArrayHBool)] public bool[] ArrayHBool { get; init; }

    [Field(Format.ArrayHInt64)] public long[] ArrayHInt64 { get; init; }

    [Field(Format.ArrayHDouble)] public double[] ArrayHDouble { get; init; }

    [Field(Format.Bool)] public bool Last;
}

/// <summary>A message with a byte-array raw field, the one raw member type <see cref="EveryFormatPayload"/> lacks at top level.</summary>
[Payload(MessageId = 202)]
public partial struct RawArrayPayload
{
    [Field(Format.Int64)] public long Time { get; init; }

    [Field(Format.Raw)] public byte[] Rest { get; init; }
}

/// <summary>
/// The formats that map to tuples (py-ipv8's multi-value struct formats) and the other formats added with them, in a
/// struct that is not a ref struct: tuples with and without element names, as properties and as plain fields.
/// </summary>
[Payload(MessageId = 203)]
public partial struct StructFormatsPayload
{
    [Field(Format.Char)] public byte Tag { get; init; }

    [Field(Format.Int32)] public int Delta { get; init; }

    [Field(Format.DoubleVarLenH)] public byte[] Pair { get; init; }

    [Field(Format.StructBH)] public (byte Kind, ushort Port) Service { get; init; }

    [Field(Format.StructBBH)] public (byte, byte, ushort) Version;

    [Field(Format.StructHH)] public (ushort Low, ushort High) Range { get; init; }

    [Field(Format.StructLL)] public (uint, uint) Counts { get; set; }

    [Field(Format.StructQH)] public (ulong Id, ushort Part) Chunk { get; init; }

    [Field(Format.StructQL)] public (ulong, uint) Offset;

    [Field(Format.StructQQHHBH)] public (ulong Start, ulong End, ushort A, ushort B, byte Kind, ushort Tail) Window { get; init; }

    [Field(Format.StructCcB)] public (byte First, byte Second, byte Count) Chars { get; init; }

    [Field(Format.Struct4SH)] public UdpAddress Host { get; init; }
}

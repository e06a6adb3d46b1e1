using Ipv8.Wire;

namespace Ipv8.Fuzz.Targets;

/// <summary>A payload with every scalar, address, byte and text format, read as spans (zero copy).</summary>
[Payload(MessageId = 1)]
internal readonly ref partial struct SpanFormats
{
    [Field(Format.UInt8)] public byte A { get; init; }
    [Field(Format.UInt16)] public ushort B { get; init; }
    [Field(Format.UInt32)] public uint C { get; init; }
    [Field(Format.UInt64)] public ulong D { get; init; }
    [Field(Format.Int64)] public long E { get; init; }
    [Field(Format.Bool)] public bool F { get; init; }
    [Field(Format.Float)] public float G { get; init; }
    [Field(Format.Double)] public double H { get; init; }
    [Field(Format.Bits)] public byte I { get; init; }
    [Field(Format.Ipv4)] public UdpAddress J { get; init; }
    [Field(Format.IpAddress)] public UdpAddress K { get; init; }
    [Field(Format.Address)] public HostAddress L { get; init; }
    [Field(Format.VarLenH)] public ReadOnlySpan<byte> M { get; init; }
    [Field(Format.VarLenI)] public ReadOnlySpan<byte> N { get; init; }
    [Field(Format.VarLenBx2)] public ReadOnlySpan<byte> O { get; init; }
    [Field(Format.VarLenHx20)] public ReadOnlySpan<byte> P { get; init; }
    [Field(Format.VarLenHUtf8)] public ReadOnlySpan<byte> Q { get; init; }
    [Field(Format.VarLenIUtf8)] public ReadOnlySpan<byte> R { get; init; }
    [Field(Format.Bytes20)] public ReadOnlySpan<byte> S { get; init; }
    [Field(Format.C20s)] public ReadOnlySpan<byte> T { get; init; }
    [Field(Format.Raw)] public ReadOnlySpan<byte> U { get; init; }
}

/// <summary>A nested payload.</summary>
[Payload]
internal partial struct Inner
{
    [Field(Format.UInt16)] public ushort X { get; set; }

    [Field(Format.VarLenHUtf8)] public string Y { get; set; }
}

/// <summary>A payload with the list, array and nested formats, read into arrays and strings.</summary>
[Payload(MessageId = 2)]
internal partial struct ArrayFormats
{
    [Field(Format.VarLenHList)] public byte[][] A { get; set; }
    [Field(Format.Payload)] public Inner B { get; set; }
    [Field(Format.PayloadList)] public Inner[] C { get; set; }
    [Field(Format.ArrayHBool)] public bool[] D { get; set; }
    [Field(Format.ArrayHInt64)] public long[] E { get; set; }
    [Field(Format.ArrayHDouble)] public double[] F { get; set; }
    [Field(Format.Bytes32)] public byte[] G { get; set; }
    [Field(Format.VarLenIUtf8)] public string H { get; set; }
}

using System.Collections.Generic;

namespace Ipv8.Wire.Generators;

/// <summary>The kinds of member type a format can map to.</summary>
internal enum MemberKind
{
    Unsupported,
    Byte,
    UInt16,
    UInt32,
    UInt64,
    Int64,
    Bool,
    Single,
    Double,
    UdpAddress,
    HostAddress,
    Span,
    ByteArray,
    String,
    ByteArrayArray,
    BoolArray,
    Int64Array,
    DoubleArray,
    NestedPayload,
    NestedPayloadArray,
    Int32,
    Tuple,
}

/// <summary>How one format reads, writes and sizes a member.</summary>
/// <param name="Name">The <c>Format</c> enum member name.</param>
/// <param name="Method">The reader/writer method suffix (<c>TryRead{Method}</c>, <c>Write{Method}</c>).</param>
/// <param name="FixedSize">The size in bytes when constant, else -1.</param>
/// <param name="Kinds">The member kinds the format accepts.</param>
/// <param name="Expected">What to tell the user when the member kind does not fit.</param>
/// <param name="TupleShape">For a multi-value struct format, the tuple's element types (<c>byte,ushort</c>); else null.</param>
internal sealed record FormatInfo(string Name, string Method, int FixedSize, MemberKind[] Kinds, string Expected, string? TupleShape = null);

/// <summary>
/// The formats, in the order of the <c>Ipv8.Wire.Format</c> enum (a test checks that the two agree).
/// </summary>
internal static class FormatTable
{
    private static readonly MemberKind[] s_bytes = { MemberKind.Span, MemberKind.ByteArray };
    private static readonly MemberKind[] s_text = { MemberKind.Span, MemberKind.String };

    public static readonly IReadOnlyList<FormatInfo> Formats = new[]
    {
        new FormatInfo("UInt8", "UInt8", 1, new[] { MemberKind.Byte }, "byte"),
        new FormatInfo("UInt16", "UInt16", 2, new[] { MemberKind.UInt16 }, "ushort"),
        new FormatInfo("UInt32", "UInt32", 4, new[] { MemberKind.UInt32 }, "uint"),
        new FormatInfo("UInt64", "UInt64", 8, new[] { MemberKind.UInt64 }, "ulong"),
        new FormatInfo("Int64", "Int64", 8, new[] { MemberKind.Int64 }, "long"),
        new FormatInfo("Bool", "Bool", 1, new[] { MemberKind.Bool }, "bool"),
        new FormatInfo("Float", "Single", 4, new[] { MemberKind.Single }, "float"),
        new FormatInfo("Double", "Double", 8, new[] { MemberKind.Double }, "double"),
        new FormatInfo("Bits", "Bits", 1, new[] { MemberKind.Byte }, "byte"),
        new FormatInfo("Ipv4", "Ipv4", 6, new[] { MemberKind.UdpAddress }, "Ipv8.Wire.UdpAddress"),
        new FormatInfo("IpAddress", "IpAddress", -1, new[] { MemberKind.UdpAddress }, "Ipv8.Wire.UdpAddress"),
        new FormatInfo("Address", "Address", -1, new[] { MemberKind.HostAddress }, "Ipv8.Wire.HostAddress"),
        new FormatInfo("Raw", "Raw", -1, s_bytes, "ReadOnlySpan<byte> or byte[]"),
        new FormatInfo("VarLenH", "VarLenH", -1, s_bytes, "ReadOnlySpan<byte> or byte[]"),
        new FormatInfo("VarLenI", "VarLenI", -1, s_bytes, "ReadOnlySpan<byte> or byte[]"),
        new FormatInfo("VarLenBx2", "VarLenBx2", -1, s_bytes, "ReadOnlySpan<byte> or byte[]"),
        new FormatInfo("VarLenHx20", "VarLenHx20", -1, s_bytes, "ReadOnlySpan<byte> or byte[]"),
        new FormatInfo("VarLenHUtf8", "VarLenHUtf8", -1, s_text, "ReadOnlySpan<byte> (UTF-8) or string"),
        new FormatInfo("VarLenIUtf8", "VarLenIUtf8", -1, s_text, "ReadOnlySpan<byte> (UTF-8) or string"),
        new FormatInfo("Bytes20", "Fixed", 20, s_bytes, "ReadOnlySpan<byte> or byte[]"),
        new FormatInfo("Bytes32", "Fixed", 32, s_bytes, "ReadOnlySpan<byte> or byte[]"),
        new FormatInfo("Bytes64", "Fixed", 64, s_bytes, "ReadOnlySpan<byte> or byte[]"),
        new FormatInfo("Bytes74", "Fixed", 74, s_bytes, "ReadOnlySpan<byte> or byte[]"),
        new FormatInfo("C20s", "Fixed", 21, s_bytes, "ReadOnlySpan<byte> or byte[]"),
        new FormatInfo("VarLenHList", "VarLenHList", -1, new[] { MemberKind.ByteArrayArray }, "byte[][]"),
        new FormatInfo("Payload", "Payload", -1, new[] { MemberKind.NestedPayload }, "a [Payload] type"),
        new FormatInfo("PayloadList", "PayloadList", -1, new[] { MemberKind.NestedPayloadArray }, "an array of a [Payload] struct that is not a ref struct"),
        new FormatInfo("ArrayHBool", "ArrayHBool", -1, new[] { MemberKind.BoolArray }, "bool[]"),
        new FormatInfo("ArrayHInt64", "ArrayHInt64", -1, new[] { MemberKind.Int64Array }, "long[]"),
        new FormatInfo("ArrayHDouble", "ArrayHDouble", -1, new[] { MemberKind.DoubleArray }, "double[]"),
        new FormatInfo("Char", "Char", 1, new[] { MemberKind.Byte }, "byte"),
        new FormatInfo("Int32", "Int32", 4, new[] { MemberKind.Int32 }, "int"),
        new FormatInfo("DoubleVarLenH", "DoubleVarLenH", -1, s_bytes, "ReadOnlySpan<byte> or byte[]"),
        Tuple("StructBH", 3, "byte,ushort"),
        Tuple("StructBBH", 4, "byte,byte,ushort"),
        Tuple("StructHH", 4, "ushort,ushort"),
        Tuple("StructLL", 8, "uint,uint"),
        Tuple("StructQH", 10, "ulong,ushort"),
        Tuple("StructQL", 12, "ulong,uint"),
        Tuple("StructQQHHBH", 23, "ulong,ulong,ushort,ushort,byte,ushort"),
        Tuple("StructCcB", 3, "byte,byte,byte"),
        new FormatInfo("Struct4SH", "Struct4SH", 6, new[] { MemberKind.UdpAddress }, "Ipv8.Wire.UdpAddress"),
    };

    private static FormatInfo Tuple(string name, int size, string shape) =>
        new(name, name, size, new[] { MemberKind.Tuple }, "(" + shape.Replace(",", ", ") + ")", shape);
}

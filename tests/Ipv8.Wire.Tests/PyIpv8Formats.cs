using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ipv8.Wire.Tests.UserMessages;

namespace Ipv8.Wire.Tests;

/// <summary>
/// py-ipv8's serializer format names mapped to our <see cref="Format"/> members, and how a value of each format is read,
/// written, and taken from the reference vectors' JSON (bytes as <c>{"hex": …}</c>, addresses as <c>[host, port]</c>,
/// multi-value formats as lists).
/// </summary>
internal static class PyIpv8Formats
{
    /// <summary>The one table: py-ipv8 format name (<c>Serializer._packers</c>) → our format.</summary>
    public static IReadOnlyDictionary<string, Format> ByName { get; } = new Dictionary<string, Format>(StringComparer.Ordinal)
    {
        ["?"] = Format.Bool,
        ["B"] = Format.UInt8,
        ["BBH"] = Format.StructBBH,
        ["BH"] = Format.StructBH,
        ["c"] = Format.Char,
        ["f"] = Format.Float,
        ["d"] = Format.Double,
        ["H"] = Format.UInt16,
        ["HH"] = Format.StructHH,
        ["I"] = Format.UInt32,
        ["l"] = Format.Int32,
        ["LL"] = Format.StructLL,
        ["q"] = Format.Int64,
        ["Q"] = Format.UInt64,
        ["QH"] = Format.StructQH,
        ["QL"] = Format.StructQL,
        ["QQHHBH"] = Format.StructQQHHBH,
        ["ccB"] = Format.StructCcB,
        ["4SH"] = Format.Struct4SH,
        ["20s"] = Format.Bytes20,
        ["32s"] = Format.Bytes32,
        ["64s"] = Format.Bytes64,
        ["74s"] = Format.Bytes74,
        ["c20s"] = Format.C20s,
        ["bits"] = Format.Bits,
        ["ipv4"] = Format.Ipv4,
        ["ip_address"] = Format.IpAddress,
        ["address"] = Format.Address,
        ["raw"] = Format.Raw,
        ["varlenBx2"] = Format.VarLenBx2,
        ["varlenH"] = Format.VarLenH,
        ["varlenHutf8"] = Format.VarLenHUtf8,
        ["varlenIutf8"] = Format.VarLenIUtf8,
        ["varlenHx20"] = Format.VarLenHx20,
        ["varlenH-list"] = Format.VarLenHList,
        ["varlenI"] = Format.VarLenI,
        ["doublevarlenH"] = Format.DoubleVarLenH,
        ["payload"] = Format.Payload,
        ["payload-list"] = Format.PayloadList,
        ["arrayH-?"] = Format.ArrayHBool,
        ["arrayH-q"] = Format.ArrayHInt64,
        ["arrayH-d"] = Format.ArrayHDouble,
    };

    /// <summary>
    /// Reads one value of <paramref name="format"/> with the <see cref="WireReader"/> method for it. Nested payloads
    /// need their type, so <see cref="Format.Payload"/> and <see cref="Format.PayloadList"/> are not read here.
    /// </summary>
    public static bool TryRead(Format format, ref WireReader reader, out object? value) => format switch
    {
        Format.UInt8 => Box(reader.TryReadUInt8(out var v), v, out value),
        Format.UInt16 => Box(reader.TryReadUInt16(out var v), v, out value),
        Format.UInt32 => Box(reader.TryReadUInt32(out var v), v, out value),
        Format.UInt64 => Box(reader.TryReadUInt64(out var v), v, out value),
        Format.Int64 => Box(reader.TryReadInt64(out var v), v, out value),
        Format.Bool => Box(reader.TryReadBool(out var v), v, out value),
        Format.Float => Box(reader.TryReadSingle(out var v), v, out value),
        Format.Double => Box(reader.TryReadDouble(out var v), v, out value),
        Format.Bits => Box(reader.TryReadBits(out var v), v, out value),
        Format.Ipv4 => Box(reader.TryReadIpv4(out var v), v, out value),
        Format.IpAddress => Box(reader.TryReadIpAddress(out var v), v, out value),
        Format.Address => Box(reader.TryReadAddress(out var v), v, out value),
        Format.Raw => Box(reader.TryReadRaw(out byte[] v), v, out value),
        Format.VarLenH => Box(reader.TryReadVarLenH(out byte[] v), v, out value),
        Format.VarLenI => Box(reader.TryReadVarLenI(out byte[] v), v, out value),
        Format.VarLenBx2 => Box(reader.TryReadVarLenBx2(out byte[] v), v, out value),
        Format.VarLenHx20 => Box(reader.TryReadVarLenHx20(out byte[] v), v, out value),
        Format.VarLenHUtf8 => Box(reader.TryReadVarLenHUtf8(out string v), v, out value),
        Format.VarLenIUtf8 => Box(reader.TryReadVarLenIUtf8(out string v), v, out value),
        Format.Bytes20 => Box(reader.TryReadFixed(20, out byte[] v), v, out value),
        Format.Bytes32 => Box(reader.TryReadFixed(32, out byte[] v), v, out value),
        Format.Bytes64 => Box(reader.TryReadFixed(64, out byte[] v), v, out value),
        Format.Bytes74 => Box(reader.TryReadFixed(74, out byte[] v), v, out value),
        Format.C20s => Box(reader.TryReadFixed(21, out byte[] v), v, out value),
        Format.VarLenHList => Box(reader.TryReadVarLenHList(out var v), v, out value),
        Format.ArrayHBool => Box(reader.TryReadArrayHBool(out var v), v, out value),
        Format.ArrayHInt64 => Box(reader.TryReadArrayHInt64(out var v), v, out value),
        Format.ArrayHDouble => Box(reader.TryReadArrayHDouble(out var v), v, out value),
        Format.Char => Box(reader.TryReadChar(out var v), v, out value),
        Format.Int32 => Box(reader.TryReadInt32(out var v), v, out value),
        Format.DoubleVarLenH => Box(reader.TryReadDoubleVarLenH(out byte[] v), v, out value),
        Format.StructBH => Box(reader.TryReadStructBH(out var v), v, out value),
        Format.StructBBH => Box(reader.TryReadStructBBH(out var v), v, out value),
        Format.StructHH => Box(reader.TryReadStructHH(out var v), v, out value),
        Format.StructLL => Box(reader.TryReadStructLL(out var v), v, out value),
        Format.StructQH => Box(reader.TryReadStructQH(out var v), v, out value),
        Format.StructQL => Box(reader.TryReadStructQL(out var v), v, out value),
        Format.StructQQHHBH => Box(reader.TryReadStructQQHHBH(out var v), v, out value),
        Format.StructCcB => Box(reader.TryReadStructCcB(out var v), v, out value),
        Format.Struct4SH => Box(reader.TryReadStruct4SH(out var v), v, out value),
        _ => throw new NotSupportedException($"{format} has no stand-alone reader in this test (nested payloads need their type)."),
    };

    /// <summary>Writes one value of <paramref name="format"/> with the <see cref="WireWriter"/> method for it.</summary>
    public static void Write(Format format, ref WireWriter writer, object value)
    {
        switch (format)
        {
            case Format.UInt8: writer.WriteUInt8((byte)value); break;
            case Format.UInt16: writer.WriteUInt16((ushort)value); break;
            case Format.UInt32: writer.WriteUInt32((uint)value); break;
            case Format.UInt64: writer.WriteUInt64((ulong)value); break;
            case Format.Int64: writer.WriteInt64((long)value); break;
            case Format.Bool: writer.WriteBool((bool)value); break;
            case Format.Float: writer.WriteSingle((float)value); break;
            case Format.Double: writer.WriteDouble((double)value); break;
            case Format.Bits: writer.WriteBits((byte)value); break;
            case Format.Ipv4: writer.WriteIpv4((UdpAddress)value); break;
            case Format.IpAddress: writer.WriteIpAddress((UdpAddress)value); break;
            case Format.Address: writer.WriteAddress((HostAddress)value); break;
            case Format.Raw: writer.WriteRaw((byte[])value); break;
            case Format.VarLenH: writer.WriteVarLenH((byte[])value); break;
            case Format.VarLenI: writer.WriteVarLenI((byte[])value); break;
            case Format.VarLenBx2: writer.WriteVarLenBx2((byte[])value); break;
            case Format.VarLenHx20: writer.WriteVarLenHx20((byte[])value); break;
            case Format.VarLenHUtf8: writer.WriteVarLenHUtf8((string)value); break;
            case Format.VarLenIUtf8: writer.WriteVarLenIUtf8((string)value); break;
            case Format.Bytes20: writer.WriteFixed((byte[])value, 20); break;
            case Format.Bytes32: writer.WriteFixed((byte[])value, 32); break;
            case Format.Bytes64: writer.WriteFixed((byte[])value, 64); break;
            case Format.Bytes74: writer.WriteFixed((byte[])value, 74); break;
            case Format.C20s: writer.WriteFixed((byte[])value, 21); break;
            case Format.VarLenHList: writer.WriteVarLenHList((byte[][])value); break;
            case Format.ArrayHBool: writer.WriteArrayHBool((bool[])value); break;
            case Format.ArrayHInt64: writer.WriteArrayHInt64((long[])value); break;
            case Format.ArrayHDouble: writer.WriteArrayHDouble((double[])value); break;
            case Format.Char: writer.WriteChar((byte)value); break;
            case Format.Int32: writer.WriteInt32((int)value); break;
            case Format.DoubleVarLenH: writer.WriteDoubleVarLenH((byte[])value); break;
            case Format.StructBH: writer.WriteStructBH(((byte, ushort))value); break;
            case Format.StructBBH: writer.WriteStructBBH(((byte, byte, ushort))value); break;
            case Format.StructHH: writer.WriteStructHH(((ushort, ushort))value); break;
            case Format.StructLL: writer.WriteStructLL(((uint, uint))value); break;
            case Format.StructQH: writer.WriteStructQH(((ulong, ushort))value); break;
            case Format.StructQL: writer.WriteStructQL(((ulong, uint))value); break;
            case Format.StructQQHHBH: writer.WriteStructQQHHBH(((ulong, ulong, ushort, ushort, byte, ushort))value); break;
            case Format.StructCcB: writer.WriteStructCcB(((byte, byte, byte))value); break;
            case Format.Struct4SH: writer.WriteStruct4SH((UdpAddress)value); break;
            default: throw new NotSupportedException($"{format} has no stand-alone writer in this test (nested payloads need their type).");
        }
    }

    /// <summary>
    /// The value a vector gives for <paramref name="format"/>, as the C# type our reader returns. Strict: a value of the
    /// wrong shape or out of range throws, and an address's host text must be the text we print for it.
    /// </summary>
    public static object FromJson(Format format, JsonNode node) => format switch
    {
        Format.UInt8 or Format.Bits => (byte)node,
        Format.UInt16 => (ushort)node,
        Format.UInt32 => (uint)node,
        Format.UInt64 => (ulong)node,
        Format.Int64 => (long)node,
        Format.Int32 => (int)node,
        Format.Bool => node.GetValue<bool>(),
        Format.Float => Single(node),
        Format.Double => (double)node,
        Format.Char => Char(node),
        Format.Ipv4 => IpAddress(node, allowIPv6: false),
        Format.IpAddress => IpAddress(node, allowIPv6: true),
        Format.Address => HostAddress(node),
        Format.Raw or Format.VarLenH or Format.VarLenI or Format.VarLenBx2 or Format.VarLenHx20 or Format.DoubleVarLenH => Hex(node),
        Format.Bytes20 => Hex(node, 20),
        Format.Bytes32 => Hex(node, 32),
        Format.Bytes64 => Hex(node, 64),
        Format.Bytes74 => Hex(node, 74),
        Format.C20s => Tuple(node, 2, c => Hex(c[0]!, 1).Concat(Hex(c[1]!, 20)).ToArray()),
        Format.VarLenHUtf8 or Format.VarLenIUtf8 => node.GetValue<string>(),
        Format.VarLenHList => node.AsArray().Select(item => Hex(item!)).ToArray(),
        Format.ArrayHBool => node.AsArray().Select(item => item!.GetValue<bool>()).ToArray(),
        Format.ArrayHInt64 => node.AsArray().Select(item => (long)item!).ToArray(),
        Format.ArrayHDouble => node.AsArray().Select(item => (double)item!).ToArray(),
        Format.StructBH => Tuple(node, 2, t => ((byte)t[0]!, (ushort)t[1]!)),
        Format.StructBBH => Tuple(node, 3, t => ((byte)t[0]!, (byte)t[1]!, (ushort)t[2]!)),
        Format.StructHH => Tuple(node, 2, t => ((ushort)t[0]!, (ushort)t[1]!)),
        Format.StructLL => Tuple(node, 2, t => ((uint)t[0]!, (uint)t[1]!)),
        Format.StructQH => Tuple(node, 2, t => ((ulong)t[0]!, (ushort)t[1]!)),
        Format.StructQL => Tuple(node, 2, t => ((ulong)t[0]!, (uint)t[1]!)),
        Format.StructQQHHBH => Tuple(node, 6, t => ((ulong)t[0]!, (ulong)t[1]!, (ushort)t[2]!, (ushort)t[3]!, (byte)t[4]!, (ushort)t[5]!)),
        Format.StructCcB => Tuple(node, 3, t => (Char(t[0]!), Char(t[1]!), (byte)t[2]!)),
        Format.Struct4SH => Tuple(node, 2, t => UdpAddress.FromIPv4(Hex(t[0]!, 4), (ushort)t[1]!)),
        _ => throw new NotSupportedException($"{format} has no stand-alone vector value in this test (nested payloads need their type)."),
    };

    /// <summary>
    /// An exact, readable rendering of a value for comparisons: floating-point values by their bits (so -0.0 and 0.0
    /// differ), bytes in hex, tuples and arrays item by item, payload structs field by field.
    /// </summary>
    public static string Describe(object? value) => value switch
    {
        null => "null",
        string s => JsonSerializer.Serialize(s),
        byte[] bytes => "0x" + Convert.ToHexStringLower(bytes),
        double d => string.Create(CultureInfo.InvariantCulture, $"{d:R} (0x{BitConverter.DoubleToUInt64Bits(d):x16})"),
        float f => string.Create(CultureInfo.InvariantCulture, $"{f:R} (0x{BitConverter.SingleToUInt32Bits(f):x8})"),
        bool b => b ? "true" : "false",
        UdpAddress a => $"{a.HostToString()} port {a.Port}",
        HostAddress h => h.IsDomain ? $"{h.Host} port {h.Port} (domain)" : Describe(h.Address),
        ITuple tuple => "(" + string.Join(", ", Enumerable.Range(0, tuple.Length).Select(i => Describe(tuple[i]))) + ")",
        System.Collections.IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Describe)) + "]",
        IFormattable formattable when value.GetType().IsPrimitive => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => PayloadMirror.Describe(value),
    };

    private static bool Box<T>(bool ok, T read, out object? value)
    {
        value = read;
        return ok;
    }

    private static object Tuple<T>(JsonNode node, int count, Func<JsonArray, T> make) => make(Items(node, count))!;

    private static JsonArray Items(JsonNode node, int count)
    {
        var items = node.AsArray();
        Assert.Equal(count, items.Count);
        return items;
    }

    public static byte[] Hex(JsonNode node, int length = -1)
    {
        var bytes = Convert.FromHexString((string)node.AsObject().Single(p => p.Key == "hex").Value!);
        Assert.True(length < 0 || bytes.Length == length, $"expected {length} bytes, the vector has {bytes.Length}");
        return bytes;
    }

    private static byte Char(JsonNode node) => Hex(node, 1)[0];

    private static float Single(JsonNode node)
    {
        var value = (double)node;
        Assert.Equal(value, (double)(float)value); // an 'f' value is a float32 shown as a double: it must convert exactly
        return (float)value;
    }

    /// <summary>An <c>[host, port]</c> pair; the host must be exactly the text we print for the parsed address.</summary>
    private static UdpAddress IpAddress(JsonNode node, bool allowIPv6)
    {
        var pair = Items(node, 2);
        var host = (string)pair[0]!;
        Assert.True(UdpAddress.TryParseHost(host, (ushort)pair[1]!, out var address), $"'{host}' is not an IP address");
        Assert.True(allowIPv6 || address.IsIPv4, $"'{host}' is not IPv4");
        Assert.Equal(host, address.HostToString());
        return address;
    }

    private static HostAddress HostAddress(JsonNode node)
    {
        var pair = Items(node, 2);
        return UdpAddress.TryParseHost((string)pair[0]!, 0, out _)
            ? new HostAddress(IpAddress(node, allowIPv6: true))
            : new HostAddress((string)pair[0]!, (ushort)pair[1]!);
    }
}

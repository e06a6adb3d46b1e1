using System.Collections.Frozen;

namespace Ipv8.Wire;

/// <summary>
/// py-ipv8's names of the serializer formats (the keys of <c>Serializer._packers</c> in
/// <c>ipv8/messaging/serialization.py</c>) and the <see cref="Format"/> each one is.
/// </summary>
public static class FormatNames
{
    private static readonly string[] s_names = BuildNames();

    private static readonly FrozenDictionary<string, Format> s_formats =
        Enum.GetValues<Format>().ToFrozenDictionary(f => s_names[(int)f], StringComparer.Ordinal);

    /// <summary>Every py-ipv8 format name, in the order of <see cref="Format"/>.</summary>
    public static IReadOnlyList<string> All => s_names;

    /// <summary>The py-ipv8 name of <paramref name="format"/> (<c>Format.UInt16</c> is <c>H</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="format"/> is not a member of <see cref="Format"/>.</exception>
    public static string GetName(Format format)
    {
        if ((uint)format >= (uint)s_names.Length)
        {
            ThrowHelper.ThrowArgument($"{(int)format} is not a Format.", nameof(format));
        }

        return s_names[(int)format];
    }

    /// <summary>Finds the format py-ipv8 calls <paramref name="name"/> (case-sensitive: <c>q</c> and <c>Q</c> differ).</summary>
    public static bool TryGetFormat(string name, out Format format)
    {
        ArgumentNullException.ThrowIfNull(name);
        return s_formats.TryGetValue(name, out format);
    }

    private static string[] BuildNames()
    {
        var names = new string[Enum.GetValues<Format>().Length];
        foreach (var format in Enum.GetValues<Format>())
        {
            names[(int)format] = format switch
            {
                Format.UInt8 => "B",
                Format.UInt16 => "H",
                Format.UInt32 => "I",
                Format.UInt64 => "Q",
                Format.Int64 => "q",
                Format.Bool => "?",
                Format.Float => "f",
                Format.Double => "d",
                Format.Bits => "bits",
                Format.Ipv4 => "ipv4",
                Format.IpAddress => "ip_address",
                Format.Address => "address",
                Format.Raw => "raw",
                Format.VarLenH => "varlenH",
                Format.VarLenI => "varlenI",
                Format.VarLenBx2 => "varlenBx2",
                Format.VarLenHx20 => "varlenHx20",
                Format.VarLenHUtf8 => "varlenHutf8",
                Format.VarLenIUtf8 => "varlenIutf8",
                Format.Bytes20 => "20s",
                Format.Bytes32 => "32s",
                Format.Bytes64 => "64s",
                Format.Bytes74 => "74s",
                Format.C20s => "c20s",
                Format.VarLenHList => "varlenH-list",
                Format.Payload => "payload",
                Format.PayloadList => "payload-list",
                Format.ArrayHBool => "arrayH-?",
                Format.ArrayHInt64 => "arrayH-q",
                Format.ArrayHDouble => "arrayH-d",
                Format.Char => "c",
                Format.Int32 => "l",
                Format.DoubleVarLenH => "doublevarlenH",
                Format.StructBH => "BH",
                Format.StructBBH => "BBH",
                Format.StructHH => "HH",
                Format.StructLL => "LL",
                Format.StructQH => "QH",
                Format.StructQL => "QL",
                Format.StructQQHHBH => "QQHHBH",
                Format.StructCcB => "ccB",
                Format.Struct4SH => "4SH",
                _ => throw new InvalidOperationException($"Format {format} has no py-ipv8 name."),
            };
        }

        return names;
    }
}

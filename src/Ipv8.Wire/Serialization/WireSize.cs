using System.Text;

namespace Ipv8.Wire;

/// <summary>The encoded size of each variable-size py-ipv8 format, for generated <c>GetSize()</c> methods.</summary>
public static class WireSize
{
    /// <summary><c>ip_address</c>: 7 bytes for IPv4, 19 for IPv6.</summary>
    public static int IpAddress(UdpAddress value) => value.IsIPv6 ? 19 : 7;

    /// <summary><c>address</c>.</summary>
    public static int Address(HostAddress value) => value.WireSize;

    /// <summary><c>raw</c>.</summary>
    public static int Raw(scoped ReadOnlySpan<byte> value) => value.Length;

    /// <summary><c>varlenH</c>.</summary>
    public static int VarLenH(scoped ReadOnlySpan<byte> value) => 2 + value.Length;

    /// <summary><c>varlenI</c>.</summary>
    public static int VarLenI(scoped ReadOnlySpan<byte> value) => 4 + value.Length;

    /// <summary><c>doublevarlenH</c> (the same bytes as <c>varlenH</c>).</summary>
    public static int DoubleVarLenH(scoped ReadOnlySpan<byte> value) => 2 + value.Length;

    /// <summary><c>varlenBx2</c>.</summary>
    public static int VarLenBx2(scoped ReadOnlySpan<byte> value) => 1 + value.Length;

    /// <summary><c>varlenHx20</c>.</summary>
    public static int VarLenHx20(scoped ReadOnlySpan<byte> value) => 2 + value.Length;

    /// <summary><c>varlenHutf8</c> from UTF-8 bytes.</summary>
    public static int VarLenHUtf8(scoped ReadOnlySpan<byte> value) => 2 + value.Length;

    /// <summary><c>varlenHutf8</c> from a string.</summary>
    public static int VarLenHUtf8(string? value) => 2 + Encoding.UTF8.GetByteCount(value ?? string.Empty);

    /// <summary><c>varlenIutf8</c> from UTF-8 bytes.</summary>
    public static int VarLenIUtf8(scoped ReadOnlySpan<byte> value) => 4 + value.Length;

    /// <summary><c>varlenIutf8</c> from a string.</summary>
    public static int VarLenIUtf8(string? value) => 4 + Encoding.UTF8.GetByteCount(value ?? string.Empty);

    /// <summary><c>varlenH-list</c>. A null item counts as empty, as <see cref="WireWriter.WriteVarLenHList"/> writes it.</summary>
    public static int VarLenHList(byte[][]? value)
    {
        var size = 1;
        foreach (var item in value ?? [])
        {
            size += 2 + (item?.Length ?? 0);
        }

        return size;
    }

    /// <summary>A nested <c>payload</c>.</summary>
    public static int Payload<T>(scoped in T value) where T : IPayload<T>, allows ref struct => 2 + value.GetSize();

    /// <summary><c>payload-list</c>.</summary>
    public static int PayloadList<T>(T[]? value) where T : struct, IPayload<T>
    {
        var size = 1;
        foreach (var item in value ?? [])
        {
            size += 2 + item.GetSize();
        }

        return size;
    }

    /// <summary><c>arrayH-?</c>.</summary>
    public static int ArrayHBool(scoped ReadOnlySpan<bool> value) => 2 + value.Length;

    /// <summary><c>arrayH-q</c>.</summary>
    public static int ArrayHInt64(scoped ReadOnlySpan<long> value) => 2 + (8 * value.Length);

    /// <summary><c>arrayH-d</c>.</summary>
    public static int ArrayHDouble(scoped ReadOnlySpan<double> value) => 2 + (8 * value.Length);
}

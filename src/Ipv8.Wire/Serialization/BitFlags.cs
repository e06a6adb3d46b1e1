namespace Ipv8.Wire;

/// <summary>Reads and builds py-ipv8 <c>bits</c> bytes, where flag 0 is bit 0x80 and flag 7 is bit 0x01.</summary>
public static class BitFlags
{
    /// <summary>Flag <paramref name="index"/> (0–7) of <paramref name="bits"/>.</summary>
    public static bool Get(byte bits, int index) => (bits & (0x80 >> index)) != 0;

    /// <summary>Builds a bits byte from up to 8 flags, first flag at 0x80.</summary>
    public static byte Make(bool f0 = false, bool f1 = false, bool f2 = false, bool f3 = false, bool f4 = false, bool f5 = false, bool f6 = false, bool f7 = false) =>
        (byte)((f0 ? 0x80 : 0) | (f1 ? 0x40 : 0) | (f2 ? 0x20 : 0) | (f3 ? 0x10 : 0) | (f4 ? 0x08 : 0) | (f5 ? 0x04 : 0) | (f6 ? 0x02 : 0) | (f7 ? 0x01 : 0));
}

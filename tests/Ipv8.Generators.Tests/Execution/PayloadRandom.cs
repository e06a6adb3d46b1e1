using System.Buffers.Binary;
using System.Text;
using Ipv8.Wire;

namespace Ipv8.Generators.Tests.Execution;

/// <summary>
/// Deterministic random payload values. Lengths are mostly small; with <c>large</c> set, one in sixteen goes up
/// to the format's limit (255 items, a 16-bit count above 255, and so on).
/// </summary>
internal sealed class PayloadRandom(int seed, bool large)
{
    // Unicode scalar ranges: ASCII (with NUL), Latin, CJK and astral emoji, so UTF-8 takes 1 to 4 bytes.
    private static readonly (int First, int Last)[] s_scalarRanges = [(0x00, 0x7F), (0xA0, 0x24F), (0x4E00, 0x9FFF), (0x1F300, 0x1FAFF)];

    private readonly Random _random = new(seed);

    public int Length(int typical, int max) =>
        large && _random.Next(16) == 0 ? _random.Next(max + 1) : _random.Next(Math.Min(typical, max) + 1);

    public byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    public bool Bool() => _random.Next(2) == 1;

    public ulong UInt64()
    {
        // One value in eight is an edge of the range.
        if (_random.Next(8) == 0)
        {
            return _random.Next(4) switch
            {
                0 => 0,
                1 => 1,
                2 => ulong.MaxValue,
                _ => ulong.MaxValue >> 1,
            };
        }

        Span<byte> bytes = stackalloc byte[8];
        _random.NextBytes(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>Any bit pattern, NaNs, infinities and negative zero included: the wire must carry the bits.</summary>
    public double Double() => BitConverter.UInt64BitsToDouble(UInt64());

    /// <summary>Any bit pattern.</summary>
    public float Single() => BitConverter.UInt32BitsToSingle((uint)UInt64());

    public string Text(int scalars)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < scalars; i++)
        {
            var (first, last) = s_scalarRanges[_random.Next(s_scalarRanges.Length)];
            builder.Append(new Rune(_random.Next(first, last + 1)).ToString());
        }

        return builder.ToString();
    }

    public UdpAddress Ipv4() => UdpAddress.FromIPv4((uint)UInt64(), (ushort)UInt64());

    public UdpAddress IpAddress() => Bool() ? Ipv4() : UdpAddress.FromIPv6(Bytes(16), (ushort)UInt64());

    public HostAddress HostAddress() => _random.Next(3) == 0
        ? new HostAddress(Text(Length(12, 100)), (ushort)UInt64())
        : new HostAddress(IpAddress());

    public T[] Array<T>(int length, Func<T> item)
    {
        var items = new T[length];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = item();
        }

        return items;
    }

    public Entry Entry() => new()
    {
        Id = (uint)UInt64(),
        Label = Text(Length(6, 40)),
        Extra = Bytes(Length(6, 64)),
    };

    public EveryFormatPayload EveryFormat() => new()
    {
        UInt8 = (byte)UInt64(),
        UInt16 = (ushort)UInt64(),
        UInt32 = (uint)UInt64(),
        UInt64 = UInt64(),
        Int64 = (long)UInt64(),
        Bool = Bool(),
        Float = Single(),
        Double = Double(),
        Bits = (byte)UInt64(),
        Ipv4 = Ipv4(),
        IpAddress = IpAddress(),
        Address = HostAddress(),
        VarLenH = Bytes(Length(16, 2000)),
        VarLenI = Bytes(Length(16, 2000)),
        VarLenBx2 = Bytes(2 * Length(8, 255)),
        VarLenHx20 = Bytes(20 * Length(3, 300)),
        VarLenHUtf8 = Encoding.UTF8.GetBytes(Text(Length(8, 300))),
        VarLenIUtf8 = Encoding.UTF8.GetBytes(Text(Length(8, 300))),
        Bytes20 = Bytes(20),
        Bytes32 = Bytes(32),
        Bytes64 = Bytes(64),
        Bytes74 = Bytes(74),
        C20s = Bytes(21),
        VarLenHList = Array(Length(4, 255), () => Bytes(Length(8, 40))),
        Payload = new SpanEntry { Key = Bytes(20), Tail = Bytes(Length(8, 200)) },
        PayloadList = Array(Length(3, 255), Entry),
        ArrayHBool = Array(Length(8, 300), Bool),
        ArrayHInt64 = Array(Length(8, 300), () => (long)UInt64()),
        ArrayHDouble = Array(Length(8, 300), Double),
        Char = (byte)UInt64(),
        Int32 = (int)UInt64(),
        DoubleVarLenH = Bytes(Length(16, 2000)),
        StructBH = ((byte)UInt64(), (ushort)UInt64()),
        StructBBH = ((byte)UInt64(), (byte)UInt64(), (ushort)UInt64()),
        StructHH = ((ushort)UInt64(), (ushort)UInt64()),
        StructLL = ((uint)UInt64(), (uint)UInt64()),
        StructQH = (UInt64(), (ushort)UInt64()),
        StructQL = (UInt64(), (uint)UInt64()),
        StructQQHHBH = (UInt64(), UInt64(), (ushort)UInt64(), (ushort)UInt64(), (byte)UInt64(), (ushort)UInt64()),
        StructCcB = ((byte)UInt64(), (byte)UInt64(), (byte)UInt64()),
        Struct4SH = Ipv4(),
        Raw = Bytes(Length(16, 2000)),
    };

    public ArrayFormatsPayload ArrayFormats() => new()
    {
        Version = (ushort)UInt64(),
        VarLenH = Bytes(Length(16, 2000)),
        VarLenI = Bytes(Length(16, 2000)),
        VarLenBx2 = Bytes(2 * Length(8, 255)),
        VarLenHx20 = Bytes(20 * Length(3, 300)),
        VarLenHUtf8 = Text(Length(8, 300)),
        VarLenIUtf8 = Text(Length(8, 300)),
        Bytes20 = Bytes(20),
        Bytes32 = Bytes(32),
        Bytes64 = Bytes(64),
        Bytes74 = Bytes(74),
        C20s = Bytes(21),
        VarLenHList = Array(Length(4, 255), () => Bytes(Length(8, 40))),
        Payload = Entry(),
        PayloadList = Array(Length(3, 255), Entry),
        ArrayHBool = Array(Length(8, 300), Bool),
        ArrayHInt64 = Array(Length(8, 300), () => (long)UInt64()),
        ArrayHDouble = Array(Length(8, 300), Double),
        Last = Bool(),
    };

    public StructFormatsPayload StructFormats() => new()
    {
        Tag = (byte)UInt64(),
        Delta = (int)UInt64(),
        Pair = Bytes(Length(16, 2000)),
        Service = ((byte)UInt64(), (ushort)UInt64()),
        Version = ((byte)UInt64(), (byte)UInt64(), (ushort)UInt64()),
        Range = ((ushort)UInt64(), (ushort)UInt64()),
        Counts = ((uint)UInt64(), (uint)UInt64()),
        Chunk = (UInt64(), (ushort)UInt64()),
        Offset = (UInt64(), (uint)UInt64()),
        Window = (UInt64(), UInt64(), (ushort)UInt64(), (ushort)UInt64(), (byte)UInt64(), (ushort)UInt64()),
        Chars = ((byte)UInt64(), (byte)UInt64(), (byte)UInt64()),
        Host = Ipv4(),
    };

    public RawArrayPayload RawArray() => new()
    {
        Time = (long)UInt64(),
        Rest = Bytes(Length(16, 2000)),
    };
}

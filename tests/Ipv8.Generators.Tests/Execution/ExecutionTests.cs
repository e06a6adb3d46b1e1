using System.Text;
using Ipv8.Wire;

namespace Ipv8.Generators.Tests.Execution;

/// <summary>
/// Runs the code the generator emitted for the payloads declared in this project: sizes are exact, values
/// round-trip, and truncated or otherwise malformed data is rejected without throwing.
/// </summary>
public sealed class ExecutionTests
{
    private const int Seed = 0x1B8;
    private const int RoundTrips = 400;
    private const int TruncatedValues = 40;

    /// <summary>Reads <paramref name="data"/> with a generated exact <c>TryRead</c>, returning the raw tail it read.</summary>
    private delegate bool ExactRead(ReadOnlySpan<byte> data, out WireError error, out byte[] raw);

    [Fact]
    public void EveryFormatPayload_RandomValues_RoundTripWithExactSizes()
    {
        var random = new PayloadRandom(Seed, large: true);
        for (var i = 0; i < RoundTrips; i++)
        {
            var value = random.EveryFormat();
            var encoded = Encode(value);

            var direct = new byte[encoded.Length];
            Assert.Equal(encoded.Length, value.Write(direct));
            Assert.Equal(encoded, direct);

            Assert.True(EveryFormatPayload.TryRead(encoded, out var decoded, out var error), $"value {i}: {error}");
            Assert.Equal(WireError.None, error);
            AssertEqual(value, decoded);
            Assert.Equal(encoded, Encode(decoded));
            Assert.Equal(encoded.Length, Consumed<EveryFormatPayload>(encoded));
        }
    }

    [Fact]
    public void ArrayFormatsPayload_RandomValues_RoundTripWithExactSizes()
    {
        var random = new PayloadRandom(Seed + 1, large: true);
        for (var i = 0; i < RoundTrips; i++)
        {
            var value = random.ArrayFormats();
            var encoded = Encode(value);

            var direct = new byte[encoded.Length];
            Assert.Equal(encoded.Length, value.Write(direct));
            Assert.Equal(encoded, direct);

            Assert.True(ArrayFormatsPayload.TryRead(encoded, out var decoded, out var error), $"value {i}: {error}");
            Assert.Equal(WireError.None, error);
            AssertEqual(value, decoded);
            Assert.Equal(encoded, Encode(decoded));

            // The reader stops after the last field and leaves what follows to the caller.
            Assert.Equal(encoded.Length, Consumed<ArrayFormatsPayload>([.. encoded, 0xAB, 0xCD]));
        }
    }

    [Fact]
    public void RawArrayPayload_RandomValues_RoundTripWithExactSizes()
    {
        var random = new PayloadRandom(Seed + 2, large: true);
        for (var i = 0; i < RoundTrips; i++)
        {
            var value = random.RawArray();
            var encoded = Encode(value);
            Assert.Equal(8 + value.Rest.Length, encoded.Length);

            Assert.True(RawArrayPayload.TryRead(encoded, out var decoded, out var error), $"value {i}: {error}");
            Assert.Equal(WireError.None, error);
            Assert.Equal(value.Time, decoded.Time);
            Assert.Equal(value.Rest, decoded.Rest);
        }
    }

    [Fact]
    public void StructFormatsPayload_RandomValues_RoundTripWithExactSizes()
    {
        var random = new PayloadRandom(Seed + 7, large: true);
        for (var i = 0; i < RoundTrips; i++)
        {
            var value = random.StructFormats();
            var encoded = Encode(value);
            Assert.Equal(1 + 4 + 2 + value.Pair.Length + 3 + 4 + 4 + 8 + 10 + 12 + 23 + 3 + 6, encoded.Length);

            Assert.True(StructFormatsPayload.TryRead(encoded, out var decoded, out var error), $"value {i}: {error}");
            Assert.Equal(WireError.None, error);
            AssertEqual(value, decoded);
            Assert.Equal(encoded, Encode(decoded));
        }
    }

    [Fact]
    public void StructFormatsPayload_EveryTruncation_FailsAsTruncated()
    {
        var random = new PayloadRandom(Seed + 8, large: false);
        for (var i = 0; i < TruncatedValues; i++)
        {
            AssertTruncations(Encode(random.StructFormats()), [], Read);
        }

        static bool Read(ReadOnlySpan<byte> data, out WireError error, out byte[] raw)
        {
            raw = [];
            return StructFormatsPayload.TryRead(data, out _, out error);
        }
    }

    [Fact]
    public void StructFormatsPayload_TuplesAreWrittenElementByElementAsPyIpv8PacksThem()
    {
        // py-ipv8's bytes for these values, one field at a time (its reference vectors, payloads.json formats[]):
        // c, l, doublevarlenH, BH, BBH, HH, LL, QH, QL, QQHHBH, ccB, 4SH.
        var py = Convert.FromHexString(
            "4d" + "ffffffff" + "00098a2a9b9294d34176da" + "600001" + "ffff5fdd" + "ffff24f6" + "0573988500000000" +
            "00000000000000010976" + "4db8048a5fff448400000001" + "0000000000000000a02f6f31065a4040000186db01ffff" +
            "fd140d" + "cf9c84e8ffff");
        var value = new StructFormatsPayload
        {
            Tag = 0x4d,
            Delta = -1,
            Pair = Convert.FromHexString("8a2a9b9294d34176da"),
            Service = (96, 1),
            Version = (255, 255, 24541),
            Range = (65535, 9462),
            Counts = (91461765, 0),
            Chunk = (1, 2422),
            Offset = (5600231128997774468, 1),
            Window = (0, 11542566626324529216, 1, 34523, 1, 65535),
            Chars = (0xfd, 0x14, 13),
            Host = UdpAddress.Parse("207.156.132.232:65535"),
        };

        Assert.Equal(py, Encode(value));
        Assert.True(StructFormatsPayload.TryRead(py, out var decoded, out var error), error.ToString());
        AssertEqual(value, decoded);
        Assert.Equal((byte)96, decoded.Service.Kind);
        Assert.Equal((ushort)34523, decoded.Window.B);
    }

    [Fact]
    public void EveryFormatPayload_EveryTruncation_FailsUntilOnlyTheRawTailIsShortened()
    {
        var random = new PayloadRandom(Seed + 3, large: false);
        for (var i = 0; i < TruncatedValues; i++)
        {
            var value = random.EveryFormat();
            AssertTruncations(Encode(value), value.Raw.ToArray(), Read);
        }

        static bool Read(ReadOnlySpan<byte> data, out WireError error, out byte[] raw)
        {
            var ok = EveryFormatPayload.TryRead(data, out var value, out error);
            raw = value.Raw.ToArray();
            return ok;
        }
    }

    [Fact]
    public void ArrayFormatsPayload_EveryTruncation_FailsAsTruncated()
    {
        var random = new PayloadRandom(Seed + 4, large: false);
        for (var i = 0; i < TruncatedValues; i++)
        {
            AssertTruncations(Encode(random.ArrayFormats()), [], Read);
        }

        static bool Read(ReadOnlySpan<byte> data, out WireError error, out byte[] raw)
        {
            raw = [];
            return ArrayFormatsPayload.TryRead(data, out _, out error);
        }
    }

    [Fact]
    public void RawArrayPayload_EveryTruncation_FailsUntilOnlyTheRawTailIsShortened()
    {
        var random = new PayloadRandom(Seed + 5, large: false);
        for (var i = 0; i < TruncatedValues; i++)
        {
            var value = random.RawArray();
            AssertTruncations(Encode(value), value.Rest, Read);
        }

        static bool Read(ReadOnlySpan<byte> data, out WireError error, out byte[] raw)
        {
            var ok = RawArrayPayload.TryRead(data, out var value, out error);
            raw = value.Rest ?? [];
            return ok;
        }
    }

    [Fact]
    public void ArrayFormatsPayload_TrailingBytes_AreRejectedByTheExactRead()
    {
        var encoded = Encode(new PayloadRandom(Seed + 6, large: false).ArrayFormats());

        Assert.False(ArrayFormatsPayload.TryRead([.. encoded, 0], out var value, out var error));
        Assert.Equal(WireError.TrailingBytes, error);
        Assert.Null(value.VarLenH);
    }

    [Fact]
    public void InvalidUtf8InANestedListEntry_FailsTheWholeRead()
    {
        var value = Minimal() with { PayloadList = [new Entry { Label = "ok" }, new Entry { Label = "\u00e9\u00e9" }] };
        var encoded = Encode(value);
        var label = encoded.AsSpan().IndexOf("\u00e9\u00e9"u8);
        Assert.True(label > 0);
        encoded[label] = 0xFF;

        Assert.False(ArrayFormatsPayload.TryRead(encoded, out _, out var error));
        Assert.Equal(WireError.InvalidUtf8, error);
    }

    [Fact]
    public void NullArraysAndStrings_AreWrittenEmpty_AndReadBackAsEmptyNotNull()
    {
        var value = Minimal();
        var encoded = Encode(value);

        // Version, the four varlen length prefixes, the two utf-8 length prefixes, 20+32+64+74+21 fixed bytes, the
        // list count, the nested entry (length prefix, id, label length), the payload-list count, three array
        // counts and the bool.
        Assert.Equal(2 + (2 + 4 + 1 + 2) + (2 + 4) + 211 + 1 + (2 + 4 + 2) + 1 + (3 * 2) + 1, encoded.Length);
        Assert.Equal(encoded.Length, value.GetSize());
        Assert.True(ArrayFormatsPayload.TryRead(encoded, out var decoded, out _));
        Assert.Empty(decoded.VarLenH);
        Assert.Empty(decoded.VarLenI);
        Assert.Empty(decoded.VarLenBx2);
        Assert.Empty(decoded.VarLenHx20);
        Assert.Equal(string.Empty, decoded.VarLenHUtf8);
        Assert.Equal(string.Empty, decoded.VarLenIUtf8);
        Assert.Empty(decoded.VarLenHList);
        Assert.Equal(string.Empty, decoded.Payload.Label);
        Assert.Empty(decoded.Payload.Extra);
        Assert.Empty(decoded.PayloadList);
        Assert.Empty(decoded.ArrayHBool);
        Assert.Empty(decoded.ArrayHInt64);
        Assert.Empty(decoded.ArrayHDouble);
    }

    [Fact]
    public void NullItemInAVarLenHList_IsSizedAndWrittenAsAnEmptyItem()
    {
        var value = Minimal() with { VarLenHList = [null!, [1, 2]] };

        var encoded = Encode(value);

        Assert.Equal(Encode(Minimal()).Length + 2 + 4, encoded.Length);
        Assert.True(ArrayFormatsPayload.TryRead(encoded, out var decoded, out _));
        Assert.Equal([[], [1, 2]], decoded.VarLenHList);
    }

    [Fact]
    public void FixedWidthFields_AreWrittenBigEndianInDeclarationOrder()
    {
        var value = new RawArrayPayload { Time = 0x0102030405060708, Rest = [0xEE] };

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 0xEE], Encode(value));
    }

    [Fact]
    public void Messages_ExposeTheirIdAndSigning_AndNestedPayloadsAreNotMessages()
    {
        Assert.Equal((200, true), Metadata<EveryFormatPayload>());
        Assert.Equal((201, false), Metadata<ArrayFormatsPayload>());
        Assert.Equal((202, true), Metadata<RawArrayPayload>());
        Assert.Equal((203, true), Metadata<StructFormatsPayload>());

        foreach (var nested in new[] { typeof(Entry), typeof(SpanEntry) })
        {
            var interfaces = nested.GetInterfaces().Where(i => i.IsGenericType).Select(i => i.GetGenericTypeDefinition()).ToList();
            Assert.Contains(typeof(IPayload<>), interfaces);
            Assert.DoesNotContain(typeof(IMessagePayload<>), interfaces);
        }
    }

    private static (int Id, bool Signed) Metadata<T>() where T : IMessagePayload<T>, allows ref struct => (T.MessageId, T.IsSigned);

    /// <summary>A value with every fixed field filled and every other field left null or default.</summary>
    private static ArrayFormatsPayload Minimal() => new()
    {
        Bytes20 = new byte[20],
        Bytes32 = new byte[32],
        Bytes64 = new byte[64],
        Bytes74 = new byte[74],
        C20s = new byte[21],
    };

    /// <summary>Writes <paramref name="value"/> through the interface and checks that it fills <c>GetSize()</c> exactly.</summary>
    private static byte[] Encode<T>(T value) where T : IPayload<T>, allows ref struct
    {
        var size = value.GetSize();
        var buffer = new byte[size];
        var writer = new WireWriter(buffer);
        value.Write(ref writer);
        Assert.Equal(size, writer.Position);
        return buffer;
    }

    /// <summary>How many bytes the streaming <c>TryRead</c> consumes from <paramref name="data"/>.</summary>
    private static int Consumed<T>(ReadOnlySpan<byte> data) where T : IPayload<T>, allows ref struct
    {
        var reader = new WireReader(data);
        Assert.True(T.TryRead(ref reader, out _), $"streaming read failed: {reader.Error}");
        return reader.Position;
    }

    /// <summary>
    /// Reads every proper prefix of <paramref name="encoded"/>. A prefix that cuts into a field before the raw tail
    /// must fail as truncated; a prefix that only shortens the raw tail is itself a valid encoding with a shorter tail.
    /// </summary>
    private static void AssertTruncations(byte[] encoded, byte[] raw, ExactRead read)
    {
        var head = encoded.Length - raw.Length;
        for (var length = 0; length < encoded.Length; length++)
        {
            var ok = read(encoded.AsSpan(0, length), out var error, out var readRaw);
            if (length < head)
            {
                if (ok || error != WireError.Truncated)
                {
                    Assert.Fail($"A {length}-byte prefix of a {encoded.Length}-byte encoding gave ok={ok}, error={error}.");
                }
            }
            else
            {
                Assert.True(ok, $"A {length}-byte prefix that only cuts the raw tail failed: {error}");
                Assert.Equal(raw.AsSpan(0, length - head).ToArray(), readRaw);
            }
        }
    }

    private static void AssertEqual(in EveryFormatPayload expected, in EveryFormatPayload actual)
    {
        Assert.Equal(expected.UInt8, actual.UInt8);
        Assert.Equal(expected.UInt16, actual.UInt16);
        Assert.Equal(expected.UInt32, actual.UInt32);
        Assert.Equal(expected.UInt64, actual.UInt64);
        Assert.Equal(expected.Int64, actual.Int64);
        Assert.Equal(expected.Bool, actual.Bool);
        Assert.Equal(BitConverter.SingleToUInt32Bits(expected.Float), BitConverter.SingleToUInt32Bits(actual.Float));
        Assert.Equal(BitConverter.DoubleToUInt64Bits(expected.Double), BitConverter.DoubleToUInt64Bits(actual.Double));
        Assert.Equal(expected.Bits, actual.Bits);
        Assert.Equal(expected.Ipv4, actual.Ipv4);
        Assert.Equal(expected.IpAddress, actual.IpAddress);
        Assert.Equal(expected.Address, actual.Address);
        Assert.Equal(expected.VarLenH.ToArray(), actual.VarLenH.ToArray());
        Assert.Equal(expected.VarLenI.ToArray(), actual.VarLenI.ToArray());
        Assert.Equal(expected.VarLenBx2.ToArray(), actual.VarLenBx2.ToArray());
        Assert.Equal(expected.VarLenHx20.ToArray(), actual.VarLenHx20.ToArray());
        Assert.Equal(expected.VarLenHUtf8.ToArray(), actual.VarLenHUtf8.ToArray());
        Assert.Equal(expected.VarLenIUtf8.ToArray(), actual.VarLenIUtf8.ToArray());
        Assert.Equal(expected.Bytes20.ToArray(), actual.Bytes20.ToArray());
        Assert.Equal(expected.Bytes32.ToArray(), actual.Bytes32.ToArray());
        Assert.Equal(expected.Bytes64.ToArray(), actual.Bytes64.ToArray());
        Assert.Equal(expected.Bytes74.ToArray(), actual.Bytes74.ToArray());
        Assert.Equal(expected.C20s.ToArray(), actual.C20s.ToArray());
        Assert.Equal(expected.VarLenHList ?? [], actual.VarLenHList);
        Assert.Equal(expected.Payload.Key.ToArray(), actual.Payload.Key.ToArray());
        Assert.Equal(expected.Payload.Tail.ToArray(), actual.Payload.Tail.ToArray());
        AssertEqual(expected.PayloadList, actual.PayloadList);
        Assert.Equal(expected.ArrayHBool ?? [], actual.ArrayHBool);
        Assert.Equal(expected.ArrayHInt64 ?? [], actual.ArrayHInt64);
        AssertEqual(expected.ArrayHDouble, actual.ArrayHDouble);
        Assert.Equal(expected.Char, actual.Char);
        Assert.Equal(expected.Int32, actual.Int32);
        Assert.Equal(expected.DoubleVarLenH.ToArray(), actual.DoubleVarLenH.ToArray());
        Assert.Equal(expected.StructBH, actual.StructBH);
        Assert.Equal(expected.StructBBH, actual.StructBBH);
        Assert.Equal(expected.StructHH, actual.StructHH);
        Assert.Equal(expected.StructLL, actual.StructLL);
        Assert.Equal(expected.StructQH, actual.StructQH);
        Assert.Equal(expected.StructQL, actual.StructQL);
        Assert.Equal(expected.StructQQHHBH, actual.StructQQHHBH);
        Assert.Equal(expected.StructCcB, actual.StructCcB);
        Assert.Equal(expected.Struct4SH, actual.Struct4SH);
        Assert.Equal(expected.Raw.ToArray(), actual.Raw.ToArray());
    }

    private static void AssertEqual(StructFormatsPayload expected, StructFormatsPayload actual)
    {
        Assert.Equal(expected.Tag, actual.Tag);
        Assert.Equal(expected.Delta, actual.Delta);
        Assert.Equal(expected.Pair ?? [], actual.Pair);
        Assert.Equal(expected.Service, actual.Service);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Range, actual.Range);
        Assert.Equal(expected.Counts, actual.Counts);
        Assert.Equal(expected.Chunk, actual.Chunk);
        Assert.Equal(expected.Offset, actual.Offset);
        Assert.Equal(expected.Window, actual.Window);
        Assert.Equal(expected.Chars, actual.Chars);
        Assert.Equal(expected.Host, actual.Host);
    }

    private static void AssertEqual(ArrayFormatsPayload expected, ArrayFormatsPayload actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.VarLenH ?? [], actual.VarLenH);
        Assert.Equal(expected.VarLenI ?? [], actual.VarLenI);
        Assert.Equal(expected.VarLenBx2 ?? [], actual.VarLenBx2);
        Assert.Equal(expected.VarLenHx20 ?? [], actual.VarLenHx20);
        Assert.Equal(expected.VarLenHUtf8 ?? string.Empty, actual.VarLenHUtf8);
        Assert.Equal(expected.VarLenIUtf8 ?? string.Empty, actual.VarLenIUtf8);
        Assert.Equal(expected.Bytes20, actual.Bytes20);
        Assert.Equal(expected.Bytes32, actual.Bytes32);
        Assert.Equal(expected.Bytes64, actual.Bytes64);
        Assert.Equal(expected.Bytes74, actual.Bytes74);
        Assert.Equal(expected.C20s, actual.C20s);
        Assert.Equal(expected.VarLenHList ?? [], actual.VarLenHList);
        AssertEqual(expected.Payload, actual.Payload);
        AssertEqual(expected.PayloadList, actual.PayloadList);
        Assert.Equal(expected.ArrayHBool ?? [], actual.ArrayHBool);
        Assert.Equal(expected.ArrayHInt64 ?? [], actual.ArrayHInt64);
        AssertEqual(expected.ArrayHDouble, actual.ArrayHDouble);
        Assert.Equal(expected.Last, actual.Last);
    }

    private static void AssertEqual(Entry[]? expected, Entry[] actual)
    {
        expected ??= [];
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            AssertEqual(expected[i], actual[i]);
        }
    }

    private static void AssertEqual(Entry expected, Entry actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Label ?? string.Empty, actual.Label);
        Assert.Equal(expected.Extra ?? [], actual.Extra);
    }

    private static void AssertEqual(double[]? expected, double[] actual) =>
        Assert.Equal((expected ?? []).Select(BitConverter.DoubleToUInt64Bits), actual.Select(BitConverter.DoubleToUInt64Bits));
}

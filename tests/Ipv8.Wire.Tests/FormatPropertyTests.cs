using System.Text;

namespace Ipv8.Wire.Tests;

/// <summary>
/// Round-trips random values of every py-ipv8 format through <see cref="WireWriter"/> and <see cref="WireReader"/>
/// (fixed seed), and checks that every truncation of a valid encoding fails cleanly.
/// </summary>
public class FormatPropertyTests
{
    private const int Rounds = 300;

    public static IEnumerable<object[]> AllFormats() => Enum.GetValues<Format>().Select(f => new object[] { f });

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Random_values_round_trip_and_every_truncation_fails_cleanly(Format format)
    {
        var random = new Random(0x1938 + (int)format);
        var buffer = new byte[1 << 17];
        for (var round = 0; round < Rounds; round++)
        {
            var written = WriteRandom(format, random, buffer, out var check);
            var encoded = buffer.AsSpan(0, written);

            var reader = new WireReader(encoded);
            Assert.True(ReadAndCheck(format, ref reader, check), $"{format} round {round}: {reader.Error}");
            Assert.Equal(0, reader.Remaining);

            if (format == Format.Raw)
            {
                continue; // raw takes whatever is left, so every prefix is a valid value
            }

            for (var cut = 0; cut < written; cut++)
            {
                var truncated = new WireReader(encoded[..cut]);
                Assert.False(ReadAndCheck(format, ref truncated, null), $"{format}: a {cut}-byte prefix of {written} was accepted");
                Assert.Equal(WireError.Truncated, truncated.Error);
            }
        }
    }

    [Theory]
    [InlineData(new byte[] { 2, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 1, 2, 3, 4, 5, 6 })]
    [InlineData(new byte[] { 4, 1, 2, 3, 4, 5, 6 })]
    public void Ip_address_rejects_types_other_than_1_and_3(byte[] data)
    {
        var reader = new WireReader(data);
        Assert.False(reader.TryReadIpAddress(out _));
        Assert.Equal(WireError.InvalidAddressType, reader.Error);
    }

    [Fact]
    public void Address_accepts_a_domain_name()
    {
        var buffer = new byte[64];
        var writer = new WireWriter(buffer);
        writer.WriteAddress(new HostAddress("tracker.example", 6421));
        var reader = new WireReader(buffer.AsSpan(0, writer.Position));
        Assert.True(reader.TryReadAddress(out var address));
        Assert.True(address.IsDomain);
        Assert.Equal("tracker.example:6421", address.ToString());
        Assert.Equal(writer.Position, address.WireSize);
    }

    [Fact]
    public void Invalid_utf8_text_is_rejected()
    {
        byte[] data = [0, 2, 0xC3, 0x28];
        var reader = new WireReader(data);
        Assert.False(reader.TryReadVarLenHUtf8(out string _));
        Assert.Equal(WireError.InvalidUtf8, reader.Error);
    }

    [Fact]
    public void A_length_larger_than_the_data_is_truncated_not_an_exception()
    {
        byte[] data = [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3];
        var reader = new WireReader(data);
        Assert.False(reader.TryReadVarLenI(out ReadOnlySpan<byte> _));
        Assert.Equal(WireError.Truncated, reader.Error);
    }

    [Fact]
    public void Writing_past_the_destination_is_an_argument_error()
    {
        var buffer = new byte[3];
        var threw = false;
        try
        {
            var writer = new WireWriter(buffer);
            writer.WriteUInt32(1);
        }
        catch (ArgumentException)
        {
            threw = true;
        }

        Assert.True(threw);
    }

    [Fact]
    public void The_ipv4_format_refuses_an_IPv6_address()
    {
        var buffer = new byte[32];
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new WireWriter(buffer);
            writer.WriteIpv4(UdpAddress.Parse("[::1]:1"));
        });
    }

    [Fact]
    public void Bits_put_the_first_flag_in_the_high_bit()
    {
        Assert.Equal(0x80, BitFlags.Make(f0: true));
        Assert.Equal(0x01, BitFlags.Make(f7: true));
        Assert.True(BitFlags.Get(0x20, 2));
        Assert.False(BitFlags.Get(0x20, 3));
    }

    private static int WriteRandom(Format format, Random random, byte[] buffer, out object check)
    {
        var writer = new WireWriter(buffer);
        switch (format)
        {
            case Format.UInt8:
            case Format.Bits:
                var b = (byte)random.Next(256);
                if (format == Format.Bits)
                {
                    writer.WriteBits(b);
                }
                else
                {
                    writer.WriteUInt8(b);
                }

                check = b;
                break;
            case Format.UInt16:
                var h = (ushort)random.Next(65536);
                writer.WriteUInt16(h);
                check = h;
                break;
            case Format.UInt32:
                var i = (uint)random.NextInt64(0, 1L << 32);
                writer.WriteUInt32(i);
                check = i;
                break;
            case Format.UInt64:
                var q = (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
                writer.WriteUInt64(q);
                check = q;
                break;
            case Format.Int64:
                var sq = random.NextInt64(long.MinValue, long.MaxValue);
                writer.WriteInt64(sq);
                check = sq;
                break;
            case Format.Bool:
                var flag = random.Next(2) == 1;
                writer.WriteBool(flag);
                check = flag;
                break;
            case Format.Float:
                var f = (float)(random.NextDouble() * 1e6 - 5e5);
                writer.WriteSingle(f);
                check = f;
                break;
            case Format.Double:
                var d = random.NextDouble() * 1e300;
                writer.WriteDouble(d);
                check = d;
                break;
            case Format.Ipv4:
                var v4 = RandomAddress(random, ipv6: false);
                writer.WriteIpv4(v4);
                check = v4;
                break;
            case Format.IpAddress:
                var ip = RandomAddress(random, ipv6: random.Next(2) == 1);
                writer.WriteIpAddress(ip);
                check = ip;
                break;
            case Format.Address:
                var host = random.Next(3) switch
                {
                    0 => new HostAddress("peer" + random.Next(100000) + ".example", (ushort)random.Next(65536)),
                    1 => new HostAddress(RandomAddress(random, false)),
                    _ => new HostAddress(RandomAddress(random, true)),
                };
                writer.WriteAddress(host);
                check = host;
                break;
            case Format.VarLenHUtf8:
            case Format.VarLenIUtf8:
                var text = RandomText(random);
                if (format == Format.VarLenHUtf8)
                {
                    writer.WriteVarLenHUtf8(text);
                }
                else
                {
                    writer.WriteVarLenIUtf8(text);
                }

                check = text;
                break;
            case Format.VarLenHList:
                var list = Enumerable.Range(0, random.Next(6)).Select(_ => RandomBytes(random, random.Next(40))).ToArray();
                writer.WriteVarLenHList(list);
                check = list;
                break;
            case Format.ArrayHBool:
                var bools = Enumerable.Range(0, random.Next(20)).Select(_ => random.Next(2) == 1).ToArray();
                writer.WriteArrayHBool(bools);
                check = bools;
                break;
            case Format.ArrayHInt64:
                var longs = Enumerable.Range(0, random.Next(20)).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)).ToArray();
                writer.WriteArrayHInt64(longs);
                check = longs;
                break;
            case Format.ArrayHDouble:
                var doubles = Enumerable.Range(0, random.Next(20)).Select(_ => random.NextDouble()).ToArray();
                writer.WriteArrayHDouble(doubles);
                check = doubles;
                break;
            case Format.Char:
                var c = (byte)random.Next(256);
                writer.WriteChar(c);
                check = c;
                break;
            case Format.Int32:
                var l = random.Next(int.MinValue, int.MaxValue);
                writer.WriteInt32(l);
                check = l;
                break;
            case Format.DoubleVarLenH:
                var dv = RandomBytes(random, random.Next(300));
                writer.WriteDoubleVarLenH(dv);
                check = dv;
                break;
            case Format.StructBH:
                var bh = ((byte)random.Next(256), (ushort)random.Next(65536));
                writer.WriteStructBH(bh);
                check = bh;
                break;
            case Format.StructBBH:
                var bbh = ((byte)random.Next(256), (byte)random.Next(256), (ushort)random.Next(65536));
                writer.WriteStructBBH(bbh);
                check = bbh;
                break;
            case Format.StructHH:
                var hh = ((ushort)random.Next(65536), (ushort)random.Next(65536));
                writer.WriteStructHH(hh);
                check = hh;
                break;
            case Format.StructLL:
                var ll = ((uint)random.NextInt64(0, 1L << 32), (uint)random.NextInt64(0, 1L << 32));
                writer.WriteStructLL(ll);
                check = ll;
                break;
            case Format.StructQH:
                var qh = ((ulong)random.NextInt64(), (ushort)random.Next(65536));
                writer.WriteStructQH(qh);
                check = qh;
                break;
            case Format.StructQL:
                var ql = ((ulong)random.NextInt64(), (uint)random.NextInt64(0, 1L << 32));
                writer.WriteStructQL(ql);
                check = ql;
                break;
            case Format.StructQQHHBH:
                var qqhhbh = ((ulong)random.NextInt64(), ulong.MaxValue - (ulong)random.NextInt64(), (ushort)random.Next(65536), (ushort)random.Next(65536), (byte)random.Next(256), (ushort)random.Next(65536));
                writer.WriteStructQQHHBH(qqhhbh);
                check = qqhhbh;
                break;
            case Format.StructCcB:
                var ccb = ((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                writer.WriteStructCcB(ccb);
                check = ccb;
                break;
            case Format.Struct4SH:
                var sh = RandomAddress(random, ipv6: false);
                writer.WriteStruct4SH(sh);
                check = sh;
                break;
            case Format.Payload:
            case Format.PayloadList:
                // Nested payloads need a [Payload] type: Ipv8.Generators.Tests round-trips them through generated code.
                var header = new GlobalTime((ulong)random.NextInt64());
                if (format == Format.Payload)
                {
                    writer.WritePayload(header);
                    check = header;
                }
                else
                {
                    var headers = Enumerable.Range(0, random.Next(5)).Select(_ => new GlobalTime((ulong)random.NextInt64())).ToArray();
                    writer.WritePayloadList(headers);
                    check = headers;
                }

                break;
            default:
                var bytes = RandomBytes(random, FixedLength(format) ?? UnitLength(format) * random.Next(format switch { Format.VarLenI => 3000, Format.VarLenBx2 => 256, _ => 300 }));
                switch (format)
                {
                    case Format.Raw: writer.WriteRaw(bytes); break;
                    case Format.VarLenH: writer.WriteVarLenH(bytes); break;
                    case Format.VarLenI: writer.WriteVarLenI(bytes); break;
                    case Format.VarLenBx2: writer.WriteVarLenBx2(bytes); break;
                    case Format.VarLenHx20: writer.WriteVarLenHx20(bytes); break;
                    default: writer.WriteFixed(bytes, bytes.Length); break;
                }

                check = bytes;
                break;
        }

        return writer.Position;
    }

    private static bool ReadAndCheck(Format format, ref WireReader reader, object? check)
    {
        bool ok;
        object? value;
        switch (format)
        {
            case Format.UInt8: ok = reader.TryReadUInt8(out var b); value = b; break;
            case Format.Bits: ok = reader.TryReadBits(out var bits); value = bits; break;
            case Format.UInt16: ok = reader.TryReadUInt16(out var h); value = h; break;
            case Format.UInt32: ok = reader.TryReadUInt32(out var i); value = i; break;
            case Format.UInt64: ok = reader.TryReadUInt64(out var q); value = q; break;
            case Format.Int64: ok = reader.TryReadInt64(out var sq); value = sq; break;
            case Format.Bool: ok = reader.TryReadBool(out var flag); value = flag; break;
            case Format.Float: ok = reader.TryReadSingle(out var f); value = f; break;
            case Format.Double: ok = reader.TryReadDouble(out var d); value = d; break;
            case Format.Ipv4: ok = reader.TryReadIpv4(out var v4); value = v4; break;
            case Format.IpAddress: ok = reader.TryReadIpAddress(out var ip); value = ip; break;
            case Format.Address: ok = reader.TryReadAddress(out var host); value = host; break;
            case Format.VarLenHUtf8: ok = reader.TryReadVarLenHUtf8(out string t1); value = t1; break;
            case Format.VarLenIUtf8: ok = reader.TryReadVarLenIUtf8(out string t2); value = t2; break;
            case Format.VarLenHList: ok = reader.TryReadVarLenHList(out var list); value = list; break;
            case Format.ArrayHBool: ok = reader.TryReadArrayHBool(out var bools); value = bools; break;
            case Format.ArrayHInt64: ok = reader.TryReadArrayHInt64(out var longs); value = longs; break;
            case Format.ArrayHDouble: ok = reader.TryReadArrayHDouble(out var doubles); value = doubles; break;
            case Format.Payload: ok = reader.TryReadPayload(out GlobalTime header); value = header; break;
            case Format.PayloadList: ok = reader.TryReadPayloadList(out GlobalTime[] headers); value = headers; break;
            case Format.Char: ok = reader.TryReadChar(out var c); value = c; break;
            case Format.Int32: ok = reader.TryReadInt32(out var l); value = l; break;
            case Format.DoubleVarLenH: ok = reader.TryReadDoubleVarLenH(out byte[] dv); value = dv; break;
            case Format.StructBH: ok = reader.TryReadStructBH(out var bh); value = bh; break;
            case Format.StructBBH: ok = reader.TryReadStructBBH(out var bbh); value = bbh; break;
            case Format.StructHH: ok = reader.TryReadStructHH(out var hh); value = hh; break;
            case Format.StructLL: ok = reader.TryReadStructLL(out var ll); value = ll; break;
            case Format.StructQH: ok = reader.TryReadStructQH(out var qh); value = qh; break;
            case Format.StructQL: ok = reader.TryReadStructQL(out var ql); value = ql; break;
            case Format.StructQQHHBH: ok = reader.TryReadStructQQHHBH(out var qqhhbh); value = qqhhbh; break;
            case Format.StructCcB: ok = reader.TryReadStructCcB(out var ccb); value = ccb; break;
            case Format.Struct4SH: ok = reader.TryReadStruct4SH(out var sh); value = sh; break;
            case Format.Raw: ok = reader.TryReadRaw(out byte[] raw); value = raw; break;
            case Format.VarLenH: ok = reader.TryReadVarLenH(out byte[] vh); value = vh; break;
            case Format.VarLenI: ok = reader.TryReadVarLenI(out byte[] vi); value = vi; break;
            case Format.VarLenBx2: ok = reader.TryReadVarLenBx2(out byte[] vb); value = vb; break;
            case Format.VarLenHx20: ok = reader.TryReadVarLenHx20(out byte[] v20); value = v20; break;
            default: ok = reader.TryReadFixed(FixedLength(format)!.Value, out byte[] fixedBytes); value = fixedBytes; break;
        }

        if (ok && check is not null)
        {
            Assert.Equal(check, value);
        }

        return ok;
    }

    private static int? FixedLength(Format format) => format switch
    {
        Format.Bytes20 => 20,
        Format.Bytes32 => 32,
        Format.Bytes64 => 64,
        Format.Bytes74 => 74,
        Format.C20s => 21,
        _ => null,
    };

    private static int UnitLength(Format format) => format switch
    {
        Format.VarLenBx2 => 2,
        Format.VarLenHx20 => 20,
        _ => 1,
    };

    private static UdpAddress RandomAddress(Random random, bool ipv6)
    {
        if (!ipv6)
        {
            return UdpAddress.FromIPv4((uint)random.NextInt64(0, 1L << 32), (ushort)random.Next(65536));
        }

        var bytes = new byte[16];
        random.NextBytes(bytes);
        return UdpAddress.FromIPv6(bytes, (ushort)random.Next(65536));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string RandomText(Random random)
    {
        var sb = new StringBuilder();
        var length = random.Next(30);
        for (var i = 0; i < length; i++)
        {
            sb.Append(random.Next(4) switch
            {
                0 => (char)random.Next('a', 'z' + 1),
                1 => 'é',
                2 => "\U0001F600",
                _ => (char)random.Next(0x4E00, 0x9FFF),
            });
        }

        return sb.ToString();
    }
}

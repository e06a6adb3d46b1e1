using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Crypto;
using Ipv8.Wire.Schemas;

namespace Ipv8.Wire.Tests.Schemas;

/// <summary>The schema decoder on hand-made data: every failure has a reason and a place, and nothing is written for it.</summary>
public class SchemaDecoderTests
{
    private const string ChatSchema = """
        {"classes": {"Chat": [["seq", "q"], ["text", "varlenHutf8"]],
                     "Entry": [["key", "varlenH"], ["count", "q"]],
                     "Catalog": [["owner", "varlenHutf8"], ["entries", "payload-list:Entry"], ["best", "payload:Entry"]],
                     "Where": [["any", "address"], ["ip", "ip_address"]],
                     "Reals": [["d", "d"], ["f", "f"]],
                     "Big": [["blob", "varlenI"], ["text", "varlenIutf8"]]},
         "messages": {"1": {"payloads": ["Chat"], "signed": false}, "2": {"payloads": ["Chat"], "signed": true},
                      "3": {"payloads": ["Catalog"], "signed": false}, "4": {"payloads": ["Where"], "signed": false},
                      "5": {"payloads": ["Reals"], "signed": false}, "6": {"payloads": ["Big"], "signed": false}}}
        """;

    private static readonly SchemaSet s_schema = SchemaSet.Parse(ChatSchema);

    private delegate void BodyWriter(ref WireWriter writer);

    [Fact]
    public void A_signed_message_decodes_with_the_senders_key_and_its_payload()
    {
        using var key = VectorKey();
        var datagram = Build(2, key, (ref WireWriter w) =>
        {
            w.WriteInt64(-5);
            w.WriteVarLenHUtf8("héllo");
        });

        var (ok, json, failure) = SchemaVectorTests.Decode(s_schema, datagram);

        Assert.True(ok, failure.Reason);
        var expected = new JsonObject
        {
            ["msg_id"] = 2,
            ["signed"] = true,
            ["public_key"] = Convert.ToHexStringLower(key.PublicKey.Bin),
            ["payloads"] = new JsonArray(new JsonObject { ["seq"] = -5, ["text"] = "héllo" }),
        };
        JsonExact.AssertEqual(expected.ToJsonString(), json);
    }

    [Fact]
    public void A_flipped_signature_bit_is_a_bad_signature()
    {
        using var key = VectorKey();
        var datagram = Build(2, key, (ref WireWriter w) =>
        {
            w.WriteInt64(1);
            w.WriteVarLenHUtf8("x");
        });
        datagram[^3] ^= 0x10;

        var (ok, json, failure) = SchemaVectorTests.Decode(s_schema, datagram);

        Assert.False(ok);
        Assert.Equal(string.Empty, json);
        Assert.Equal(WireError.BadSignature, failure.Error);
        Assert.Equal("invalid signature", failure.Reason);
    }

    [Fact]
    public void Invalid_utf8_text_is_refused_at_its_field()
    {
        var datagram = Build(1, null, (ref WireWriter w) =>
        {
            w.WriteInt64(1);
            w.WriteVarLenH([0x61, 0xC3, 0x28]);
        });

        var (ok, json, failure) = SchemaVectorTests.Decode(s_schema, datagram);

        Assert.False(ok);
        Assert.Equal(string.Empty, json);
        Assert.Equal(WireError.InvalidUtf8, failure.Error);
        Assert.Equal("Chat.text", failure.Field);
        Assert.Equal("invalid utf-8 text (at Chat.text)", failure.Reason);
    }

    [Fact]
    public void A_truncated_item_of_a_payload_list_names_the_item_and_field()
    {
        var datagram = Build(3, null, (ref WireWriter w) =>
        {
            w.WriteVarLenHUtf8("o");
            w.WriteUInt8(2);
            w.WriteVarLenH(Entry("a"u8, 1));
            w.WriteVarLenH(Entry("b"u8, 2)[..^4]); // the count of entry 1 loses 4 of its 8 bytes
            w.WriteVarLenH(Entry("c"u8, 3));
        });

        var (ok, _, failure) = SchemaVectorTests.Decode(s_schema, datagram);

        Assert.False(ok);
        Assert.Equal(WireError.Truncated, failure.Error);
        Assert.Equal("Catalog.entries[1].count", failure.Field);
    }

    [Fact]
    public void A_nested_payload_must_fill_its_length()
    {
        var datagram = Build(3, null, (ref WireWriter w) =>
        {
            w.WriteVarLenHUtf8("o");
            w.WriteUInt8(0);
            w.WriteVarLenH([.. Entry("a"u8, 1), 0xEE]);
        });

        var (ok, _, failure) = SchemaVectorTests.Decode(s_schema, datagram);

        Assert.False(ok);
        Assert.Equal(WireError.TrailingBytes, failure.Error);
        Assert.Equal("Catalog.best", failure.Field);
    }

    [Fact]
    public void Bytes_after_the_last_payload_are_counted_in_the_reason()
    {
        var datagram = Build(1, null, (ref WireWriter w) =>
        {
            w.WriteInt64(1);
            w.WriteVarLenHUtf8("x");
            w.WriteUInt16(0);
        });

        var (ok, _, failure) = SchemaVectorTests.Decode(s_schema, datagram);

        Assert.False(ok);
        Assert.Equal(WireError.TrailingBytes, failure.Error);
        Assert.Null(failure.Field);
        Assert.Equal("trailing bytes after the last field (2 bytes after the last payload)", failure.Reason);
    }

    [Fact]
    public void A_message_id_outside_the_schema_and_a_short_datagram_are_refused()
    {
        var (ok, json, failure) = SchemaVectorTests.Decode(s_schema, Build(77, null, (ref WireWriter w) => w.WriteUInt8(0)));
        Assert.False(ok);
        Assert.Equal(string.Empty, json);
        Assert.Equal(WireError.UnknownMessage, failure.Error);
        Assert.Contains("msg_id 77", failure.Reason, StringComparison.Ordinal);

        (ok, _, failure) = SchemaVectorTests.Decode(s_schema, new byte[22]);
        Assert.False(ok);
        Assert.Equal(WireError.TooShort, failure.Error);
    }

    [Fact]
    public void An_address_may_be_a_domain_name_but_an_ip_address_may_not()
    {
        var good = Build(4, null, (ref WireWriter w) =>
        {
            w.WriteAddress(new HostAddress("tracker.example", 6421));
            w.WriteIpAddress(UdpAddress.Parse("[2001:db8::1]:80"));
        });
        var bad = Build(4, null, (ref WireWriter w) =>
        {
            w.WriteAddress(new HostAddress("tracker.example", 6421));
            w.WriteAddress(new HostAddress("tracker.example", 6421));
        });

        var (ok, json, failure) = SchemaVectorTests.Decode(s_schema, good);
        Assert.True(ok, failure.Reason);
        JsonExact.AssertEqual("""{"msg_id":4,"signed":false,"payloads":[{"any":["tracker.example",6421],"ip":["2001:db8::1",80]}]}""", json);

        (ok, _, failure) = SchemaVectorTests.Decode(s_schema, bad);
        Assert.False(ok);
        Assert.Equal(WireError.InvalidAddressType, failure.Error);
        Assert.Equal("Where.ip", failure.Field);
    }

    [Theory]
    [InlineData("7ff8000000000000", "\"NaN\"")]
    [InlineData("7ff0000000000000", "\"Infinity\"")]
    [InlineData("fff0000000000000", "\"-Infinity\"")]
    [InlineData("8000000000000000", "-0.0")]
    [InlineData("3ff0000000000000", "1.0")]
    public void Doubles_print_as_python_does_and_non_finite_ones_as_strings(string hex, string expected)
    {
        var bits = Convert.FromHexString(hex);
        var datagram = Build(5, null, (ref WireWriter w) =>
        {
            w.WriteRaw(bits);
            w.WriteSingle(0.1f);
        });

        var (ok, json, failure) = SchemaVectorTests.Decode(s_schema, datagram);

        Assert.True(ok, failure.Reason);
        Assert.Contains($"\"d\":{expected},\"f\":0.10000000149011612", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_larger_than_the_json_writers_chunks_come_out_whole()
    {
        var blob = new byte[300_001];
        new Random(5).NextBytes(blob);
        var text = string.Concat(Enumerable.Repeat("é漢🙂a", 25_000));
        var datagram = Build(6, null, (ref WireWriter w) =>
        {
            w.WriteVarLenI(blob);
            w.WriteVarLenIUtf8(text);
        });

        var (ok, json, failure) = SchemaVectorTests.Decode(s_schema, datagram);

        Assert.True(ok, failure.Reason);
        var payload = JsonNode.Parse(json)!["payloads"]![0]!;
        Assert.Equal(Convert.ToHexStringLower(blob), (string)payload["blob"]!["hex"]!);
        Assert.Equal(text, (string)payload["text"]!);
    }

    [Fact]
    public void A_class_read_from_a_reader_leaves_the_rest_and_a_failed_one_writes_nothing()
    {
        var cls = s_schema.Classes["Chat"];
        byte[] data = [0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0x41, 0xAA];
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var reader = new WireReader(data);
            Assert.True(SchemaDecoder.TryWriteClass(writer, ref reader, cls, out _));
            Assert.Equal(1, reader.Remaining);

            var truncated = new WireReader(data.AsSpan(0, 9));
            Assert.False(SchemaDecoder.TryWriteClass(writer, ref truncated, cls, out var failure));
            Assert.Equal("Chat.text", failure.Field);
        }

        Assert.Equal("""{"seq":9,"text":"A"}""", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Signed_messages_verify_with_every_legacy_ec_key_of_the_vectors()
    {
        // py-ipv8's introduction request, described as a user message: [GlobalTimeDistributionPayload, payload].
        var schema = SchemaSet.Parse("""
            {"classes": {"GlobalTime": [["global_time", "Q"]],
                         "IntroductionRequest": [["destination_address", "ipv4"], ["source_lan_address", "ipv4"], ["source_wan_address", "ipv4"],
                                                 [["advice", "b1", "b2", "b3", "b4", "b5", "b6", "b7"], "bits"], ["identifier", "H"], ["extra_bytes", "raw"]]},
             "messages": {"246": {"payloads": ["GlobalTime", "IntroductionRequest"]}}}
            """);
        var ecKeys = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "ec-keys.json")))!;
        var requests = ((JsonArray)ecKeys["vectors"]!).Select(v => (JsonObject)v!).Where(v => (int)v["msg_id"]! == 246).ToList();
        var curves = new HashSet<int>();

        foreach (var vector in requests)
        {
            var datagram = Convert.FromHexString((string)vector["packet"]!);
            var (ok, json, failure) = SchemaVectorTests.Decode(schema, datagram);

            Assert.True(ok, $"{vector["name"]}: {failure.Reason}");
            var decoded = JsonNode.Parse(json)!;
            Assert.Equal((string)vector["decoded"]!["public_key"]!, (string)decoded["public_key"]!);
            Assert.Equal((ulong)vector["decoded"]!["global_time"]!, (ulong)decoded["payloads"]![0]!["global_time"]!);
            Assert.Equal((int)vector["decoded"]!["payload"]!["identifier"]!, (int)decoded["payloads"]![1]!["identifier"]!);
            curves.Add(((string)vector["decoded"]!["public_key"]!).Length);

            datagram[^1] ^= 1;
            Assert.Equal(WireError.BadSignature, SchemaVectorTests.Decode(schema, datagram).Failure.Error);
        }

        Assert.Equal(4, curves.Count);
    }

    [Fact]
    public void Mutated_datagrams_never_throw_and_either_decode_to_json_or_write_nothing()
    {
        // Unsigned copies of the vector messages, so that mutations reach the payload readers instead of the signature.
        var cases = new List<(SchemaSet Schema, byte[] Datagram)>();
        foreach (var packet in PayloadSchemaVectors.Packets.Select(p => (JsonObject)p!))
        {
            var datagram = Convert.FromHexString((string)packet["packet"]!);
            var body = (bool)packet["decoded"]!["signed"]!
                ? BodyOf(datagram)
                : datagram[Packet.HeaderLength..];
            var unsigned = (JsonObject)packet.DeepClone();
            unsigned["decoded"]!["signed"] = false;
            cases.Add((SchemaSet.Parse(PayloadSchemaVectors.SchemaFor(unsigned)), [.. datagram[..Packet.HeaderLength], .. body]));
        }

        var random = new Random(20261129);
        var decoded = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var (schema, original) = cases[random.Next(cases.Count)];
            var mutated = Mutate(random, original);

            var (ok, json, failure) = SchemaVectorTests.Decode(schema, mutated);

            if (ok)
            {
                decoded++;
                using var document = JsonDocument.Parse(json);
                Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            }
            else
            {
                Assert.Equal(string.Empty, json);
                Assert.NotEqual(WireError.None, failure.Error);
                Assert.False(string.IsNullOrWhiteSpace(failure.Reason));
            }
        }

        // Both outcomes occur, so the loop really reaches the payload readers.
        Assert.InRange(decoded, 100, 19_900);
    }

    private static byte[] Mutate(Random random, byte[] original)
    {
        var data = original.ToList();
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits; e++)
        {
            switch (random.Next(5))
            {
                case 0 when data.Count > Packet.HeaderLength:
                    data[random.Next(Packet.HeaderLength, data.Count)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > Packet.HeaderLength:
                    data.RemoveRange(random.Next(Packet.HeaderLength, data.Count), 1);
                    break;
                case 2:
                    data.Insert(random.Next(Packet.HeaderLength, data.Count + 1), (byte)random.Next(256));
                    break;
                case 3 when data.Count > Packet.HeaderLength:
                    data[random.Next(Packet.HeaderLength, data.Count)] = (byte)random.Next(256);
                    break;
                default:
                    if (data.Count > Packet.HeaderLength)
                    {
                        var cut = random.Next(Packet.HeaderLength, data.Count);
                        data.RemoveRange(cut, data.Count - cut);
                    }

                    break;
            }
        }

        return [.. data];
    }

    private static byte[] BodyOf(byte[] signed)
    {
        Assert.True(Packet.TryParseSigned(signed, out var packet, out var error), error.Describe());
        return packet.Body.ToArray();
    }

    private static byte[] Entry(ReadOnlySpan<byte> key, long count)
    {
        var bytes = new byte[2 + key.Length + 8];
        var writer = new WireWriter(bytes);
        writer.WriteVarLenH(key);
        writer.WriteInt64(count);
        return bytes;
    }

    private static LibNaClPrivateKey VectorKey() =>
        LibNaClPrivateKey.Parse(Convert.FromHexString((string)PayloadSchemaVectors.Root["key"]!["private_key_bin"]!));

    private static byte[] Build(byte messageId, LibNaClPrivateKey? key, BodyWriter body)
    {
        var buffer = new byte[1 << 20];
        var offset = Packet.WriteHeader(buffer, Convert.FromHexString(PayloadSchemaVectors.Prefix), messageId, key);
        var writer = new WireWriter(buffer.AsSpan(offset));
        body(ref writer);
        var length = offset + writer.Position;
        if (key is not null)
        {
            length = Packet.WriteSignature(buffer, length, key);
        }

        return buffer[..length];
    }
}

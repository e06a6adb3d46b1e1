using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Schemas;

namespace Ipv8.Wire.Tests.Schemas;

/// <summary>The schema decoder against py-ipv8's own user messages and formats (<c>payloads.json</c>).</summary>
public class SchemaVectorTests
{
    public static TheoryData<int> PacketIndexes => [.. Enumerable.Range(0, PayloadSchemaVectors.Packets.Count)];

    public static TheoryData<int> MalformedIndexes => [.. Enumerable.Range(0, PayloadSchemaVectors.Malformed.Count)];

    public static TheoryData<int> FormatIndexes => [.. Enumerable.Range(0, PayloadSchemaVectors.Formats.Count)];

    [Theory]
    [MemberData(nameof(PacketIndexes))]
    public void Every_packet_decodes_to_exactly_what_py_ipv8_unpacked(int index)
    {
        var packet = PayloadSchemaVectors.Packet(index);
        var schema = SchemaSet.Parse(PayloadSchemaVectors.SchemaFor(packet));

        var (ok, json, failure) = Decode(schema, Convert.FromHexString((string)packet["packet"]!));

        Assert.True(ok, failure.Reason);
        JsonExact.AssertEqual(PayloadSchemaVectors.ExpectedFor(packet), json, $"packet {index} ({packet["name"]}): ");
    }

    [Theory]
    [MemberData(nameof(MalformedIndexes))]
    public void Every_malformed_packet_fails_with_a_reason_and_writes_nothing(int index)
    {
        var entry = (JsonObject)PayloadSchemaVectors.Malformed[index]!;
        var schema = SchemaSet.Parse(PayloadSchemaVectors.SchemaFor(PayloadSchemaVectors.PacketNamed((string)entry["name"]!)));

        var (ok, json, failure) = Decode(schema, Convert.FromHexString((string)entry["packet"]!));

        Assert.False(ok);
        Assert.Equal(string.Empty, json);
        var expected = (string)entry["mutation"]! switch
        {
            "signature-bitflip" => [WireError.BadSignature],
            "extra-trailing-byte" => [WireError.TrailingBytes],
            // A signed message cut short loses its signature's last bytes, or no longer holds one at all.
            _ => new[] { WireError.Truncated, WireError.BadSignature },
        };
        Assert.Contains(failure.Error, expected);
        Assert.False(string.IsNullOrWhiteSpace(failure.Reason));
    }

    [Theory]
    [MemberData(nameof(FormatIndexes))]
    public void Every_format_value_decodes_through_a_one_field_schema_to_exactly_its_value(int index)
    {
        var entry = (JsonObject)PayloadSchemaVectors.Formats[index]!;
        var schema = SchemaSet.Parse(PayloadSchemaVectors.OneFieldSchema((string)entry["format"]!));
        var bytes = Convert.FromHexString((string)entry["bytes"]!);

        var (ok, json, failure) = DecodeBody(schema, bytes);

        Assert.True(ok, failure.Reason);
        var expected = new JsonArray(new JsonObject { ["v"] = entry["value"]!.DeepClone() }).ToJsonString();
        JsonExact.AssertEqual(expected, json, $"format {entry["format"]} bytes {entry["bytes"]}: ");
    }

    [Theory]
    [MemberData(nameof(FormatIndexes))]
    public void Every_format_value_cut_by_one_byte_is_truncated_and_with_one_more_byte_leaves_trailing_bytes(int index)
    {
        var entry = (JsonObject)PayloadSchemaVectors.Formats[index]!;
        var schema = SchemaSet.Parse(PayloadSchemaVectors.OneFieldSchema((string)entry["format"]!));
        var bytes = Convert.FromHexString((string)entry["bytes"]!);

        var (shortOk, shortJson, shortFailure) = DecodeBody(schema, bytes[..^1]);
        var (longOk, longJson, longFailure) = DecodeBody(schema, [.. bytes, 0]);

        Assert.False(shortOk);
        Assert.Equal(string.Empty, shortJson);
        Assert.Equal(WireError.Truncated, shortFailure.Error);
        Assert.Equal("One.v", shortFailure.Field);
        Assert.False(longOk);
        Assert.Equal(string.Empty, longJson);
        Assert.Equal(WireError.TrailingBytes, longFailure.Error);
    }

    [Fact]
    public void The_vectors_exercise_every_py_ipv8_format()
    {
        var used = PayloadSchemaVectors.Formats.Select(f => (string)f!["format"]!).ToHashSet(StringComparer.Ordinal);
        foreach (var cls in PayloadSchemaVectors.Classes())
        {
            foreach (var field in (JsonArray)cls.Value!)
            {
                used.Add(((string)field![1]!).Split(':')[0]);
            }
        }

        Assert.Empty(FormatNames.All.Except(used));
    }

    [Fact]
    public void The_example_schema_of_the_issue_decodes_a_catalog_of_payloads_json()
    {
        var schema = SchemaSet.Parse("""
            {"classes": {"Entry": [["key","varlenH"],["count","q"]],
                         "Catalog": [["owner","varlenHutf8"],["entries","payload-list:Entry"],["best","payload:Entry"]],
                         "Flags": [[["b0","b1","b2","b3","b4","b5","b6","b7"],"bits"]]},
             "messages": {"3": {"payloads": ["Catalog"], "signed": true}}}
            """);
        var packet = PayloadSchemaVectors.PacketNamed("catalog");

        var (ok, json, failure) = Decode(schema, Convert.FromHexString((string)packet["packet"]!));

        Assert.True(ok, failure.Reason);
        JsonExact.AssertEqual(PayloadSchemaVectors.ExpectedFor(packet), json);
    }

    internal static (bool Ok, string Json, DecodeFailure Failure) Decode(SchemaSet schema, byte[] datagram)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        bool ok;
        DecodeFailure failure;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ok = SchemaDecoder.TryWrite(writer, datagram, schema, out failure);
        }

        return (ok, Encoding.UTF8.GetString(buffer.WrittenSpan), failure);
    }

    internal static (bool Ok, string Json, DecodeFailure Failure) DecodeBody(SchemaSet schema, byte[] body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        bool ok;
        DecodeFailure failure;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ok = SchemaDecoder.TryWritePayloads(writer, body, schema.Messages[0].Payloads, out failure);
        }

        return (ok, Encoding.UTF8.GetString(buffer.WrittenSpan), failure);
    }
}

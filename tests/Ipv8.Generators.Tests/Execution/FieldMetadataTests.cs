using Ipv8.Wire;
using Ipv8.Wire.Generators;

namespace Ipv8.Generators.Tests.Execution;

/// <summary>The generated <c>Fields</c>: every <c>[Field]</c> member in declaration order, its snake-case name, its format and nested fields.</summary>
public sealed class FieldMetadataTests
{
    [Fact]
    public void Fields_ListEveryMemberInWireOrder_WithFormatsAndSnakeCaseNames()
    {
        var fields = EveryFormatPayload.Fields;

        Assert.Equal(
            ["u_int8", "u_int16", "u_int32", "u_int64", "int64", "bool", "float", "double", "bits", "ipv4", "ip_address", "address"],
            fields.Take(12).Select(f => f.Name));
        Assert.Equal(
            [Format.UInt8, Format.UInt16, Format.UInt32, Format.UInt64, Format.Int64, Format.Bool, Format.Float, Format.Double, Format.Bits, Format.Ipv4, Format.IpAddress, Format.Address],
            fields.Take(12).Select(f => f.Format));
        Assert.Equal(fields.Count, fields.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(fields.Where(f => f.Format is not (Format.Payload or Format.PayloadList)), f => Assert.Null(f.NestedFields));
    }

    [Fact]
    public void NestedPayloadFields_ResolveToTheNestedTypesFields()
    {
        var nested = EveryFormatPayload.Fields.Single(f => f.Name == "payload");
        var list = EveryFormatPayload.Fields.Single(f => f.Name == "payload_list");

        Assert.Equal(Format.Payload, nested.Format);
        Assert.Same(SpanEntry.Fields, nested.NestedFields);
        Assert.Equal(Format.PayloadList, list.Format);
        Assert.Same(Entry.Fields, list.NestedFields);
        Assert.Equal(["id", "label", "extra"], Entry.Fields.Select(f => f.Name));
        Assert.Equal([Format.UInt32, Format.VarLenHUtf8, Format.Raw], Entry.Fields.Select(f => f.Format));
    }

    [Fact]
    public void MessageKind_ListsTheFieldsOfEachPayload()
    {
        var kind = new MessageKind<GlobalTime, ArrayFormatsPayload>("array-formats");

        Assert.Equal(2, kind.PayloadFields.Count);
        Assert.Same(GlobalTime.Fields, kind.PayloadFields[0]);
        Assert.Equal(("value", Format.UInt64), (kind.PayloadFields[0][0].Name, kind.PayloadFields[0][0].Format));
        Assert.Same(ArrayFormatsPayload.Fields, kind.PayloadFields[1]);
    }

    [Theory]
    [InlineData("DestinationAddress", "destination_address")]
    [InlineData("TBOverlap", "tb_overlap")]
    [InlineData("PublicKeyBin", "public_key_bin")]
    [InlineData("DFlag1", "d_flag1")]
    [InlineData("Value", "value")]
    [InlineData("already_snake", "already_snake")]
    [InlineData("Ipv4", "ipv4")]
    [InlineData("HTTPServer", "http_server")]
    public void SnakeCase_SplitsWordsAtCapitals(string member, string expected) =>
        Assert.Equal(expected, PayloadGenerator.Parser.SnakeCase(member));
}

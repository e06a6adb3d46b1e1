using System.Text.RegularExpressions;
using Ipv8.Cli.Dissector;
using Ipv8.Tests.Shared;
using Ipv8.Wire;
using Ipv8.Wire.Discovery;
using Ipv8.Wire.Schemas;

namespace Ipv8.Cli.Tests.Capture;

/// <summary>
/// <c>ipv8 dissector</c>'s Lua, read as text: the fields it declares come from the registry's payload metadata and the
/// schema. <see cref="TsharkTests"/> loads it into the real tshark.
/// </summary>
public sealed partial class DissectorCommandTests
{
    [Fact]
    public void TheDissector_DeclaresTheProtocolFields_AndOneFieldPerRegistryPayloadField()
    {
        var lua = LuaDissector.Generate(DiscoveryCommunityKinds.Registry, null).Lua;
        var declared = Declared(lua);

        foreach (var field in new[] { "ipv8.prefix", "ipv8.community_id", "ipv8.msg_id", "ipv8.msg_name", "ipv8.public_key", "ipv8.mid", "ipv8.global_time", "ipv8.signature" })
        {
            Assert.Contains(field, declared.Keys);
        }

        foreach (var kind in DiscoveryCommunityKinds.Registry.Kinds)
        {
            var segment = kind.Name.Replace('-', '_');
            var payloadFields = kind.PayloadFields[^1];
            Assert.NotEmpty(payloadFields);
            foreach (var field in payloadFields)
            {
                // Named as decode prints it where the payload member's name differs.
                var abbrev = $"ipv8.{segment}.{(field.Name == "introduce_to_field" ? "introduce_to" : field.Name)}";
                Assert.True(declared.ContainsKey(abbrev), $"{abbrev} is not declared");
                var expected = field.Format switch
                {
                    Format.Ipv4 or Format.IpAddress => "ipv4",
                    Format.UInt16 => "uint16",
                    Format.Bits => "uint8",
                    _ => "bytes",
                };
                Assert.Equal(expected, declared[abbrev]);
            }
        }

        Assert.Equal("uint16", declared["ipv8.introduction_request.destination_address.port"]);
        Assert.Equal("ipv6", declared["ipv8.new_introduction_request.destination_address.ipv6"]);
        Assert.Equal(declared.Count, Regex.Matches(lua, "ProtoField\\.").Count);
    }

    [Fact]
    public void ASchema_AddsItsMessagesFields_WithBitsAndNestedPayloads()
    {
        var schema = SchemaSet.Parse(PayloadSchemaVectors.SchemaFor(PayloadSchemaVectors.PacketNamed("catalog")));

        var lua = LuaDissector.Generate(DiscoveryCommunityKinds.Registry, schema).Lua;
        var declared = Declared(lua);

        var catalog = schema.Classes["Catalog"];
        foreach (var field in catalog.Fields)
        {
            Assert.True(declared.ContainsKey($"ipv8.catalog.{LuaDissector.Segment(field.Name.Replace(',', '_'))}"), $"{field} is not declared");
        }

        Assert.Contains(declared.Keys, k => k.StartsWith("ipv8.catalog.", StringComparison.Ordinal) && k.Count(c => c == '.') == 3);
        Assert.Contains("name = \"Catalog\", id = 3", lua, StringComparison.Ordinal);
        Assert.Contains("except = \"7e313685c1912a141279f8248fc8db5899c5df5a\"", lua, StringComparison.Ordinal);
    }

    [Fact]
    public void ASchemaMessageNamedLikeARegistryMessage_GetsItsIdAppended_AndTheRegistrysFieldsKeepTheirNames()
    {
        var schema = SchemaSet.Parse("""{"classes": {"Ping": [["identifier", "H"]]}, "messages": {"9": {"payloads": ["Ping"], "signed": false}}}""");

        var declared = Declared(LuaDissector.Generate(DiscoveryCommunityKinds.Registry, schema).Lua);

        Assert.Contains("ipv8.ping.identifier", declared.Keys);
        Assert.Contains("ipv8.ping_9.identifier", declared.Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void DissectorOutEmptyIsOneErrorLine(string value)
    {
        var (code, output, error) = CliHarness.Run("dissector", "--out", value);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.StartsWith("error: --out needs a file name", Assert.Single(CliHarness.Lines(error)), StringComparison.Ordinal);
    }

    [Fact]
    public void SchemaFieldNamesAreLowerCaseAndABitsFieldIsCalledBits()
    {
        var schema = SchemaSet.Parse("""{"classes": {"Where": [["V4", "ipv4"], [["Up", "b1", "b2", "b3", "b4", "b5", "b6", "b7"], "bits"]]}, "messages": {"9": {"payloads": ["Where"], "signed": false}}}""");
        var declared = Declared(LuaDissector.Generate(DiscoveryCommunityKinds.Registry, schema).Lua);

        Assert.Contains("ipv8.where.v4", declared);
        Assert.Contains("ipv8.where.bits", declared);
        Assert.Contains("ipv8.where.bits.up", declared);
        Assert.Contains("ipv8.where.bits.b7", declared);
    }

    [Fact]
    public void Generating_TwiceGivesTheSameText() =>
        Assert.Equal(LuaDissector.Generate(DiscoveryCommunityKinds.Registry, null).Lua, LuaDissector.Generate(DiscoveryCommunityKinds.Registry, null).Lua);

    [Fact]
    public void TheCommand_WritesTheFile_AndSaysHowToLoadIt()
    {
        var path = CliHarness.TempPath("ipv8.lua");
        try
        {
            var (code, output, error) = CliHarness.Run("dissector", "--out", path);

            Assert.Equal(0, code);
            Assert.Empty(error);
            Assert.Contains($"wrote {path}: 13 messages", output, StringComparison.Ordinal);
            Assert.Contains($"tshark -X lua_script:{path}", output, StringComparison.Ordinal);
            Assert.Equal(LuaDissector.Generate(DiscoveryCommunityKinds.Registry, null).Lua, File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AnOutUnderAFile_IsAUsageErrorOfOneLine()
    {
        // A path under a regular file: no directory can be there.
        var file = CliHarness.TempPath("not-a-directory");
        File.WriteAllText(file, "x");
        try
        {
            var path = Path.Combine(file, "ipv8.lua");
            var (code, output, error) = CliHarness.Run("dissector", "--out", path);

            Assert.Equal(2, code);
            Assert.Empty(output);
            Assert.StartsWith($"error: --out '{path}': the folder '{file}' does not exist", error, StringComparison.Ordinal);
            Assert.Single(CliHarness.Lines(error));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void AMissingOut_IsAUsageError()
    {
        var (code, _, error) = CliHarness.Run("dissector");

        Assert.Equal(2, code);
        Assert.Contains("--out", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_NamesTheOptions()
    {
        var (code, output, _) = CliHarness.Run("dissector", "--help");
        var (decodeCode, decodeOutput, _) = CliHarness.Run("decode", "--help");

        Assert.Equal(0, code);
        Assert.Contains("--out <file.lua>", output, StringComparison.Ordinal);
        Assert.Contains("--schema <file>", output, StringComparison.Ordinal);
        Assert.Equal(0, decodeCode);
        Assert.Contains("--pcap <file>", decodeOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void LuaStrings_EscapeQuotesBackslashesAndNonAscii() =>
        Assert.Equal("\"a\\034b\\092c\\195\\169\\010\"", LuaDissector.Quote("a\"b\\cé\n"));

    /// <summary>Every <c>ProtoField.type("abbrev", …)</c> of the text: abbreviation → type.</summary>
    private static Dictionary<string, string> Declared(string lua) =>
        ProtoFieldPattern().Matches(lua).ToDictionary(m => m.Groups[2].Value, m => m.Groups[1].Value, StringComparer.Ordinal);

    [GeneratedRegex("ProtoField\\.([a-z0-9]+)\\(\"([^\"]+)\"")]
    private static partial Regex ProtoFieldPattern();
}

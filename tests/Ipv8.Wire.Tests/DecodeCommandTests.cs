using System.Text.Json.Nodes;
using Ipv8.Cli.Commands;

namespace Ipv8.Wire.Tests;

public class DecodeCommandTests
{
    [Fact]
    public void Each_stdin_line_gives_one_json_line_matching_the_vector()
    {
        var input = string.Join("\n", Vectors.Packets.Select(v => (string)v!["packet"]!)) + "\n\n";
        using var output = new StringWriter();

        Assert.Equal(0, DecodeCommand.Run([], null, new StringReader(input), output));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Vectors.Packets.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var vector = Vectors.Packet(i);
            var actual = JsonNode.Parse(lines[i])!.AsObject();
            Assert.Equal((string)vector["name"]!, (string)actual["name"]!);
            Assert.Equal((int)vector["msg_id"]!, (int)actual["msg_id"]!);
            actual.Remove("name");
            actual.Remove("msg_id");
            Assert.True(JsonNode.DeepEquals(vector["decoded"], actual), lines[i]);
        }
    }

    [Fact]
    public void Malformed_packets_print_an_error_object()
    {
        using var output = new StringWriter();
        var hex = Vectors.Malformed.Select(m => (string)m!["packet"]!).ToList();
        DecodeCommand.Run(hex, null, TextReader.Null, output);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(hex.Count, lines.Length);
        foreach (var line in lines)
        {
            var json = JsonNode.Parse(line)!.AsObject();
            Assert.Single(json);
            Assert.False(string.IsNullOrWhiteSpace((string)json["error"]!));
        }
    }

    [Theory]
    [InlineData("zz", "invalid hex")]
    [InlineData("abc", "invalid hex")]
    [InlineData("00", "packet shorter than prefix and message id (23 bytes)")]
    public void Bad_input_gives_a_clear_reason(string hex, string reason) =>
        Assert.Equal("{\"error\":\"" + reason + "\"}", DecodeCommand.DecodeLine(hex));

    [Fact]
    public void Decoding_works_for_any_community_prefix()
    {
        var packet = Vectors.Bytes(Vectors.Packet(4), "packet"); // unsigned, so the prefix can change freely
        packet[5] ^= 0xFF;
        var json = JsonNode.Parse(DecodeCommand.DecodeLine(Convert.ToHexString(packet)))!;
        Assert.Equal("puncture-request", (string)json["name"]!);
    }

    [Fact]
    public void A_non_discovery_message_id_prints_the_frame()
    {
        var packet = Vectors.Bytes(Vectors.Packet(4), "packet"); // unsigned
        packet[22] = 1;

        var json = JsonNode.Parse(DecodeCommand.DecodeLine(Convert.ToHexString(packet)))!.AsObject();

        Assert.Equal(1, (int)json["msg_id"]!);
        Assert.False((bool)json["signed"]!);
        Assert.Equal(Convert.ToHexStringLower(packet[23..]), (string)json["payload"]!);
        Assert.Equal(Convert.ToHexStringLower(packet[2..22]), (string)json["community_id"]!);
    }
}

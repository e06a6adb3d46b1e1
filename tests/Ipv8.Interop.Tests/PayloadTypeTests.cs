using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ipv8.Interop.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire;

namespace Ipv8.Interop.Tests;

/// <summary>
/// The .NET mirrors of the payloads.json classes are what payloads.json says (field formats, message ids), and they
/// decode py-ipv8's recorded packets of those classes to py-ipv8's values. These need no Python: they make sure a live
/// failure is about the wire, not about a wrong mirror.
/// </summary>
public class PayloadTypeTests
{
    private static readonly Dictionary<Format, string> s_formatNames = new()
    {
        [Format.Int64] = "q", [Format.UInt64] = "Q", [Format.UInt32] = "I", [Format.Bool] = "?", [Format.Double] = "d",
        [Format.VarLenH] = "varlenH", [Format.VarLenI] = "varlenI", [Format.VarLenHx20] = "varlenHx20", [Format.VarLenHUtf8] = "varlenHutf8",
        [Format.VarLenHList] = "varlenH-list", [Format.Address] = "address", [Format.IpAddress] = "ip_address", [Format.Ipv4] = "ipv4",
        [Format.Bits] = "bits", [Format.Raw] = "raw", [Format.ArrayHInt64] = "arrayH-q", [Format.ArrayHBool] = "arrayH-?",
        [Format.ArrayHDouble] = "arrayH-d", [Format.Payload] = "payload Entry", [Format.PayloadList] = "payload-list of Entry",
    };

    [Theory]
    [InlineData(typeof(Chat), "Chat")]
    [InlineData(typeof(UnsignedChat), "Chat")]
    [InlineData(typeof(Sample), "Sample")]
    [InlineData(typeof(Entry), "Entry")]
    [InlineData(typeof(Catalog), "Catalog")]
    [InlineData(typeof(Legacy), "Legacy")]
    [InlineData(typeof(Beacon), "Beacon")]
    public void Each_mirror_type_has_the_fields_and_message_id_of_its_payloads_json_class(Type type, string className)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "payloads.json")));
        var cls = document.RootElement.GetProperty("payload_classes").GetProperty(className);
        var expected = cls.GetProperty("fields").EnumerateArray().Select(f => f[1].GetString()!).ToList();
        var actual = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<FieldAttribute>())
            .Where(a => a is not null)
            .Select(a => s_formatNames[a!.Format])
            .ToList();
        Assert.Equal(expected, actual);

        var attribute = type.GetCustomAttribute<PayloadAttribute>()!;
        var messageId = cls.GetProperty("msg_id");
        Assert.Equal(messageId.ValueKind == JsonValueKind.Null ? -1 : messageId.GetInt32(), attribute.MessageId);
    }

    [Fact]
    public void The_mirror_types_decode_every_payloads_json_packet_to_py_ipv8s_values()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "payloads.json")));
        var count = 0;
        foreach (var vector in document.RootElement.GetProperty("packets").EnumerateArray())
        {
            var name = vector.GetProperty("name").GetString()!;
            var classes = vector.GetProperty("classes").EnumerateArray().Select(c => c.GetString()!).ToArray();
            var packet = Convert.FromHexString(vector.GetProperty("packet").GetString()!);
            var expected = vector.GetProperty("decoded").GetProperty("payloads").EnumerateArray()
                .Select(p => JsonNode.Parse(p.GetRawText())!.AsObject()).ToArray();
            var actual = Decode(string.Join(",", classes), packet, name);
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < classes.Length; i++)
            {
                ValueForms.AssertEqual(classes[i], expected[i], actual[i], $"payloads.json {name}");
            }

            count++;
        }

        Assert.True(count >= 6, $"only {count} packets in payloads.json");
    }

    private static JsonObject[] Decode(string classes, byte[] packet, string name)
    {
        WireError error;
        switch (classes)
        {
            case "Chat" when Packet.TryDecode(packet, verify: true, out _, out Chat chat, out error):
                return [ValueForms.ToJson(chat)];
            case "Sample" when Packet.TryDecode(packet, verify: true, out _, out Sample sample, out error):
                return [ValueForms.ToJson(sample)];
            case "Catalog" when Packet.TryDecode(packet, verify: true, out _, out Catalog catalog, out error):
                return [ValueForms.ToJson(catalog)];
            case "Legacy" when Packet.TryDecode(packet, verify: true, out _, out Legacy legacy, out error):
                return [ValueForms.ToJson(legacy)];
            case "Beacon" when Packet.TryDecode(packet, verify: false, out _, out Beacon beacon, out error):
                return [ValueForms.ToJson(beacon)];
            case "GlobalTimeDistributionPayload,Chat" when Packet.TryDecode(packet, verify: true, out _, out GlobalTime time, out Chat timed, out error):
                return [ValueForms.ToJson(time), ValueForms.ToJson(timed)];
            default:
                throw new Xunit.Sdk.XunitException($"payloads.json {name} ([{classes}]) did not decode");
        }
    }
}

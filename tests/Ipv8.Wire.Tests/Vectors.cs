using System.Text.Json.Nodes;
using Ipv8.Tests.Shared;

namespace Ipv8.Wire.Tests;

/// <summary>The py-ipv8 reference vectors, read from ../shared/vectors (never copied).</summary>
internal static class Vectors
{
    private static readonly Lazy<JsonObject> s_community = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "community.json")))!);

    public static JsonObject Community => s_community.Value;

    public static JsonArray Packets => (JsonArray)Community["vectors"]!;

    public static JsonArray Malformed => (JsonArray)Community["malformed"]!;

    public static JsonArray Keys => (JsonArray)Community["keys"]!;

    public static byte[] Prefix => Convert.FromHexString((string)Community["prefix"]!);

    public static JsonObject Packet(int index) => (JsonObject)Packets[index]!;

    public static byte[] Bytes(JsonNode? node, string name) => Convert.FromHexString((string)node![name]!);

    public static IEnumerable<object[]> PacketIndexes() => Enumerable.Range(0, Packets.Count).Select(i => new object[] { i });

    public static IEnumerable<object[]> MalformedIndexes() => Enumerable.Range(0, Malformed.Count).Select(i => new object[] { i });

    public static IEnumerable<object[]> KeyIndexes() => Enumerable.Range(0, Keys.Count).Select(i => new object[] { i });

    public static JsonObject Trace(string folder, string file) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, folder, file)))!;

    public static JsonObject Load(string file) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, file)))!;

    public static IEnumerable<object[]> Indexes(JsonArray array) => Enumerable.Range(0, array.Count).Select(i => new object[] { i });
}

/// <summary>payloads.json: py-ipv8's serializer formats, user message classes and their packets.</summary>
internal static class PayloadVectors
{
    private static readonly Lazy<JsonObject> s_file = new(() => Vectors.Load("payloads.json"));

    public static JsonObject File => s_file.Value;

    public static JsonArray Formats => (JsonArray)File["formats"]!;

    public static JsonObject Classes => (JsonObject)File["payload_classes"]!;

    public static JsonArray Packets => (JsonArray)File["packets"]!;

    public static JsonArray Malformed => (JsonArray)File["malformed"]!;

    public static byte[] Prefix => Convert.FromHexString((string)File["prefix"]!);

    public static byte[] PrivateKeyBin => Vectors.Bytes(File["key"], "private_key_bin");

    public static IEnumerable<object[]> FormatIndexes() => Vectors.Indexes(Formats);

    public static IEnumerable<object[]> PacketIndexes() => Vectors.Indexes(Packets);

    public static IEnumerable<object[]> MalformedIndexes() => Vectors.Indexes(Malformed);
}

/// <summary>ec-keys.json: py-ipv8's legacy elliptic-curve (M2Crypto) keys and discovery messages they signed.</summary>
internal static class EcKeyVectors
{
    private static readonly Lazy<JsonObject> s_file = new(() => Vectors.Load("ec-keys.json"));

    public static JsonObject File => s_file.Value;

    public static JsonArray Keys => (JsonArray)File["keys"]!;

    public static JsonArray Packets => (JsonArray)File["vectors"]!;

    public static JsonArray Malformed => (JsonArray)File["malformed"]!;

    public static IEnumerable<object[]> KeyIndexes() => Vectors.Indexes(Keys);

    public static IEnumerable<object[]> PacketIndexes() => Vectors.Indexes(Packets);

    public static IEnumerable<object[]> MalformedIndexes() => Vectors.Indexes(Malformed);
}

/// <summary>discovery-community.json: py-ipv8's DiscoveryCommunity messages from two LibNaCL keys and one EC key.</summary>
internal static class DiscoveryCommunityVectors
{
    private static readonly Lazy<JsonObject> s_file = new(() => Vectors.Load("discovery-community.json"));

    public static JsonObject File => s_file.Value;

    public static JsonArray Keys => (JsonArray)File["keys"]!;

    public static JsonArray Packets => (JsonArray)File["vectors"]!;

    public static byte[] Prefix => Convert.FromHexString((string)File["prefix"]!);

    public static JsonObject Packet(int index) => (JsonObject)Packets[index]!;

    /// <summary>The index into <see cref="Keys"/> of a <c>libnacl:N</c> sender, or null for an EC sender.</summary>
    public static int? LibNaClSender(JsonObject vector)
    {
        var sender = (string)vector["sender"]!;
        return sender.StartsWith("libnacl:", StringComparison.Ordinal) ? int.Parse(sender["libnacl:".Length..], System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    public static IEnumerable<object[]> PacketIndexes() => Vectors.Indexes(Packets);

    public static IEnumerable<object[]> LibNaClIndexes() =>
        Enumerable.Range(0, Packets.Count).Where(i => LibNaClSender(Packet(i)) is not null).Select(i => new object[] { i });

    public static IEnumerable<object[]> EcIndexes() =>
        Enumerable.Range(0, Packets.Count).Where(i => LibNaClSender(Packet(i)) is null).Select(i => new object[] { i });
}

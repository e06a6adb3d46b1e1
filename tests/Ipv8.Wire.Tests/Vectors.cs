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
}

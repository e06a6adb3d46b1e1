using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ipv8.Cli.Fuzzing;

/// <summary>One datagram of a reproducer: its bytes and the mutation that made it.</summary>
internal sealed record FuzzDatagram(byte[] Bytes, string Mutation);

/// <summary>
/// The last datagrams sent before a finding, in the order sent, as a JSON file that <c>ipv8 fuzz --replay</c> sends
/// again: <c>{"format":"ipv8-fuzz-reproducer/1","description","seed","community","target","datagrams":[{"hex","mutation"}]}</c>.
/// </summary>
internal sealed record Reproducer(string Description, int Seed, string Community, string Target, IReadOnlyList<FuzzDatagram> Datagrams)
{
    public const string Format = "ipv8-fuzz-reproducer/1";

    public void Save(string path)
    {
        var datagrams = new JsonArray();
        foreach (var datagram in Datagrams)
        {
            datagrams.Add(new JsonObject { ["hex"] = Convert.ToHexStringLower(datagram.Bytes), ["mutation"] = datagram.Mutation });
        }

        var root = new JsonObject
        {
            ["format"] = Format,
            ["description"] = Description,
            ["seed"] = Seed,
            ["community"] = Community,
            ["target"] = Target,
            ["datagrams"] = datagrams,
        };
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }

    /// <summary>Reads a reproducer file; throws <see cref="FormatException"/> when it is not one.</summary>
    public static Reproducer Load(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path} is not JSON: {e.Message}", e);
        }

        if (root is not JsonObject o || (string?)o["format"] != Format || o["datagrams"] is not JsonArray array)
        {
            throw new FormatException($"{path} is not an ipv8 fuzz reproducer (\"format\": \"{Format}\" with \"datagrams\")");
        }

        var datagrams = new List<FuzzDatagram>(array.Count);
        foreach (var item in array)
        {
            var hex = Text(item, "hex", path) ?? throw new FormatException($"{path}: a datagram without \"hex\"");
            byte[] bytes;
            try
            {
                bytes = Convert.FromHexString(hex);
            }
            catch (FormatException e)
            {
                throw new FormatException($"{path}: a datagram's \"hex\" is not hex: {e.Message}", e);
            }

            // No "mutation" (a reproducer made by hand): replayed all the same, counted as an unnamed mutation.
            datagrams.Add(new FuzzDatagram(bytes, Text(item, "mutation", path) ?? string.Empty));
        }

        int seed;
        try
        {
            seed = (int?)o["seed"] ?? 0;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new FormatException($"{path}: \"seed\" is not a whole number", e);
        }

        return new Reproducer(
            Text(o, "description", path) ?? string.Empty,
            seed,
            Text(o, "community", path) ?? string.Empty,
            Text(o, "target", path) ?? string.Empty,
            datagrams);
    }

    /// <summary>The string member <paramref name="name"/> of <paramref name="item"/>, null when absent; <see cref="FormatException"/> when not a string.</summary>
    private static string? Text(JsonNode? item, string name, string path)
    {
        if (item is not JsonObject o)
        {
            throw new FormatException($"{path}: a datagram is not a JSON object");
        }

        return o[name] switch
        {
            null => null,
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            _ => throw new FormatException($"{path}: \"{name}\" is not a string"),
        };
    }
}

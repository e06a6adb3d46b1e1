using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Ipv8.Cli.Fuzzing;
using Ipv8.Interop.Tests.Support;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Crypto;

namespace Ipv8.Interop.Tests;

/// <summary>
/// The differential target (<c>ipv8 fuzz --differential</c>): our decoder and py-ipv8's (a long-lived py-ipv8 process)
/// on known inputs, and on the whole regression corpus (fuzz/regression) and the reference vectors, where every
/// difference must be one of the allow-list's known, documented ones.
/// </summary>
public sealed class DifferentialTests
{
    [SkippableFact]
    public void A_reference_packet_is_accepted_by_both_with_the_same_fields()
    {
        PyIpv8.Require();
        var packet = Convert.FromHexString(Vector("community.json", "vectors", 0));

        var comparison = CompareOne(packet);

        Assert.True(comparison.AcceptedByBoth, comparison.Theirs.ToJsonString());
        Assert.False(comparison.IsFinding, string.Join("; ", comparison.Differences));
        Assert.Equal((string?)comparison.Ours["public_key"], (string?)comparison.Theirs["public_key"]);
        Assert.True(JsonNode.DeepEquals(comparison.Ours["payload"]!["source_lan_address"], comparison.Theirs["payload"]!["source_lan_address"]));
    }

    [SkippableFact]
    public void A_malformed_packet_is_rejected_by_both()
    {
        PyIpv8.Require();
        var packet = Convert.FromHexString(Vector("community.json", "malformed", 0));

        var comparison = CompareOne(packet);

        Assert.True(comparison.RejectedByBoth, $"{comparison.Ours.ToJsonString()} / {comparison.Theirs.ToJsonString()}");
        Assert.False(comparison.IsFinding);
    }

    [SkippableFact]
    public void A_known_difference_is_counted_under_its_allow_list_entry_not_as_a_finding()
    {
        PyIpv8.Require();

        // A similarity response whose preference list length (varlenH, in 20-byte items) says 2 items where 1 follows:
        // py-ipv8 cuts it short and accepts, ours refuses it as truncated (docs/mapping.md, "lenient decoding").
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "discovery-community.json")))!;
        var vector = json["vectors"]!.AsArray().First(v => (string?)v!["name"] == "similarity-response")!;
        var packet = Convert.FromHexString((string)vector["packet"]!);
        using var key = LibNaClPrivateKey.Parse(Convert.FromHexString((string)json["keys"]![0]!["private_key_bin"]!));
        const int countOffset = 23 + 2 + 74 + 8 + 2;
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(countOffset)));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(countOffset), 2);
        key.Sign(packet.AsSpan(0, packet.Length - 64), packet.AsSpan(packet.Length - 64));

        var comparison = CompareOne(packet);

        Assert.False((bool)comparison.Ours["ok"]!);
        Assert.True((bool)comparison.Theirs["ok"]!);
        Assert.False(comparison.IsFinding);
        Assert.Equal(["lenient-varlen"], comparison.Allowed);
    }

    [Fact]
    public void A_difference_outside_the_allow_list_is_a_finding()
    {
        var packet = Convert.FromHexString(Vector("community.json", "vectors", 0));
        var ours = Differential.Ours(packet);
        var theirs = (JsonObject)ours.DeepClone();
        theirs["payload"]!["identifier"] = 1 + (int)ours["payload"]!["identifier"]!;

        var comparison = Differential.Compare(packet, ours, theirs);

        Assert.True(comparison.IsFinding);
        Assert.Equal("payload.identifier", Assert.Single(comparison.Differences).Field);
    }

    [Fact]
    public void Every_allow_list_entry_gives_its_reason()
    {
        Assert.NotEmpty(Differential.AllowList);
        Assert.All(Differential.AllowList, a => Assert.True(a.Reason.Length > 40, a.Id));
        Assert.Equal(Differential.AllowList.Count, Differential.AllowList.Select(a => a.Id).Distinct().Count());
    }

    [SkippableFact]
    public void The_regression_corpus_and_the_reference_vectors_decode_alike_in_both()
    {
        PyIpv8.Require();
        var inputs = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "fuzz", "regression"), "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (Name: Path.GetRelativePath(RepoPaths.Root, f), Bytes: File.ReadAllBytes(f)))
            .ToList();
        foreach (var file in (string[])["community.json", "discovery-community.json"])
        {
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, file)))!;
            foreach (var section in (string[])["vectors", "malformed"])
            {
                if (json[section] is JsonArray entries)
                {
                    inputs.AddRange(entries.Select((e, i) => ($"{file} {section}[{i}]", Convert.FromHexString((string)e!["packet"]!))));
                }
            }
        }

        using var py = new PyDecoder(PyIpv8.Python, PyIpv8.Directory);
        var theirs = py.Decode([.. inputs.Select(i => i.Bytes)]);
        var findings = inputs.Select((input, i) => (input.Name, Comparison: Differential.Compare(input.Bytes, Differential.Ours(input.Bytes), theirs[i])))
            .Where(c => c.Comparison.IsFinding)
            .Select(c => $"{c.Name}: {string.Join("; ", c.Comparison.Differences)}")
            .ToList();

        Assert.True(inputs.Count > 150, $"{inputs.Count} inputs");
        Assert.Empty(findings);
    }

    private static Comparison CompareOne(byte[] packet)
    {
        using var py = new PyDecoder(PyIpv8.Python, PyIpv8.Directory);
        return Differential.Compare(packet, Differential.Ours(packet), Assert.Single(py.Decode([packet])));
    }

    private static string Vector(string file, string section, int index) =>
        (string)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, file)))![section]![index]!["packet"]!;
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Ipv8.Wire.Tests;

/// <summary>
/// payloads.json <c>formats[]</c>: what py-ipv8's own serializer wrote for every format, read with our
/// <see cref="WireReader"/> and written back with our <see cref="WireWriter"/>.
/// </summary>
public partial class FormatVectorTests
{
    [Fact]
    public void Every_format_name_in_the_vectors_maps_to_one_of_our_formats()
    {
        var names = PayloadVectors.Formats.Select(v => (string)v!["format"]!).Distinct().ToList();
        Assert.NotEmpty(names);

        var unmapped = names.Where(name => !PyIpv8Formats.ByName.ContainsKey(name)).ToList();
        Assert.True(unmapped.Count == 0, "py-ipv8 formats without a mapping: " + string.Join(", ", unmapped));
    }

    [Fact]
    public void The_name_table_maps_every_format_once_as_its_xml_docs_name_it()
    {
        var docs = XDocument.Load(Path.ChangeExtension(typeof(Format).Assembly.Location, ".xml"));
        var documented = new Dictionary<Format, string>();
        foreach (var member in docs.Descendants("member"))
        {
            var id = (string)member.Attribute("name")!;
            if (id.StartsWith("F:Ipv8.Wire.Format.", StringComparison.Ordinal))
            {
                var summary = member.Element("summary")!.ToString(SaveOptions.DisableFormatting);
                var match = PyIpv8NameInDocs().Match(summary);
                Assert.True(match.Success, $"{id}: the summary does not start with its py-ipv8 name: {summary}");
                documented.Add(Enum.Parse<Format>(id["F:Ipv8.Wire.Format.".Length..]), match.Groups["name"].Value);
            }
        }

        Assert.Equal(Enum.GetValues<Format>().Order(), documented.Keys.Order());
        Assert.Equal(documented.Count, PyIpv8Formats.ByName.Count);
        foreach (var (format, name) in documented)
        {
            Assert.True(PyIpv8Formats.ByName.TryGetValue(name, out var mapped), $"{format} is py-ipv8 '{name}', which the table lacks");
            Assert.Equal(format, mapped);
        }
    }

    [Theory]
    [MemberData(nameof(PayloadVectors.FormatIndexes), MemberType = typeof(PayloadVectors))]
    public void Every_format_vector_reads_to_its_value_and_writes_back_its_bytes(int index)
    {
        var vector = (JsonObject)PayloadVectors.Formats[index]!;
        var name = (string)vector["format"]!;
        Assert.True(PyIpv8Formats.ByName.TryGetValue(name, out var format), $"py-ipv8 format '{name}' has no mapping");
        var bytes = Vectors.Bytes(vector, "bytes");
        var expected = PyIpv8Formats.FromJson(format, vector["value"]!);

        var reader = new WireReader(bytes);
        Assert.True(PyIpv8Formats.TryRead(format, ref reader, out var actual), $"{name} {Convert.ToHexStringLower(bytes)}: {reader.Error}");
        Assert.True(reader.TryReadEnd(), $"{name}: {reader.Remaining} of {bytes.Length} bytes left unread");
        Assert.Equal(PyIpv8Formats.Describe(expected), PyIpv8Formats.Describe(actual));

        var buffer = new byte[bytes.Length + 16];
        var writer = new WireWriter(buffer);
        PyIpv8Formats.Write(format, ref writer, expected);
        Assert.Equal(Convert.ToHexStringLower(bytes), Convert.ToHexStringLower(writer.Written));
    }

    [GeneratedRegex(@"^<summary>\s*py-ipv8 (nested )?<c>(?<name>[^<]+)</c>")]
    private static partial Regex PyIpv8NameInDocs();
}

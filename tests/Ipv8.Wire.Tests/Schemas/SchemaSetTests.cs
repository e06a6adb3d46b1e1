using System.Text;
using System.Text.RegularExpressions;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Schemas;

namespace Ipv8.Wire.Tests.Schemas;

/// <summary>Reading schemas: the model they give, and one clear error for every kind of bad schema.</summary>
public partial class SchemaSetTests
{
    private const string Example = """
        {"classes": {"Entry": [["key","varlenH"],["count","q"]],
                     "Catalog": [["owner","varlenHutf8"],["entries","payload-list:Entry"],["best","payload:Entry"]],
                     "Flags": [[["b0","b1","b2","b3","b4","b5","b6","b7"],"bits"]]},
         "messages": {"3": {"payloads": ["Catalog"], "signed": true}, "9": {"payloads": ["Flags", "Entry"]}, "200": {"payloads": ["Flags"], "signed": false}}}
        """;

    [Fact]
    public void The_example_schema_gives_its_classes_fields_and_messages()
    {
        var schema = SchemaSet.Parse(Example);

        Assert.Equal(["Catalog", "Entry", "Flags"], schema.Classes.Keys.Order(StringComparer.Ordinal));
        var catalog = schema.Classes["Catalog"];
        Assert.Equal(["owner", "entries", "best"], catalog.Fields.Select(f => f.Name));
        Assert.Equal([Format.VarLenHUtf8, Format.PayloadList, Format.Payload], catalog.Fields.Select(f => f.Format));
        Assert.Same(schema.Classes["Entry"], catalog.Fields[1].Class);
        Assert.Equal("payload-list:Entry", catalog.Fields[1].FormatName);
        Assert.Equal("varlenHutf8", catalog.Fields[0].FormatName);
        var flags = Assert.Single(schema.Classes["Flags"].Fields);
        Assert.Equal(Format.Bits, flags.Format);
        Assert.Equal(["b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7"], flags.Names);

        Assert.Equal([3, 9, 200], schema.Messages.Select(m => (int)m.MessageId));
        Assert.True(schema.TryGetMessage(3, out var three));
        Assert.True(three.Signed);
        Assert.Equal([catalog], three.Payloads);
        Assert.True(schema.TryGetMessage(9, out var nine));
        Assert.True(nine.Signed); // signed unless told otherwise, as py-ipv8's ez_send
        Assert.Equal(["Flags", "Entry"], nine.Payloads.Select(p => p.Name));
        Assert.True(schema.TryGetMessage(200, out var unsigned));
        Assert.False(unsigned.Signed);
        Assert.False(schema.TryGetMessage(4, out _));
    }

    [Fact]
    public void A_schema_reads_from_utf8_with_a_byte_order_mark_and_from_a_file()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Example)).ToArray();
        Assert.Equal(3, SchemaSet.Parse(bytes).Messages.Count);

        var path = Path.Combine(Path.GetTempPath(), $"ipv8-schema-{Guid.NewGuid():N}.json");
        File.WriteAllBytes(path, bytes);
        try
        {
            Assert.Equal(3, SchemaSet.Load(path).Messages.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Classes_may_be_used_before_they_are_defined_and_raw_may_end_the_last_payload()
    {
        var schema = SchemaSet.Parse("""
            {"classes": {"Outer": [["inner", "payload:Inner"], ["tail", "raw"]], "Inner": [["x", "B"], ["rest", "raw"]], "Time": [["global_time", "Q"]]},
             "messages": {"1": {"payloads": ["Time", "Outer"]}}}
            """);

        Assert.True(schema.Classes["Outer"].EndsWithRaw);
        Assert.Same(schema.Classes["Inner"], schema.Classes["Outer"].Fields[0].Class);
    }

    [Fact]
    public void Every_py_ipv8_format_name_is_accepted()
    {
        foreach (var name in FormatNames.All.Where(n => n is not ("payload" or "payload-list" or "bits")))
        {
            var schema = SchemaSet.Parse(PayloadSchemaVectors.OneFieldSchema(name));
            Assert.Equal(name, schema.Classes["One"].Fields[0].FormatName);
        }
    }

    public static TheoryData<string, string> BadSchemas => new()
    {
        { "{", "not valid JSON" },
        { "[]", "must be a JSON object" },
        { """{"messages": {}}""", "no \"classes\"" },
        { """{"classes": {}}""", "no \"messages\"" },
        { """{"classes": {}, "messages": {}, "community": 1}""", "unknown key 'community'" },
        { """{"classes": [], "messages": {}}""", "\"classes\" must be an object" },
        { """{"classes": {"A": [["x", "q"]], "A": []}, "messages": {}}""", "not valid JSON" },
        { """{"classes": {"A": {"x": "q"}}, "messages": {}}""", "class 'A' must be a list" },
        { """{"classes": {"A": [["x", "q", "extra"]]}, "messages": {}}""", "class 'A', field 1: a field is [name, format], a list of 2 elements; this one has 3 elements: [\"x\", \"q\", \"extra\"]" },
        { """{"classes": {"A": [["x"]]}, "messages": {}}""", "class 'A', field 1: a field is [name, format], a list of 2 elements; this one has 1 element: [\"x\"]" },
        { """{"classes": {"A": [{"x": "q"}]}, "messages": {}}""", "class 'A', field 1: a field is [name, format], not an object" },
        { """{"classes": {"A": [["x", 5]]}, "messages": {}}""", "the format must be a string" },
        { """{"classes": {"A": [[5, "q"]]}, "messages": {}}""", "the name must be a string" },
        { """{"classes": {"A": [["", "q"]]}, "messages": {}}""", "a field name is empty" },
        { """{"classes": {"A": [["x", "qq"]]}, "messages": {}}""", "class 'A', field 'x': unknown format 'qq'" },
        { """{"classes": {"A": [["x", "Q "]]}, "messages": {}}""", "unknown format 'Q '" },
        { """{"classes": {"A": [["x", "payload:Nope"]]}, "messages": {}}""", "unknown class 'Nope' in 'payload:Nope'" },
        { """{"classes": {"A": [["x", "payload-list:Nope"]]}, "messages": {}}""", "unknown class 'Nope' in 'payload-list:Nope'" },
        { """{"classes": {"A": [["x", "payload"]]}, "messages": {}}""", "payload needs a class" },
        { """{"classes": {"A": [["x", "payload-list"]]}, "messages": {}}""", "payload-list needs a class" },
        { """{"classes": {"A": [["x", "raw"], ["y", "q"]]}, "messages": {}}""", "class 'A', field 'x': raw takes the rest of the data, so it must be the last field" },
        { """{"classes": {"A": [["x", "q"], ["x", "B"]]}, "messages": {}}""", "class 'A' has two fields named 'x'" },
        { """{"classes": {"A": [["b0", "q"], [["b0","b1","b2","b3","b4","b5","b6","b7"], "bits"]]}, "messages": {}}""", "two fields named 'b0'" },
        { """{"classes": {"A": [["flags", "bits"]]}, "messages": {}}""", "bits unpacks to 8 values" },
        { """{"classes": {"A": [[["b0","b1","b2","b3","b4","b5","b6"], "bits"]]}, "messages": {}}""", "bits unpacks to 8 values" },
        { """{"classes": {"A": [[["x","y"], "q"]]}, "messages": {}}""", "only bits takes a list of names" },
        { """{"classes": {"A": [["a", "payload:A"]]}, "messages": {}}""", "classes nest themselves: A -> A" },
        { """{"classes": {"A": [["b", "payload:B"]], "B": [["c", "payload-list:C"]], "C": [["a", "payload:A"]]}, "messages": {}}""", "classes nest themselves: A -> B -> C -> A" },
        { """{"classes": {"A": []}, "messages": {"256": {"payloads": ["A"]}}}""", "message id '256' is not a number 0-255" },
        { """{"classes": {"A": []}, "messages": {"-1": {"payloads": ["A"]}}}""", "message id '-1' is not a number 0-255" },
        { """{"classes": {"A": []}, "messages": {"x": {"payloads": ["A"]}}}""", "message id 'x' is not a number 0-255" },
        { """{"classes": {"A": []}, "messages": {"3": {"payloads": ["A"]}, "03": {"payloads": ["A"]}}}""", "message 3 is defined twice" },
        { """{"classes": {"A": []}, "messages": {"3": ["A"]}}""", "message 3 must be an object" },
        { """{"classes": {"A": []}, "messages": {"3": {"signed": true}}}""", "message 3 needs \"payloads\"" },
        { """{"classes": {"A": []}, "messages": {"3": {"payloads": []}}}""", "message 3 needs \"payloads\"" },
        { """{"classes": {"A": []}, "messages": {"3": {"payloads": ["B"]}}}""", "message 3: unknown class 'B'" },
        { """{"classes": {"A": []}, "messages": {"3": {"payloads": [1]}}}""", "message 3: a payload is a class name" },
        { """{"classes": {"A": []}, "messages": {"3": {"payloads": ["A"], "signed": "yes"}}}""", "\"signed\" must be true or false" },
        { """{"classes": {"A": []}, "messages": {"3": {"payloads": ["A"], "name": "x"}}}""", "message 3: unknown key 'name'" },
        { """{"classes": {"A": [["r", "raw"]], "B": []}, "messages": {"3": {"payloads": ["A", "B"]}}}""", "class 'A' ends with a raw field, which takes the rest of the data, so it must be the last payload" },
        { """{"classes": {"A": [["\ud800", "q"]]}, "messages": {}}""", "invalid text in the schema" },
        { """{"classes": {"\udc00": []}, "messages": {}}""", "invalid text in the schema" },
    };

    [Fact]
    public void Invalid_json_says_the_line_and_column_counted_from_one_without_the_readers_internals()
    {
        var error = Assert.Throws<SchemaException>(() => SchemaSet.Parse("{\n  \"classes\": {},\n  \"messages\": {},\n}"));

        Assert.StartsWith("not valid JSON at line 4, column 1: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("reader options", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadSchemas))]
    public void A_bad_schema_fails_with_one_line_saying_where_and_why(string json, string expected)
    {
        var error = Assert.Throws<SchemaException>(() => SchemaSet.Parse(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("""["x", "H", "extra"]""", "this one has 3 elements: [\"x\", \"H\", \"extra\"]")]
    [InlineData("""["x"]""", "this one has 1 element: [\"x\"]")]
    [InlineData("""[]""", "this one has 0 elements: []")]
    public void A_field_that_is_not_two_elements_says_how_many_elements_it_has(string field, string expected)
    {
        var error = Assert.Throws<SchemaException>(() => SchemaSet.Parse($$$"""{"classes": {"A": [{{{field}}}]}, "messages": {}}"""));

        Assert.Equal($"class 'A', field 1: a field is [name, format], a list of 2 elements; {expected}", error.Message);
    }

    [Fact]
    public void A_long_field_is_quoted_cut_short_in_the_error()
    {
        var field = $"[{string.Join(", ", Enumerable.Range(0, 100).Select(i => $"\"f{i}\""))}]";

        var error = Assert.Throws<SchemaException>(() => SchemaSet.Parse($$$"""{"classes": {"A": [{{{field}}}]}, "messages": {}}"""));

        Assert.Contains("this one has 100 elements: [\"f0\", \"f1\"", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("…", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 200, error.Message);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused_and_the_limit_itself_is_accepted()
    {
        static string Chain(int depth) =>
            "{\"classes\": {" + string.Join(", ", Enumerable.Range(0, depth).Select(i =>
                i == depth - 1 ? $"\"C{i}\": [[\"x\", \"B\"]]" : $"\"C{i}\": [[\"n\", \"payload:C{i + 1}\"]]")) + "}, \"messages\": {}}";

        Assert.Equal(SchemaSet.MaxNestingDepth, SchemaSet.Parse(Chain(SchemaSet.MaxNestingDepth)).Classes.Count);
        var error = Assert.Throws<SchemaException>(() => SchemaSet.Parse(Chain(SchemaSet.MaxNestingDepth + 1)));
        Assert.Contains($"more than {SchemaSet.MaxNestingDepth} deep", error.Message, StringComparison.Ordinal);

        // A long chain is refused without recursing down all of it.
        Assert.Throws<SchemaException>(() => SchemaSet.Parse(Chain(20_000)));
    }

    [Fact]
    public void A_class_reached_again_through_a_shorter_path_still_counts_its_full_depth()
    {
        // D0 is 32 deep on its own; Top reaches it after D0 was measured.
        var chain = Enumerable.Range(0, SchemaSet.MaxNestingDepth).Select(i =>
            i == SchemaSet.MaxNestingDepth - 1 ? $"\"D{i}\": [[\"x\", \"B\"]]" : $"\"D{i}\": [[\"n\", \"payload:D{i + 1}\"]]");
        var json = "{\"classes\": {" + string.Join(", ", chain) + ", \"Top\": [[\"d\", \"payload:D0\"]]}, \"messages\": {}}";

        var error = Assert.Throws<SchemaException>(() => SchemaSet.Parse(json));

        Assert.Contains("class 'Top' nests classes 33 deep", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mutated_schemas_either_parse_or_fail_with_a_schema_exception()
    {
        const string alphabet = "{}[]\",:0123456789abqQ-?\\ \u00e9";
        var random = new Random(1129);
        var outcomes = new int[2];
        for (var i = 0; i < 5_000; i++)
        {
            var text = new StringBuilder(Example);
            for (var e = random.Next(1, 4); e > 0; e--)
            {
                var at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0:
                        text.Remove(at, 1);
                        break;
                    case 1:
                        text.Insert(at, alphabet[random.Next(alphabet.Length)]);
                        break;
                    default:
                        text[at] = alphabet[random.Next(alphabet.Length)];
                        break;
                }
            }

            try
            {
                SchemaSet.Parse(text.ToString());
                outcomes[0]++;
            }
            catch (SchemaException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                outcomes[1]++;
            }
        }

        Assert.All(outcomes, count => Assert.True(count > 50, $"parsed {outcomes[0]}, refused {outcomes[1]}"));
    }

    [Fact]
    public void The_format_names_are_the_keys_of_py_ipv8s_serializer_packers()
    {
        var source = File.ReadAllText(Path.Combine(RepoPaths.Vectors, "..", "py-ipv8", "ipv8", "messaging", "serialization.py"));
        var start = source.IndexOf("self._packers: dict[str, Packer] = {", StringComparison.Ordinal);
        Assert.True(start >= 0, "Serializer._packers not found in py-ipv8's serialization.py");
        var block = source[start..source.IndexOf("\n        }", start, StringComparison.Ordinal)];
        var keys = PackerKey().Matches(block).Select(m => m.Groups[1].Value).ToArray();

        Assert.Equal(42, keys.Length);
        Assert.Equal(keys.Order(StringComparer.Ordinal), FormatNames.All.Order(StringComparer.Ordinal));
        foreach (var format in Enum.GetValues<Format>())
        {
            Assert.True(FormatNames.TryGetFormat(FormatNames.GetName(format), out var back));
            Assert.Equal(format, back);
        }

        Assert.False(FormatNames.TryGetFormat("Q ", out _));
    }

    [GeneratedRegex("""^\s*"([^"]+)":""", RegexOptions.Multiline)]
    private static partial Regex PackerKey();
}

using System.Globalization;
using System.Text.Json;

namespace Ipv8.Wire.Schemas;

/// <summary>Reads the JSON form of a <see cref="SchemaSet"/> and checks it, failing with one clear <see cref="SchemaException"/>.</summary>
internal static class SchemaParser
{
    private const string PayloadPrefix = "payload:";
    private const string PayloadListPrefix = "payload-list:";
    private const int BitsNames = 8;

    public static SchemaSet Parse(ReadOnlyMemory<byte> utf8Json)
    {
        if (utf8Json.Span.StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw Error($"not valid JSON at line {e.LineNumber + 1}, column {e.BytePositionInLine + 1}: {DescribeJsonError(e)}", e);
        }
        catch (InvalidOperationException e)
        {
            // The duplicate-key check reads every property name, and refuses escaped lone surrogates.
            throw Error($"invalid text in the schema: {e.Message}", e);
        }

        using (document)
        {
            try
            {
                return Build(document.RootElement);
            }
            catch (InvalidOperationException e)
            {
                // JsonElement.GetString() refuses escaped lone surrogates.
                throw Error($"invalid text in the schema: {e.Message}", e);
            }
        }
    }

    private static SchemaSet Build(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Error($"the schema must be a JSON object with \"classes\" and \"messages\", not {Describe(root)}");
        }

        JsonElement? classesElement = null;
        JsonElement? messagesElement = null;
        CommunityId? communityId = null;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "classes":
                    classesElement = property.Value;
                    break;
                case "messages":
                    messagesElement = property.Value;
                    break;
                case "community_id":
                    communityId = ParseCommunityId(property.Value);
                    break;
                default:
                    throw Error($"unknown key '{property.Name}' at the top level (expected \"classes\", \"messages\" and optionally \"community_id\")");
            }
        }

        var classes = ParseClasses(classesElement ?? throw Error("the schema has no \"classes\""));
        CheckNesting(classes);
        var messages = ParseMessages(messagesElement ?? throw Error("the schema has no \"messages\""), classes);
        return new SchemaSet(classes, messages, communityId);
    }

    private static CommunityId ParseCommunityId(JsonElement element) =>
        element.ValueKind == JsonValueKind.String && CommunityId.TryParse(element.GetString(), out var id)
            ? id
            : throw Error($"\"community_id\" must be a community id of 40 hex digits, not {Describe(element)}");

    private static Dictionary<string, PayloadClass> ParseClasses(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error($"\"classes\" must be an object of class name to field list, not {Describe(element)}");
        }

        // Every class exists before any field is read, so that fields can name classes defined later.
        var classes = new Dictionary<string, PayloadClass>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.Length == 0)
            {
                throw Error("a class has an empty name");
            }

            classes.Add(property.Name, new PayloadClass(property.Name));
        }

        foreach (var property in element.EnumerateObject())
        {
            classes[property.Name].SetFields(ParseFields(property.Name, property.Value, classes));
        }

        return classes;
    }

    private static SchemaField[] ParseFields(string className, JsonElement element, Dictionary<string, PayloadClass> classes)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw Error($"class '{className}' must be a list of [name, format] fields, not {Describe(element)}");
        }

        var fields = new List<SchemaField>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            index++;
            var field = ParseField(className, index, item, classes);
            if (fields.Count > 0 && fields[^1].Format == Format.Raw)
            {
                throw Error($"class '{className}', field '{fields[^1].Name}': raw takes the rest of the data, so it must be the last field");
            }

            foreach (var name in field.Names)
            {
                if (!names.Add(name))
                {
                    throw Error($"class '{className}' has two fields named '{name}'");
                }
            }

            fields.Add(field);
        }

        return [.. fields];
    }

    private static SchemaField ParseField(string className, int index, JsonElement item, Dictionary<string, PayloadClass> classes)
    {
        var where = $"class '{className}', field {index}";
        if (item.ValueKind != JsonValueKind.Array)
        {
            throw Error($"{where}: a field is [name, format], not {Describe(item)}");
        }

        if (item.GetArrayLength() != 2)
        {
            throw Error($"{where}: a field is [name, format], a list of 2 elements; this one has {Elements(item.GetArrayLength())}: {Excerpt(item)}");
        }

        var nameElement = item[0];
        var formatElement = item[1];
        if (formatElement.ValueKind != JsonValueKind.String)
        {
            throw Error($"{where}: the format must be a string, not {Describe(formatElement)}");
        }

        string[] names;
        if (nameElement.ValueKind == JsonValueKind.String)
        {
            names = [nameElement.GetString()!];
            where = $"class '{className}', field '{names[0]}'";
        }
        else if (nameElement.ValueKind == JsonValueKind.Array && nameElement.EnumerateArray().All(n => n.ValueKind == JsonValueKind.String))
        {
            names = nameElement.EnumerateArray().Select(n => n.GetString()!).ToArray();
        }
        else
        {
            throw Error($"{where}: the name must be a string (or, for bits, a list of 8 strings), not {Describe(nameElement)}");
        }

        if (names.Any(n => n.Length == 0))
        {
            throw Error($"{where}: a field name is empty");
        }

        var formatName = formatElement.GetString()!;
        var (format, nested) = ParseFormat(where, formatName, classes);
        if (format == Format.Bits && names.Length != BitsNames)
        {
            throw Error($"{where}: bits unpacks to 8 values, so it takes a list of 8 names, e.g. [[\"b0\",\"b1\",\"b2\",\"b3\",\"b4\",\"b5\",\"b6\",\"b7\"],\"bits\"]");
        }

        if (format != Format.Bits && (nameElement.ValueKind != JsonValueKind.String))
        {
            throw Error($"{where}: only bits takes a list of names; {formatName} takes one name");
        }

        return new SchemaField(names, format, nested);
    }

    private static (Format Format, PayloadClass? Nested) ParseFormat(string where, string formatName, Dictionary<string, PayloadClass> classes)
    {
        var (format, className) =
            formatName.StartsWith(PayloadPrefix, StringComparison.Ordinal) ? (Format.Payload, formatName[PayloadPrefix.Length..])
            : formatName.StartsWith(PayloadListPrefix, StringComparison.Ordinal) ? (Format.PayloadList, formatName[PayloadListPrefix.Length..])
            : (default(Format), null);
        if (className is not null)
        {
            return classes.TryGetValue(className, out var nested)
                ? (format, nested)
                : throw Error($"{where}: unknown class '{className}' in '{formatName}'");
        }

        if (!FormatNames.TryGetFormat(formatName, out format))
        {
            throw Error($"{where}: unknown format '{formatName}' (py-ipv8's format names, or payload:Class, payload-list:Class)");
        }

        if (format is Format.Payload or Format.PayloadList)
        {
            throw Error($"{where}: {formatName} needs a class: '{formatName}:Class'");
        }

        return (format, null);
    }

    // No class may contain itself (decoding would never end on py-ipv8's side either, or only by luck of empty lists),
    // and the deepest chain is bounded, so that decoding recursion is bounded whatever the data.
    private static void CheckNesting(Dictionary<string, PayloadClass> classes)
    {
        var depth = new Dictionary<PayloadClass, int>();
        var path = new List<PayloadClass>();
        foreach (var cls in classes.Values)
        {
            Depth(cls, depth, path);
        }
    }

    private static int Depth(PayloadClass cls, Dictionary<PayloadClass, int> depth, List<PayloadClass> path)
    {
        if (depth.TryGetValue(cls, out var known))
        {
            return known;
        }

        var onPath = path.IndexOf(cls);
        if (onPath >= 0)
        {
            var cycle = string.Join(" -> ", path.Skip(onPath).Append(cls).Select(c => c.Name));
            throw Error($"classes nest themselves: {cycle}");
        }

        if (path.Count == SchemaSet.MaxNestingDepth)
        {
            var chain = string.Join(" -> ", path.Append(cls).Select(c => c.Name));
            throw Error($"classes nest more than {SchemaSet.MaxNestingDepth} deep: {chain}");
        }

        path.Add(cls);
        var deepest = 0;
        foreach (var field in cls.FieldArray)
        {
            if (field.Class is not null)
            {
                deepest = Math.Max(deepest, Depth(field.Class, depth, path));
            }
        }

        path.RemoveAt(path.Count - 1);
        var result = deepest + 1;
        if (result > SchemaSet.MaxNestingDepth)
        {
            throw Error($"class '{cls.Name}' nests classes {result} deep; at most {SchemaSet.MaxNestingDepth} are allowed");
        }

        depth[cls] = result;
        return result;
    }

    private static MessageSchema?[] ParseMessages(JsonElement element, Dictionary<string, PayloadClass> classes)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error($"\"messages\" must be an object of message id to message, not {Describe(element)}");
        }

        var byId = new MessageSchema?[256];
        foreach (var property in element.EnumerateObject())
        {
            if (!byte.TryParse(property.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw Error($"message id '{property.Name}' is not a number 0-255");
            }

            if (byId[id] is not null)
            {
                throw Error($"message {id} is defined twice");
            }

            byId[id] = ParseMessage(id, property.Value, classes);
        }

        return byId;
    }

    private static MessageSchema ParseMessage(byte id, JsonElement element, Dictionary<string, PayloadClass> classes)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error($"message {id} must be an object {{\"payloads\": [class, …], \"signed\": bool}}, not {Describe(element)}");
        }

        JsonElement? payloadsElement = null;
        var signed = true;
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "payloads":
                    payloadsElement = property.Value;
                    break;
                case "signed" when property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    signed = property.Value.GetBoolean();
                    break;
                case "signed":
                    throw Error($"message {id}: \"signed\" must be true or false, not {Describe(property.Value)}");
                default:
                    throw Error($"message {id}: unknown key '{property.Name}' (expected \"payloads\" and \"signed\")");
            }
        }

        if (payloadsElement is not { ValueKind: JsonValueKind.Array } payloads || payloads.GetArrayLength() == 0)
        {
            throw Error($"message {id} needs \"payloads\": a non-empty list of class names");
        }

        var list = new List<PayloadClass>();
        foreach (var item in payloads.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw Error($"message {id}: a payload is a class name, not {Describe(item)}");
            }

            var name = item.GetString()!;
            if (!classes.TryGetValue(name, out var cls))
            {
                throw Error($"message {id}: unknown class '{name}'");
            }

            if (list.Count > 0 && list[^1].EndsWithRaw)
            {
                throw Error($"message {id}: class '{list[^1].Name}' ends with a raw field, which takes the rest of the data, so it must be the last payload");
            }

            list.Add(cls);
        }

        return new MessageSchema(id, signed, [.. list]);
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => $"a list of {Elements(element.GetArrayLength())}",
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        _ => "null",
    };

    // The field as written, cut short so that the error stays one readable line.
    private static string Excerpt(JsonElement element)
    {
        const int Limit = 80;
        var text = element.GetRawText().ReplaceLineEndings(" ");
        return text.Length <= Limit ? text : string.Concat(text.AsSpan(0, Limit), "…");
    }

    private static string Elements(int count) => count == 1 ? "1 element" : $"{count} elements";

    private static SchemaException Error(string message) => new(message.ReplaceLineEndings(" "));

    private static SchemaException Error(string message, Exception inner) => new(message.ReplaceLineEndings(" "), inner);

    /// <summary>System.Text.Json's reason without its position suffix and its advice about reader options.</summary>
    private static string DescribeJsonError(JsonException e)
    {
        var message = e.Message;
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (at >= 0)
        {
            message = message[..at];
        }

        return message.Replace(" Change the reader options.", string.Empty, StringComparison.Ordinal).TrimEnd();
    }
}

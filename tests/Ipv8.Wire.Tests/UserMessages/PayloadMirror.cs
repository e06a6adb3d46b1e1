using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Ipv8.Tests.Shared;

namespace Ipv8.Wire.Tests.UserMessages;

/// <summary>
/// Ties the payload classes of payloads.json to our <c>[Payload]</c> types: which type mirrors which class, the py-ipv8
/// name of each field, and how a vector's field values become one of our payloads.
/// </summary>
internal static class PayloadMirror
{
    /// <summary>The bits field that py-ipv8 shows as eight fields, <c>b0</c> (bit 0x80) to <c>b7</c> (bit 0x01).</summary>
    public const string BitsFieldName = "b0..b7";

    /// <summary>py-ipv8 class name → our type.</summary>
    public static IReadOnlyDictionary<string, Type> Types { get; } = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        ["Chat"] = typeof(Chat),
        ["Sample"] = typeof(Sample),
        ["Entry"] = typeof(Entry),
        ["Catalog"] = typeof(Catalog),
        ["Legacy"] = typeof(Legacy),
        ["Beacon"] = typeof(Beacon),
        ["GlobalTimeDistributionPayload"] = typeof(GlobalTime),
    };

    // Our member names that are not the PascalCase of py-ipv8's field names.
    private static readonly Dictionary<(Type, string), string> s_renamed = new()
    {
        [(typeof(GlobalTime), nameof(GlobalTime.Value))] = "global_time",
        [(typeof(Legacy), nameof(Legacy.Bits))] = BitsFieldName,
    };

    /// <summary>One <c>[Field]</c> member of a payload type.</summary>
    public sealed record WireField(MemberInfo Member, Format Format, Type Type, string PyName)
    {
        public object? GetValue(object payload) => Member is PropertyInfo p ? p.GetValue(payload) : ((FieldInfo)Member).GetValue(payload);

        public void SetValue(object boxed, object? value)
        {
            if (Member is PropertyInfo p)
            {
                p.SetValue(boxed, value);
            }
            else
            {
                ((FieldInfo)Member).SetValue(boxed, value);
            }
        }
    }

    /// <summary>The wire fields of <paramref name="type"/>, in declaration (wire) order.</summary>
    public static IReadOnlyList<WireField> Fields(Type type) =>
        type.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Select(m => (Member: m, Attribute: m.GetCustomAttribute<FieldAttribute>()))
            .Where(m => m.Attribute is not null)
            .OrderBy(m => m.Member.MetadataToken)
            .Select(m => new WireField(
                m.Member,
                m.Attribute!.Format,
                m.Member is PropertyInfo p ? p.PropertyType : ((FieldInfo)m.Member).FieldType,
                s_renamed.GetValueOrDefault((type, m.Member.Name)) ?? SnakeCase(m.Member.Name)))
            .ToList();

    /// <summary>The message id of a message type, or null for a payload that is only nested or prepended.</summary>
    public static int? MessageId(Type type) =>
        type.GetProperty("MessageId", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is byte id ? id : null;

    /// <summary>
    /// Builds our payload from a vector's fields. Strict: the JSON object must have exactly this type's fields.
    /// </summary>
    public static object FromJson(Type type, JsonObject json)
    {
        var fields = Fields(type);
        var expectedKeys = fields.SelectMany(f => f.PyName == BitsFieldName ? BitNames() : [f.PyName]).Order(StringComparer.Ordinal);
        Assert.Equal(expectedKeys, json.Select(p => p.Key).Order(StringComparer.Ordinal));

        var boxed = Activator.CreateInstance(type)!;
        foreach (var field in fields)
        {
            field.SetValue(boxed, FieldFromJson(field, json));
        }

        return boxed;
    }

    /// <summary><c>Type { field=value, … }</c> with every wire field, rendered by <see cref="PyIpv8Formats.Describe"/>.</summary>
    public static string Describe(object payload)
    {
        var fields = Fields(payload.GetType());
        Assert.NotEmpty(fields);
        return payload.GetType().Name + " { " + string.Join(", ", fields.Select(f => f.PyName + "=" + PyIpv8Formats.Describe(f.GetValue(payload)))) + " }";
    }

    private static object FieldFromJson(WireField field, JsonObject json)
    {
        if (field.PyName == BitsFieldName)
        {
            var flags = BitNames().Select(name => (int)json[name]! switch
            {
                0 => false,
                1 => true,
                var other => throw new InvalidOperationException($"{name} is {other}, not a bit"),
            }).ToArray();
            return BitFlags.Make(flags[0], flags[1], flags[2], flags[3], flags[4], flags[5], flags[6], flags[7]);
        }

        var node = json[field.PyName]!;
        switch (field.Format)
        {
            case Format.Payload:
                return FromJson(field.Type, node.AsObject());
            case Format.PayloadList:
                var element = field.Type.GetElementType()!;
                var items = node.AsArray();
                var array = Array.CreateInstance(element, items.Count);
                for (var i = 0; i < items.Count; i++)
                {
                    array.SetValue(FromJson(element, items[i]!.AsObject()), i);
                }

                return array;
            default:
                return PyIpv8Formats.FromJson(field.Format, node);
        }
    }

    private static IEnumerable<string> BitNames() => Enumerable.Range(0, 8).Select(i => "b" + i);

    private static string SnakeCase(string name)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}

using System.Reflection;

namespace Ipv8.Tests.Shared;

/// <summary>
/// The table of log events in docs/logging.md, and the <c>[LoggerMessage]</c> methods of an assembly, read by name (so
/// that this file compiles in test projects without a logging reference).
/// </summary>
internal static class LogEventTable
{
    private const string AttributeName = "Microsoft.Extensions.Logging.LoggerMessageAttribute";

    /// <summary>One row: event id, level, event name, whether a remote sender can cause it.</summary>
    public sealed record Row(int Id, string Level, string Name, bool Remote);

    /// <summary>The rows of the event table in docs/logging.md (lines that start with <c>| &lt;id&gt; |</c>).</summary>
    public static IReadOnlyList<Row> Read()
    {
        var rows = new List<Row>();
        foreach (var line in File.ReadLines(Path.Combine(RepoPaths.Root, "docs", "logging.md")))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length < 6 || cells[0].Length != 0 || !int.TryParse(cells[1], out var id))
            {
                continue;
            }

            rows.Add(new Row(id, cells[2], cells[3].Trim('`'), cells[4].StartsWith("yes", StringComparison.Ordinal)));
        }

        return rows;
    }

    /// <summary>Every <c>[LoggerMessage]</c> method of <paramref name="assembly"/>: event id, level name, event name.</summary>
    public static IReadOnlyList<(int Id, string Level, string Name)> InCode(Assembly assembly)
    {
        var events = new List<(int, string, string)>();
        const BindingFlags all = BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(all))
            {
                var attribute = method.CustomAttributes.FirstOrDefault(a => a.AttributeType.FullName == AttributeName);
                if (attribute is null)
                {
                    continue;
                }

                var named = attribute.NamedArguments.ToDictionary(a => a.MemberName, a => a.TypedValue);
                var id = named.TryGetValue("EventId", out var idValue) ? (int)idValue.Value! : -1;
                var level = named.TryGetValue("Level", out var levelValue) ? Enum.ToObject(levelValue.ArgumentType, levelValue.Value!).ToString()! : "(none)";
                var name = named.TryGetValue("EventName", out var nameValue) ? (string)nameValue.Value! : method.Name;
                events.Add((id, level, name));
            }
        }

        return events;
    }

    /// <summary>
    /// Asserts that no <c>[LoggerMessage]</c> template of <paramref name="assembly"/> puts a count before a plural noun
    /// (<c>{Count} communities</c> reads "1 communities"): a count goes after a label (<c>communities: {Count}</c>).
    /// </summary>
    public static void AssertNoCountBeforeAPluralNoun(Assembly assembly)
    {
        var pattern = new System.Text.RegularExpressions.Regex(@"\{[A-Za-z]+\} (peers|communities|packets|addresses|workers|worker\(s\)|servers|names|nodes|messages|bytes|lines|requests|seconds)\b");
        var templates = Templates(assembly);
        Assert.NotEmpty(templates);
        Assert.All(templates, t => Assert.False(pattern.IsMatch(t.Message), $"event {t.Id}: '{t.Message}' reads wrong for a count of 1"));
    }

    /// <summary>Every <c>[LoggerMessage]</c> template of <paramref name="assembly"/> with its event id.</summary>
    public static IReadOnlyList<(int Id, string Message)> Templates(Assembly assembly)
    {
        const BindingFlags all = BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        return [.. assembly.GetTypes()
            .SelectMany(t => t.GetMethods(all))
            .Select(m => m.CustomAttributes.FirstOrDefault(a => a.AttributeType.FullName == AttributeName))
            .OfType<CustomAttributeData>()
            .Select(a => a.NamedArguments.ToDictionary(n => n.MemberName, n => n.TypedValue.Value))
            .Select(n => (n.TryGetValue("EventId", out var id) ? (int)id! : -1, n.TryGetValue("Message", out var message) ? (string)message! : string.Empty))];
    }

    /// <summary>
    /// Asserts that every <c>[LoggerMessage]</c> of <paramref name="assembly"/> has a unique event id and a row with the
    /// same level and name, and that every row whose id <paramref name="owns"/> says belongs to the assembly exists in it.
    /// </summary>
    public static void AssertDocumented(Assembly assembly, Func<int, bool> owns)
    {
        var rows = Read();
        Assert.NotEmpty(rows);
        Assert.Equal(rows.Count, rows.Select(r => r.Id).Distinct().Count());
        var events = InCode(assembly);
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.True(e.Id > 0, $"{e.Name} has no event id"));
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        foreach (var (id, level, name) in events)
        {
            var row = rows.SingleOrDefault(r => r.Id == id);
            Assert.True(row is not null, $"event {id} ({name}) is missing from docs/logging.md");
            Assert.Equal((id, level, name), (row.Id, row.Level, row.Name));
            Assert.True(owns(id), $"event {id} ({name}) is outside {assembly.GetName().Name}'s id range");
        }

        foreach (var row in rows.Where(r => owns(r.Id)))
        {
            Assert.True(events.Any(e => e.Id == row.Id), $"docs/logging.md lists event {row.Id} ({row.Name}), which {assembly.GetName().Name} does not have");
        }
    }
}

using System.Reflection;
using Ipv8.Wire;
using Ipv8.Wire.Generators;

namespace Ipv8.Generators.Tests;

/// <summary>The generator's format table agrees with the <see cref="Format"/> enum and the reader and writer.</summary>
public sealed class FormatTableTests
{
    [Fact]
    public void FormatTable_ListsTheFormatEnumNamesInEnumOrder()
    {
        Assert.Equal(Enum.GetNames<Format>(), FormatTable.Formats.Select(f => f.Name));
    }

    [Fact]
    public void FormatEnumValues_AreTheirTableIndexes()
    {
        // The parser reads [Field(Format.X)] as an int and indexes the table with it.
        Assert.Equal(Enumerable.Range(0, FormatTable.Formats.Count), Enum.GetValues<Format>().Select(f => (int)f));
    }

    [Fact]
    public void EveryTableMethod_ExistsOnWireReaderAndWireWriter()
    {
        var readers = typeof(WireReader).GetMethods(BindingFlags.Public | BindingFlags.Instance).Select(m => m.Name).ToHashSet();
        var writers = typeof(WireWriter).GetMethods(BindingFlags.Public | BindingFlags.Instance).Select(m => m.Name).ToHashSet();
        foreach (var format in FormatTable.Formats)
        {
            Assert.Contains("TryRead" + format.Method, readers);
            Assert.Contains("Write" + format.Method, writers);
        }
    }

    [Fact]
    public void EveryVariableSizeMethod_HasAWireSizeMethod()
    {
        var sizes = typeof(WireSize).GetMethods(BindingFlags.Public | BindingFlags.Static).Select(m => m.Name).ToHashSet();
        foreach (var format in FormatTable.Formats.Where(f => f.FixedSize < 0))
        {
            Assert.Contains(format.Method, sizes);
        }
    }
}

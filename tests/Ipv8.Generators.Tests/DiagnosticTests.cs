using Microsoft.CodeAnalysis;

namespace Ipv8.Generators.Tests;

/// <summary>Each generator diagnostic is reported for the mistake it describes, at the member or type at fault.</summary>
public sealed class DiagnosticTests
{
    private const string Usings = """
        using System;
        using Ipv8.Wire;

        """;

    [Fact]
    public void ValidPayloads_ReportNoDiagnostics_AndCompileWithoutWarnings()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Samples.Valid;

            [Payload]
            public partial struct Item
            {
                [Field(Format.UInt32)] public uint Id { get; init; }
            }

            [Payload(MessageId = 255, Signed = false)]
            public ref partial struct Message
            {
                [Field(Format.UInt8)] public byte Kind;
                [Field(Format.VarLenHUtf8)] public ReadOnlySpan<byte> Name { get; set; }
                [Field(Format.PayloadList)] public Item[] Items { get; init; }
                [Field(Format.Raw)] public ReadOnlySpan<byte> Rest { get; private set; }
            }

            [Payload(MessageId = 0)]
            public partial struct First
            {
            }
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.CompilationDiagnostics.IsEmpty, GeneratorHarness.Describe(run.CompilationDiagnostics));
        Assert.Equal(3, run.Result.GeneratedSources.Length);
    }

    [Fact]
    public void IPV8W001_NonPartialPayload_IsReportedOnTheType()
    {
        var run = GeneratorHarness.Run(Usings + """
            [Payload]
            public struct NotPartial
            {
                [Field(Format.UInt8)] public byte A { get; init; }
            }
            """);

        AssertSingle(run, "IPV8W001", "NotPartial");
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void IPV8W001_PayloadInsideANonPartialClass_IsReportedOnThePayload()
    {
        var run = GeneratorHarness.Run(Usings + """
            public static class Container
            {
                [Payload]
                public partial struct Inner
                {
                    [Field(Format.UInt8)] public byte A { get; init; }
                }
            }
            """);

        AssertSingle(run, "IPV8W001", "Inner");
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Theory]
    [InlineData("[Field(Format.UInt16)] public int Count { get; init; }", "Count")]
    [InlineData("[Field(Format.VarLenHUtf8)] public byte[] Text { get; init; }", "Text")]
    [InlineData("[Field(Format.VarLenH)] public Span<byte> Data { get; init; }", "Data")]
    [InlineData("[Field(Format.PayloadList)] public NotAPayload[] Items { get; init; }", "Items")]
    [InlineData("[Field(Format.Payload)] public NotAPayload Nested { get; init; }", "Nested")]
    [InlineData("[Field((Format)99)] public byte Undefined { get; init; }", "Undefined")]
    public void IPV8W002_MemberTypeTheFormatCannotCarry_IsReportedOnTheMember(string member, string name)
    {
        var run = GeneratorHarness.Run(Usings + $$"""
            public struct NotAPayload
            {
            }

            [Payload]
            public ref partial struct Bad
            {
                {{member}}
            }
            """);

        AssertSingle(run, "IPV8W002", name);
    }

    [Fact]
    public void TupleMembers_NamedUnnamedKeywordNamedOrSpelledAsValueTuple_ReportNoDiagnostics_AndCompile()
    {
        var run = GeneratorHarness.Run(Usings + """
            using Octet = System.Byte;

            namespace Samples.Tuples;

            [Payload(MessageId = 1)]
            public partial struct Tuples
            {
                [Field(Format.StructBH)] public (byte Kind, ushort Port) Named { get; init; }
                [Field(Format.StructBBH)] public (byte, byte, ushort) Unnamed;
                [Field(Format.StructHH)] public (ushort @class, ushort @event) KeywordNamed { get; set; }
                [Field(Format.StructCcB)] public ValueTuple<Octet, Byte, byte> Spelled { get; init; }
            }
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.CompilationDiagnostics.IsEmpty, GeneratorHarness.Describe(run.CompilationDiagnostics));
        Assert.Single(run.Result.GeneratedSources);
    }

    [Theory]
    [InlineData("[Field(Format.StructBH)] public (ushort, byte) Swapped { get; init; }", "Swapped", "(ushort, byte)", "(byte, ushort)")]
    [InlineData("[Field(Format.StructLL)] public (int, int) Signed { get; init; }", "Signed", "(int, int)", "(uint, uint)")]
    [InlineData("[Field(Format.StructHH)] public (ushort, ushort, ushort) TooMany { get; init; }", "TooMany", "(ushort, ushort, ushort)", "(ushort, ushort)")]
    [InlineData("[Field(Format.StructBBH)] public (byte, ushort) TooFew;", "TooFew", "(byte, ushort)", "(byte, byte, ushort)")]
    [InlineData("[Field(Format.StructQQHHBH)] public (ulong, ulong, ushort, ushort, ushort, ushort) Wide { get; init; }", "Wide", "(ulong, ulong, ushort, ushort, ushort, ushort)", "(ulong, ulong, ushort, ushort, byte, ushort)")]
    [InlineData("[Field(Format.StructCcB)] public (char, char, byte) Chars { get; init; }", "Chars", "(char, char, byte)", "(byte, byte, byte)")]
    [InlineData("[Field(Format.StructQL)] public (ulong Id, long Count) Named { get; init; }", "Named", "(ulong Id, long Count)", "(ulong, uint)")]
    [InlineData("[Field(Format.StructBH)] public (byte, ushort)? Nullable { get; init; }", "Nullable", "(byte, ushort)?", "(byte, ushort)")]
    [InlineData("[Field(Format.StructHH)] public ushort NotATuple { get; init; }", "NotATuple", "ushort", "(ushort, ushort)")]
    [InlineData("[Field(Format.UInt16)] public (ushort, ushort) TupleForAScalar { get; init; }", "TupleForAScalar", "(ushort, ushort)", "ushort")]
    [InlineData("[Field(Format.Struct4SH)] public (byte[], ushort) Address { get; init; }", "Address", "(byte[], ushort)", "Ipv8.Wire.UdpAddress")]
    public void IPV8W002_TupleWithTheWrongElementTypes_IsReportedWithTheShapeTheFormatNeeds(string member, string name, string actualType, string expectedType)
    {
        var run = GeneratorHarness.Run(Usings + $$"""
            [Payload]
            public partial struct Bad
            {
                {{member}}
            }
            """);

        var diagnostic = AssertSingle(run, "IPV8W002", name);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"has type '{actualType}'", message, StringComparison.Ordinal);
        Assert.EndsWith($"use {expectedType}", message, StringComparison.Ordinal);
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void IPV8W003_RawFieldBeforeAnotherField_IsReportedOnTheRawField()
    {
        var run = GeneratorHarness.Run(Usings + """
            [Payload(MessageId = 1)]
            public ref partial struct RawFirst
            {
                [Field(Format.Raw)] public ReadOnlySpan<byte> Rest { get; init; }
                [Field(Format.UInt16)] public ushort After { get; init; }
            }
            """);

        AssertSingle(run, "IPV8W003", "Rest");
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void TwoMessagesWithOneId_AreAllowed_BecauseIdsArePerCommunity()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Samples.Duplicates;

            [Payload(MessageId = 42)]
            public partial struct Beta
            {
            }

            [Payload(MessageId = 42)]
            public partial struct Alpha
            {
            }
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal(2, run.Result.GeneratedSources.Length);
    }

    [Fact]
    public void PayloadsWithoutMessageId_NeverCollide()
    {
        var run = GeneratorHarness.Run(Usings + """
            [Payload]
            public partial struct First
            {
            }

            [Payload]
            public partial struct Second
            {
            }
            """);

        Assert.Empty(run.GeneratorDiagnostics);
    }

    [Theory]
    [InlineData("[Field(Format.UInt8)] public byte GetOnly { get; }", "GetOnly")]
    [InlineData("[Field(Format.UInt8)] public readonly byte ReadOnlyField;", "ReadOnlyField")]
    [InlineData("[Field(Format.UInt8)] public static byte StaticField;", "StaticField")]
    [InlineData("[Field(Format.UInt8)] public byte Computed => 1;", "Computed")]
    public void IPV8W005_MemberWithoutSetter_IsReportedOnTheMember(string member, string name)
    {
        var run = GeneratorHarness.Run(Usings + $$"""
            [Payload]
            public partial struct Fixed
            {
                {{member}}
            }
            """);

        AssertSingle(run, "IPV8W005", name);
    }

    [Fact]
    public void IPV8W006_GenericPayload_IsReportedOnTheType()
    {
        var run = GeneratorHarness.Run(Usings + """
            [Payload]
            public partial struct Box<T>
            {
                [Field(Format.UInt8)] public byte A { get; init; }
            }
            """);

        AssertSingle(run, "IPV8W006", "Box");
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void IPV8W006_PayloadInsideAGenericClass_IsReportedOnThePayload()
    {
        var run = GeneratorHarness.Run(Usings + """
            public partial class Holder<T>
            {
                [Payload]
                public partial struct Inner
                {
                    [Field(Format.UInt8)] public byte A { get; init; }
                }
            }
            """);

        AssertSingle(run, "IPV8W006", "Inner");
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(1000)]
    [InlineData(-2)]
    public void IPV8W007_MessageIdOutsideAByte_IsReportedOnTheType(int messageId)
    {
        var run = GeneratorHarness.Run(Usings + $$"""
            [Payload(MessageId = {{messageId}})]
            public partial struct OutOfRange
            {
            }
            """);

        var diagnostic = AssertSingle(run, "IPV8W007", "OutOfRange");
        Assert.Contains(messageId.ToString(System.Globalization.CultureInfo.InvariantCulture), diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void IPV8W008_SpanMemberInAStructThatIsNotRef_IsReportedOnTheMember()
    {
        var run = GeneratorHarness.Run(Usings + """
            [Payload]
            public partial struct NotRef
            {
                [Field(Format.UInt8)] public byte A { get; init; }
                [Field(Format.VarLenH)] public ReadOnlySpan<byte> Data { get; init; }
            }
            """);

        AssertSingle(run, "IPV8W008", "Data");
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void EveryDiagnosticId_IsAnErrorWithADescriptorAndATestHere()
    {
        // IPV8W004 (duplicate message id) was removed: ids are per community.
        var ids = Enumerable.Range(1, 8).Where(i => i != 4).Select(i => $"IPV8W{i:000}").ToList();
        foreach (var id in ids)
        {
            var descriptor = Ipv8.Wire.Generators.Diagnostics.Find(id);
            Assert.NotNull(descriptor);
            Assert.Equal(id, descriptor.Id);
            Assert.Equal(DiagnosticSeverity.Error, descriptor.DefaultSeverity);
            Assert.Contains(typeof(DiagnosticTests).GetMethods(), m => m.Name.StartsWith(id + "_", StringComparison.Ordinal));
        }

        Assert.Null(Ipv8.Wire.Generators.Diagnostics.Find("IPV8W004"));
        Assert.Null(Ipv8.Wire.Generators.Diagnostics.Find("IPV8W009"));
    }

    /// <summary>
    /// Asserts that the generator reported exactly one diagnostic, with <paramref name="id"/>, pointing at the
    /// identifier <paramref name="identifier"/> in the sample.
    /// </summary>
    private static Diagnostic AssertSingle(GeneratorRun run, string id, string identifier)
    {
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);

        var lineSpan = diagnostic.Location.GetLineSpan();
        Assert.Equal(GeneratorHarness.SamplePath(0), lineSpan.Path);
        var tree = run.Input.SyntaxTrees.Single();
        Assert.Equal(identifier, tree.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.Equal(tree.GetLineSpan(diagnostic.Location.SourceSpan).Span, lineSpan.Span);
        return diagnostic;
    }
}

namespace Ipv8.Generators.Tests;

/// <summary>
/// Compares the generator's output for representative payloads with the committed files in <c>Snapshots/</c>.
/// Run with <c>IPV8_UPDATE_SNAPSHOTS=1</c> to rewrite them after an intended change, then review the diff.
/// </summary>
public sealed class SnapshotTests
{
    private const string UpdateVariable = "IPV8_UPDATE_SNAPSHOTS";

    [Fact]
    public void RefStructMessage_WithIpv4BitsUInt16AndRaw_MatchesSnapshot() => VerifySnapshots(
        """
        using System;
        using Ipv8.Wire;

        namespace Samples.RefStructMessage;

        [Payload(MessageId = 246)]
        public readonly ref partial struct IntroductionLike
        {
            [Field(Format.Ipv4)] public UdpAddress DestinationAddress { get; init; }
            [Field(Format.Ipv4)] public UdpAddress SourceLanAddress { get; init; }
            [Field(Format.Bits)] public byte Flags { get; init; }
            [Field(Format.UInt16)] public ushort Identifier { get; init; }
            [Field(Format.Raw)] public ReadOnlySpan<byte> ExtraBytes { get; init; }

            public bool Advice => !BitFlags.Get(Flags, 7);
        }
        """,
        "Samples.RefStructMessage.IntroductionLike.g.cs");

    [Fact]
    public void StructMessage_WithArraysStringsNestedPayloadAndPayloadList_MatchesSnapshot() => VerifySnapshots(
        """
        using Ipv8.Wire;

        namespace Samples.Nested;

        [Payload]
        public partial struct Entry
        {
            [Field(Format.UInt16)] public ushort Id { get; init; }
            [Field(Format.VarLenHUtf8)] public string Label { get; init; }
        }

        [Payload(MessageId = 7, Signed = false)]
        public partial struct Catalog
        {
            [Field(Format.VarLenH)] public byte[] Blob { get; init; }
            [Field(Format.VarLenIUtf8)] public string Text { get; set; }
            [Field(Format.Bytes20)] public byte[] Mid;
            [Field(Format.VarLenHList)] public byte[][] Chunks { get; init; }
            [Field(Format.ArrayHBool)] public bool[] Votes { get; init; }
            [Field(Format.ArrayHInt64)] public long[] Times { get; init; }
            [Field(Format.ArrayHDouble)] public double[] Scores { get; init; }
            [Field(Format.Payload)] public Entry Primary { get; init; }
            [Field(Format.PayloadList)] public Entry[] Entries { get; init; }

            public int Unrelated { get; set; }
        }
        """,
        "Samples.Nested.Catalog.g.cs",
        "Samples.Nested.Entry.g.cs");

    [Fact]
    public void StructFormatsAsNamedAndUnnamedTuples_WithCharInt32AndDoubleVarLenH_MatchesSnapshot() => VerifySnapshots(
        """
        using System;
        using Ipv8.Wire;

        namespace Samples.Structs;

        [Payload(MessageId = 12)]
        public readonly ref partial struct Header
        {
            [Field(Format.Char)] public byte Tag { get; init; }
            [Field(Format.Int32)] public int Delta { get; init; }
            [Field(Format.DoubleVarLenH)] public ReadOnlySpan<byte> Pair { get; init; }
            [Field(Format.StructBH)] public (byte Kind, ushort Port) Service { get; init; }
            [Field(Format.StructBBH)] public (byte, byte, ushort) Version { get; init; }
            [Field(Format.StructHH)] public (ushort Low, ushort High) Range { get; init; }
            [Field(Format.StructLL)] public (uint, uint) Counts { get; init; }
            [Field(Format.StructQH)] public (ulong Id, ushort Part) Chunk { get; init; }
            [Field(Format.StructQL)] public (ulong, uint) Offset { get; init; }
            [Field(Format.StructQQHHBH)] public (ulong, ulong, ushort, ushort, byte, ushort) Window { get; init; }
            [Field(Format.StructCcB)] public (byte First, byte Second, byte Count) Chars { get; init; }
            [Field(Format.Struct4SH)] public UdpAddress Host { get; init; }
        }
        """,
        "Samples.Structs.Header.g.cs");

    [Fact]
    public void PayloadNestedInPartialClasses_RepeatsTheContainingTypes_MatchesSnapshot() => VerifySnapshots(
        """
        using Ipv8.Wire;

        namespace Samples.Containers;

        public static partial class Outer
        {
            internal sealed partial class Middle
            {
                [Payload(MessageId = 3)]
                internal partial struct Ping
                {
                    [Field(Format.UInt64)] public ulong Nonce { get; init; }
                    [Field(Format.Double)] public double SentAt { get; init; }
                }
            }
        }
        """,
        "Samples.Containers.Outer.Middle.Ping.g.cs");

    [Fact]
    public void PayloadWithoutMessageId_InTheGlobalNamespace_ImplementsIPayloadOnly_MatchesSnapshot() => VerifySnapshots(
        """
        using Ipv8.Wire;

        [Payload]
        public readonly partial struct GlobalHeader
        {
            [Field(Format.UInt8)] public byte Version { get; init; }
            [Field(Format.Int64)] public long Time { get; init; }
            [Field(Format.IpAddress)] public UdpAddress Endpoint { get; init; }
            [Field(Format.Address)] public HostAddress Host { get; init; }
            [Field(Format.C20s)] public byte[] Tagged { get; init; }
        }
        """,
        "GlobalHeader.g.cs");

    [Fact]
    public void PayloadWithoutFields_GeneratesAConstantZeroSize_MatchesSnapshot() => VerifySnapshots(
        """
        using Ipv8.Wire;

        namespace Samples.Empty;

        [Payload(MessageId = 0, Signed = false)]
        public partial struct Keepalive
        {
        }
        """,
        "Samples.Empty.Keepalive.g.cs");

    [Fact]
    public void KeywordNames_AreEscapedInCode_AndPlainInTheHintName_MatchesSnapshot() => VerifySnapshots(
        """
        using Ipv8.Wire;

        namespace Samples.@event;

        public partial class @class
        {
            [Payload(MessageId = 1)]
            public partial struct @struct
            {
                [Field(Format.UInt8)] public byte @base { get; init; }
                [Field(Format.VarLenHUtf8)] public string @string;
            }
        }
        """,
        "Samples.event.class.struct.g.cs");

    private static void VerifySnapshots(string source, params string[] expectedHintNames)
    {
        var run = GeneratorHarness.Run(source);

        Assert.Null(run.Result.Exception);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Describe(run.GeneratorDiagnostics));
        Assert.True(
            run.CompilationDiagnostics.IsEmpty,
            "The sample plus the generated code does not compile cleanly:" + Environment.NewLine + GeneratorHarness.Describe(run.CompilationDiagnostics));

        var generated = run.Result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).ToList();
        Assert.Equal(expectedHintNames.Order(StringComparer.Ordinal), generated.Select(s => s.HintName));

        var update = Environment.GetEnvironmentVariable(UpdateVariable) == "1";
        foreach (var file in generated)
        {
            var actual = Normalize(file.SourceText.ToString());
            var path = Path.Combine(SnapshotDirectory(), file.HintName);
            if (update)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, actual);
                continue;
            }

            if (!File.Exists(path))
            {
                Assert.Fail($"The snapshot {path} is missing. Run the tests with {UpdateVariable}=1 to create it, then review and commit it.");
            }

            var expected = Normalize(File.ReadAllText(path));
            if (expected != actual)
            {
                Assert.Fail(DiffHint(file.HintName, expected, actual));
            }
        }
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static string DiffHint(string name, string expected, string actual)
    {
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var line = 0;
        while (line < expectedLines.Length && line < actualLines.Length && expectedLines[line] == actualLines[line])
        {
            line++;
        }

        static string At(string[] lines, int index) => index < lines.Length ? $"\"{lines[index]}\"" : "(end of file)";

        return $"""
            The generated {name} differs from its snapshot, first at line {line + 1}:
              snapshot:  {At(expectedLines, line)}
              generated: {At(actualLines, line)}
            ({expectedLines.Length} snapshot lines, {actualLines.Length} generated lines.)
            If the change is intended, run the tests with {UpdateVariable}=1 and review the diff of Snapshots/{name}.
            """;
    }

    // Found from the project root, not [CallerFilePath]: CI builds map source paths to "/_/" (deterministic builds).
    private static string SnapshotDirectory() =>
        Path.Combine(Ipv8.Tests.Shared.RepoPaths.Root, "tests", "Ipv8.Generators.Tests", "Snapshots");
}

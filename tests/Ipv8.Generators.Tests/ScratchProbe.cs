using Xunit.Abstractions;
namespace Ipv8.Generators.Tests;
public sealed class ScratchProbe(ITestOutputHelper output)
{
    [Theory]
    [InlineData("public ref partial struct Outer { [Payload] public partial struct P { [Field(Format.UInt8)] public byte A { get; init; } } }")]
    [InlineData("public readonly partial struct Outer { [Payload] public partial struct P { [Field(Format.UInt8)] public byte A { get; init; } } }")]
    [InlineData("public partial record Outer { [Payload] public partial struct P { [Field(Format.UInt8)] public byte A { get; init; } } }")]
    [InlineData("public partial record struct Outer { [Payload] public partial struct P { [Field(Format.UInt8)] public byte A { get; init; } } }")]
    [InlineData("public partial interface IOuter { [Payload] public partial struct P { [Field(Format.UInt8)] public byte A { get; init; } } }")]
    [InlineData("[Payload] public partial struct P { [Field(Format.UInt8)] public byte @class { get; init; } [Field(Format.UInt8)] public byte value; [Field(Format.UInt8)] public byte f0; [Field(Format.UInt16)] public ushort reader; }")]
    [InlineData("namespace N.@event; [Payload] public partial struct @struct { [Field(Format.UInt8)] public byte A { get; init; } }")]
    [InlineData("[Payload] public partial record struct R { [Field(Format.UInt8)] public byte A { get; init; } }")]
    [InlineData("[Payload] public readonly partial record struct R2(byte B) { [Field(Format.UInt8)] public byte A { get; init; } }")]
    [InlineData("[Payload] public partial struct P { [Field(Format.PayloadList)] public Q[] Items { get; init; } } [Payload] public ref partial struct Q { }")]
    [InlineData("[Payload] public partial struct P { [Field(Format.UInt8)] public byte A { get; init; } } public partial struct P { [Field(Format.UInt16)] public ushort B { get; init; } }")]
    [InlineData("[Payload] public partial struct P { [field: Field(Format.UInt8)] public byte A { get; init; } }")]
    [InlineData("[Payload] public partial struct P { [Field(Format.UInt8)] public required byte A { get; init; } public required int B { get; init; } }")]
    public void Probe(string code)
    {
        var run = GeneratorHarness.Run("using System; using Ipv8.Wire;\n" + code);
        output.WriteLine("GEN: " + GeneratorHarness.Describe(run.GeneratorDiagnostics));
        output.WriteLine("COMP: " + GeneratorHarness.Describe(run.CompilationDiagnostics));
    }
}

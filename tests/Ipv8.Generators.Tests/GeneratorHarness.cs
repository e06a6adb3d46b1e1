using System.Collections.Immutable;
using Ipv8.Wire.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Ipv8.Generators.Tests;

/// <summary>The result of running <see cref="PayloadGenerator"/> over sample sources.</summary>
/// <param name="Driver">The driver after the run, for incremental reruns.</param>
/// <param name="Input">The compilation the generator saw.</param>
/// <param name="Output">The input compilation plus the generated trees.</param>
/// <param name="Result">The generator's own result: generated sources and diagnostics.</param>
internal sealed record GeneratorRun(GeneratorDriver Driver, CSharpCompilation Input, Compilation Output, GeneratorRunResult Result)
{
    /// <summary>The diagnostics the generator reported.</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => Result.Diagnostics;

    /// <summary>Compiler errors and warnings of the output compilation.</summary>
    public ImmutableArray<Diagnostic> CompilationDiagnostics =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
}

/// <summary>Builds sample compilations and runs the payload generator over them with a real generator driver.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    /// <summary>The parse options of every sample tree and of the driver.</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    /// <summary>The file name the sample at <paramref name="index"/> gets.</summary>
    public static string SamplePath(int index) => $"Sample{index}.cs";

    /// <summary>Parses one sample source as the tree at <paramref name="path"/>.</summary>
    public static SyntaxTree Parse(string source, string path) =>
        CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    /// <summary>A library compilation of <paramref name="sources"/> against the runtime and Ipv8.Wire.</summary>
    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CSharpCompilation.Create(
            "Ipv8.Generators.Samples",
            sources.Select((source, i) => Parse(source, SamplePath(i))),
            s_references.Value,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                deterministic: true));

    /// <summary>A driver for the payload generator.</summary>
    public static GeneratorDriver CreateDriver(bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            [new PayloadGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackSteps));

    /// <summary>Runs the generator over <paramref name="sources"/>.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(CreateDriver(), CreateCompilation(sources));

    /// <summary>Runs <paramref name="driver"/> over <paramref name="compilation"/>.</summary>
    public static GeneratorRun Run(GeneratorDriver driver, CSharpCompilation compilation)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return new GeneratorRun(driver, compilation, output, driver.GetRunResult().Results.Single());
    }

    /// <summary>Formats diagnostics one a line, for assertion messages.</summary>
    public static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString()));

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The runtime the tests run on, plus the wire library the samples use. Ipv8.Wire is usually among the
        // trusted assemblies already; de-duplicating by path keeps one reference per assembly.
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return trusted
            .Append(typeof(Ipv8.Wire.Format).Assembly.Location)
            .Select(Path.GetFullPath)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}

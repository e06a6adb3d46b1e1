using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using Ipv8.Tests.Shared;
using Ipv8.Wire.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Ipv8.Docs.Tests;

/// <summary>One fenced block of a markdown file.</summary>
internal sealed record CodeBlock(string File, int Line, string Language, string Code);

/// <summary>Finds fenced code blocks in the repository's markdown and compiles the C# ones.</summary>
internal static partial class DocSamples
{
    /// <summary>Markdown files whose samples are checked: README.md, docs/*.md and the package READMEs.</summary>
    public static IEnumerable<string> MarkdownFiles()
    {
        var root = RepoPaths.Root;
        yield return Path.Combine(root, "README.md");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            yield return file;
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "README.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (!file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                yield return file;
            }
        }
    }

    public static string Relative(string file) => Path.GetRelativePath(RepoPaths.Root, file).Replace('\\', '/');

    /// <summary>The fenced blocks of a markdown file, with the line their code starts on.</summary>
    public static List<CodeBlock> Blocks(string file)
    {
        var lines = File.ReadAllLines(file);
        var blocks = new List<CodeBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            var open = FenceOpen().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            var fence = open.Groups["fence"].Value;
            var language = open.Groups["lang"].Value.Trim().ToLowerInvariant();
            var start = i + 1;
            var code = new StringBuilder();
            for (i = start; i < lines.Length && lines[i].Trim() != fence; i++)
            {
                code.AppendLine(lines[i]);
            }

            blocks.Add(new CodeBlock(Relative(file), start + 1, language, code.ToString()));
        }

        return blocks;
    }

    /// <summary>
    /// Compiles the C# blocks of one file as one program: using directives of any block apply to all of them, the
    /// top-level statements of each block become the body of an async method (with <c>args</c>), and type
    /// declarations stay as they are, so a later block can use a type an earlier one declared. The payload generator
    /// runs over the whole.
    /// </summary>
    public static ImmutableArray<Diagnostic> Compile(IReadOnlyList<CodeBlock> blocks)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var usings = new SortedSet<string>(StringComparer.Ordinal);
        var trees = new List<SyntaxTree>();
        for (var b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            var unit = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(block.Code, parseOptions).GetRoot();
            foreach (var directive in unit.Usings)
            {
                usings.Add(directive.WithoutTrivia().ToFullString().Trim());
            }

            var source = new StringBuilder();
            var statements = unit.Members.OfType<GlobalStatementSyntax>().ToList();
            foreach (var member in unit.Members.Where(m => m is not GlobalStatementSyntax))
            {
                AppendMapped(source, block, member);
            }

            if (statements.Count > 0)
            {
                source.AppendLine($"internal static class DocSample{b}");
                source.AppendLine("{");
                // A program that returns an exit code (return 1;) is a Main returning Task<int>.
                var returnsCode = statements.Any(s => s.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
                    .OfType<ReturnStatementSyntax>().Any(r => r.Expression is not null));
                source.AppendLine($"    public static async global::System.Threading.Tasks.Task{(returnsCode ? "<int>" : string.Empty)} RunAsync(string[] args)");
                source.AppendLine("    {");
                foreach (var statement in statements)
                {
                    AppendMapped(source, block, statement);
                }

                source.AppendLine("#line default");
                source.AppendLine("        await global::System.Threading.Tasks.Task.CompletedTask;");
                source.AppendLine("    }");
                source.AppendLine("}");
            }

            trees.Add(CSharpSyntaxTree.ParseText(source.ToString(), parseOptions, path: $"{block.File}#{b}"));
        }

        var globalUsings = string.Join(Environment.NewLine, usings.Select(u => "global " + u))
            + Environment.NewLine + "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;";
        trees.Add(CSharpSyntaxTree.ParseText(globalUsings, parseOptions, path: "GlobalUsings.cs"));

        var compilation = CSharpCompilation.Create(
            "DocSamples",
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        CSharpGeneratorDriver.Create([new PayloadGenerator().AsSourceGenerator()], parseOptions: parseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        return [.. generatorDiagnostics, .. output.GetDiagnostics()];
    }

    private static void AppendMapped(StringBuilder source, CodeBlock block, SyntaxNode node)
    {
        var line = node.GetLocation().GetLineSpan().StartLinePosition.Line;
        source.AppendLine($"#line {block.Line + line} \"{block.File}\"");
        source.AppendLine(node.ToFullString().TrimStart('\r', '\n'));
    }

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        // The test's own dependencies (Ipv8.*, Microsoft.Extensions.*, OpenTelemetry) and the runtime are all trusted
        // platform assemblies of the test host.
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return [.. trusted.Distinct(StringComparer.Ordinal).Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
    });

    [GeneratedRegex(@"^(?<fence>```+)(?<lang>[A-Za-z#+-]*)\s*$")]
    private static partial Regex FenceOpen();
}

using Ipv8.Hosting;
using Ipv8.Tests.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ipv8.Docs.Tests;

/// <summary>Every C# sample in the README, docs/ and the package READMEs compiles; every Ipv8 settings sample binds.</summary>
public sealed class DocSampleTests
{
    public static TheoryData<string> FilesWithCSharp()
    {
        var data = new TheoryData<string>();
        foreach (var file in DocSamples.MarkdownFiles())
        {
            if (DocSamples.Blocks(file).Any(b => b.Language is "csharp" or "cs" or "c#"))
            {
                data.Add(DocSamples.Relative(file));
            }
        }

        return data;
    }

    public static TheoryData<string, int> SettingsBlocks()
    {
        var data = new TheoryData<string, int>();
        foreach (var file in DocSamples.MarkdownFiles())
        {
            foreach (var block in DocSamples.Blocks(file).Where(b => b.Language == "json" && b.Code.Contains("\"Ipv8\"", StringComparison.Ordinal)))
            {
                data.Add(DocSamples.Relative(file), block.Line);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FilesWithCSharp))]
    public void The_csharp_samples_of_a_markdown_file_compile(string file)
    {
        var blocks = DocSamples.Blocks(Path.Combine(RepoPaths.Root, file)).Where(b => b.Language is "csharp" or "cs" or "c#").ToList();
        var errors = DocSamples.Compile(blocks).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, $"{file}:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
    }

    [Fact]
    public void The_docs_that_promise_samples_have_them()
    {
        var files = DocSamples.MarkdownFiles().Where(f => DocSamples.Blocks(f).Any(b => b.Language == "csharp")).Select(DocSamples.Relative).ToHashSet();
        Assert.Superset(new HashSet<string> { "README.md", "docs/getting-started.md", "docs/hosting.md", "docs/metrics.md", "docs/testing.md", "src/Ipv8.Testing/README.md" }, files);
    }

    [Theory]
    [InlineData("docs/examples/greeting.py", "python")]
    [InlineData("docs/examples/Greeting.cs", "csharp")]
    public void The_same_message_page_quotes_its_live_tested_example_exactly(string example, string language)
    {
        // tests/Ipv8.Interop.Tests runs these two files against the real py-ipv8; the page must show what runs.
        var blocks = DocSamples.Blocks(Path.Combine(RepoPaths.Root, "docs", "same-message.md")).Where(b => b.Language == language).ToList();
        var expected = File.ReadAllText(Path.Combine(RepoPaths.Root, example)).ReplaceLineEndings();
        Assert.Contains(blocks, b => b.Code.ReplaceLineEndings() == expected);
    }

    [Fact]
    public void The_testing_page_quotes_its_example_exactly()
    {
        // tests/Ipv8.Testing.Tests compiles and runs this file; the page must show what runs.
        var blocks = DocSamples.Blocks(Path.Combine(RepoPaths.Root, "docs", "testing.md")).Where(b => b.Language == "csharp").ToList();
        var expected = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "examples", "GreeterCommunityTests.cs")).ReplaceLineEndings();
        Assert.Contains(blocks, b => b.Code.ReplaceLineEndings() == expected);
    }

    [Fact]
    public void A_broken_sample_is_reported_with_its_markdown_line()
    {
        var blocks = new List<CodeBlock>
        {
            new("docs/example.md", 10, "csharp", "using Ipv8.Wire;\nvar id = CommunityId.Parse(\"00\");\n"),
            new("docs/example.md", 20, "csharp", "int x = \"not a number\";\n"),
        };
        var error = Assert.Single(DocSamples.Compile(blocks), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("docs/example.md", error.Location.GetMappedLineSpan().Path);
        Assert.Equal(20, error.Location.GetMappedLineSpan().StartLinePosition.Line + 1);
    }

    [Theory]
    [MemberData(nameof(SettingsBlocks))]
    public void An_ipv8_settings_sample_binds_with_no_unknown_keys_and_validates(string file, int line)
    {
        var block = DocSamples.Blocks(Path.Combine(RepoPaths.Root, file)).Single(b => b.Line == line);
        using var json = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(block.Code));
        var configuration = new ConfigurationBuilder().AddJsonStream(json).Build();
        var services = new ServiceCollection();
        services.AddIpv8(configuration.GetSection(Ipv8Options.SectionName));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<Ipv8Options>>().Value; // throws on an unknown key
        foreach (var validator in provider.GetServices<IValidateOptions<Ipv8Options>>())
        {
            var result = validator.Validate(Options.DefaultName, options);
            Assert.True(result.Succeeded, $"{file}:{line}: {result.FailureMessage}");
        }
    }
}

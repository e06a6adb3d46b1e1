using System.Collections;
using System.Reflection;
using Ipv8.Wire.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Ipv8.Generators.Tests;

/// <summary>The generator's models are value-equatable, so unrelated edits reuse the cached output.</summary>
public sealed class IncrementalityTests
{
    private const string Payloads = """
        using System;
        using Ipv8.Wire;

        namespace Samples.Incremental;

        [Payload]
        public partial struct Item
        {
            [Field(Format.UInt16)] public ushort Id { get; init; }
        }

        [Payload(MessageId = 9)]
        public ref partial struct Message
        {
            [Field(Format.Ipv4)] public UdpAddress Address { get; init; }
            [Field(Format.PayloadList)] public Item[] Items { get; init; }
            [Field(Format.Raw)] public ReadOnlySpan<byte> Rest { get; init; }
        }
        """;

    private const string Broken = """
        using Ipv8.Wire;

        namespace Samples.Incremental;

        [Payload(MessageId = 300)]
        public partial struct OutOfRange
        {
        }
        """;

    [Fact]
    public void AddingAnUnrelatedTree_LeavesEveryModelCachedOrUnchanged()
    {
        var compilation = GeneratorHarness.CreateCompilation(Payloads, Broken);
        var first = GeneratorHarness.Run(GeneratorHarness.CreateDriver(trackSteps: true), compilation);
        Assert.Equal(2, first.Result.GeneratedSources.Length);
        Assert.Single(first.GeneratorDiagnostics);

        var unrelated = GeneratorHarness.Parse("namespace Samples.Other; public static class Unrelated { public static int Answer => 42; }", "Unrelated.cs");
        var second = GeneratorHarness.Run(first.Driver, compilation.AddSyntaxTrees(unrelated));

        var models = second.Result.TrackedSteps[PayloadGenerator.TrackingNames.Models];
        var outputs = models.SelectMany(step => step.Outputs).ToList();
        Assert.Equal(3, outputs.Count);
        Assert.All(outputs, output => Assert.True(
            output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"A model was {output.Reason}: {output.Value}"));

        Assert.All(second.Result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(step => step.Outputs), output => Assert.True(
            output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"A source output was {output.Reason}"));
        Assert.Equal(
            first.Result.GeneratedSources.Select(s => s.SourceText.ToString()),
            second.Result.GeneratedSources.Select(s => s.SourceText.ToString()));
    }

    [Fact]
    public void EditingOnePayload_RecomputesThatModelOnly()
    {
        var compilation = GeneratorHarness.CreateCompilation(Payloads, Broken);
        var first = GeneratorHarness.Run(GeneratorHarness.CreateDriver(trackSteps: true), compilation);

        var oldTree = compilation.SyntaxTrees.Last();
        var newTree = oldTree.WithChangedText(oldTree.GetText().Replace(Broken.IndexOf("300", StringComparison.Ordinal), 3, "200"));
        var second = GeneratorHarness.Run(first.Driver, compilation.ReplaceSyntaxTree(oldTree, newTree));

        var reasons = second.Result.TrackedSteps[PayloadGenerator.TrackingNames.Models]
            .SelectMany(step => step.Outputs)
            .Select(output => (((PayloadModel)output.Value).Name, output.Reason))
            .OrderBy(pair => pair.Name, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(["Item", "Message", "OutOfRange"], reasons.Select(pair => pair.Name));
        Assert.All(reasons[..2], pair => Assert.True(
            pair.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"The untouched model {pair.Name} was {pair.Reason}"));
        Assert.Equal(IncrementalStepRunReason.Modified, reasons[2].Reason);
        Assert.Empty(second.GeneratorDiagnostics);
        Assert.Equal(3, second.Result.GeneratedSources.Length);
    }

    [Fact]
    public void Models_HoldNoSymbolsSyntaxOrCompilations()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(trackSteps: true), GeneratorHarness.CreateCompilation(Payloads, Broken));

        var outputs = run.Result.TrackedSteps[PayloadGenerator.TrackingNames.Models].SelectMany(step => step.Outputs).ToList();
        Assert.NotEmpty(outputs);
        foreach (var (value, _) in outputs)
        {
            AssertNoRoslynObjects(value, new HashSet<object>(ReferenceEqualityComparer.Instance), "model");
        }
    }

    private static void AssertNoRoslynObjects(object? value, HashSet<object> seen, string path)
    {
        // Symbols, syntax and compilations pin whole compilations in memory and defeat the cache.
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(
            value is ISymbol or SyntaxNode or SyntaxTree or Compilation or SemanticModel or Location,
            $"{path} holds a {value.GetType().FullName}");

        if (value is IEnumerable items)
        {
            var index = 0;
            foreach (var item in items)
            {
                AssertNoRoslynObjects(item, seen, $"{path}[{index++}]");
            }
        }

        for (var type = value.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                AssertNoRoslynObjects(field.GetValue(value), seen, $"{path}.{field.Name}");
            }
        }
    }
}

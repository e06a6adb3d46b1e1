using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Ipv8.Wire.Generators;

/// <summary>
/// Generates span readers and writers for <c>[Payload]</c> types: <c>TryRead</c>, <c>Write</c>, an exact
/// <c>GetSize</c>, and message metadata.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class PayloadGenerator : IIncrementalGenerator
{
    internal const string PayloadAttributeName = "Ipv8.Wire.PayloadAttribute";
    internal const string FieldAttributeName = "Ipv8.Wire.FieldAttribute";

    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    internal static class TrackingNames
    {
        public const string Models = nameof(Models);
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                PayloadAttributeName,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax,
                static (ctx, ct) => Parser.Parse(ctx, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.Models);

        context.RegisterSourceOutput(models, static (spc, model) =>
        {
            foreach (var diagnostic in model.Diagnostics)
            {
                Report(spc, diagnostic);
            }

            if (!model.HasErrors)
            {
                spc.AddSource(model.HintName, Emitter.Emit(model));
            }
        });
    }

    private static void Report(SourceProductionContext context, DiagnosticInfo info)
    {
        var descriptor = Diagnostics.Find(info.Id);
        if (descriptor is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(descriptor, info.Location?.ToLocation(), info.Arguments.Cast<object>().ToArray()));
        }
    }

    internal static IEnumerable<string> FormatNames => FormatTable.Formats.Select(f => f.Name);
}

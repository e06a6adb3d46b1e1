using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Ipv8.Wire.Generators;

public sealed partial class PayloadGenerator
{
    /// <summary>Turns a <c>[Payload]</c> symbol into an equatable model, collecting diagnostics on the way.</summary>
    internal static class Parser
    {
        // Plain dotted names: a hint name may not contain the '@' of an escaped keyword.
        private static readonly SymbolDisplayFormat s_hintNameFormat =
            new(typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces);

        public static PayloadModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type)
            {
                return null;
            }

            var diagnostics = new List<DiagnosticInfo>();
            var location = LocationInfo.From(type.Locations.FirstOrDefault());
            var displayName = type.ToDisplayString();

            var attribute = context.Attributes[0];
            var messageId = -1;
            var signed = true;
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "MessageId" && named.Value.Value is int id)
                {
                    messageId = id;
                }
                else if (named.Key == "Signed" && named.Value.Value is bool s)
                {
                    signed = s;
                }
            }

            if (messageId is < -1 or > 255)
            {
                diagnostics.Add(Diag(Diagnostics.MessageIdOutOfRange.Id, location, messageId.ToString(System.Globalization.CultureInfo.InvariantCulture), displayName));
            }

            if (type.IsGenericType)
            {
                diagnostics.Add(Diag(Diagnostics.GenericPayload.Id, location, displayName));
            }

            if (!IsPartial(type, cancellationToken))
            {
                diagnostics.Add(Diag(Diagnostics.NotPartial.Id, location, displayName));
            }

            var containing = new List<ContainingTypeModel>();
            for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                if (!IsPartial(outer, cancellationToken))
                {
                    diagnostics.Add(Diag(Diagnostics.NotPartial.Id, location, displayName));
                    break;
                }

                containing.Insert(0, new ContainingTypeModel(Keyword(outer), Identifier(outer.Name)));
            }

            var fields = new List<FieldModel>();
            var members = type.GetMembers().Where(m => m is IPropertySymbol or IFieldSymbol).ToList();
            var fieldMembers = new List<(ISymbol Member, int Format)>();
            foreach (var member in members)
            {
                var fieldAttribute = member.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == FieldAttributeName);
                if (fieldAttribute?.ConstructorArguments.Length == 1 && fieldAttribute.ConstructorArguments[0].Value is int format)
                {
                    fieldMembers.Add((member, format));
                }
            }

            for (var i = 0; i < fieldMembers.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (member, formatIndex) = fieldMembers[i];
                var memberLocation = LocationInfo.From(member.Locations.FirstOrDefault()) ?? location;
                if (formatIndex < 0 || formatIndex >= FormatTable.Formats.Count)
                {
                    diagnostics.Add(Diag(Diagnostics.UnsupportedMemberType.Id, memberLocation, member.Name, "?", formatIndex.ToString(System.Globalization.CultureInfo.InvariantCulture), "a defined Format"));
                    continue;
                }

                var format = FormatTable.Formats[formatIndex];
                if (!IsSettable(member))
                {
                    diagnostics.Add(Diag(Diagnostics.MemberNotSettable.Id, memberLocation, member.Name));
                    continue;
                }

                var memberType = member is IPropertySymbol p ? p.Type : ((IFieldSymbol)member).Type;
                var kind = Classify(memberType, out var elementType);
                if (System.Array.IndexOf(format.Kinds, kind) < 0 || (kind == MemberKind.Tuple && TupleShape(memberType) != format.TupleShape))
                {
                    diagnostics.Add(Diag(Diagnostics.UnsupportedMemberType.Id, memberLocation, member.Name, memberType.ToDisplayString(), format.Name, format.Expected));
                    continue;
                }

                if (kind == MemberKind.Span && !type.IsRefLikeType)
                {
                    diagnostics.Add(Diag(Diagnostics.SpanNeedsRefStruct.Id, memberLocation, member.Name, displayName));
                    continue;
                }

                if (format.Name == "Raw" && i != fieldMembers.Count - 1)
                {
                    diagnostics.Add(Diag(Diagnostics.RawNotLast.Id, memberLocation, member.Name, displayName));
                    continue;
                }

                fields.Add(BuildField(Identifier(member.Name), SnakeCase(member.Name), memberType, format, elementType));
            }

            var fullName = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            var ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
            var hint = type.ToDisplayString(s_hintNameFormat) + ".g.cs";

            return new PayloadModel(
                ns,
                Identifier(type.Name),
                fullName,
                hint,
                Modifiers(type),
                new EquatableArray<ContainingTypeModel>(containing.ToArray()),
                messageId,
                signed,
                new EquatableArray<FieldModel>(fields.ToArray()),
                location,
                new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
        }

        private static FieldModel BuildField(string name, string wireName, ITypeSymbol memberType, FormatInfo format, ITypeSymbol? elementType)
        {
            var typeName = memberType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            string read, write, size;
            string? nested = null;
            switch (format.Name)
            {
                case "Bytes20" or "Bytes32" or "Bytes64" or "Bytes74" or "C20s":
                    read = $"reader.TryReadFixed({format.FixedSize}, out {typeName} {{0}})";
                    write = $"writer.WriteFixed({{0}}, {format.FixedSize});";
                    size = format.FixedSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "Payload":
                    read = $"reader.TryReadPayload<{typeName}>(out {typeName} {{0}})";
                    write = $"writer.WritePayload<{typeName}>({{0}});";
                    size = $"global::Ipv8.Wire.WireSize.Payload<{typeName}>({{0}})";
                    nested = typeName;
                    break;
                case "PayloadList":
                    var element = elementType!.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                    read = $"reader.TryReadPayloadList<{element}>(out {typeName} {{0}})";
                    write = $"writer.WritePayloadList<{element}>({{0}});";
                    size = $"global::Ipv8.Wire.WireSize.PayloadList<{element}>({{0}})";
                    nested = element;
                    break;
                default:
                    read = $"reader.TryRead{format.Method}(out {typeName} {{0}})";
                    write = $"writer.Write{format.Method}({{0}});";
                    size = format.FixedSize >= 0
                        ? format.FixedSize.ToString(System.Globalization.CultureInfo.InvariantCulture)
                        : $"global::Ipv8.Wire.WireSize.{format.Method}({{0}})";
                    break;
            }

            return new FieldModel(name, typeName, format.Name, read, write, size, wireName, nested);
        }

        private static MemberKind Classify(ITypeSymbol type, out ITypeSymbol? elementType)
        {
            elementType = null;
            switch (type.SpecialType)
            {
                case SpecialType.System_Byte: return MemberKind.Byte;
                case SpecialType.System_UInt16: return MemberKind.UInt16;
                case SpecialType.System_UInt32: return MemberKind.UInt32;
                case SpecialType.System_UInt64: return MemberKind.UInt64;
                case SpecialType.System_Int64: return MemberKind.Int64;
                case SpecialType.System_Boolean: return MemberKind.Bool;
                case SpecialType.System_Single: return MemberKind.Single;
                case SpecialType.System_Double: return MemberKind.Double;
                case SpecialType.System_String: return MemberKind.String;
                case SpecialType.System_Int32: return MemberKind.Int32;
            }

            if (type is INamedTypeSymbol { IsTupleType: true })
            {
                return MemberKind.Tuple;
            }

            if (type is IArrayTypeSymbol { Rank: 1 } array)
            {
                switch (array.ElementType.SpecialType)
                {
                    case SpecialType.System_Byte: return MemberKind.ByteArray;
                    case SpecialType.System_Boolean: return MemberKind.BoolArray;
                    case SpecialType.System_Int64: return MemberKind.Int64Array;
                    case SpecialType.System_Double: return MemberKind.DoubleArray;
                }

                if (array.ElementType is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte })
                {
                    return MemberKind.ByteArrayArray;
                }

                if (IsPayload(array.ElementType) && !array.ElementType.IsRefLikeType && array.ElementType.IsValueType)
                {
                    elementType = array.ElementType;
                    return MemberKind.NestedPayloadArray;
                }

                return MemberKind.Unsupported;
            }

            var name = type.ToDisplayString();
            switch (name)
            {
                case "System.ReadOnlySpan<byte>": return MemberKind.Span;
                case "Ipv8.Wire.UdpAddress": return MemberKind.UdpAddress;
                case "Ipv8.Wire.HostAddress": return MemberKind.HostAddress;
            }

            return IsPayload(type) ? MemberKind.NestedPayload : MemberKind.Unsupported;
        }

        /// <summary>The element types of a tuple as <c>byte,ushort</c>, to compare with a struct format's shape.</summary>
        private static string TupleShape(ITypeSymbol type) =>
            type is INamedTypeSymbol { IsTupleType: true } tuple
                ? string.Join(",", tuple.TupleElements.Select(e => e.Type.ToDisplayString()))
                : string.Empty;

        private static bool IsPayload(ITypeSymbol type) =>
            type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == PayloadAttributeName);

        private static bool IsSettable(ISymbol member) => member switch
        {
            IPropertySymbol p => !p.IsStatic && p.SetMethod is not null && !p.IsIndexer,
            IFieldSymbol f => !f.IsStatic && !f.IsReadOnly && !f.IsConst,
            _ => false,
        };

        private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
            type.DeclaringSyntaxReferences.All(r =>
                r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));

        private static string Keyword(INamedTypeSymbol type)
        {
            if (type.IsRecord)
            {
                return type.IsValueType ? "record struct" : "record";
            }

            return type.TypeKind switch
            {
                TypeKind.Struct => "struct",
                TypeKind.Interface => "interface",
                _ => "class",
            };
        }

        private static string Modifiers(INamedTypeSymbol type)
        {
            var parts = new List<string>();
            if (type.IsReadOnly)
            {
                parts.Add("readonly");
            }

            if (type.IsRefLikeType)
            {
                parts.Add("ref");
            }

            parts.Add("partial");
            parts.Add(Keyword(type));
            return string.Join(" ", parts);
        }

        /// <summary>
        /// A member name in snake case, as py-ipv8 names fields: an underscore before a capital that follows a small
        /// letter or a digit, or that starts a word after capitals (<c>TBOverlap</c>: <c>tb_overlap</c>), all in lower case.
        /// </summary>
        internal static string SnakeCase(string name)
        {
            var sb = new System.Text.StringBuilder(name.Length + 4);
            for (var i = 0; i < name.Length; i++)
            {
                var c = name[i];
                if (char.IsUpper(c) && i > 0)
                {
                    var previous = name[i - 1];
                    var startsWord = char.IsLower(previous) || char.IsDigit(previous)
                        || (char.IsUpper(previous) && i + 1 < name.Length && char.IsLower(name[i + 1]));
                    if (startsWord && previous != '_')
                    {
                        sb.Append('_');
                    }
                }

                sb.Append(char.ToLowerInvariant(c));
            }

            return sb.ToString();
        }

        /// <summary>Escapes a name that is a C# keyword (<c>@event</c>), so the generated code can use it.</summary>
        private static string Identifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None ? name : "@" + name;

        private static DiagnosticInfo Diag(string id, LocationInfo? location, params string[] args) =>
            new(id, location, new EquatableArray<string>(args));
    }
}

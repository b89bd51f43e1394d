using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace AgentGateway.Engine.Tests.Architecture;

/// <summary>
/// The public surface of an assembly as text, read from its metadata (nothing is loaded, so the cmdlet assembly's
/// PowerShell types need not resolve): one line per public type and per public or protected member, sorted.
/// </summary>
internal static class PublicApi
{
    public static IReadOnlyList<string> Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new TypeNames(md);
        var lines = new List<string>();
        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            if (!IsVisible(md, type))
            {
                continue;
            }

            var name = names.Definition(handle);
            lines.Add($"{Kind(type)} {name}{Base(md, type, names)}");
            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                if (IsVisible(field.Attributes) && (field.Attributes & FieldAttributes.SpecialName) == 0)
                {
                    var static_ = (field.Attributes & FieldAttributes.Static) != 0 ? "static " : string.Empty;
                    lines.Add($"  {name}: {static_}field {field.DecodeSignature(names, null)} {md.GetString(field.Name)}");
                }
            }

            foreach (var m in type.GetMethods())
            {
                var method = md.GetMethodDefinition(m);
                if (!IsVisible(method.Attributes))
                {
                    continue;
                }

                var sig = method.DecodeSignature(names, null);
                var parameters = method.GetParameters().Select(p => md.GetParameter(p)).Where(p => p.SequenceNumber > 0)
                    .OrderBy(p => p.SequenceNumber).Select(p => md.GetString(p.Name)).ToArray();
                var args = string.Join(", ", sig.ParameterTypes.Select((t, i) => i < parameters.Length ? $"{t} {parameters[i]}" : t));
                var static_ = (method.Attributes & MethodAttributes.Static) != 0 ? "static " : string.Empty;
                var generic = method.GetGenericParameters().Count > 0 ? $"<{method.GetGenericParameters().Count}>" : string.Empty;
                lines.Add($"  {name}: {static_}{sig.ReturnType} {md.GetString(method.Name)}{generic}({args})");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static bool IsVisible(MetadataReader md, TypeDefinition type)
    {
        var visibility = type.Attributes & TypeAttributes.VisibilityMask;
        if (visibility == TypeAttributes.Public)
        {
            return true;
        }

        return visibility is TypeAttributes.NestedPublic or TypeAttributes.NestedFamily or TypeAttributes.NestedFamORAssem
            && IsVisible(md, md.GetTypeDefinition(type.GetDeclaringType()));
    }

    private static bool IsVisible(FieldAttributes a) =>
        (a & FieldAttributes.FieldAccessMask) is FieldAttributes.Public or FieldAttributes.Family or FieldAttributes.FamORAssem;

    private static bool IsVisible(MethodAttributes a) =>
        (a & MethodAttributes.MemberAccessMask) is MethodAttributes.Public or MethodAttributes.Family or MethodAttributes.FamORAssem;

    private static string Kind(TypeDefinition type)
    {
        if ((type.Attributes & TypeAttributes.Interface) != 0)
        {
            return "interface";
        }

        var sealed_ = (type.Attributes & TypeAttributes.Sealed) != 0;
        var abstract_ = (type.Attributes & TypeAttributes.Abstract) != 0;
        return (sealed_, abstract_) switch
        {
            (true, true) => "static class",
            (true, false) => "sealed class",
            (false, true) => "abstract class",
            _ => "class",
        };
    }

    private static string Base(MetadataReader md, TypeDefinition type, TypeNames names)
    {
        var parts = new List<string>();
        if (!type.BaseType.IsNil)
        {
            var b = names.Of(type.BaseType);
            if (b is not ("System.Object"))
            {
                parts.Add(b);
            }
        }

        parts.AddRange(type.GetInterfaceImplementations().Select(i => names.Of(md.GetInterfaceImplementation(i).Interface)).Order(StringComparer.Ordinal));
        return parts.Count == 0 ? string.Empty : " : " + string.Join(", ", parts);
    }

    private sealed class TypeNames(MetadataReader md) : ISignatureTypeProvider<string, object?>
    {
        public string Of(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => Definition((TypeDefinitionHandle)handle),
            HandleKind.TypeReference => Reference((TypeReferenceHandle)handle),
            HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null),
            _ => "?",
        };

        public string Definition(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            var name = md.GetString(type.Name);
            return type.GetDeclaringType() is { IsNil: false } outer ? $"{Definition(outer)}+{name}" : Join(md.GetString(type.Namespace), name);
        }

        private string Reference(TypeReferenceHandle handle)
        {
            var type = md.GetTypeReference(handle);
            var name = md.GetString(type.Name);
            return type.ResolutionScope.Kind == HandleKind.TypeReference
                ? $"{Reference((TypeReferenceHandle)type.ResolutionScope)}+{name}"
                : Join(md.GetString(type.Namespace), name);
        }

        private static string Join(string ns, string name) => ns.Length == 0 ? name : $"{ns}.{name}";

        public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', shape.Rank - 1)}]";
        public string GetByReferenceType(string elementType) => $"ref {elementType}";
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(", ", typeArguments)}>";
        public string GetGenericMethodParameter(object? genericContext, int index) => $"!!{index}";
        public string GetGenericTypeParameter(object? genericContext, int index) => $"!{index}";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetPinnedType(string elementType) => elementType;
        public string GetPointerType(string elementType) => $"{elementType}*";
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSZArrayType(string elementType) => $"{elementType}[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Definition(handle);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => Reference(handle);
        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
    }
}

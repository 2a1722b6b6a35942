// Prints, as JSON on stdout, what a compiled .NET assembly offers for binding:
//  - "exports": every method carrying [UnmanagedCallersOnly(EntryPoint = "...")], with parameter
//    names and type shapes (hand-written exports);
//  - "types": every type written by the user (not compiler-generated, not aotwheel's own) with its [PyExport] marks, members, enum values and
//    record/struct fields (the input of aotwheel's [PyExport] shim generator).
// aotwheel decides what is bindable; this tool only reports what the metadata says.
// The report opens with "contract": the version of its shape, which aotwheel passes in (--contract N,
// CONTRACT in pytools/report.py, where the reason is written down): one number, defined in Python,
// bumped there with any change to what this tool writes.
using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.Json;

if (args.Length != 3 || args[0] != "--contract" || !int.TryParse(args[1], out var contract))
{
    Console.Error.WriteLine("usage: AotWheel.Inspector --contract <N> <assembly.dll>");
    return 2;
}
var assemblyPath = args[2];

try
{
    using var stream = File.OpenRead(assemblyPath);
    using var pe = new PEReader(stream);
    if (!pe.HasMetadata)
    {
        Console.Error.WriteLine($"{assemblyPath}: not a .NET assembly (no metadata)");
        return 1;
    }
    var reader = pe.GetMetadataReader();
    using var output = Console.OpenStandardOutput();
    using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
    new AssemblyReport(reader, contract).Write(json);
    return 0;
}
catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"{assemblyPath}: {e.Message}");
    return 1;
}

/// <summary>A type as it appears in a signature, reduced to what a binding generator needs.</summary>
sealed record TypeShape(string Kind, string Name, TypeShape? Element = null, ImmutableArray<TypeShape> Arguments = default)
{
    public static TypeShape Primitive(string name) => new("primitive", name);

    public void Write(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("kind", Kind);
        json.WriteString("name", Name);
        if (Element is not null)
        {
            json.WritePropertyName("element");
            Element.Write(json);
        }
        if (!Arguments.IsDefaultOrEmpty)
        {
            json.WriteStartArray("arguments");
            foreach (var argument in Arguments) argument.Write(json);
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }
}

sealed class ShapeProvider : ISignatureTypeProvider<TypeShape, object?>, ICustomAttributeTypeProvider<TypeShape>
{
    public TypeShape GetPrimitiveType(PrimitiveTypeCode typeCode) => TypeShape.Primitive(typeCode switch
    {
        PrimitiveTypeCode.Boolean => "bool",
        PrimitiveTypeCode.Char => "char",
        PrimitiveTypeCode.SByte => "sbyte",
        PrimitiveTypeCode.Byte => "byte",
        PrimitiveTypeCode.Int16 => "short",
        PrimitiveTypeCode.UInt16 => "ushort",
        PrimitiveTypeCode.Int32 => "int",
        PrimitiveTypeCode.UInt32 => "uint",
        PrimitiveTypeCode.Int64 => "long",
        PrimitiveTypeCode.UInt64 => "ulong",
        PrimitiveTypeCode.IntPtr => "nint",
        PrimitiveTypeCode.UIntPtr => "nuint",
        PrimitiveTypeCode.Single => "float",
        PrimitiveTypeCode.Double => "double",
        PrimitiveTypeCode.String => "string",
        PrimitiveTypeCode.Object => "object",
        PrimitiveTypeCode.Void => "void",
        PrimitiveTypeCode.TypedReference => "typedref",
        _ => typeCode.ToString(),
    });

    public TypeShape GetTypeFromDefinition(MetadataReader r, TypeDefinitionHandle handle, byte rawTypeKind) =>
        new(Kind(rawTypeKind), Names.Of(r, handle));

    public TypeShape GetTypeFromReference(MetadataReader r, TypeReferenceHandle handle, byte rawTypeKind) =>
        new(Kind(rawTypeKind), Names.Of(r, handle));

    public TypeShape GetTypeFromSpecification(MetadataReader r, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
        r.GetTypeSpecification(handle).DecodeSignature(this, context);

    public TypeShape GetPointerType(TypeShape elementType) => new("pointer", elementType.Name + "*", elementType);
    public TypeShape GetByReferenceType(TypeShape elementType) => new("byref", "ref " + elementType.Name, elementType);
    public TypeShape GetSZArrayType(TypeShape elementType) => new("array", elementType.Name + "[]", elementType);
    public TypeShape GetArrayType(TypeShape elementType, ArrayShape shape) =>
        new("mdarray", $"{elementType.Name}[{new string(',', shape.Rank - 1)}]", elementType);
    public TypeShape GetPinnedType(TypeShape elementType) => elementType;
    // Only init-only setters matter (their return type carries modreq(IsExternalInit)); other modifiers are dropped.
    public TypeShape GetModifiedType(TypeShape modifier, TypeShape unmodifiedType, bool isRequired) =>
        isRequired && modifier.Name == "System.Runtime.CompilerServices.IsExternalInit" ? new("initonly", unmodifiedType.Name) : unmodifiedType;
    public TypeShape GetFunctionPointerType(MethodSignature<TypeShape> signature) => new("functionpointer", "delegate* unmanaged");
    public TypeShape GetGenericMethodParameter(object? context, int index) => new("generic-parameter", $"!!{index}");
    public TypeShape GetGenericTypeParameter(object? context, int index) => new("generic-parameter", $"!{index}");
    public TypeShape GetGenericInstantiation(TypeShape genericType, ImmutableArray<TypeShape> typeArguments) =>
        new("generic", genericType.Name, null, typeArguments);

    // Custom attribute blobs name types by serialized name (e.g. typeof(CallConvCdecl) in CallConvs).
    public TypeShape GetSystemType() => new("class", "System.Type");
    public TypeShape GetTypeFromSerializedName(string name) => new("class", name.Split(',')[0]);
    public PrimitiveTypeCode GetUnderlyingEnumType(TypeShape type) => PrimitiveTypeCode.Int32;
    public bool IsSystemType(TypeShape type) => type.Name == "System.Type";

    static string Kind(byte rawTypeKind) =>
        rawTypeKind == (byte)SignatureTypeKind.ValueType ? "valuetype" : "class";
}

static class Names
{
    public static string Of(MetadataReader r, TypeDefinitionHandle handle)
    {
        var type = r.GetTypeDefinition(handle);
        var name = r.GetString(type.Name);
        var declaring = type.GetDeclaringType();
        if (!declaring.IsNil) return Of(r, declaring) + "+" + name;
        var ns = r.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    public static string Of(MetadataReader r, TypeReferenceHandle handle)
    {
        var type = r.GetTypeReference(handle);
        var name = r.GetString(type.Name);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
            return Of(r, (TypeReferenceHandle)type.ResolutionScope) + "+" + name;
        var ns = r.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    public static string OfAttribute(MetadataReader r, CustomAttribute attribute) => attribute.Constructor.Kind switch
    {
        HandleKind.MethodDefinition => Of(r, r.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType()),
        HandleKind.MemberReference => r.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent switch
        {
            { Kind: HandleKind.TypeReference } parent => Of(r, (TypeReferenceHandle)parent),
            { Kind: HandleKind.TypeDefinition } parent => Of(r, (TypeDefinitionHandle)parent),
            _ => "",
        },
        _ => "",
    };
}

sealed class AssemblyReport(MetadataReader reader, int contract)
{
    const string UnmanagedCallersOnly = "System.Runtime.InteropServices.UnmanagedCallersOnlyAttribute";
    const string ReleaseGil = "AotWheel.ReleaseGilAttribute";
    readonly ShapeProvider provider = new();

    public void Write(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteNumber("contract", contract);
        json.WriteString("assembly", reader.GetString(reader.GetAssemblyDefinition().Name));
        json.WriteStartArray("exports");
        foreach (var typeHandle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(typeHandle);
            foreach (var methodHandle in type.GetMethods())
                WriteExport(json, typeHandle, type, reader.GetMethodDefinition(methodHandle));
        }
        json.WriteEndArray();
        json.WriteStartArray("types");
        var types = new TypeReport(reader, provider);
        foreach (var typeHandle in reader.TypeDefinitions)
            if (TypeReport.IsReported(reader, typeHandle)) types.Write(json, typeHandle);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    void WriteExport(Utf8JsonWriter json, TypeDefinitionHandle typeHandle, TypeDefinition type, MethodDefinition method)
    {
        foreach (var attributeHandle in method.GetCustomAttributes())
        {
            var attribute = reader.GetCustomAttribute(attributeHandle);
            if (Names.OfAttribute(reader, attribute) != UnmanagedCallersOnly) continue;
            var value = attribute.DecodeValue(provider);
            var entryPoint = value.NamedArguments.FirstOrDefault(a => a.Name == "EntryPoint").Value as string;
            var signature = method.DecodeSignature(provider, null);

            json.WriteStartObject();
            json.WriteString("entryPoint", entryPoint);
            json.WriteString("declaringType", Names.Of(reader, typeHandle));
            json.WriteString("method", reader.GetString(method.Name));
            json.WriteBoolean("isStatic", method.Attributes.HasFlag(MethodAttributes.Static));
            json.WriteBoolean("isGeneric", signature.GenericParameterCount > 0 || type.GetGenericParameters().Count > 0);
            json.WriteBoolean("releaseGil", Carries(method.GetCustomAttributes(), ReleaseGil) || Carries(type.GetCustomAttributes(), ReleaseGil));
            json.WritePropertyName("returns");
            signature.ReturnType.Write(json);
            json.WriteStartArray("parameters");
            var names = ParameterNames(method);
            for (var i = 0; i < signature.ParameterTypes.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("name", names.GetValueOrDefault(i + 1, $"arg{i}"));
                json.WritePropertyName("type");
                signature.ParameterTypes[i].Write(json);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
    }

    bool Carries(CustomAttributeHandleCollection attributes, string name) =>
        attributes.Any(h => Names.OfAttribute(reader, reader.GetCustomAttribute(h)) == name);

    // Parameter rows are optional in metadata and keyed by sequence number (0 is the return value).
    Dictionary<int, string> ParameterNames(MethodDefinition method)
    {
        var names = new Dictionary<int, string>();
        foreach (var handle in method.GetParameters())
        {
            var parameter = reader.GetParameter(handle);
            if (parameter.SequenceNumber > 0) names[parameter.SequenceNumber] = reader.GetString(parameter.Name);
        }
        return names;
    }
}

// The "types" section of the inspector's report: what aotwheel's [PyExport] generator needs to know
// about each publicly visible type (its [PyExport] mark, public members, enum values, fields).
using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Text.Json;

sealed class TypeReport(MetadataReader reader, ShapeProvider provider)
{
    const string PyExport = "AotWheel.PyExportAttribute";
    const string NullableAttribute = "System.Runtime.CompilerServices.NullableAttribute";
    const string NullableContext = "System.Runtime.CompilerServices.NullableContextAttribute";

    /// <summary>Types the user wrote: not compiler-generated and not aotwheel's own support code.</summary>
    public static bool IsReported(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        var name = Names.Of(reader, handle);
        return !name.Contains('<') && name != "<Module>" && !name.StartsWith("AotWheel.", StringComparison.Ordinal)
            && (type.GetDeclaringType().IsNil || IsReported(reader, type.GetDeclaringType()));
    }

    public static bool IsVisible(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        var visibility = type.Attributes & TypeAttributes.VisibilityMask;
        if (visibility == TypeAttributes.Public) return true;
        return visibility == TypeAttributes.NestedPublic && IsVisible(reader, type.GetDeclaringType());
    }

    public void Write(Utf8JsonWriter json, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        var baseName = BaseTypeName(type);
        var kind = baseName switch
        {
            "System.Enum" => "enum",
            "System.ValueType" => "struct",
            "System.MulticastDelegate" => "delegate",
            _ => (type.Attributes & TypeAttributes.Interface) != 0 ? "interface" : "class",
        };
        json.WriteStartObject();
        json.WriteString("name", Names.Of(reader, handle));
        json.WriteString("simpleName", reader.GetString(type.Name));
        json.WriteString("kind", kind);
        json.WriteBoolean("isPublic", IsVisible(reader, handle));
        json.WriteBoolean("isStatic", (type.Attributes & (TypeAttributes.Abstract | TypeAttributes.Sealed)) == (TypeAttributes.Abstract | TypeAttributes.Sealed));
        json.WriteBoolean("isAbstract", (type.Attributes & TypeAttributes.Abstract) != 0);
        json.WriteBoolean("isGeneric", type.GetGenericParameters().Count > 0);
        json.WriteBoolean("isRecord", type.GetMethods().Any(m => reader.GetString(reader.GetMethodDefinition(m).Name) == "<Clone>$"));
        json.WriteBoolean("isFlags", HasAttribute(type.GetCustomAttributes(), "System.FlagsAttribute"));
        WritePyExport(json, type.GetCustomAttributes());
        json.WriteString("baseType", baseName);
        json.WriteStartArray("interfaces");
        foreach (var implementation in type.GetInterfaceImplementations())
        {
            var implemented = reader.GetInterfaceImplementation(implementation).Interface;
            // A generic instantiation (IEquatable<T>) is no [PyExport] interface: only named ones are reported.
            if (implemented.Kind == HandleKind.TypeDefinition) json.WriteStringValue(Names.Of(reader, (TypeDefinitionHandle)implemented));
            else if (implemented.Kind == HandleKind.TypeReference) json.WriteStringValue(Names.Of(reader, (TypeReferenceHandle)implemented));
        }
        json.WriteEndArray();
        var context = TypeNullableContext(handle);
        if (kind == "enum") WriteEnum(json, type);
        WriteFields(json, type, context);
        WriteProperties(json, type, context);
        WriteMethods(json, type, context);
        json.WriteEndObject();
    }

    // An interface has none: its nil handle is of kind TypeDefinition, and names no type.
    string BaseTypeName(TypeDefinition type) => type.BaseType.IsNil ? "" : type.BaseType.Kind switch
    {
        HandleKind.TypeReference => Names.Of(reader, (TypeReferenceHandle)type.BaseType),
        HandleKind.TypeDefinition => Names.Of(reader, (TypeDefinitionHandle)type.BaseType),
        _ => "",
    };

    void WriteEnum(Utf8JsonWriter json, TypeDefinition type)
    {
        json.WriteStartArray("values");
        string underlying = "int";
        foreach (var handle in type.GetFields())
        {
            var field = reader.GetFieldDefinition(handle);
            if ((field.Attributes & FieldAttributes.Static) == 0)
            {
                underlying = field.DecodeSignature(provider, null).Name; // the value__ field
                continue;
            }
            json.WriteStartObject();
            json.WriteString("name", reader.GetString(field.Name));
            json.WritePropertyName("value");
            WriteConstant(json, field.GetDefaultValue());
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("underlying", underlying);
    }

    void WriteFields(Utf8JsonWriter json, TypeDefinition type, byte context)
    {
        json.WriteStartArray("fields");
        foreach (var handle in type.GetFields())
        {
            var field = reader.GetFieldDefinition(handle);
            const FieldAttributes skip = FieldAttributes.Static | FieldAttributes.Literal;
            if ((field.Attributes & skip) != 0 || (field.Attributes & FieldAttributes.FieldAccessMask) != FieldAttributes.Public) continue;
            json.WriteStartObject();
            json.WriteString("name", reader.GetString(field.Name));
            json.WritePropertyName("type");
            field.DecodeSignature(provider, null).Write(json);
            json.WriteBoolean("isReadOnly", (field.Attributes & FieldAttributes.InitOnly) != 0);
            json.WriteBoolean("nullable", Nullable(field.GetCustomAttributes(), context) == 2);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    void WriteProperties(Utf8JsonWriter json, TypeDefinition type, byte context)
    {
        json.WriteStartArray("properties");
        foreach (var handle in type.GetProperties())
        {
            var property = reader.GetPropertyDefinition(handle);
            var accessors = property.GetAccessors();
            var getter = PublicAccessor(accessors.Getter);
            var setter = PublicAccessor(accessors.Setter);
            if (getter is null && setter is null) continue;
            var signature = property.DecodeSignature(provider, null);
            json.WriteStartObject();
            json.WriteString("name", reader.GetString(property.Name));
            json.WritePropertyName("type");
            signature.ReturnType.Write(json);
            json.WriteBoolean("isStatic", !signature.Header.IsInstance);
            json.WriteBoolean("isIndexer", signature.ParameterTypes.Length > 0);
            json.WriteBoolean("canRead", getter is not null);
            var initOnly = setter is { } s && s.DecodeSignature(provider, null).ReturnType.Kind == "initonly";
            json.WriteBoolean("canWrite", setter is not null && !initOnly);
            json.WriteBoolean("isInitOnly", initOnly);
            json.WriteBoolean("nullable", Nullable(property.GetCustomAttributes(), context) == 2);
            WritePyExport(json, property.GetCustomAttributes());
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    MethodDefinition? PublicAccessor(MethodDefinitionHandle handle)
    {
        if (handle.IsNil) return null;
        var method = reader.GetMethodDefinition(handle);
        return (method.Attributes & MethodAttributes.MemberAccessMask) == MethodAttributes.Public ? method : null;
    }

    void WriteMethods(Utf8JsonWriter json, TypeDefinition type, byte typeContext)
    {
        json.WriteStartArray("methods");
        foreach (var handle in type.GetMethods())
        {
            var method = reader.GetMethodDefinition(handle);
            var isPublic = (method.Attributes & MethodAttributes.MemberAccessMask) == MethodAttributes.Public;
            if (!isPublic && !HasAttribute(method.GetCustomAttributes(), PyExport)) continue;
            var name = reader.GetString(method.Name);
            var isConstructor = name == ".ctor";
            // Property/event accessors and operators are reported through their own sections or not at all.
            if ((method.Attributes & MethodAttributes.SpecialName) != 0 && !isConstructor) continue;
            var signature = method.DecodeSignature(provider, null);
            var context = Context(method.GetCustomAttributes()) ?? typeContext;
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteBoolean("isPublic", isPublic);
            json.WriteBoolean("isStatic", (method.Attributes & MethodAttributes.Static) != 0);
            json.WriteBoolean("isConstructor", isConstructor);
            json.WriteBoolean("isGeneric", signature.GenericParameterCount > 0);
            WritePyExport(json, method.GetCustomAttributes());
            json.WritePropertyName("returns");
            signature.ReturnType.Write(json);
            var rows = method.GetParameters().Select(reader.GetParameter).ToDictionary(p => p.SequenceNumber);
            // No row for the return value: its annotation is the method's [NullableContext] (string? F(string? s)).
            json.WriteBoolean("returnsNullable", (rows.TryGetValue(0, out var ret) ? Nullable(ret.GetCustomAttributes(), context) : context) == 2);
            json.WriteStartArray("parameters");
            for (var i = 0; i < signature.ParameterTypes.Length; i++)
            {
                rows.TryGetValue(i + 1, out var row);
                var hasRow = rows.ContainsKey(i + 1);
                json.WriteStartObject();
                json.WriteString("name", hasRow ? reader.GetString(row.Name) : $"arg{i}");
                json.WritePropertyName("type");
                signature.ParameterTypes[i].Write(json);
                json.WriteBoolean("isOut", hasRow && (row.Attributes & ParameterAttributes.Out) != 0);
                json.WriteBoolean("isIn", hasRow && (row.Attributes & ParameterAttributes.In) != 0);
                json.WriteBoolean("isParams", hasRow && HasAttribute(row.GetCustomAttributes(), "System.ParamArrayAttribute"));
                json.WriteBoolean("nullable", hasRow && Nullable(row.GetCustomAttributes(), context) == 2);
                var hasConstant = hasRow && (row.Attributes & ParameterAttributes.HasDefault) != 0;
                // A decimal default has no metadata constant: C# records it as [DecimalConstant].
                var decimalDefault = hasRow && !hasConstant ? DecimalConstant(row.GetCustomAttributes()) : null;
                json.WriteBoolean("hasDefault", hasConstant || decimalDefault is not null);
                if (hasConstant)
                {
                    json.WritePropertyName("default");
                    WriteConstant(json, row.GetDefaultValue());
                }
                else if (decimalDefault is { } value)
                {
                    json.WriteStartObject("default");
                    json.WriteString("kind", "decimal");
                    json.WriteString("value", value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    void WritePyExport(Utf8JsonWriter json, CustomAttributeHandleCollection attributes)
    {
        foreach (var handle in attributes)
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (Names.OfAttribute(reader, attribute) != PyExport) continue;
            var value = attribute.DecodeValue(provider);
            json.WriteStartObject("pyExport");
            if (value.NamedArguments.FirstOrDefault(a => a.Name == "Name").Value is string name) json.WriteString("name", name);
            if (value.NamedArguments.FirstOrDefault(a => a.Name == "ReleaseGil").Value is true) json.WriteBoolean("releaseGil", true);
            json.WriteEndObject();
            return;
        }
        json.WriteNull("pyExport");
    }

    /// <summary>A constant as {"kind", "value"}: kind is int, float, bool, char, string or null.</summary>
    void WriteConstant(Utf8JsonWriter json, ConstantHandle handle)
    {
        json.WriteStartObject();
        if (handle.IsNil)
        {
            json.WriteString("kind", "none");
            json.WriteEndObject();
            return;
        }
        var constant = reader.GetConstant(handle);
        var blob = reader.GetBlobReader(constant.Value);
        var value = blob.ReadConstant(constant.TypeCode);
        switch (value)
        {
            case null: json.WriteString("kind", "null"); break;
            case bool b: json.WriteString("kind", "bool"); json.WriteBoolean("value", b); break;
            // A char as its UTF-16 code unit and a string escaped unit by unit: a lone surrogate, which
            // JSON text cannot hold as UTF-8, arrives as itself.
            case char c: json.WriteString("kind", "char"); json.WriteNumber("value", (int)c); break;
            case string s:
                json.WriteString("kind", "string");
                json.WritePropertyName("value");
                json.WriteRawValue(Escaped(s), skipInputValidation: true);
                break;
            case float or double:
                var d = Convert.ToDouble(value);
                json.WriteString("kind", "float");
                json.WritePropertyName("value");
                if (double.IsFinite(d)) json.WriteRawValue(FloatText(d), skipInputValidation: true);
                else json.WriteStringValue(double.IsNaN(d) ? "nan" : d > 0 ? "inf" : "-inf");
                break;
            case ulong u: json.WriteString("kind", "int"); json.WriteNumber("value", u); break;
            default: json.WriteString("kind", "int"); json.WriteNumber("value", Convert.ToInt64(value)); break;
        }
        json.WriteEndObject();
    }

    /// <summary>A JSON string literal of *text*, every character outside printable ASCII as \\uXXXX.</summary>
    static string Escaped(string text)
    {
        var escaped = new System.Text.StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') escaped.Append(c);
            else escaped.Append("\\u").Append(((int)c).ToString("x4"));
        }
        return escaped.Append('"').ToString();
    }

    /// <summary>A JSON number that reads back as the same double: with a point or an exponent, so
    /// that -0.0 stays negative zero and 1.0 stays a float.</summary>
    static string FloatText(double value)
    {
        var text = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') ? text : text + ".0";
    }

    /// <summary>The value of a [DecimalConstant(scale, sign, hi, mid, lo)] (kept exactly: 1.10m stays 1.10).</summary>
    decimal? DecimalConstant(CustomAttributeHandleCollection attributes)
    {
        foreach (var handle in attributes)
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (Names.OfAttribute(reader, attribute) != "System.Runtime.CompilerServices.DecimalConstantAttribute") continue;
            var arguments = attribute.DecodeValue(provider).FixedArguments;
            if (arguments.Length != 5) return null;
            // The mantissa words are uint or int, depending on the constructor the compiler chose.
            int Word(int index) => unchecked((int)Convert.ToInt64(arguments[index].Value));
            return new decimal(Word(4), Word(3), Word(2), Convert.ToByte(arguments[1].Value) != 0, Convert.ToByte(arguments[0].Value));
        }
        return null;
    }

    bool HasAttribute(CustomAttributeHandleCollection attributes, string name) =>
        attributes.Any(h => Names.OfAttribute(reader, reader.GetCustomAttribute(h)) == name);

    // Nullable reference annotations: [Nullable(b)] or [Nullable(b[])] on the member (first byte is the
    // top-level type), else the nearest [NullableContext(b)]. 1 = not null, 2 = may be null, 0 = oblivious.
    byte Nullable(CustomAttributeHandleCollection attributes, byte context)
    {
        foreach (var handle in attributes)
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (Names.OfAttribute(reader, attribute) != NullableAttribute) continue;
            var argument = attribute.DecodeValue(provider).FixedArguments[0].Value;
            return argument switch
            {
                byte b => b,
                ImmutableArray<CustomAttributeTypedArgument<TypeShape>> bytes when bytes.Length > 0 => (byte)bytes[0].Value!,
                _ => context,
            };
        }
        return context;
    }

    byte? Context(CustomAttributeHandleCollection attributes)
    {
        foreach (var handle in attributes)
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (Names.OfAttribute(reader, attribute) == NullableContext && attribute.DecodeValue(provider).FixedArguments[0].Value is byte b) return b;
        }
        return null;
    }

    byte TypeNullableContext(TypeDefinitionHandle handle)
    {
        for (var current = handle; !current.IsNil; current = reader.GetTypeDefinition(current).GetDeclaringType())
            if (Context(reader.GetTypeDefinition(current).GetCustomAttributes()) is { } b) return b;
        return 0;
    }
}

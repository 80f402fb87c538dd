using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Partnumber.Client.Tests.Architecture;

/// <summary>A type one assembly's code refers to: the assembly it is defined in and its top-level type's full name.</summary>
internal readonly record struct TypeKey(string Assembly, string FullName)
{
    public override string ToString() => $"{FullName} ({Assembly})";
}

/// <summary>One top-level type of a compiled assembly: the source folders it is declared in (from the portable PDB,
/// relative to the project's folder, "" for the project's root) and every type its code refers to.</summary>
internal sealed record TypeDependencies(string FullName, IReadOnlySet<string> Folders, IReadOnlySet<TypeKey> References);

/// <summary>
/// Reads the type references of a compiled assembly with System.Reflection.Metadata: base types, interfaces, field,
/// method, property and event signatures, generic constraints, custom attributes, locals, catch clauses and every
/// token in the IL. Nested and compiler-generated types (lambdas, async state machines) count for their top-level type.
/// The folder of a type comes from the documents its portable PDB names (sequence points, and the type-definition
/// documents Roslyn writes for types without method bodies): namespaces do not map to folders in this repository
/// (<c>Exceptions/</c>, <c>Batch/</c>, <c>Reconnect/</c> are all <c>Partnumber.Client</c>).
/// </summary>
internal static class AssemblyDependencyReader
{
    private static readonly Guid TypeDefinitionDocumentsKind = new("932E74BC-DBA9-4478-8D46-0F32A7BAB3D3");

    private static readonly Dictionary<short, OperandType> OperandTypes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value, code => code.OperandType);

    /// <summary>Reads <paramref name="assemblyPath"/> (its .pdb beside it); <paramref name="projectFolder"/> is the
    /// source folder of the project, to which document paths are made relative (documents outside it, generated code,
    /// are ignored; the linked source of src/Shared/ is placed at "../Shared/…").</summary>
    public static IReadOnlyList<TypeDependencies> Read(string assemblyPath, string projectFolder)
    {
        using var peStream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(peStream);
        var md = pe.GetMetadataReader();
        using var pdbStream = File.OpenRead(Path.ChangeExtension(assemblyPath, ".pdb"));
        using var pdbProvider = MetadataReaderProvider.FromPortablePdbStream(pdbStream);
        var pdb = pdbProvider.GetMetadataReader();
        var self = md.GetString(md.GetAssemblyDefinition().Name);
        var projectName = Path.GetFileName(Path.TrimEndingDirectorySeparator(projectFolder));

        var folders = new Dictionary<TypeDefinitionHandle, HashSet<string>>();
        var references = new Dictionary<TypeDefinitionHandle, HashSet<TypeKey>>();
        var names = new Names(md, self);

        foreach (var handle in md.TypeDefinitions)
        {
            var owner = names.TopLevel(handle);
            var typeFolders = Get(folders, owner);
            var found = Get(references, owner);
            var collector = new Collector(names, found);
            var type = md.GetTypeDefinition(handle);

            foreach (var info in pdb.GetCustomDebugInformation(handle))
            {
                if (pdb.GetGuid(pdb.GetCustomDebugInformation(info).Kind) == TypeDefinitionDocumentsKind)
                {
                    var blob = pdb.GetBlobReader(pdb.GetCustomDebugInformation(info).Value);
                    while (blob.RemainingBytes > 0)
                    {
                        AddFolder(typeFolders, pdb, MetadataTokens.DocumentHandle(blob.ReadCompressedInteger()), projectFolder, projectName);
                    }
                }
            }

            collector.Add(type.BaseType);
            foreach (var implemented in type.GetInterfaceImplementations())
            {
                collector.Add(md.GetInterfaceImplementation(implemented).Interface);
            }

            collector.Attributes(type.GetCustomAttributes());
            collector.GenericParameters(type.GetGenericParameters());

            foreach (var fieldHandle in type.GetFields())
            {
                var field = md.GetFieldDefinition(fieldHandle);
                field.DecodeSignature(collector, null);
                collector.Attributes(field.GetCustomAttributes());
            }

            foreach (var propertyHandle in type.GetProperties())
            {
                var property = md.GetPropertyDefinition(propertyHandle);
                property.DecodeSignature(collector, null);
                collector.Attributes(property.GetCustomAttributes());
            }

            foreach (var eventHandle in type.GetEvents())
            {
                var @event = md.GetEventDefinition(eventHandle);
                collector.Add(@event.Type);
                collector.Attributes(@event.GetCustomAttributes());
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                method.DecodeSignature(collector, null);
                collector.Attributes(method.GetCustomAttributes());
                collector.GenericParameters(method.GetGenericParameters());
                foreach (var parameter in method.GetParameters())
                {
                    collector.Attributes(md.GetParameter(parameter).GetCustomAttributes());
                }

                var debug = pdb.GetMethodDebugInformation(methodHandle);
                if (!debug.Document.IsNil)
                {
                    AddFolder(typeFolders, pdb, debug.Document, projectFolder, projectName);
                }
                else if (!debug.SequencePointsBlob.IsNil)
                {
                    foreach (var point in debug.GetSequencePoints())
                    {
                        AddFolder(typeFolders, pdb, point.Document, projectFolder, projectName);
                    }
                }

                if (method.RelativeVirtualAddress != 0)
                {
                    Body(pe.GetMethodBody(method.RelativeVirtualAddress), md, collector);
                }
            }
        }

        return folders.Keys
            .Select(handle => new TypeDependencies(names.FullName(handle), folders[handle], references[handle]))
            .ToList();
    }

    private static HashSet<T> Get<T>(Dictionary<TypeDefinitionHandle, HashSet<T>> map, TypeDefinitionHandle key)
    {
        if (!map.TryGetValue(key, out var set))
        {
            map[key] = set = new HashSet<T>();
        }

        return set;
    }

    private static void AddFolder(HashSet<string> folders, MetadataReader pdb, DocumentHandle handle, string projectFolder, string projectName)
    {
        var path = pdb.GetString(pdb.GetDocument(handle).Name).Replace('\\', '/');
        // Deterministic builds map the repository to "/_/": find the project's folder by name in either form.
        // Linked source shared by both packages (src/Shared/) is placed relative to the project: "../Shared/EngineIO".
        var marker = "/src/" + projectName + "/";
        var at = path.LastIndexOf(marker, StringComparison.Ordinal);
        var shared = path.LastIndexOf("/src/Shared/", StringComparison.Ordinal);
        if (at < 0 && shared < 0)
        {
            return;
        }

        var relative = at >= 0 ? path[(at + marker.Length)..] : "../" + path[(shared + "/src/".Length)..];
        if (relative.StartsWith("obj/", StringComparison.Ordinal) || !File.Exists(Path.Combine(projectFolder, relative)))
        {
            return; // generated code (source generators, AssemblyInfo)
        }

        folders.Add(Path.GetDirectoryName(relative)!.Replace('\\', '/'));
    }

    private static void Body(MethodBodyBlock body, MetadataReader md, Collector collector)
    {
        if (!body.LocalSignature.IsNil)
        {
            md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(collector, null);
        }

        foreach (var region in body.ExceptionRegions)
        {
            collector.Add(region.CatchType);
        }

        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            short value = il.ReadByte();
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il.ReadByte()));
            }

            switch (OperandTypes[value])
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                case OperandType.InlineSig:
                    collector.Add(MetadataTokens.EntityHandle(il.ReadInt32()));
                    break;
                case OperandType.InlineSwitch:
                    il.Offset += 4 * il.ReadInt32();
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    il.Offset += 8;
                    break;
                default: // InlineBrTarget, InlineI, InlineString, ShortInlineR
                    il.Offset += 4;
                    break;
            }
        }
    }

    /// <summary>Names of type handles: top-level owner and full name.</summary>
    private sealed class Names(MetadataReader md, string self)
    {
        public string Self => self;

        public MetadataReader Reader => md;

        public TypeDefinitionHandle TopLevel(TypeDefinitionHandle handle)
        {
            while (md.GetTypeDefinition(handle).GetDeclaringType() is { IsNil: false } outer)
            {
                handle = outer;
            }

            return handle;
        }

        public string FullName(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            var ns = md.GetString(type.Namespace);
            var name = md.GetString(type.Name);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public TypeKey Key(TypeDefinitionHandle handle) => new(self, FullName(TopLevel(handle)));

        public TypeKey Key(TypeReferenceHandle handle)
        {
            var reference = md.GetTypeReference(handle);
            var scope = reference.ResolutionScope;
            if (!scope.IsNil && scope.Kind == HandleKind.TypeReference)
            {
                return Key((TypeReferenceHandle)scope); // nested: its top-level type
            }

            var ns = md.GetString(reference.Namespace);
            var name = md.GetString(reference.Name);
            var assembly = !scope.IsNil && scope.Kind == HandleKind.AssemblyReference
                ? md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)scope).Name)
                : self;
            return new TypeKey(assembly, ns.Length == 0 ? name : ns + "." + name);
        }
    }

    /// <summary>Adds every type a handle or signature names to one set.</summary>
    private sealed class Collector(Names names, HashSet<TypeKey> found) : ISignatureTypeProvider<object?, object?>
    {
        private MetadataReader Md => names.Reader;

        public void Add(EntityHandle handle)
        {
            if (handle.IsNil)
            {
                return;
            }

            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    found.Add(names.Key((TypeDefinitionHandle)handle));
                    break;
                case HandleKind.TypeReference:
                    found.Add(names.Key((TypeReferenceHandle)handle));
                    break;
                case HandleKind.TypeSpecification:
                    Md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null);
                    break;
                case HandleKind.MethodDefinition:
                    Add(Md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.FieldDefinition:
                    Add(Md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.MemberReference:
                    var member = Md.GetMemberReference((MemberReferenceHandle)handle);
                    Add(member.Parent);
                    if (member.GetKind() == MemberReferenceKind.Method)
                    {
                        member.DecodeMethodSignature(this, null);
                    }
                    else
                    {
                        member.DecodeFieldSignature(this, null);
                    }

                    break;
                case HandleKind.MethodSpecification:
                    var specification = Md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    Add(specification.Method);
                    specification.DecodeSignature(this, null);
                    break;
                case HandleKind.StandaloneSignature:
                    var signature = Md.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                    if (signature.GetKind() == StandaloneSignatureKind.Method)
                    {
                        signature.DecodeMethodSignature(this, null);
                    }

                    break;
            }
        }

        public void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var attribute in attributes)
            {
                Add(Md.GetCustomAttribute(attribute).Constructor);
            }
        }

        public void GenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (var parameter in parameters)
            {
                foreach (var constraint in Md.GetGenericParameter(parameter).GetConstraints())
                {
                    Add(Md.GetGenericParameterConstraint(constraint).Type);
                }
            }
        }

        public object? GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            Add(handle);
            return null;
        }

        public object? GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            Add(handle);
            return null;
        }

        public object? GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind)
        {
            Add(handle);
            return null;
        }

        public object? GetArrayType(object? elementType, ArrayShape shape) => null;

        public object? GetByReferenceType(object? elementType) => null;

        public object? GetFunctionPointerType(MethodSignature<object?> signature) => null;

        public object? GetGenericInstantiation(object? genericType, ImmutableArray<object?> typeArguments) => null;

        public object? GetGenericMethodParameter(object? genericContext, int index) => null;

        public object? GetGenericTypeParameter(object? genericContext, int index) => null;

        public object? GetModifiedType(object? modifier, object? unmodifiedType, bool isRequired) => null;

        public object? GetPinnedType(object? elementType) => null;

        public object? GetPointerType(object? elementType) => null;

        public object? GetPrimitiveType(PrimitiveTypeCode typeCode) => null;

        public object? GetSZArrayType(object? elementType) => null;
    }
}

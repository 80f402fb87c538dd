using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Partnumber.Client.Testing;

namespace Partnumber.Client.Tests.Architecture;

/// <summary>
/// ARCHITECTURE.md's code map, checked: the "Must not depend on" column of its table is read from the file and held
/// against the type references of the compiled SDK (<see cref="AssemblyDependencyReader"/>), so the map and the check
/// cannot drift apart. A folder is checked against its own row or, without one, its nearest ancestor's (root's row
/// is therefore the root files'). The SDK is read as built for this test project's framework (net10.0).
/// </summary>
public sealed class CodeMapTests
{
    private const string SdkAssembly = "Partnumber.Client";

    [Fact]
    public void Every_folder_of_the_sdk_keeps_its_must_not_depend_on_row()
    {
        var rows = CodeMap.Read(Repository.PathOf("ARCHITECTURE.md"));
        var types = SdkTypes();
        var violations = new List<string>();

        foreach (var type in types)
        {
            foreach (var folder in type.Folders)
            {
                var row = CodeMap.RowFor(rows, folder);
                foreach (var reference in type.References)
                {
                    var target = Describe(reference, types);
                    if (row.Forbids(folder, reference, target))
                    {
                        violations.Add($"{Show(folder)} ({type.FullName}) depends on {reference}" +
                            (target is null ? "" : $" in {Show(target)}") + $": its row says must not depend on {row.MustNotText}");
                    }
                }
            }
        }

        Assert.True(violations.Count == 0, "ARCHITECTURE.md's code map is not true:\n" + string.Join("\n", violations.Distinct().Order()));
    }

    [Fact]
    public void Every_row_names_a_folder_and_every_type_is_placed_in_one()
    {
        var rows = CodeMap.Read(Repository.PathOf("ARCHITECTURE.md"));
        var sdk = Repository.PathOf("src", SdkAssembly);
        foreach (var row in rows)
        {
            Assert.True(row.Folder.Length == 0 || Directory.Exists(Path.Combine(sdk, row.Folder)), $"the row {Show(row.Folder)} names no folder of src/{SdkAssembly}");
            foreach (var target in row.Folders)
            {
                Assert.True(Directory.Exists(Path.Combine(sdk, target)), $"the row {Show(row.Folder)} names {target}/, no folder of src/{SdkAssembly}");
            }
        }

        // Every type of the SDK was placed in a folder (a type without one is generated code, not checked).
        var placed = SdkTypes().Where(type => type.Folders.Count > 0).Select(type => type.FullName).ToHashSet();
        Assert.Contains(typeof(PartnumberClassificationClient).FullName!, placed);
        Assert.Contains("Partnumber.Client.Internal.Realtime.EngineIO.EngineIOSession", placed);
        Assert.Contains(typeof(PartnumberClientException).FullName!, placed); // an exception: no method bodies of its own
        Assert.Contains(typeof(ClassificationStatus).FullName!, placed); // an enum: no method bodies at all
    }

    /// <summary>"Partnumber.Client.Testing depends on the SDK's public API only": every SDK type it names is public.</summary>
    [Fact]
    public void The_testing_package_uses_the_sdks_public_api_only()
    {
        Assert.Contains("It depends on the SDK's public API only", File.ReadAllText(Repository.PathOf("ARCHITECTURE.md")), StringComparison.Ordinal);
        var visible = PublicTypes(typeof(PartnumberClassificationClient).Assembly.Location);
        var testing = typeof(FakePartnumberServer).Assembly.Location;
        var used = AssemblyDependencyReader.Read(testing, Repository.PathOf("src", "Partnumber.Client.Testing"))
            .SelectMany(type => type.References.Where(reference => reference.Assembly == SdkAssembly).Select(reference => (type.FullName, reference)))
            .ToList();

        Assert.NotEmpty(used);
        var hidden = used.Where(use => !visible.Contains(use.reference.FullName)).Select(use => $"{use.FullName} uses {use.reference}").Distinct().ToList();
        Assert.True(hidden.Count == 0, "Partnumber.Client.Testing uses what is not the SDK's public API:\n" + string.Join("\n", hidden));
    }

    private static IReadOnlyList<TypeDependencies> SdkTypes() =>
        AssemblyDependencyReader.Read(typeof(PartnumberClassificationClient).Assembly.Location, Repository.PathOf("src", SdkAssembly));

    /// <summary>The SDK folder a reference lands in (null outside the SDK, or in generated code).</summary>
    private static string? Describe(TypeKey reference, IReadOnlyList<TypeDependencies> types)
    {
        if (reference.Assembly != SdkAssembly)
        {
            return null;
        }

        var type = types.FirstOrDefault(candidate => candidate.FullName == reference.FullName);
        return type?.Folders.Order(StringComparer.Ordinal).FirstOrDefault();
    }

    private static HashSet<string> PublicTypes(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        return md.TypeDefinitions
            .Select(md.GetTypeDefinition)
            .Where(type => type.GetDeclaringType().IsNil && (type.Attributes & System.Reflection.TypeAttributes.VisibilityMask) == System.Reflection.TypeAttributes.Public)
            .Select(type => md.GetString(type.Namespace) + "." + md.GetString(type.Name))
            .ToHashSet();
    }

    private static string Show(string folder) => folder.Length == 0 ? "root" : folder + "/";
}

/// <summary>The code-map table of ARCHITECTURE.md, as rows the tests can hold the code against.</summary>
internal static partial class CodeMap
{
    /// <summary>One row: its folder ("" for root) and what it must not depend on.</summary>
    internal sealed record Row(string Folder, string MustNotText, IReadOnlyList<string> Folders, bool EverythingElse,
        IReadOnlyList<(string Assembly, IReadOnlyList<string> Except)> Assemblies)
    {
        /// <summary>Whether code in <paramref name="from"/> may not use <paramref name="reference"/>, which lies in the
        /// SDK folder <paramref name="targetFolder"/> (null outside the SDK).</summary>
        public bool Forbids(string from, TypeKey reference, string? targetFolder)
        {
            foreach (var (assembly, except) in Assemblies)
            {
                if (reference.Assembly == assembly && !except.Any(name => reference.FullName == name || reference.FullName.EndsWith("." + name, StringComparison.Ordinal)))
                {
                    return true;
                }
            }

            if (targetFolder is null || targetFolder == from)
            {
                return false;
            }

            return EverythingElse
                ? !Within(targetFolder, Folder)
                : Folders.Any(folder => Within(targetFolder, folder) && !Within(from, folder));
        }
    }

    public static IReadOnlyList<Row> Read(string architectureMd)
    {
        var lines = File.ReadAllLines(architectureMd);
        var start = Array.FindIndex(lines, line => line.StartsWith("| Folder | What lives there | Must not depend on |", StringComparison.Ordinal));
        Assert.True(start >= 0, "ARCHITECTURE.md has no code-map table (| Folder | What lives there | Must not depend on |)");

        var rows = new List<Row>();
        foreach (var line in lines.Skip(start + 2).TakeWhile(line => line.StartsWith('|')))
        {
            var cells = line.Trim().Trim('|').Split('|');
            var folderCell = cells[0].Trim();
            var folder = folderCell == "root" ? "" : Backticked().Match(folderCell).Groups[1].Value.TrimEnd('/');
            Assert.True(folderCell == "root" || folder.Length > 0, $"code map: cannot read the folder {folderCell}");
            rows.Add(Parse(folder, cells[^1].Trim()));
        }

        Assert.True(rows.Count >= 10, $"code map: read only {rows.Count} rows");
        return rows;
    }

    /// <summary>The row that governs <paramref name="folder"/>: its own, or its nearest ancestor's.</summary>
    public static Row RowFor(IReadOnlyList<Row> rows, string folder) =>
        rows.Where(row => Within(folder, row.Folder)).MaxBy(row => row.Folder.Length)!;

    /// <summary>Whether <paramref name="folder"/> is <paramref name="ancestor"/> or inside it ("" holds everything).</summary>
    public static bool Within(string folder, string ancestor) =>
        ancestor.Length == 0 || folder == ancestor || folder.StartsWith(ancestor + "/", StringComparison.Ordinal);

    /// <summary>Reads a "Must not depend on" cell: "—", or items separated by commas, each one of: a backticked folder
    /// (<c>`Internal/Realtime`</c> or <c>`Internal/Realtime/`</c>: it and its subfolders), "everything else" (every
    /// folder of the SDK outside the row's own), or an assembly (<c>SocketIOClient</c>, backticked or not) optionally
    /// followed by "(except <c>`TypeName`</c>, <c>`TypeName`</c>)". Anything else fails the test.</summary>
    private static Row Parse(string folder, string cell)
    {
        var folders = new List<string>();
        var assemblies = new List<(string, IReadOnlyList<string>)>();
        var everythingElse = false;
        if (cell is "—" or "-")
        {
            return new Row(folder, cell, folders, everythingElse, assemblies);
        }

        var rest = cell;
        while (rest.Length > 0)
        {
            var item = Item().Match(rest);
            Assert.True(item.Success, $"code map: cannot read \"{rest}\" in the row of {(folder.Length == 0 ? "root" : folder + "/")} (see CodeMap.Parse for what a cell may say)");
            if (item.Groups["else"].Success)
            {
                everythingElse = true;
            }
            else if (item.Groups["folder"].Success)
            {
                folders.Add(item.Groups["folder"].Value.TrimEnd('/'));
            }
            else
            {
                var except = item.Groups["except"].Captures.Select(capture => capture.Value).ToList();
                assemblies.Add((item.Groups["assembly"].Value, except));
            }

            rest = rest[item.Length..].TrimStart(',', ' ');
        }

        return new Row(folder, cell, folders, everythingElse, assemblies);
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"^(?:(?<else>everything else)|`(?<folder>[A-Za-z]+/[A-Za-z/]*)`|`?(?<assembly>[A-Z][A-Za-z.]+)`?(?: \(except `(?<except>[A-Za-z.]+)`(?:, `(?<except>[A-Za-z.]+)`)*\))?)")]
    private static partial Regex Item();
}

/// <summary>Files of the repository this test runs from.</summary>
internal static class Repository
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Partnumber.Client.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("no Partnumber.Client.sln above " + AppContext.BaseDirectory);
    });

    public static string PathOf(params string[] parts) => Path.Combine([Root.Value, .. parts]);
}

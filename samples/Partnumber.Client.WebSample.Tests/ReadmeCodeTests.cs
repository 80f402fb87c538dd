using System.Text.RegularExpressions;

namespace Partnumber.Client.WebSample.Tests;

/// <summary>
/// The README and the packages' NuGet readmes (PACKAGE.md) show compiled code: every ```csharp block in them follows a
/// <c>&lt;!-- compiled: PATH#REGION --&gt;</c> marker and is, word for word, the <c>// &lt;REGION&gt;</c> …
/// <c>// &lt;/REGION&gt;</c> region of that file, which the build compiles. Blocks marked the same way in docs/ are
/// checked too (docs/ may also show uncompiled fragments).
/// </summary>
public sealed partial class ReadmeCodeTests
{
    /// <summary>The pages whose every C# block must be compiled code, with regions each must show.</summary>
    public static TheoryData<string, string[]> StrictPages => new()
    {
        { "README.md", ["quick-start", "host-builder", "health-check"] },
        { "src/Partnumber.Client/PACKAGE.md", ["quick-start", "host-builder"] },
        { "src/Partnumber.Client.Testing/PACKAGE.md", ["fake-server-test"] },
    };

    [Theory]
    [MemberData(nameof(StrictPages))]
    public void Every_csharp_block_of_the_README_and_PACKAGE_md_is_the_compiled_code_it_names(string page, string[] requiredRegions)
    {
        var markdown = File.ReadAllText(Path.Combine(RepositoryPaths.Root, page));

        Assert.Empty(Problems(markdown, everyBlockMarked: true));
        var regions = Blocks(markdown).Select(b => b.Region).ToList();
        Assert.All(requiredRegions, r => Assert.Contains(r, regions));
    }

    [Fact]
    public void Every_marked_block_in_docs_is_the_compiled_code_it_names()
    {
        var problems = new List<string>();
        foreach (var page in Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md"))
        {
            problems.AddRange(Problems(File.ReadAllText(page), everyBlockMarked: false).Select(p => $"{Path.GetFileName(page)}: {p}"));
        }

        Assert.Empty(problems);
        var docs = string.Concat(Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md").Select(File.ReadAllText));
        Assert.Contains(Blocks(docs), b => b.Region == "sse-endpoint");
    }

    [Fact]
    public void A_block_that_drifted_from_its_region_is_reported()
    {
        var readme = File.ReadAllText(RepositoryPaths.Readme);
        var drifted = readme.Replace("BaseAddress = new Uri(\"http://localhost:5000\"),", "BaseAddress = new Uri(\"http://localhost:5001\"),", StringComparison.Ordinal);
        Assert.NotEqual(readme, drifted);

        var problem = Assert.Single(Problems(drifted, everyBlockMarked: true));
        Assert.Contains("#quick-start", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unmarked_block_a_missing_region_and_a_stray_marker_are_reported()
    {
        const string Page = """
            ```csharp
            var x = 1;
            ```

            <!-- compiled: samples/Partnumber.Client.WorkerSample/Program.cs#no-such-region -->
            ```csharp
            builder.AddPartnumberClassificationClient();
            ```

            <!-- compiled: samples/Partnumber.Client.WorkerSample/Program.cs#host-builder -->
            ```json
            {}
            ```
            """;

        var problems = Problems(Page, everyBlockMarked: true);

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("no <!-- compiled:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("no // <no-such-region>", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("not followed by a ```csharp block", StringComparison.Ordinal));
        Assert.DoesNotContain(Problems(Page, everyBlockMarked: false), p => p.Contains("no <!-- compiled:", StringComparison.Ordinal));
    }

    /// <summary>What is wrong with the page's C# blocks: each a sentence naming the block; empty when nothing is.</summary>
    private static List<string> Problems(string markdown, bool everyBlockMarked)
    {
        var problems = new List<string>();
        var blocks = Blocks(markdown);
        foreach (var block in blocks)
        {
            if (block.Path is null)
            {
                if (everyBlockMarked)
                {
                    problems.Add($"a C# block has no <!-- compiled: PATH#REGION --> marker: {Excerpt(block.Code)}");
                }

                continue;
            }

            var file = Path.Combine(RepositoryPaths.Root, block.Path);
            if (!File.Exists(file))
            {
                problems.Add($"{block.Path}#{block.Region}: no such file");
                continue;
            }

            var code = Regex.Match(File.ReadAllText(file), $@"// <{Regex.Escape(block.Region!)}>\r?\n(?<code>.*?)\r?\n\s*// </{Regex.Escape(block.Region!)}>", RegexOptions.Singleline);
            if (!code.Success)
            {
                problems.Add($"{block.Path}#{block.Region}: the file has no // <{block.Region}> … // </{block.Region}> region");
            }
            else if (Normalise(code.Groups["code"].Value) != Normalise(block.Code))
            {
                problems.Add($"{block.Path}#{block.Region}: the block is not the region's code. Region: {Normalise(code.Groups["code"].Value)} Block: {Normalise(block.Code)}");
            }
        }

        var markers = Marker().Matches(markdown).Count;
        var used = blocks.Count(b => b.Path is not null);
        if (markers != used)
        {
            problems.Add($"{markers - used} <!-- compiled: --> marker(s) not followed by a ```csharp block");
        }

        return problems;
    }

    private static List<(string? Path, string? Region, string Code)> Blocks(string markdown) =>
        CSharpBlock().Matches(markdown)
            .Select(m => (m.Groups["path"].Success ? m.Groups["path"].Value : null, m.Groups["region"].Success ? m.Groups["region"].Value : null, m.Groups["code"].Value))
            .ToList();

    private static string Normalise(string code) => Whitespace().Replace(code, " ").Trim();

    private static string Excerpt(string code) => Normalise(code) is { Length: > 80 } text ? text[..80] + "…" : Normalise(code);

    [GeneratedRegex(@"(?:<!-- compiled: (?<path>[^#\s]+)#(?<region>[\w-]+) -->\s*)?```(?:csharp|cs|c#)[ \t]*\r?\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"^[ \t]*<!-- compiled:", RegexOptions.Multiline)]
    private static partial Regex Marker();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

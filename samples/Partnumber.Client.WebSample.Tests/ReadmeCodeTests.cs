using System.Text.RegularExpressions;

namespace Partnumber.Client.WebSample.Tests;

/// <summary>
/// The README shows compiled code: each ```csharp block after a <c>&lt;!-- compiled: PATH#REGION --&gt;</c> marker is,
/// word for word, the <c>// &lt;REGION&gt;</c> … <c>// &lt;/REGION&gt;</c> region of that file, which the build compiles.
/// </summary>
public sealed partial class ReadmeCodeTests
{
    [Fact]
    public void Every_marked_README_block_is_the_compiled_code_it_names()
    {
        var readme = File.ReadAllText(RepositoryPaths.Readme);
        var blocks = ReadmeBlock().Matches(readme);
        Assert.Contains(blocks, b => b.Groups["region"].Value == "sse-endpoint");
        Assert.Contains(blocks, b => b.Groups["region"].Value == "health-check");
        Assert.Contains(blocks, b => b.Groups["region"].Value == "host-builder");

        foreach (Match block in blocks)
        {
            var path = block.Groups["path"].Value;
            var region = block.Groups["region"].Value;
            var source = File.ReadAllText(Path.Combine(RepositoryPaths.Root, path));
            var code = Regex.Match(source, $@"// <{Regex.Escape(region)}>\r?\n(?<code>.*?)\r?\n\s*// </{Regex.Escape(region)}>", RegexOptions.Singleline);
            Assert.True(code.Success, $"{path} has no // <{region}> … // </{region}> region");
            Assert.Equal(Normalise(code.Groups["code"].Value), Normalise(block.Groups["code"].Value));
        }
    }

    private static string Normalise(string code) => Whitespace().Replace(code, " ").Trim();

    [GeneratedRegex(@"<!-- compiled: (?<path>[^#\s]+)#(?<region>[\w-]+) -->\s*```csharp\r?\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReadmeBlock();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

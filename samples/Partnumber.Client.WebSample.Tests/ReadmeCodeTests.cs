using System.Text.RegularExpressions;

namespace Partnumber.Client.WebSample.Tests;

/// <summary>The README shows compiled code: its SSE endpoint is the sample's, word for word.</summary>
public sealed partial class ReadmeCodeTests
{
    [Fact]
    public void The_README_s_SSE_endpoint_is_the_sample_s_compiled_code()
    {
        var source = File.ReadAllText(Path.Combine(RepositoryPaths.WebSample, "ClassificationEndpoints.cs"));
        var region = SourceRegion().Match(source);
        Assert.True(region.Success, "ClassificationEndpoints.cs has no // <sse-endpoint> … // </sse-endpoint> region");

        var readme = File.ReadAllText(RepositoryPaths.Readme);
        var block = ReadmeBlock().Match(readme);
        Assert.True(block.Success, "README.md has no ```csharp block after <!-- compiled: samples/Partnumber.Client.WebSample/ClassificationEndpoints.cs#sse-endpoint -->");

        Assert.Equal(Normalise(region.Groups["code"].Value), Normalise(block.Groups["code"].Value));
    }

    private static string Normalise(string code) => Whitespace().Replace(code, " ").Trim();

    [GeneratedRegex(@"// <sse-endpoint>\r?\n(?<code>.*?)\r?\n\s*// </sse-endpoint>", RegexOptions.Singleline)]
    private static partial Regex SourceRegion();

    [GeneratedRegex(@"<!-- compiled: samples/Partnumber\.Client\.WebSample/ClassificationEndpoints\.cs#sse-endpoint -->\s*```csharp\r?\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReadmeBlock();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

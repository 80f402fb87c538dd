using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Partnumber.Client.WebSample.Tests;

/// <summary>
/// Code the README and the packages' PACKAGE.md show, compiled here: each <c>// &lt;NAME&gt;</c> … <c>// &lt;/NAME&gt;</c>
/// region is the block of the page that names it (<see cref="ReadmeCodeTests"/> checks they are word for word the same).
/// </summary>
public static class DocsSnippets
{
    /// <summary>The README's and Partnumber.Client's PACKAGE.md quick start (compiled; it needs a backend on port 5000 to run).</summary>
    public static async Task QuickStartAsync()
    {
        // <quick-start>
        await using var client = new PartnumberClassificationClient(new PartnumberClassificationClientOptions
        {
            BaseAddress = new Uri("http://localhost:5000"),
        });

        await foreach (var update in client.ClassifyAsync(new ClassificationRequest("PN-TEST-12345") { Manufacturer = "ACME" }))
        {
            if (update.IsFinal) Console.WriteLine($"{update.Result!.Partnumber}: {update.Result.Description}");
            else Console.WriteLine($"{update.Current}/{update.Total} {update.Message}");
        }
        // </quick-start>
    }

    /// <summary>The README's token provider: a bearer token from the app's own token service, fetched for every POST and connection.</summary>
    public static void TokenProvider(IHostApplicationBuilder builder)
    {
        // <token-provider>
        builder.Services.AddSingleton<ITokenService, MyTokenService>();
        builder.Services.AddOptions<PartnumberClassificationClientOptions>()
            .Configure<ITokenService>((options, tokens) => options.HeadersProvider = async cancellationToken =>
                new Dictionary<string, string> { ["Authorization"] = "Bearer " + await tokens.GetTokenAsync(cancellationToken) });
        // </token-provider>
    }

    /// <summary>The README's service discovery: BaseAddress names a service that Microsoft.Extensions.ServiceDiscovery resolves.</summary>
    public static void ServiceDiscovery(IHostApplicationBuilder builder)
    {
        // <service-discovery>
        builder.Services.AddServiceDiscovery(); // Microsoft.Extensions.ServiceDiscovery
        builder.AddPartnumberClassificationClient(); // with "Partnumber": { "BaseAddress": "https+http://classifier" }
        // </service-discovery>
    }

    /// <summary>The token service the README's snippet assumes (an app has its own, e.g. over MSAL or an OAuth client).</summary>
    public interface ITokenService
    {
        /// <summary>A valid access token (cached by the service until it nearly expires).</summary>
        ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);
    }

    private sealed class MyTokenService : ITokenService
    {
        public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => new("token");
    }
}

/// <summary>Partnumber.Client.Testing's PACKAGE.md example: a consumer's test against the fake, run with the others.</summary>
public sealed class PackageReadmeExampleTests
{
    // <fake-server-test>
    [Fact]
    public async Task Shows_the_description_of_a_classified_part()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        server.ForPartnumber("PN-42")
            .Progress("Analisando dados...")
            .Finish("Parafuso sextavado M8", new { ncm = "7318.15.00" });
        await using var client = server.CreateClient();

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-42"));

        Assert.Equal("Parafuso sextavado M8", result.Description);
        Assert.Equal("7318.15.00", result.Payload.GetProperty("ncm").GetString());
        Assert.Equal("PN-42", Assert.Single(server.Journal.Requests).Partnumber);
    }
    // </fake-server-test>
}

using System.Net.Http.Json;
using Partnumber.Client.Sample;

namespace Partnumber.Client.Sample.Tests;

/// <summary>The sample's embedded fake (default backend and <c>serve</c>).</summary>
public class EmbeddedServerTests
{
    [Fact]
    public async Task Serve_mode_listens_on_loopback_with_CORS_open_for_a_browser_front_end()
    {
        await using var fake = await EmbeddedServer.StartAsync(port: 0, corsOpen: true, journalCapacity: 100, stepDelay: TimeSpan.Zero, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = fake.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "classify-partnumber") { Content = JsonContent.Create(new { partnumber = "PN-1" }) };
        request.Headers.Add("Origin", "http://localhost:3000");

        using var response = await http.SendAsync(request);

        Assert.True(fake.BaseAddress.IsLoopback);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("http://localhost:3000", response.Headers.GetValues("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task The_embedded_default_classifies_with_the_real_client()
    {
        await using var fake = await EmbeddedServer.StartAsync(port: 0, corsOpen: false, journalCapacity: 100, stepDelay: TimeSpan.Zero, CancellationToken.None);
        await using var client = new PartnumberClassificationClient(new PartnumberClassificationClientOptions { BaseAddress = fake.BaseAddress });

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-TEST-12345"));

        Assert.Equal(ClassificationStatus.Done, result.Status);
        Assert.Contains("PN-TEST-12345", result.Description, StringComparison.Ordinal);
    }
}

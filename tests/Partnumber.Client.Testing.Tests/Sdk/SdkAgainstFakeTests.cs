using System.Net;

namespace Partnumber.Client.Testing.Tests.Sdk;

/// <summary>The consumer scenario of docs/fake-server.md, through the SDK.</summary>
public class SdkAgainstFakeTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_scripted_classification_reaches_the_caller_and_the_journal(bool inMemory)
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = inMemory });
        server.ForPartnumber("PN-42")
            .Progress("Analisando dados...")
            .Finish("Parafuso sextavado M8", new { ncm = "7318.15.00" });
        await using var client = server.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(20));

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-42"));

        Assert.Equal("Parafuso sextavado M8", result.Description);
        Assert.Equal("7318.15.00", result.Payload.GetProperty("ncm").GetString());
        var request = Assert.Single(server.Journal.Requests);
        Assert.Equal("PN-42", request.Partnumber);
        await server.Journal.WaitForJoinAsync(result.RoomId);
    }

    [Fact]
    public async Task A_busy_backend_is_reported_as_rejected()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        server.ForPartnumber("PN-1").RespondWith(503, "{\"error\":\"busy\"}", ("Retry-After", "2"));
        await using var client = server.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(20));

        var error = await Assert.ThrowsAsync<ClassificationRejectedException>(
            () => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
    }
}

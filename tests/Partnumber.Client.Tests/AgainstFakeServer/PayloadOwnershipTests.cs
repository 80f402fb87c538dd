using System.Reflection;
using System.Text.Json;
using Partnumber.Client.Testing;

namespace Partnumber.Client.Tests.AgainstFakeServer;

/// <summary>
/// The payloads the SDK hands out (updates, results, failures) are copies it made: documents nobody can dispose
/// (<see cref="JsonElement.Clone"/>'s), not the documents SocketIOClient parsed, whatever that library does with its own.
/// </summary>
public sealed class PayloadOwnershipTests : IAsyncLifetime
{
    private FakePartnumberServer _server = null!;

    public async Task InitializeAsync() => _server = await FakePartnumberServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(PartnumberTransports.WebSocket)]
    [InlineData(PartnumberTransports.LongPolling)]
    public async Task Update_result_and_failure_payloads_are_detached_copies_that_outlive_the_client(PartnumberTransports transport)
    {
        _server.ForPartnumber("PN-OWN").Update(new { current = "1", total = "1", status = "processing", message = "passo", ncm = "8481.80.99" }).Finish("Válvula", new { confianca = 0.97 });
        _server.ForPartnumber("PN-OWN-FAIL").FailInFinished("sem classe");
        var client = _server.CreateClient(o => o.Transports = transport);
        var updates = new List<ClassificationUpdate>();
        await foreach (var update in client.ClassifyAsync(new ClassificationRequest("PN-OWN")))
        {
            updates.Add(update);
        }

        var failure = await Assert.ThrowsAsync<ClassificationFailedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-OWN-FAIL")));
        await client.DisposeAsync();
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.All(updates.Select(u => u.Payload).Append(updates[^1].Result!.Payload).Append(failure.Payload), payload => Assert.True(IsDetachedCopy(payload)));
        Assert.Equal("8481.80.99", updates[0].Payload.GetProperty("ncm").GetString());
        Assert.Equal(0.97, updates[^1].Result!.Payload.GetProperty("confianca").GetDouble());
        Assert.Equal("failed", failure.Payload.GetProperty("status").GetString());
    }

    /// <summary>
    /// Whether the element's document is one that cannot be disposed: what <see cref="JsonElement.Clone"/> makes, and what
    /// a parse (<see cref="JsonDocument.Parse(string, JsonDocumentOptions)"/>, as SocketIOClient does) never is.
    /// </summary>
    private static bool IsDetachedCopy(JsonElement element)
    {
        var parent = typeof(JsonElement).GetField("_parent", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(element)!;
        var isDisposable = typeof(JsonDocument).GetProperty("IsDisposable", BindingFlags.Instance | BindingFlags.NonPublic)!;
        return !(bool)isDisposable.GetValue(parent)!;
    }

    [Fact]
    public void The_check_tells_a_parsed_document_from_a_copy()
    {
        using var parsed = JsonDocument.Parse("""{"a":1}""");

        Assert.False(IsDetachedCopy(parsed.RootElement));
        Assert.True(IsDetachedCopy(parsed.RootElement.Clone()));
    }
}

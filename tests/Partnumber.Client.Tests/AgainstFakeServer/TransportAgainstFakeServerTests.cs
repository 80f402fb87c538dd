using Partnumber.Client.Testing;

namespace Partnumber.Client.Tests.AgainstFakeServer;

/// <summary>Long-polling, WebSocket and the automatic choice between them, against FakePartnumberServer on Kestrel.</summary>
public sealed class TransportAgainstFakeServerTests : IAsyncLifetime
{
    private FakePartnumberServer _server = null!;

    public async Task InitializeAsync() => _server = await FakePartnumberServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(PartnumberTransports.LongPolling, PartnumberTransports.LongPolling, "polling")]
    [InlineData(PartnumberTransports.WebSocket, PartnumberTransports.WebSocket, "websocket")]
    [InlineData(PartnumberTransports.WebSocket | PartnumberTransports.LongPolling, PartnumberTransports.WebSocket, "websocket")]
    public async Task Each_transport_setting_classifies_on_the_transport_it_names(PartnumberTransports allowed, PartnumberTransports expected, string recorded)
    {
        _server.ForPartnumber("PN-T").Progress("um").Progress("dois").Finish("feito");
        await using var client = _server.CreateClient(o => o.Transports = allowed);

        var updates = new List<ClassificationUpdate>();
        await foreach (var update in client.ClassifyAsync(new ClassificationRequest("PN-T")))
        {
            updates.Add(update);
        }

        Assert.Equal(["um", "dois"], updates.Where(u => !u.IsFinal).Select(u => u.Message));
        var result = updates[^1].Result!;
        Assert.Equal("feito", result.Description);
        Assert.Equal(expected, result.Transport);
        Assert.Equal(recorded, Assert.Single(_server.Journal.Sessions).Transport);
    }

    [Fact]
    public async Task A_long_polling_connection_is_reused_and_answers_pings()
    {
        await using var client = _server.CreateClient(o => o.Transports = PartnumberTransports.LongPolling);

        for (var i = 0; i < 5; i++)
        {
            var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-P" + i));
            Assert.Equal(PartnumberTransports.LongPolling, result.Transport);
        }

        Assert.True(await client.PingAsync() >= TimeSpan.Zero);
        var session = Assert.Single(_server.Journal.Sessions);
        Assert.Equal(5, _server.Journal.Requests.Count(r => r.Method == "POST" && r.SocketSessionId == session.SocketSessionId));
        Assert.False(session.IsClosed);

        await client.DisposeAsync();
        await _server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == session.EngineSessionId);
    }

    [Fact]
    public async Task Disposing_the_client_mid_stream_over_long_polling_tells_the_server_at_once()
    {
        _server.ForPartnumber(_ => true).Progress("1").NeverFinish();
        var client = _server.CreateClient(o => o.Transports = PartnumberTransports.LongPolling);
        var started = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        var runs = Enumerable.Range(0, 3).Select(i => Task.Run(async () =>
        {
            await foreach (var _ in client.ClassifyAsync(new ClassificationRequest("PN-D" + i)))
            {
                started[i].TrySetResult();
            }
        })).ToList();
        await Task.WhenAll(started.Select(t => t.Task)).WaitAsync(TimeSpan.FromSeconds(10));

        await client.DisposeAsync();

        Assert.All(runs, r => Assert.True(r.IsCompleted));
        Assert.Equal(3, _server.Journal.Sessions.Count);
        Assert.All(_server.Journal.Sessions, s => Assert.Equal("client close", s.CloseReason)); // the close packet, not the ping timeout
    }
}

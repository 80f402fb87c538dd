using Microsoft.Extensions.Logging;
using System.Net;
using System.Text.Json;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests;

public class FakePartnumberServerTests
{
    [Fact]
    public async Task Starts_on_loopback_with_an_ephemeral_port()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        Assert.NotEqual(0, server.BaseAddress.Port);
        Assert.Equal("http", server.BaseAddress.Scheme);
    }

    [Fact]
    public async Task A_fixed_port_is_honoured_and_a_busy_port_fails_cleanly()
    {
        await using var first = await FakePartnumberServer.StartAsync();
        await Assert.ThrowsAnyAsync<IOException>(() => FakePartnumberServer.StartAsync(new() { Port = first.BaseAddress.Port }));
        await first.DisposeAsync();
        await using var second = await FakePartnumberServer.StartAsync(new() { Port = first.BaseAddress.Port });
        Assert.Equal(first.BaseAddress, second.BaseAddress);
    }

    [Fact]
    public async Task Default_classification_over_websocket_sends_connected_first_then_updates_and_finished()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, sid, before) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _ = client;

        var connected = Assert.Single(before);
        Assert.True(RawSocketIOClient.TryParseEvent(connected, out var name, out var payload));
        Assert.Equal("connected", name);
        Assert.Equal(sid, payload.GetProperty("socket_session_id").GetString());

        var (_, roomId) = await Http.StartAsync(server.BaseAddress, "PN-TEST-12345", sid);
        await client.EmitAsync("join", $"{{\"room_id\":\"{roomId}\"}}");

        var updates = new List<JsonElement>();
        JsonElement finished;
        while (true)
        {
            var frame = await client.ReceiveAsync();
            Assert.True(RawSocketIOClient.TryParseEvent(frame, out var n, out var p), frame);
            if (n == "classification_finished")
            {
                finished = p;
                break;
            }

            Assert.Equal("classification_update_status", n);
            updates.Add(p);
        }

        Assert.Equal(3, updates.Count);
        Assert.All(updates, u => Assert.Equal("processing", u.GetProperty("status").GetString()));
        Assert.Equal(JsonValueKind.String, updates[0].GetProperty("current").ValueKind);
        Assert.Equal("1", updates[0].GetProperty("current").GetString());
        Assert.Equal("3", updates[2].GetProperty("total").GetString());
        Assert.Equal("Gerando classificação", updates[2].GetProperty("message").GetString());
        Assert.Equal("PN-TEST-12345", finished.GetProperty("partnumber").GetString());
        Assert.Equal("done", finished.GetProperty("status").GetString());
        Assert.Contains("Descrição", finished.GetProperty("description").GetString());

        var join = await server.Journal.WaitForJoinAsync(roomId);
        Assert.Equal(sid, join.SocketSessionId);
        var finishedEvent = await server.Journal.WaitForFinishedAsync(roomId);
        Assert.Equal(1, finishedEvent.Recipients);
    }

    [Fact]
    public async Task Rooms_and_sessions_are_released_after_classifications()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
            var (_, room) = await Http.StartAsync(server.BaseAddress, "PN-" + i, sid);
            await client.EmitAsync("join", $"{{\"room_id\":\"{room}\"}}");
            await client.WaitForEventAsync("classification_finished");
            await client.DisposeAsync();
        }

        await server.Journal.SessionList.WaitAsync(s => s.IsClosed, 5, "5 closed sessions", TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal(0, server.OpenSessionCount);
        Assert.Equal(0, server.Backend.Rooms.Count);
    }

    [Fact]
    public async Task Concurrent_classifications_do_not_cross_talk()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
            await using var _ = client;
            var partnumber = $"PN-PAR-{i}";
            var (_, room) = await Http.StartAsync(server.BaseAddress, partnumber, sid);
            await client.EmitAsync("join", $"{{\"room_id\":\"{room}\"}}");
            var finished = await client.WaitForEventAsync("classification_finished");
            return (partnumber, received: finished.GetProperty("partnumber").GetString());
        }));

        Assert.All(results, r => Assert.Equal(r.partnumber, r.received));
        Assert.Equal(20, server.Journal.Events.Count(e => e.EventName == "classification_finished" && e.Recipients == 1));
    }

    [Fact]
    public async Task A_supplied_logger_factory_receives_the_hosts_logs()
    {
        var provider = new CollectingLoggerProvider();
        using var factory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace));
        await using (var server = await FakePartnumberServer.StartAsync(new() { LoggerFactory = factory }))
        {
            await Http.StartAsync(server.BaseAddress, "PN-LOG");
        }

        Assert.Contains(provider.Categories, c => c.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    private sealed class CollectingLoggerProvider : Microsoft.Extensions.Logging.ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Categories { get; } = [];

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CollectingLoggerProvider owner, string category) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => owner.Categories.Add(category);
        }
    }
}

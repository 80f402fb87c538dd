using System.Net;
using System.Net.WebSockets;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.Transports;

/// <summary>FakePartnumberServerOptions.Transports and ServeTransports: the deployments that serve one transport only.</summary>
public class TransportsTests
{
    [Fact]
    public async Task Polling_only_advertises_no_upgrade_and_answers_websocket_requests_as_flask_socketio_in_threading_mode()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { Transports = PartnumberTransports.LongPolling });
        var client = new RawPollingClient(server.BaseAddress);
        var open = await client.HandshakeAsync();
        Assert.Equal(0, open.GetProperty("upgrades").GetArrayLength());

        // A real WebSocket handshake, new and as an upgrade of the polling session: 400 "Bad Request" (a JSON string), text/plain.
        foreach (var sid in new[] { null, client.Sid })
        {
            using var refused = await Http.Client.SendAsync(RawPollingClient.WebSocketHandshake(client.Url(sid, "websocket")));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("text/plain", refused.Content.Headers.ContentType!.ToString());
            Assert.Equal("\"Bad Request\"", await refused.Content.ReadAsStringAsync());
        }

        // transport=websocket without Upgrade header and without sid fails earlier in python-engineio, with its own message.
        using var plain = await Http.Client.GetAsync(client.Url(null, "websocket"));
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Equal("\"Invalid websocket upgrade\"", await plain.Content.ReadAsStringAsync());

        using var ws = new ClientWebSocket();
        var error = await Assert.ThrowsAsync<WebSocketException>(() => ws.ConnectAsync(RawSocketIOClient.EngineUri(server.BaseAddress), CancellationToken.None));
        Assert.Contains("400", error.Message);

        Assert.Equal(4, server.Journal.WebSocketHandshakeCount);
        Assert.Equal(4, server.Journal.RefusedWebSocketHandshakeCount);
        Assert.All(server.Journal.WebSocketHandshakes, h => Assert.Equal((WebSocketHandshakeOutcome.Refused, 400), (h.Outcome, h.StatusCode)));
        Assert.Equal([false, true, false, false], server.Journal.WebSocketHandshakes.Select(h => h.IsUpgrade));
        Assert.Equal(client.Sid, server.Journal.WebSocketHandshakes[1].EngineSessionId);
    }

    [Fact]
    public async Task Polling_only_serves_a_whole_classification_over_long_polling()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { Transports = PartnumberTransports.LongPolling });
        var client = new RawPollingClient(server.BaseAddress);
        var sid = await client.ConnectAsync();

        var (_, room) = await Http.StartAsync(server.BaseAddress, "PN-POLL-ç", sid);
        await client.EmitAsync("join", $"{{\"room_id\":\"{room}\"}}");
        var events = await client.ReadEventsUntilAsync("classification_finished");

        Assert.Equal(3, events.Count(e => e.Name == "classification_update_status"));
        Assert.Equal("PN-POLL-ç", events[^1].Payload.GetProperty("partnumber").GetString());
        var session = Assert.Single(server.Journal.Sessions);
        Assert.Equal(("polling", "polling", false), (session.InitialTransport, session.Transport, session.Upgraded));
        Assert.Equal(0, server.Journal.WebSocketHandshakeCount);
    }

    [Fact]
    public async Task WebSocket_only_refuses_polling_as_node_socket_io_does_and_serves_websocket()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { Transports = PartnumberTransports.WebSocket });
        var client = new RawPollingClient(server.BaseAddress);

        using var handshake = await Http.Client.GetAsync(client.Url());
        Assert.Equal(HttpStatusCode.BadRequest, handshake.StatusCode);
        Assert.Equal("application/json", handshake.Content.Headers.ContentType!.MediaType);
        Assert.Equal("{\"code\":0,\"message\":\"Transport unknown\"}", await handshake.Content.ReadAsStringAsync());
        Assert.Empty(server.Journal.Sessions);

        var (ws, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _ws = ws;
        var handshakeRecord = Assert.Single(server.Journal.WebSocketHandshakes);
        Assert.Equal((WebSocketHandshakeOutcome.Accepted, 101, false), (handshakeRecord.Outcome, handshakeRecord.StatusCode, handshakeRecord.IsUpgrade));
        Assert.Equal(0, server.Journal.RefusedWebSocketHandshakeCount);
    }

    [Fact]
    public async Task ServeTransports_changes_what_new_handshakes_get_and_leaves_open_sessions_alone()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { Transports = PartnumberTransports.LongPolling });
        var before = new RawPollingClient(server.BaseAddress);
        await before.HandshakeAsync();

        server.ServeTransports(PartnumberTransports.WebSocket | PartnumberTransports.LongPolling);
        var after = new RawPollingClient(server.BaseAddress);
        Assert.Equal("websocket", (await after.HandshakeAsync()).GetProperty("upgrades")[0].GetString());
        var (ws, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _ws = ws;

        server.ServeTransports(PartnumberTransports.LongPolling);
        Assert.Equal(0, (await new RawPollingClient(server.BaseAddress).HandshakeAsync()).GetProperty("upgrades").GetArrayLength());
        await ws.SendAsync("42[\"ping_event\"]");
        await ws.WaitForEventAsync("pong_event"); // the WebSocket opened while it was served still works
        await before.PostAsync("40");
        Assert.Contains(await before.GetAsync(), p => p.StartsWith("40{", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invalid_transports_are_refused_naming_the_field()
    {
        var start = await Assert.ThrowsAsync<ArgumentException>(() => FakePartnumberServer.StartAsync(new() { Transports = PartnumberTransports.None }));
        Assert.Equal("Transports", start.ParamName);
        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => FakePartnumberServer.StartAsync(new() { Transports = (PartnumberTransports)4 }));
        Assert.Equal("Transports", unknown.ParamName);

        await using var server = await FakePartnumberServer.StartAsync();
        var runtime = Assert.Throws<ArgumentException>(() => server.ServeTransports(PartnumberTransports.None));
        Assert.Equal("transports", runtime.ParamName);
    }
}

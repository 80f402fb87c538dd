using System.Net;
using System.Net.WebSockets;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Scripting;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.InMemory;

/// <summary>The in-memory handler serves Engine.IO long-polling, and the in-memory WebSocket honours transports and refusals.</summary>
public class InMemoryPollingTests
{
    private static async Task<(FakePartnumberServer Server, HttpClient Http)> StartAsync(FakePartnumberServerOptions options)
    {
        options.InMemory = true;
        var server = await FakePartnumberServer.StartAsync(options);
        return (server, new HttpClient(server.CreateHttpMessageHandler()) { BaseAddress = server.BaseAddress });
    }

    [Fact]
    public async Task A_whole_classification_runs_over_in_memory_long_polling()
    {
        var (server, http) = await StartAsync(new() { Transports = PartnumberTransports.LongPolling });
        await using var _s = server;
        using var _h = http;
        var client = new RawPollingClient(server.BaseAddress, http);
        var sid = await client.ConnectAsync();
        Assert.Equal(0, client.Open.GetProperty("upgrades").GetArrayLength());

        var (_, room) = await Http.StartAsync(server.BaseAddress, "PN-MEM-POLL", sid, http);
        await client.EmitAsync("join", $"{{\"room_id\":\"{room}\"}}");
        var events = await client.ReadEventsUntilAsync("classification_finished");

        Assert.Equal(3, events.Count(e => e.Name == "classification_update_status"));
        Assert.Equal("polling", Assert.Single(server.Journal.Sessions).Transport);
    }

    [Fact]
    public async Task A_parked_long_poll_does_not_block_other_requests()
    {
        var (server, http) = await StartAsync(new());
        await using var _s = server;
        using var _h = http;
        var client = new RawPollingClient(server.BaseAddress, http);
        var sid = await client.ConnectAsync();
        Assert.True(server.Engine.TryGetSession(client.Sid, out var session));

        var parked = client.GetAsync();
        await Until.TrueAsync(() => session!.IsPollPending, "the GET parked");
        var (_, room) = await Http.StartAsync(server.BaseAddress, "PN-PARKED", sid, http); // REST meanwhile
        await client.EmitAsync("join", $"{{\"room_id\":\"{room}\"}}");                // Engine.IO POST meanwhile

        Assert.Contains(await parked, p => p.Contains("classification_update_status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Polling_errors_are_the_same_as_on_kestrel()
    {
        var (server, http) = await StartAsync(new() { Transports = PartnumberTransports.WebSocket, MaxPayload = 100 });
        await using var _s = server;
        using var _h = http;

        using var refused = await http.GetAsync("socket.io/?EIO=4&transport=polling");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("{\"code\":0,\"message\":\"Transport unknown\"}", await refused.Content.ReadAsStringAsync());

        server.ServeTransports(PartnumberTransports.LongPolling);
        using var unknown = await http.GetAsync("socket.io/?EIO=4&transport=polling&sid=nope");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var client = new RawPollingClient(server.BaseAddress, http);
        await client.HandshakeAsync();
        using var tooLarge = await http.PostAsync(client.Url(client.Sid), new StringContent(new string('x', 101)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
    }

    [Fact]
    public async Task A_transport_abort_fails_the_pending_GET_like_a_reset()
    {
        var (server, http) = await StartAsync(new());
        await using var _s = server;
        using var _h = http;
        var client = new RawPollingClient(server.BaseAddress, http);
        var sid = await client.ConnectAsync();
        Assert.True(server.Engine.TryGetSession(client.Sid, out var session));
        var parked = client.GetAsync();
        await Until.TrueAsync(() => session!.IsPollPending, "the GET parked");

        Assert.True(server.DisconnectSession(sid, ServerDisconnectMode.TransportAbort));

        await Assert.ThrowsAsync<HttpRequestException>(() => parked);
    }

    [Theory]
    [InlineData(PartnumberTransports.LongPolling, WebSocketRefusal.None, "'400'")]
    [InlineData(PartnumberTransports.WebSocket | PartnumberTransports.LongPolling, WebSocketRefusal.BadRequest, "'400'")]
    [InlineData(PartnumberTransports.WebSocket | PartnumberTransports.LongPolling, WebSocketRefusal.ProxyWithoutUpgrade, "'400'")]
    public async Task The_in_memory_websocket_is_refused_like_a_non_101_answer(PartnumberTransports transports, WebSocketRefusal refusal, string status)
    {
        var (server, http) = await StartAsync(new() { Transports = transports, WebSocketRefusal = refusal });
        await using var _s = server;
        using var _h = http;

        var error = await Assert.ThrowsAsync<WebSocketException>(() => server.ConnectWebSocketAsync(new Uri("ws://x/socket.io/?EIO=4&transport=websocket")));

        Assert.Contains(status, error.Message);
        Assert.Equal(WebSocketError.NotAWebSocket, error.WebSocketErrorCode);
        Assert.Equal((1, 1), (server.Journal.WebSocketHandshakeCount, server.Journal.RefusedWebSocketHandshakeCount));
    }

    [Fact]
    public async Task The_in_memory_websocket_reset_throws_a_premature_close()
    {
        var (server, http) = await StartAsync(new() { WebSocketRefusal = WebSocketRefusal.ResetConnection });
        await using var _s = server;
        using var _h = http;

        var error = await Assert.ThrowsAsync<WebSocketException>(() => server.ConnectWebSocketAsync(new Uri("ws://x/socket.io/?EIO=4&transport=websocket")));

        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, error.WebSocketErrorCode);
        Assert.IsType<IOException>(error.InnerException);
        Assert.Equal(WebSocketHandshakeOutcome.ConnectionReset, Assert.Single(server.Journal.WebSocketHandshakes).Outcome);
    }

    [Fact]
    public async Task An_in_memory_upgrade_behind_the_proxy_fails_with_200_once_it_took_the_sessions_packets()
    {
        var (server, http) = await StartAsync(new() { WebSocketRefusal = WebSocketRefusal.ProxyWithoutUpgrade });
        await using var _s = server;
        using var _h = http;
        var client = new RawPollingClient(server.BaseAddress, http);
        await client.HandshakeAsync();

        var probe = server.ConnectWebSocketAsync(new Uri("ws://x/socket.io/?EIO=4&transport=websocket&sid=" + client.Sid));
        await server.Journal.WaitForWebSocketHandshakesAsync(1);
        await client.PostAsync("40");

        var error = await Assert.ThrowsAsync<WebSocketException>(() => probe);
        Assert.Contains("'200'", error.Message);
        Assert.Contains("40{\"sid\"", error.Message); // what the client would discard
    }

    [Fact]
    public async Task The_sdk_options_of_an_in_memory_server_still_open_websockets_when_served()
    {
        var (server, http) = await StartAsync(new());
        await using var _s = server;
        using var _h = http;
        var options = server.CreateClientOptions();

        var ws = await options.WebSocketFactory!(new Uri("ws://partnumber-fake.invalid/socket.io/?EIO=4&transport=websocket"), new Dictionary<string, string>(), CancellationToken.None);
        await using var client = RawSocketIOClient.Wrap(ws);
        await client.HandshakeAsync();
        Assert.Equal(WebSocketHandshakeOutcome.Accepted, Assert.Single(server.Journal.WebSocketHandshakes).Outcome);
    }
}

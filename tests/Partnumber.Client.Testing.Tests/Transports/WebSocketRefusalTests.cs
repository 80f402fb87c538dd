using System.Net;
using System.Net.WebSockets;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.Transports;

/// <summary>WebSocketRefusal: WebSocket advertised but refused, as behind a proxy that drops Upgrade, or reset.</summary>
public class WebSocketRefusalTests
{
    [Fact]
    public async Task BadRequest_refuses_every_handshake_with_flasks_answer_while_polling_keeps_working()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { WebSocketRefusal = WebSocketRefusal.BadRequest });
        var client = new RawPollingClient(server.BaseAddress);
        Assert.Equal("websocket", (await client.HandshakeAsync()).GetProperty("upgrades")[0].GetString()); // still advertised

        foreach (var sid in new[] { null, client.Sid })
        {
            using var refused = await Http.Client.SendAsync(RawPollingClient.WebSocketHandshake(client.Url(sid, "websocket")));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("text/plain", refused.Content.Headers.ContentType!.ToString());
            Assert.Equal("\"Invalid websocket upgrade\"", await refused.Content.ReadAsStringAsync());
        }

        using var ws = new ClientWebSocket();
        await Assert.ThrowsAsync<WebSocketException>(() => ws.ConnectAsync(RawSocketIOClient.EngineUri(server.BaseAddress, "EIO=4&transport=websocket&sid=" + client.Sid), CancellationToken.None));

        // The failed probes left the polling session intact.
        await client.PostAsync("40");
        Assert.Contains(await client.GetAsync(), p => p.StartsWith("40{", StringComparison.Ordinal));
        Assert.Equal(3, server.Journal.RefusedWebSocketHandshakeCount);
        Assert.False(Assert.Single(server.Journal.Sessions).IsClosed);
    }

    [Fact]
    public async Task ResetConnection_drops_the_handshake_without_an_answer()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { WebSocketRefusal = WebSocketRefusal.ResetConnection });
        var client = new RawPollingClient(server.BaseAddress);
        await client.HandshakeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => Http.Client.SendAsync(RawPollingClient.WebSocketHandshake(client.Url(client.Sid, "websocket"))));
        using var ws = new ClientWebSocket();
        await Assert.ThrowsAsync<WebSocketException>(() => ws.ConnectAsync(RawSocketIOClient.EngineUri(server.BaseAddress), CancellationToken.None));

        Assert.All(server.Journal.WebSocketHandshakes, h => Assert.Equal((WebSocketHandshakeOutcome.ConnectionReset, 0), (h.Outcome, h.StatusCode)));
        Assert.Equal(2, server.Journal.RefusedWebSocketHandshakeCount);
        await client.PostAsync("40");
        Assert.Contains(await client.GetAsync(), p => p.StartsWith("40{", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProxyWithoutUpgrade_refuses_a_new_websocket_with_400()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { WebSocketRefusal = WebSocketRefusal.ProxyWithoutUpgrade });
        using var refused = await Http.Client.SendAsync(RawPollingClient.WebSocketHandshake(new RawPollingClient(server.BaseAddress).Url(null, "websocket")));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("\"Invalid websocket upgrade\"", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ProxyWithoutUpgrade_serves_an_upgrade_as_a_long_poll_that_takes_the_sessions_packets()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { WebSocketRefusal = WebSocketRefusal.ProxyWithoutUpgrade });
        var client = new RawPollingClient(server.BaseAddress);
        await client.HandshakeAsync();

        // The probe parks as a long-poll; the namespace CONNECT's answer goes to it, not to the client's own GET.
        var probe = Http.Client.SendAsync(RawPollingClient.WebSocketHandshake(client.Url(client.Sid, "websocket")));
        await server.Journal.WaitForWebSocketHandshakesAsync(1);
        await client.PostAsync("40");
        using var hijacked = await probe;
        Assert.Equal(HttpStatusCode.OK, hijacked.StatusCode);
        Assert.Equal("text/plain; charset=UTF-8", hijacked.Content.Headers.ContentType!.ToString());
        var stolen = await hijacked.Content.ReadAsStringAsync();
        Assert.Contains("40{\"sid\"", stolen);

        // The client never gets that ack: its next GET carries only what was sent after.
        await client.EmitAsync("ping_event", "{}");
        Assert.Equal(["42[\"pong_event\",{\"message\":\"pong\"}]"], await client.GetAsync());
        var record = Assert.Single(server.Journal.WebSocketHandshakes);
        Assert.Equal((WebSocketHandshakeOutcome.Refused, 200, client.Sid), (record.Outcome, record.StatusCode, record.EngineSessionId));
    }

    [Fact]
    public async Task ProxyWithoutUpgrade_keeps_the_hijacked_long_poll_when_the_client_gives_up()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { WebSocketRefusal = WebSocketRefusal.ProxyWithoutUpgrade });
        var client = new RawPollingClient(server.BaseAddress);
        await client.HandshakeAsync();

        Assert.True(server.Engine.TryGetSession(client.Sid, out var session));
        using (var giveUp = new CancellationTokenSource())
        {
            var probe = Http.Client.SendAsync(RawPollingClient.WebSocketHandshake(client.Url(client.Sid, "websocket")), giveUp.Token);
            await Until.TrueAsync(() => session!.HijackedPollsPending == 1, "the upgrade parked as a long-poll");
            giveUp.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probe);
        }

        // Still parked after the client left: the namespace CONNECT's answer goes to it, and is lost.
        await client.PostAsync("40");
        await Until.TrueAsync(() => session!.HijackedPollsPending == 0, "the hijacked long-poll took the packets");
        await client.EmitAsync("ping_event", "{}");
        var packets = await client.GetAsync();
        Assert.DoesNotContain(packets, p => p.StartsWith("40{", StringComparison.Ordinal));
        Assert.Contains("42[\"pong_event\",{\"message\":\"pong\"}]", packets);
    }

    [Fact]
    public async Task RefuseWebSockets_switches_at_run_time_so_a_client_can_recover()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.RefuseWebSockets(WebSocketRefusal.BadRequest);
        using (var refused = new ClientWebSocket())
        {
            await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(RawSocketIOClient.EngineUri(server.BaseAddress), CancellationToken.None));
        }

        server.RefuseWebSockets(WebSocketRefusal.None);
        var (client, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;

        var outcomes = await server.Journal.WaitForWebSocketHandshakesAsync(2);
        Assert.Equal([WebSocketHandshakeOutcome.Refused, WebSocketHandshakeOutcome.Accepted], outcomes.Select(h => h.Outcome));
        Assert.Equal((2, 1), (server.Journal.WebSocketHandshakeCount, server.Journal.RefusedWebSocketHandshakeCount));
        var invalid = Assert.Throws<ArgumentException>(() => server.RefuseWebSockets((WebSocketRefusal)42));
        Assert.Equal("refusal", invalid.ParamName);
    }

    [Fact]
    public async Task An_upgrade_succeeds_again_after_refusals_and_the_session_is_marked_upgraded()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { WebSocketRefusal = WebSocketRefusal.BadRequest });
        var client = new RawPollingClient(server.BaseAddress);
        await client.ConnectAsync();
        using (var refused = new ClientWebSocket())
        {
            await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(RawSocketIOClient.EngineUri(server.BaseAddress, "EIO=4&transport=websocket&sid=" + client.Sid), CancellationToken.None));
        }

        server.RefuseWebSockets(WebSocketRefusal.None);
        await using var ws = await RawSocketIOClient.OpenAsync(server.BaseAddress, "EIO=4&transport=websocket&sid=" + client.Sid);
        await ws.SendAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveAsync());
        await ws.SendAsync("5");
        await ws.SendAsync("42[\"ping_event\"]");
        await ws.WaitForEventAsync("pong_event");

        var session = Assert.Single(server.Journal.Sessions);
        Assert.True(session.Upgraded);
        Assert.Equal([true, true], server.Journal.WebSocketHandshakes.Select(h => h.IsUpgrade));
    }
}

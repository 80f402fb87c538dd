using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Testing.Internal.EngineIO;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.Internal.EngineIO;

public class EngineProtocolTests
{
    private static readonly HttpClient Client = new();

    private static Uri Polling(FakePartnumberServer server, string? sid = null)
        => new(server.BaseAddress, "socket.io/?EIO=4&transport=polling" + (sid is null ? "" : "&sid=" + sid));

    private static async Task<string> HandshakeAsync(FakePartnumberServer server)
    {
        var body = await Client.GetStringAsync(Polling(server));
        using var doc = JsonDocument.Parse(body.AsSpan(1).ToString());
        return doc.RootElement.GetProperty("sid").GetString()!;
    }

    private static async Task<string> PostAsync(FakePartnumberServer server, string sid, string payload)
    {
        using var response = await Client.PostAsync(Polling(server, sid), new StringContent(payload, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Polling_handshake_returns_the_open_packet()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { PingInterval = TimeSpan.FromSeconds(7), PingTimeout = TimeSpan.FromSeconds(3), MaxPayload = 5000 });
        using var response = await Client.GetAsync(Polling(server));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("0{", body);
        using var doc = JsonDocument.Parse(body.AsSpan(1).ToString());
        Assert.Equal(20, doc.RootElement.GetProperty("sid").GetString()!.Length);
        Assert.Equal("websocket", doc.RootElement.GetProperty("upgrades")[0].GetString());
        Assert.Equal(7000, doc.RootElement.GetProperty("pingInterval").GetInt32());
        Assert.Equal(3000, doc.RootElement.GetProperty("pingTimeout").GetInt32());
        Assert.Equal(5000, doc.RootElement.GetProperty("maxPayload").GetInt32());
    }

    [Theory]
    [InlineData("socket.io/?transport=polling")]
    [InlineData("socket.io/?EIO=3&transport=polling")]
    [InlineData("socket.io/?EIO=4&transport=carrier-pigeon")]
    [InlineData("socket.io/?EIO=4")]
    [InlineData("socket.io/?EIO=4&transport=polling&sid=unknown-sid")]
    public async Task Bad_requests_get_400(string relative)
    {
        await using var server = await FakePartnumberServer.StartAsync();
        using var response = await Client.GetAsync(new Uri(server.BaseAddress, relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task WebSocket_with_unknown_sid_is_refused()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        using var ws = new ClientWebSocket();
        await Assert.ThrowsAsync<WebSocketException>(() => ws.ConnectAsync(RawSocketIOClient.EngineUri(server.BaseAddress, "EIO=4&transport=websocket&sid=nope"), CancellationToken.None));
    }

    [Fact]
    public async Task Polling_batches_packets_with_the_record_separator()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var sid = await HandshakeAsync(server);
        Assert.Equal("ok", await PostAsync(server, sid, "40"));
        var body = await Client.GetStringAsync(Polling(server, sid));
        var packets = body.Split('\u001e');
        Assert.Equal(2, packets.Length);
        Assert.StartsWith("42[\"connected\",{\"socket_session_id\":", packets[0]);
        Assert.StartsWith("40{\"sid\":", packets[1]);

        // Several packets in one POST.
        Assert.Equal("ok", await PostAsync(server, sid, "42[\"ping_event\",{}]\u001e42[\"message\",\"olá\"]"));
        var replies = (await Client.GetStringAsync(Polling(server, sid))).Split('\u001e');
        Assert.Equal(["42[\"pong_event\",{\"message\":\"pong\"}]", "42[\"message\",\"olá\"]"], replies);
    }

    [Fact]
    public async Task A_second_concurrent_GET_gets_400_and_the_pending_GET_gets_close()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var sid = await HandshakeAsync(server);
        var pending = Client.GetStringAsync(Polling(server, sid));
        Assert.True(server.Engine.TryGetSession(sid, out var engineSession));
        await WaitUntilAsync(() => engineSession!.IsPollPending);
        using var second = await Client.GetAsync(Polling(server, sid));
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Equal("1", await pending);
        var session = await server.Journal.WaitForClosedSessionAsync();
        Assert.Equal("overlap from client", session.CloseReason);
    }

    [Fact]
    public async Task Upgrade_probe_sends_noop_to_the_pending_GET_then_switches_to_websocket()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var sid = await HandshakeAsync(server);
        await PostAsync(server, sid, "40");
        Assert.Contains("40{\"sid\"", await Client.GetStringAsync(Polling(server, sid)));

        var pending = Client.GetStringAsync(Polling(server, sid));
        await using var ws = await RawSocketIOClient.OpenAsync(server.BaseAddress, "EIO=4&transport=websocket&sid=" + sid);
        await ws.SendAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveAsync());
        Assert.Equal("6", await pending);

        // Until "5", a GET must not park: the client waits for it to return before it completes the upgrade.
        Assert.Equal("6", await Client.GetStringAsync(Polling(server, sid)).WaitAsync(TimeSpan.FromSeconds(5)));
        await ws.SendAsync("5");
        await ws.SendAsync("42[\"ping_event\",{}]");
        Assert.Equal("42[\"pong_event\",{\"message\":\"pong\"}]", await ws.ReceiveAsync());

        var session = Assert.Single(server.Journal.Sessions);
        Assert.Equal("polling", session.InitialTransport);
        Assert.Equal("websocket", session.Transport);
        using var late = await Client.GetAsync(Polling(server, sid));
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
    }

    [Fact]
    public async Task Direct_websocket_gets_the_open_packet_first_without_upgrades()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        await using var ws = await RawSocketIOClient.OpenAsync(server.BaseAddress);
        var open = await ws.ReceiveAsync();
        Assert.StartsWith("0{", open);
        using var doc = JsonDocument.Parse(open.AsSpan(1).ToString());
        Assert.Equal(0, doc.RootElement.GetProperty("upgrades").GetArrayLength());
    }

    [Fact]
    public async Task Heartbeat_pings_on_the_time_provider_and_closes_a_session_that_does_not_pong()
    {
        var time = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { TimeProvider = time, PingInterval = TimeSpan.FromSeconds(25), PingTimeout = TimeSpan.FromSeconds(20) });
        var (client, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        client.AutoPong = false;

        time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal("2", await client.ReceiveAsync());
        await client.SendAsync("3");
        await client.SendAsync("42[\"ping_event\",{}]"); // processed after the pong: its answer proves the pong was handled
        await client.WaitForEventAsync("pong_event");

        // Answered: the next ping comes one interval later, and the session stays open.
        time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal("2", await client.ReceiveAsync());
        Assert.Equal(1, server.OpenSessionCount);

        // Not answered: closed after pingTimeout.
        time.Advance(TimeSpan.FromSeconds(20));
        var session = await server.Journal.WaitForClosedSessionAsync();
        Assert.Equal("ping timeout", session.CloseReason);
        await client.ClosedByServer.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Polling_heartbeat_pings_through_GET_and_a_missing_pong_closes_the_session()
    {
        var time = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { TimeProvider = time });
        var sid = await HandshakeAsync(server);

        time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal("2", await Client.GetStringAsync(Polling(server, sid)));
        Assert.Equal("ok", await PostAsync(server, sid, "3"));
        time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal("2", await Client.GetStringAsync(Polling(server, sid)));

        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal("ping timeout", (await server.Journal.WaitForClosedSessionAsync()).CloseReason);
        using var late = await Client.PostAsync(Polling(server, sid), new StringContent("3"));
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
    }

    [Fact]
    public async Task A_websocket_message_much_larger_than_the_initial_receive_buffer_arrives_whole()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        var text = string.Concat(Enumerable.Range(0, 5000).Select(i => i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(text.Length > 40 * EngineSession.InitialReceiveBufferBytes);

        await client.SendAsync("42[\"message\",\"" + text + "\"]");

        Assert.Equal(text, (await client.WaitForEventAsync("message")).GetString());
        Assert.False(Assert.Single(server.Journal.Sessions).IsClosed);
    }

    [Fact]
    public async Task A_websocket_message_over_maxPayload_closes_the_session()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { MaxPayload = 1000 });
        var (client, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        await client.SendAsync("42[\"message\",\"" + new string('x', 2000) + "\"]");
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await client.ClosedByServer.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("payload too large", (await server.Journal.WaitForClosedSessionAsync()).CloseReason);
    }

    [Fact]
    public async Task A_polling_POST_over_maxPayload_gets_413()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { MaxPayload = 1000 });
        var sid = await HandshakeAsync(server);
        using var response = await Client.PostAsync(Polling(server, sid), new StringContent("4" + new string('x', 2000)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("payload too large", (await server.Journal.WaitForClosedSessionAsync()).CloseReason);
    }

    [Fact]
    public async Task An_invalid_polling_payload_gets_400_and_closes_the_session()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var sid = await HandshakeAsync(server);
        using var bad = await Client.PostAsync(Polling(server, sid), new StringContent("abc"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var after = await Client.GetAsync(Polling(server, sid));
        Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
        Assert.Equal("parse error", (await server.Journal.WaitForClosedSessionAsync()).CloseReason);
    }

    [Fact]
    public async Task An_invalid_websocket_packet_closes_the_session()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        await using var client = await RawSocketIOClient.OpenAsync(server.BaseAddress);
        Assert.StartsWith("0{", await client.ReceiveAsync());
        await client.SendAsync("abc");
        await client.ClosedByServer.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("parse error", (await server.Journal.WaitForClosedSessionAsync()).CloseReason);
    }

    [Fact]
    public async Task A_client_ping_is_answered_with_pong()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        await using var client = await RawSocketIOClient.OpenAsync(server.BaseAddress);
        Assert.StartsWith("0{", await client.ReceiveAsync());
        await client.SendAsync("2");
        Assert.Equal("3", await client.ReceiveAsync());
    }

    [Fact]
    public async Task A_close_packet_from_the_client_closes_the_session()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        await client.SendAsync("1");
        Assert.Equal("client close", (await server.Journal.WaitForClosedSessionAsync()).CloseReason);
        Assert.Equal(0, server.OpenSessionCount);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }
    }
}

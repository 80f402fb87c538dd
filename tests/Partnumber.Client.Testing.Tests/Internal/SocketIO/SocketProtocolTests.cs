using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.Internal.SocketIO;

public class SocketProtocolTests
{
    [Fact]
    public async Task Connected_event_can_be_sent_after_the_connect_ack()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { ConnectedEventBeforeConnectAck = false });
        var (client, sid, before) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _ = client;
        Assert.Empty(before);
        var connected = await client.WaitForEventAsync("connected");
        Assert.Equal(sid, connected.GetProperty("socket_session_id").GetString());
    }

    [Fact]
    public async Task Unknown_namespace_gets_connect_error()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        await using var client = await RawSocketIOClient.OpenAsync(server.BaseAddress);
        Assert.StartsWith("0{", await client.ReceiveAsync());
        await client.SendAsync("40/admin,");
        Assert.Equal("44/admin,{\"message\":\"Invalid namespace\"}", await client.ReceiveAsync());
    }

    [Fact]
    public async Task Rejected_connections_get_connect_error_until_accepted_again()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.RejectConnections("Não autorizado");
        await using (var client = await RawSocketIOClient.OpenAsync(server.BaseAddress))
        {
            Assert.StartsWith("0{", await client.ReceiveAsync());
            await client.SendAsync("40");
            Assert.Equal("44{\"message\":\"Não autorizado\"}", await client.ReceiveAsync());
        }

        server.RejectConnections(null);
        var (accepted, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _a = accepted;
        Assert.NotEmpty(sid);
    }

    [Theory]
    [InlineData("42[\"join\",{\"room_id\":\"r\"}]")] // first packet not CONNECT
    [InlineData("4x")] // unknown packet type
    [InlineData("4")] // empty Socket.IO packet
    public async Task A_bad_first_packet_closes_the_session(string packet)
    {
        await using var server = await FakePartnumberServer.StartAsync();
        await using var client = await RawSocketIOClient.OpenAsync(server.BaseAddress);
        Assert.StartsWith("0{", await client.ReceiveAsync());
        await client.SendAsync(packet);
        await client.ClosedByServer.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("parse error", (await server.Journal.WaitForClosedSessionAsync()).CloseReason);
    }

    [Theory]
    [InlineData("42{\"not\":\"an array\"}")]
    [InlineData("42[]")]
    [InlineData("42[1,2]")]
    [InlineData("42[\"join\"")]
    [InlineData("42abc[\"join\"]")]
    [InlineData("7")]
    public async Task A_malformed_packet_after_connect_closes_the_session(string packet)
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        await client.SendAsync(packet);
        await client.ClosedByServer.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("parse error", (await server.Journal.WaitForClosedSessionAsync()).CloseReason);
    }

    [Fact]
    public async Task Events_with_an_ack_id_are_acknowledged()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        await client.SendAsync("4212[\"join\",{\"room_id\":\"room-1\"}]");
        Assert.Equal("4312[]", await client.ReceiveAsync());
        await server.Journal.WaitForJoinAsync("room-1");
    }

    [Fact]
    public async Task Ping_event_gets_pong_event_and_message_is_echoed_with_non_ascii_intact()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        await client.SendAsync("42[\"ping_event\"]");
        Assert.Equal("42[\"pong_event\",{\"message\":\"pong\"}]", await client.ReceiveAsync());
        await client.SendAsync("42[\"message\",\"Olá, ação 日本\"]");
        Assert.Equal("42[\"message\",\"Olá, ação 日本\"]", await client.ReceiveAsync());

        var received = await server.Journal.WaitForEventAsync(e => e.Direction == EventDirection.Received && e.EventName == "message");
        Assert.Equal("\"Olá, ação 日本\"", received.PayloadJson);
        Assert.Equal(sid, received.SocketSessionId);
    }

    [Fact]
    public async Task Binary_event_attachments_are_reassembled()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        await client.SendAsync("451-[\"ping_event\",{\"_placeholder\":true,\"num\":0}]");
        await client.WebSocket.SendAsync(new byte[] { 1, 2, 3 }, System.Net.WebSockets.WebSocketMessageType.Binary, true, CancellationToken.None);
        await client.WaitForEventAsync("pong_event");
    }

    [Fact]
    public async Task After_a_client_namespace_disconnect_events_are_dropped_but_the_engine_session_stays_open()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        await client.SendAsync("41");
        await client.SendAsync("42[\"join\",{\"room_id\":\"x\"}]");
        await client.SendAsync("42[\"ping_event\"]");
        Assert.Equal(1, server.OpenSessionCount);
        await client.SendAsync("1"); // packets are handled in order: once the close is recorded, the join was handled
        await server.Journal.WaitForClosedSessionAsync();
        Assert.DoesNotContain(server.Journal.Events, e => e.Direction == EventDirection.Received);
    }
}

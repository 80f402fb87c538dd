using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.Journal;

/// <summary>RecordedSession.JoinedRooms / JoinedRoomCount: how many rooms a (reused) connection has joined.</summary>
public class SessionRoomsJournalTests
{
    private static async Task ClassifyOnAsync(FakePartnumberServer server, RawSocketIOClient client, string sid, string partnumber, bool join = true)
    {
        var (_, room) = await Http.StartAsync(server.BaseAddress, partnumber, sid);
        if (join)
        {
            await client.EmitAsync("join", $"{{\"room_id\":\"{room}\"}}");
        }

        await client.WaitForEventAsync("classification_finished");
    }

    [Fact]
    public async Task A_reused_connection_counts_one_room_per_classification_in_order()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;

        for (var i = 0; i < 3; i++)
        {
            await ClassifyOnAsync(server, client, sid, "PN-REUSE-" + i);
        }

        // Joining a room twice does not count twice.
        var firstRoom = server.Journal.Requests[0].RoomId!;
        await client.EmitAsync("join", $"{{\"room_id\":\"{firstRoom}\"}}");
        await client.SendAsync("42[\"ping_event\"]");
        await client.WaitForEventAsync("pong_event");

        var session = Assert.Single(server.Journal.Sessions);
        Assert.Equal(3, session.JoinedRoomCount);
        Assert.Equal(server.Journal.Requests.Select(r => r.RoomId!), session.JoinedRooms);
    }

    [Fact]
    public async Task Auto_joined_rooms_are_counted_too()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { AutoJoin = true });
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;

        await ClassifyOnAsync(server, client, sid, "PN-AUTO", join: false);

        Assert.Equal(1, Assert.Single(server.Journal.Sessions).JoinedRoomCount);
    }

    [Fact]
    public async Task The_room_names_kept_are_bounded_by_the_journal_capacity_but_all_are_counted()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { JournalCapacity = 2 });
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;

        for (var i = 0; i < 4; i++)
        {
            await ClassifyOnAsync(server, client, sid, "PN-CAP-" + i);
        }

        var session = Assert.Single(server.Journal.Sessions);
        Assert.Equal(4, session.JoinedRoomCount);
        Assert.Equal(2, session.JoinedRooms.Count);
    }

    [Fact]
    public async Task Clear_resets_the_handshake_counters()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { WebSocketRefusal = WebSocketRefusal.BadRequest });
        using (var ws = new System.Net.WebSockets.ClientWebSocket())
        {
            await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => ws.ConnectAsync(RawSocketIOClient.EngineUri(server.BaseAddress), CancellationToken.None));
        }

        Assert.Equal((1, 1), (server.Journal.WebSocketHandshakeCount, server.Journal.RefusedWebSocketHandshakeCount));
        server.Journal.Clear();
        Assert.Equal((0, 0), (server.Journal.WebSocketHandshakeCount, server.Journal.RefusedWebSocketHandshakeCount));
        Assert.Empty(server.Journal.WebSocketHandshakes);
    }

    [Fact]
    public async Task The_handshake_list_is_bounded_but_the_counters_are_not()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { JournalCapacity = 2, Transports = PartnumberTransports.LongPolling });
        for (var i = 0; i < 5; i++)
        {
            using var refused = await Http.Client.GetAsync(new Uri(server.BaseAddress, "socket.io/?EIO=4&transport=websocket"));
        }

        Assert.Equal(2, server.Journal.WebSocketHandshakes.Count);
        Assert.Equal(5, server.Journal.RefusedWebSocketHandshakeCount);
    }
}

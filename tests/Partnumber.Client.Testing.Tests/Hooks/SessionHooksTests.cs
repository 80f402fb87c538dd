using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Scripting;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.Hooks;

/// <summary>
/// The server-side hooks connection-reuse tests need: an event into an idle connection, a dropped idle connection,
/// and a finished event that follows a failed update.
/// </summary>
public class SessionHooksTests
{
    [Fact]
    public async Task EmitToSession_reaches_one_connected_session_by_either_sid()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (first, firstSid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _1 = first;
        var (second, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _2 = second;

        Assert.True(server.EmitToSession(firstSid, "classification_finished", "{\"partnumber\":\"PN-LATE\",\"status\":\"done\"}"));
        var late = await first.WaitForEventAsync("classification_finished");
        Assert.Equal("PN-LATE", late.GetProperty("partnumber").GetString());

        var engineSid = server.Journal.Sessions.Single(s => s.SocketSessionId == firstSid).EngineSessionId;
        Assert.True(server.EmitToSession(engineSid, "message", "\"olá\""));
        Assert.Equal("olá", (await first.WaitForEventAsync("message")).GetString());

        // The other session got nothing: its next frame is the answer to its own ping.
        await second.SendAsync("42[\"ping_event\"]");
        Assert.StartsWith("42[\"pong_event\"", await second.ReceiveAsync());

        var recorded = server.Journal.Events.Where(e => e.Direction == EventDirection.Emitted && e.EventName is "classification_finished" or "message").ToList();
        Assert.All(recorded, e => Assert.Equal((firstSid, 1), (e.SocketSessionId!, e.Recipients)));
        Assert.False(server.EmitToSession("no-such-session", "message", "1"));
    }

    [Fact]
    public async Task EmitToAllSessions_reaches_every_connected_session_and_is_recorded_once()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (first, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _1 = first;
        var polling = new RawPollingClient(server.BaseAddress);
        await polling.ConnectAsync();

        Assert.Equal(2, server.EmitToAllSessions("classification_update_status", "{\"status\":\"processing\"}"));

        Assert.Equal("processing", (await first.WaitForEventAsync("classification_update_status")).GetProperty("status").GetString());
        Assert.Equal("classification_update_status", (await polling.ReadEventsUntilAsync("classification_update_status"))[^1].Name);
        var recorded = Assert.Single(server.Journal.Events, e => e.EventName == "classification_update_status");
        Assert.Equal((2, null), (recorded.Recipients, recorded.SocketSessionId));
    }

    [Fact]
    public async Task Emit_hooks_refuse_bad_arguments_naming_them()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        Assert.Equal("payloadJson", Assert.Throws<ArgumentException>(() => server.EmitToAllSessions("message", "{not json")).ParamName);
        Assert.Equal("eventName", Assert.Throws<ArgumentException>(() => server.EmitToAllSessions("", "{}")).ParamName);
        Assert.Equal("sessionId", Assert.Throws<ArgumentException>(() => server.EmitToSession("", "message", "{}")).ParamName);
        Assert.Equal("mode", Assert.Throws<ArgumentException>(() => server.DisconnectAllSessions((ServerDisconnectMode)9)).ParamName);
    }

    [Fact]
    public async Task DisconnectSession_Namespace_sends_41_and_keeps_the_transport()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;

        Assert.True(server.DisconnectSession(sid, ServerDisconnectMode.Namespace));

        Assert.Equal("41", await client.ReceiveAsync());
        Assert.Equal(1, server.OpenSessionCount);
    }

    [Fact]
    public async Task DisconnectSession_EngineClose_sends_the_close_packet_then_closes_the_websocket()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;

        Assert.True(server.DisconnectSession(sid, ServerDisconnectMode.EngineClose));

        Assert.Equal("1", await client.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await client.ClosedByServer.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        var session = await server.Journal.WaitForClosedSessionAsync();
        Assert.Equal("server close", session.CloseReason);
    }

    [Fact]
    public async Task DisconnectSession_EngineClose_answers_the_pending_polling_GET_with_the_close_packet()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { Transports = PartnumberTransports.LongPolling });
        var client = new RawPollingClient(server.BaseAddress);
        await client.ConnectAsync();
        Assert.True(server.Engine.TryGetSession(client.Sid, out var session));
        var pending = client.GetAsync();
        await Until.TrueAsync(() => session!.IsPollPending, "the GET parked");

        Assert.True(server.DisconnectSession(client.Sid, ServerDisconnectMode.EngineClose));

        Assert.Equal(["1"], await pending);
        Assert.Equal(0, server.OpenSessionCount);
    }

    [Fact]
    public async Task DisconnectSession_TransportAbort_drops_the_websocket_without_a_close_frame()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;

        Assert.True(server.DisconnectSession(sid, ServerDisconnectMode.TransportAbort));

        Assert.Null(await client.ClosedByServer.Task.WaitAsync(TimeSpan.FromSeconds(10))); // no close frame: the read failed
        Assert.Equal("server transport abort", (await server.Journal.WaitForClosedSessionAsync()).CloseReason);
    }

    [Fact]
    public async Task DisconnectAllSessions_ends_every_open_session()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (first, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _1 = first;
        var (second, _, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _2 = second;

        Assert.Equal(2, server.DisconnectAllSessions(ServerDisconnectMode.EngineClose));

        Assert.Equal("1", await first.ReceiveAsync());
        Assert.Equal("1", await second.ReceiveAsync());
        Assert.Equal(0, server.OpenSessionCount);
        Assert.False(server.DisconnectSession(server.Journal.Sessions[0].EngineSessionId, ServerDisconnectMode.EngineClose));
    }

    [Fact]
    public async Task A_finished_event_can_follow_a_failed_update_150_ms_later_on_the_time_provider()
    {
        var time = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { TimeProvider = time });
        server.ForPartnumber("PN-FAIL-THEN-DONE").FailInUpdate("falhou").Finish(delay: TimeSpan.FromMilliseconds(150));
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await using var _c = client;
        var (_, room) = await Http.StartAsync(server.BaseAddress, "PN-FAIL-THEN-DONE", sid);
        await client.EmitAsync("join", $"{{\"room_id\":\"{room}\"}}");
        await client.SendAsync("42[\"ping_event\"]"); // handled after the join, which ran the failed update and armed the 150 ms timer

        var failed = await client.WaitForEventAsync("classification_update_status");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        await client.WaitForEventAsync("pong_event");
        time.Advance(TimeSpan.FromMilliseconds(149));
        Assert.DoesNotContain(server.Journal.Events, e => e.EventName == "classification_finished");
        time.Advance(TimeSpan.FromMilliseconds(1));

        var finished = await client.WaitForEventAsync("classification_finished");
        Assert.Equal("done", finished.GetProperty("status").GetString());
        Assert.Equal(1, (await server.Journal.WaitForFinishedAsync(room)).Recipients);
    }
}

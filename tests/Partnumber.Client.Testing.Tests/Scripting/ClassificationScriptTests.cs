using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Scripting;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.Scripting;

public class ClassificationScriptTests
{
    /// <summary>Connects, POSTs, joins, and waits until the server handled the join (a ping_event round trip).</summary>
    private static async Task<(RawSocketIOClient Client, string Sid, string Room)> StartAsync(FakePartnumberServer server, string partnumber)
    {
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        var (_, room) = await Http.StartAsync(server.BaseAddress, partnumber, sid);
        await client.EmitAsync("join", $"{{\"room_id\":\"{room}\"}}");
        return (client, sid, room);
    }

    private static async Task SyncAsync(RawSocketIOClient client)
    {
        await client.SendAsync("42[\"ping_event\"]");
        await client.WaitForEventAsync("pong_event");
    }

    private static async Task<List<(string Name, JsonElement Payload)>> ReadUntilFinishedAsync(RawSocketIOClient client)
    {
        var events = new List<(string, JsonElement)>();
        while (true)
        {
            var frame = await client.ReceiveAsync();
            if (RawSocketIOClient.TryParseEvent(frame, out var name, out var payload))
            {
                events.Add((name, payload));
                if (name == "classification_finished")
                {
                    return events;
                }
            }
        }
    }

    [Fact]
    public async Task Progress_steps_carry_messages_and_run_after_their_delays_on_the_time_provider()
    {
        var time = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { TimeProvider = time });
        server.ForPartnumber("PN-SLOW")
            .Progress("Lendo catálogo", delay: TimeSpan.FromSeconds(10))
            .Progress("Consultando NCM", delay: TimeSpan.FromSeconds(20));
        var (client, _, room) = await StartAsync(server, "PN-SLOW");
        await using var _c = client;
        await SyncAsync(client);

        time.Advance(TimeSpan.FromSeconds(9));
        await SyncAsync(client); // nothing before the first delay elapsed: the next frame is the pong
        time.Advance(TimeSpan.FromSeconds(1));
        var first = await client.WaitForEventAsync("classification_update_status");
        Assert.Equal("1", first.GetProperty("current").GetString());
        Assert.Equal("2", first.GetProperty("total").GetString());
        Assert.Equal("Lendo catálogo", first.GetProperty("message").GetString());

        time.Advance(TimeSpan.FromSeconds(20));
        var second = await client.WaitForEventAsync("classification_update_status");
        Assert.Equal("Consultando NCM", second.GetProperty("message").GetString());
        var finished = await client.WaitForEventAsync("classification_finished"); // appended default, no delay
        Assert.Equal("done", finished.GetProperty("status").GetString());

        var emitted = server.Journal.Events.Where(e => e.Room == room && e.Direction == EventDirection.Emitted).ToList();
        Assert.Equal(TimeSpan.FromSeconds(10), emitted[0].Timestamp - server.Journal.Requests[0].Timestamp);
        Assert.Equal(TimeSpan.FromSeconds(30), emitted[1].Timestamp - server.Journal.Requests[0].Timestamp);
    }

    [Fact]
    public async Task Finish_merges_extra_fields_with_non_ascii_text_intact()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-EXTRA").Finish("Válvula de retenção ½\"", new { ncm = "8481.30.00", confidence = 0.97, tags = new[] { "aço", "inox" } });
        var (client, _, _) = await StartAsync(server, "PN-EXTRA");
        await using var _c = client;
        var events = await ReadUntilFinishedAsync(client);
        var (_, finished) = Assert.Single(events);
        Assert.Equal("PN-EXTRA", finished.GetProperty("partnumber").GetString());
        Assert.Equal("Válvula de retenção ½\"", finished.GetProperty("description").GetString());
        Assert.Equal("done", finished.GetProperty("status").GetString());
        Assert.Equal("8481.30.00", finished.GetProperty("ncm").GetString());
        Assert.Equal(0.97, finished.GetProperty("confidence").GetDouble());
        Assert.Equal("aço", finished.GetProperty("tags")[0].GetString());
        var recorded = await server.Journal.WaitForFinishedAsync();
        Assert.Contains("retenção", recorded.PayloadJson); // not \u-escaped on the wire
    }

    [Fact]
    public async Task Update_sends_any_payload_shape()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-NUM").Update(new { current = 2, total = 5, status = "PROCESSING", progress = 0.4 }).Finish();
        var (client, _, _) = await StartAsync(server, "PN-NUM");
        await using var _c = client;
        var update = await client.WaitForEventAsync("classification_update_status");
        Assert.Equal(JsonValueKind.Number, update.GetProperty("current").ValueKind);
        Assert.Equal("PROCESSING", update.GetProperty("status").GetString());
    }

    [Fact]
    public async Task FailInUpdate_sends_a_failed_update_and_no_finished()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-BAD").Progress("começando").FailInUpdate("Falha ao consultar o catálogo");
        var (client, _, room) = await StartAsync(server, "PN-BAD");
        await using var _c = client;
        await client.WaitForEventAsync("classification_update_status");
        var failed = await client.WaitForEventAsync("classification_update_status");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("Falha ao consultar o catálogo", failed.GetProperty("message").GetString());
        await SyncAsync(client);
        Assert.DoesNotContain(server.Journal.Events, e => e.Room == room && e.EventName == "classification_finished");
    }

    [Fact]
    public async Task FailInFinished_sends_a_failed_finished_event()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-FAIL").Progress("a").FailInFinished("Modelo indisponível", new { code = "MODEL_DOWN" });
        var (client, _, _) = await StartAsync(server, "PN-FAIL");
        await using var _c = client;
        var events = await ReadUntilFinishedAsync(client);
        var finished = events[^1].Payload;
        Assert.Equal("failed", finished.GetProperty("status").GetString());
        Assert.Equal("Modelo indisponível", finished.GetProperty("message").GetString());
        Assert.Equal("MODEL_DOWN", finished.GetProperty("code").GetString());
    }

    [Fact]
    public async Task RespondWith_returns_the_status_body_and_headers_and_starts_no_task()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-BUSY").RespondWith(503, "{\"error\":\"ocupado\"}", ("Retry-After", "2"));
        server.ForPartnumber("PN-HTML").RespondWith(500, "<html><body>Internal Server Error</body></html>");

        using var busy = await Http.PostJsonAsync(server.BaseAddress, "{\"partnumber\":\"PN-BUSY\"}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), busy.Headers.RetryAfter!.Delta);
        Assert.Equal("{\"error\":\"ocupado\"}", await busy.Content.ReadAsStringAsync());

        using var html = await Http.PostJsonAsync(server.BaseAddress, "{\"partnumber\":\"PN-HTML\"}");
        Assert.Equal(HttpStatusCode.InternalServerError, html.StatusCode);
        Assert.Equal("text/html", html.Content.Headers.ContentType!.MediaType);

        var requests = await server.Journal.WaitForRequestsAsync(2);
        Assert.Equal([503, 500], requests.Select(r => r.StatusCode));
        Assert.All(requests, r => Assert.Null(r.RoomId));
    }

    [Fact]
    public async Task DelayResponse_holds_the_202_until_the_time_provider_advances()
    {
        var time = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { TimeProvider = time });
        server.ForPartnumber("PN-LATE").DelayResponse(TimeSpan.FromSeconds(30));
        var post = Http.PostJsonAsync(server.BaseAddress, "{\"partnumber\":\"PN-LATE\"}");

        await server.Journal.RequestList.WaitAsync(_ => true, 1, "the request", TimeSpan.FromSeconds(10), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(post.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        using var response = await post;
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task NeverFinish_stops_after_the_scripted_steps()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-HANG").Progress("1").Progress("2").NeverFinish();
        var (client, _, room) = await StartAsync(server, "PN-HANG");
        await using var _c = client;
        await client.WaitForEventAsync("classification_update_status");
        await client.WaitForEventAsync("classification_update_status");
        await SyncAsync(client); // zero-delay steps ran synchronously with the join: nothing else is coming
        Assert.Equal(2, server.Journal.Events.Count(e => e.Room == room && e.Direction == EventDirection.Emitted));
        Assert.DoesNotContain(server.Journal.Events, e => e.EventName == "classification_finished");
    }

    [Fact]
    public async Task EmitBeforeJoin_loses_the_events_sent_before_the_client_joined()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-RACE").EmitBeforeJoin().Progress("perdido").Finish();
        var (client, _, room) = await StartAsync(server, "PN-RACE");
        await using var _c = client;
        await server.Journal.WaitForJoinAsync(room);
        await SyncAsync(client);

        var emitted = server.Journal.Events.Where(e => e.Room == room && e.Direction == EventDirection.Emitted).ToList();
        Assert.Equal(2, emitted.Count);
        Assert.All(emitted, e => Assert.Equal(0, e.Recipients)); // dropped: nobody was in the room yet
        Assert.DoesNotContain(client.Drain(), f => f.Contains("classification_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Disconnect_namespace_sends_41_and_keeps_the_transport()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-41").Progress("a").Disconnect(ServerDisconnectMode.Namespace);
        var (client, _, room) = await StartAsync(server, "PN-41");
        await using var _c = client;
        await client.WaitForEventAsync("classification_update_status");
        Assert.Equal("41", await client.ReceiveAsync());
        Assert.Equal(1, server.OpenSessionCount);
        Assert.DoesNotContain(server.Journal.Events, e => e.EventName == "classification_finished");
        _ = room;
    }

    [Fact]
    public async Task Disconnect_transport_abort_drops_the_connection_without_a_close_handshake()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-ABORT").Progress("a").Disconnect(ServerDisconnectMode.TransportAbort);
        var (client, _, _) = await StartAsync(server, "PN-ABORT");
        await using var _c = client;
        Assert.Null(await client.ClosedByServer.Task.WaitAsync(TimeSpan.FromSeconds(10))); // no close frame: an error
        Assert.Equal("server transport abort", (await server.Journal.WaitForClosedSessionAsync()).CloseReason);
    }

    [Fact]
    public async Task Disconnect_silent_stops_pings_and_answers_but_keeps_the_connection_open()
    {
        var time = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { TimeProvider = time });
        server.ForPartnumber("PN-MUTE").Progress("a").Disconnect(ServerDisconnectMode.Silent);
        var (client, _, _) = await StartAsync(server, "PN-MUTE");
        await using var _c = client;
        client.AutoPong = false;
        await client.WaitForEventAsync("classification_update_status");

        time.Advance(TimeSpan.FromMinutes(5)); // many ping intervals and timeouts
        await client.SendAsync("42[\"ping_event\"]");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ReceiveAsync(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, client.WebSocket.State);
        Assert.Equal(1, server.OpenSessionCount);
    }

    [Theory]
    [InlineData("\"apenas texto\"")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"current\":true,\"total\":null,\"status\":42}")]
    public async Task EmitRaw_sends_malformed_payloads_as_is(string raw)
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-RAW").EmitRaw("classification_update_status", raw).Finish();
        var (client, _, _) = await StartAsync(server, "PN-RAW");
        await using var _c = client;
        Assert.Equal("42[\"classification_update_status\"," + raw + "]", await client.ReceiveAsync());
    }

    [Fact]
    public async Task EmitOversized_sends_a_large_payload()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-BIG").EmitOversized("classification_update_status", 2_000_000).Finish();
        var (client, _, _) = await StartAsync(server, "PN-BIG");
        await using var _c = client;
        var update = await client.WaitForEventAsync("classification_update_status");
        Assert.Equal(2_000_000, update.GetProperty("padding").GetString()!.Length);
    }

    [Fact]
    public async Task Predicate_scripts_match_and_the_latest_matching_script_wins()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber(pn => pn.StartsWith("ERR-", StringComparison.Ordinal)).RespondWith(422);
        server.ForPartnumber("ERR-OK").Finish("special");

        using var rejected = await Http.PostJsonAsync(server.BaseAddress, "{\"partnumber\":\"ERR-1\"}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, rejected.StatusCode);
        using var accepted = await Http.PostJsonAsync(server.BaseAddress, "{\"partnumber\":\"ERR-OK\"}");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        server.ResetScripts();
        using var reset = await Http.PostJsonAsync(server.BaseAddress, "{\"partnumber\":\"ERR-1\"}");
        Assert.Equal(HttpStatusCode.Accepted, reset.StatusCode);
    }

    [Fact]
    public async Task WithResponseContentType_sets_the_rejection_content_type()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-422").RespondWith(422, "{\"title\":\"invalid\"}").WithResponseContentType("application/problem+json");
        using var response = await Http.PostJsonAsync(server.BaseAddress, "{\"partnumber\":\"PN-422\"}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task DefaultStepDelay_paces_the_unscripted_task_on_the_time_provider()
    {
        var time = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { TimeProvider = time, DefaultStepDelay = TimeSpan.FromSeconds(1) });
        var (client, _, room) = await StartAsync(server, "PN-PACED");
        await using var _c = client;
        await SyncAsync(client);
        Assert.DoesNotContain(server.Journal.Events, e => e.Room == room && e.Direction == EventDirection.Emitted);

        for (var i = 1; i <= 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            var update = await client.WaitForEventAsync("classification_update_status");
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), update.GetProperty("current").GetString());
        }

        time.Advance(TimeSpan.FromSeconds(1));
        await client.WaitForEventAsync("classification_finished");
    }
}

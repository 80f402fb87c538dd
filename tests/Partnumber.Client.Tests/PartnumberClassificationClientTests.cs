using System.Net;
using System.Text.Json;
using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests;

/// <summary>The classification flow over in-memory HTTP and realtime doubles: what the caller sees for each server behaviour.</summary>
public class PartnumberClassificationClientTests
{
    private const string Update = "classification_update_status";
    private const string Finished = "classification_finished";

    [Fact]
    public async Task ClassifyAsync_yields_progress_then_one_final_update_with_extra_fields_and_non_ascii_intact()
    {
        await using var harness = new InMemoryClientHarness();
        harness.OnJoinEmit(
            (Update, """{"current":"1","total":"3","status":"processing","message":"Analisando dados..."}"""),
            (Update, """{"current":2,"total":3,"status":"PROCESSING","message":"Classificação"}"""),
            (Finished, """{"partnumber":"PN-1","description":"Descrição – ção","status":"done","ncm":"8471.30.12","confidence":0.93}"""));

        var updates = await ToListAsync(harness.Client.ClassifyAsync(new ClassificationRequest("PN-1")));

        Assert.Equal(3, updates.Count);
        Assert.Equal((1, 3, "Analisando dados..."), (updates[0].Current!.Value, updates[0].Total!.Value, updates[0].Message!));
        Assert.Equal((2, 3, "Classificação"), (updates[1].Current!.Value, updates[1].Total!.Value, updates[1].Message!));
        Assert.All(updates.Take(2), u => Assert.Equal(ClassificationStatus.Processing, u.Status));
        Assert.All(updates.Take(2), u => Assert.False(u.IsFinal));
        var final = updates[2];
        Assert.True(final.IsFinal);
        var result = final.Result!;
        Assert.Equal("PN-1", result.Partnumber);
        Assert.Equal("Descrição – ção", result.Description);
        Assert.Equal(ClassificationStatus.Done, result.Status);
        Assert.Equal("room-1", result.RoomId);
        Assert.Equal("task-room-1", result.TaskId);
        Assert.Equal("8471.30.12", result.Payload.GetProperty("ncm").GetString());
        Assert.Equal(0.93, result.Payload.GetProperty("confidence").GetDouble());
    }

    [Fact]
    public async Task ClassifyAsync_posts_json_with_content_length_and_omits_null_optional_fields_and_sends_the_session_id()
    {
        await using var harness = new InMemoryClientHarness(o => o.Headers["X-Api-Key"] = "secret");
        harness.OnJoinEmit((Finished, """{"partnumber":"PN-1","status":"done"}"""));

        await harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1") { Manufacturer = "ACME" });

        var (request, body) = Assert.Single(harness.Http.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("http://backend.test:5000/classify-partnumber"), request.RequestUri);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal(body.Length, request.Content.Headers.ContentLength);
        Assert.Equal("secret", request.Headers.GetValues("X-Api-Key").Single());
        using var json = JsonDocument.Parse(body);
        var fields = json.RootElement.EnumerateObject().Select(p => p.Name).OrderBy(n => n).ToArray();
        Assert.Equal(new[] { "manufacturer", "partnumber", "socket_session_id" }, fields);
        Assert.Equal("sid-1", json.RootElement.GetProperty("socket_session_id").GetString());
    }

    [Fact]
    public async Task ClassifyAsync_joins_the_room_from_the_202_after_the_post()
    {
        await using var harness = new InMemoryClientHarness();
        harness.Http.Respond = (_, _) => StubHttpHandler.Accepted("a1b2c3-room", "t-9");
        harness.OnJoinEmit((Finished, """{"status":"done"}"""));

        var result = await harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-7"));

        var connection = Assert.Single(harness.Connector.Connections);
        var join = Assert.Single(connection.Emitted);
        Assert.Equal("join", join.Name);
        Assert.Equal("""{"room_id":"a1b2c3-room"}""", join.Json);
        Assert.Equal(("PN-7", "t-9", "a1b2c3-room"), (result.Partnumber, result.TaskId, result.RoomId));
    }

    [Fact]
    public async Task ClassifyAndWaitAsync_reports_each_progress_update_but_not_the_final_one()
    {
        await using var harness = new InMemoryClientHarness();
        harness.OnJoinEmit(
            (Update, """{"current":"1","total":"2","status":"processing"}"""),
            (Update, """{"current":"2","total":"2","status":"processing"}"""),
            (Finished, """{"partnumber":"PN-1","status":"done"}"""));
        var reported = new List<ClassificationUpdate>();

        var result = await harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"), new InlineProgress(reported.Add));

        Assert.Equal(new int?[] { 1, 2 }, reported.Select(u => u.Current));
        Assert.Equal(ClassificationStatus.Done, result.Status);
    }

    [Theory]
    [InlineData("""{"current":"2","total":"5","status":"failed","message":"Modelo indisponível"}""", "Modelo indisponível")]
    [InlineData("""{"status":"FAILED","error":"timeout in stage 2"}""", "timeout in stage 2")]
    [InlineData("""{"status":"failed","error":{"code":7,"message":"bad partnumber"}}""", "bad partnumber")]
    public async Task Failed_in_a_progress_update_ends_the_stream_with_ClassificationFailedException(string payload, string reason)
    {
        await using var harness = new InMemoryClientHarness();
        harness.OnJoinEmit((Update, """{"current":"1","total":"5","status":"processing"}"""), (Update, payload));
        var seen = new List<ClassificationUpdate>();

        var error = await Assert.ThrowsAsync<ClassificationFailedException>(async () =>
        {
            await foreach (var update in harness.Client.ClassifyAsync(new ClassificationRequest("PN-1")))
            {
                seen.Add(update);
            }
        });

        Assert.Single(seen);
        Assert.Contains(reason, error.Message);
        Assert.Equal("task-room-1", error.TaskId);
        Assert.Equal(JsonValueKind.Object, error.Payload.ValueKind);
        Assert.True(Assert.Single(harness.Connector.Connections).IsDisposed);
    }

    [Fact]
    public async Task Failed_in_the_finished_event_throws_ClassificationFailedException_with_the_payload()
    {
        await using var harness = new InMemoryClientHarness();
        harness.OnJoinEmit((Finished, """{"partnumber":"PN-1","status":"failed","message":"Falha interna","trace":"x"}"""));

        var error = await Assert.ThrowsAsync<ClassificationFailedException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Contains("Falha interna", error.Message);
        Assert.Contains("PN-1", error.Message);
        Assert.Equal("x", error.Payload.GetProperty("trace").GetString());
    }

    [Fact]
    public async Task Unknown_status_and_missing_or_non_numeric_counters_are_read_leniently()
    {
        await using var harness = new InMemoryClientHarness();
        harness.OnJoinEmit(
            (Update, """{"status":"queued","current":"abc","message":null}"""),
            (Update, """{"current":3.0,"total":"  7 "}"""),
            (Finished, """{"status":"done"}"""));

        var updates = await ToListAsync(harness.Client.ClassifyAsync(new ClassificationRequest("PN-1")));

        Assert.Equal(ClassificationStatus.Unknown, updates[0].Status);
        Assert.Null(updates[0].Current);
        Assert.Null(updates[0].Message);
        Assert.Equal((3, 7), (updates[1].Current!.Value, updates[1].Total!.Value));
        Assert.Equal("PN-1", updates[2].Result!.Partnumber); // falls back to the request's partnumber
    }

    [Fact]
    public async Task Progress_payloads_that_are_not_objects_are_ignored_and_the_classification_still_finishes()
    {
        await using var harness = new InMemoryClientHarness();
        harness.Connector.OnJoin = (connection, _) =>
        {
            connection.Push(Update, "[1,2,3]");
            connection.Push(Update, "\"just text\"");
            connection.PushNoPayload(Update);
            connection.Push("some_other_event", "{}");
            connection.Push(Finished, """{"status":"done"}""");
        };

        var updates = await ToListAsync(harness.Client.ClassifyAsync(new ClassificationRequest("PN-1")));

        Assert.True(Assert.Single(updates).IsFinal);
    }

    [Fact]
    public async Task A_finished_event_without_an_object_payload_is_a_typed_error_not_a_hang()
    {
        await using var harness = new InMemoryClientHarness();
        harness.OnJoinEmit((Finished, "[\"done\"]"));

        var error = await Assert.ThrowsAsync<PartnumberProtocolException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Contains("not a JSON object", error.Message);
        Assert.Equal("[\"done\"]", error.ServerText);
        Assert.Equal(ClassificationPhase.Finished, error.Phase);
    }

    [Fact]
    public async Task Payloads_are_detached_copies_that_outlive_the_event()
    {
        await using var harness = new InMemoryClientHarness();
        harness.OnJoinEmit((Update, """{"current":"1","total":"1","k":"v"}"""), (Finished, """{"status":"done","k":"w"}"""));

        var updates = await ToListAsync(harness.Client.ClassifyAsync(new ClassificationRequest("PN-1")));
        GC.Collect();

        Assert.Equal("v", updates[0].Payload.GetProperty("k").GetString());
        Assert.Equal("w", updates[1].Result!.Payload.GetProperty("k").GetString());
    }

    [Theory]
    [InlineData(HttpStatusCode.UnprocessableEntity, "application/json", """{"error":"partnumber inválido"}""")]
    [InlineData(HttpStatusCode.InternalServerError, "text/html", "<html><body><h1>Internal Server Error</h1></body></html>")]
    [InlineData(HttpStatusCode.BadRequest, "text/plain", "")]
    public async Task A_non_2xx_answer_is_ClassificationRejectedException_with_status_and_body_and_no_join(HttpStatusCode status, string contentType, string body)
    {
        var harness = new InMemoryClientHarness();
        harness.Http.Respond = (_, _) => new HttpResponseMessage(status) { Content = new StringContent(body, System.Text.Encoding.UTF8, contentType) };

        var error = await Assert.ThrowsAsync<ClassificationRejectedException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(body, error.ResponseBody);
        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
        var connection = Assert.Single(harness.Connector.Connections);
        Assert.Empty(connection.Emitted);
        Assert.False(connection.IsDisposed); // refused before any task existed: it joined nothing, so it stays for reuse
        await harness.DisposeAsync();
        Assert.True(connection.IsDisposed);
    }

    [Fact]
    public async Task A_huge_error_body_is_capped_before_it_reaches_the_exception()
    {
        await using var harness = new InMemoryClientHarness();
        var huge = new string('x', 100_000);
        harness.Http.Respond = (_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent(huge) };

        var error = await Assert.ThrowsAsync<ClassificationRejectedException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Equal(ClassificationRejectedException.MaxResponseBodyLength, error.ResponseBody.Length);
        Assert.True(error.Message.Length < 5_000);
    }

    [Theory]
    [InlineData("""{"message":"accepted","task_id":"t1"}""", "no room_id")]
    [InlineData("<html>ok</html>", "not JSON")]
    [InlineData("", "not JSON")]
    public async Task A_2xx_without_a_room_id_is_a_PartnumberProtocolException_that_says_so(string body, string expected)
    {
        await using var harness = new InMemoryClientHarness();
        harness.Http.Respond = (_, _) => new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new StringContent(body) };

        var error = await Assert.ThrowsAsync<PartnumberProtocolException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Contains(expected, error.Message);
        Assert.True(Assert.Single(harness.Connector.Connections).IsDisposed);
    }

    [Fact]
    public async Task A_numeric_room_id_is_accepted_and_any_2xx_continues()
    {
        await using var harness = new InMemoryClientHarness();
        harness.Http.Respond = (_, _) => StubHttpHandler.Json(HttpStatusCode.OK, """{"task_id":12,"room_id":34}""");
        harness.OnJoinEmit((Finished, """{"status":"done"}"""));

        var result = await harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));

        Assert.Equal(("12", "34"), (result.TaskId, result.RoomId));
    }

    [Fact]
    public async Task With_reconnection_disabled_a_lost_connection_is_a_PartnumberConnectionException_that_says_what_was_last_seen()
    {
        await using var harness = new InMemoryClientHarness(o => o.ReconnectPolicy = PartnumberReconnectPolicy.None);
        harness.Connector.OnJoin = (connection, _) =>
        {
            connection.Push(Update, """{"current":"2","total":"5","status":"processing"}""");
            connection.Drop("the server closed the WebSocket");
        };

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Contains("the server closed the WebSocket", error.Message);
        Assert.Contains("reconnection is disabled", error.Message);
        Assert.Contains("2 of 5", error.Message);
        Assert.Single(harness.Connector.Connections);
    }

    [Fact]
    public async Task A_connect_failure_surfaces_as_PartnumberConnectionException_before_any_post()
    {
        await using var harness = new InMemoryClientHarness();
        harness.Connector.ConnectError = new PartnumberConnectionException("refused");

        await Assert.ThrowsAsync<PartnumberConnectionException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Empty(harness.Http.Requests);
    }

    [Fact]
    public async Task Leaving_await_foreach_early_closes_the_connection()
    {
        await using var harness = new InMemoryClientHarness();
        harness.OnJoinEmit((Update, """{"current":"1","total":"9"}"""), (Update, """{"current":"2","total":"9"}"""));

        await foreach (var update in harness.Client.ClassifyAsync(new ClassificationRequest("PN-1")))
        {
            break;
        }

        Assert.True(Assert.Single(harness.Connector.Connections).IsDisposed);
    }

    [Fact]
    public async Task Many_concurrent_classifications_on_one_client_each_get_their_own_connection_and_result_kept_until_dispose()
    {
        var harness = new InMemoryClientHarness();
        var joins = 0;
        var allJoined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Connector.OnJoin = (connection, room) => Task.Run(async () =>
        {
            if (Interlocked.Increment(ref joins) == 50)
            {
                allJoined.SetResult();
            }

            await allJoined.Task; // all 50 in flight at once: none can reuse another's connection
            connection.Push(Update, $$"""{"current":"1","total":"1","message":"{{room}}"}""");
            connection.Push(Finished, $$"""{"status":"done","description":"{{room}}"}""");
        });

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest($"PN-{i}"))));

        Assert.All(results, r => Assert.Equal(r.RoomId, r.Description));
        Assert.Equal(50, results.Select(r => r.RoomId).Distinct().Count());
        Assert.Equal(50, harness.Connector.Connections.Count);
        Assert.All(harness.Connector.Connections, c => Assert.False(c.IsDisposed)); // idle in the pool, for the next ones
        await harness.DisposeAsync();
        Assert.All(harness.Connector.Connections, c => Assert.True(c.IsDisposed));
    }

    [Fact]
    public async Task PingAsync_measures_the_pong_round_trip_and_returns_the_connection_to_the_pool()
    {
        var harness = new InMemoryClientHarness();

        var elapsed = await harness.Client.PingAsync();
        await harness.Client.PingAsync();

        Assert.True(elapsed >= TimeSpan.Zero);
        var connection = Assert.Single(harness.Connector.Connections);
        Assert.Equal(["ping_event", "ping_event"], connection.Emitted.Select(e => e.Name));
        Assert.False(connection.IsDisposed);
        await harness.DisposeAsync();
        Assert.True(connection.IsDisposed);
    }

    [Fact]
    public async Task Disposing_the_client_ends_running_classifications_and_closes_their_connections()
    {
        var harness = new InMemoryClientHarness();
        var joined = new TaskCompletionSource();
        harness.Connector.OnJoin = (_, _) => joined.TrySetResult();

        var running = harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await joined.Task;
        await harness.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => running);
        Assert.True(Assert.Single(harness.Connector.Connections).IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => harness.Client.ClassifyAsync(new ClassificationRequest("PN-2")));
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }
}

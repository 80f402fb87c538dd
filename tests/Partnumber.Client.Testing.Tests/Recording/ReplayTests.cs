using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Recording;
using Partnumber.Client.Testing.Scripting;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.Recording;

/// <summary>
/// A recording replayed by the fake: the SDK receives exactly the recorded answers, events and ends, over WebSocket and
/// long-polling, paced as recorded (or scaled, or without delays), and the journal shows them like any scripted task.
/// </summary>
public class ReplayTests
{
    private const string RecordedRoom = "11111111-2222-3333-4444-555555555555";
    private const string RecordedTask = "99999999-8888-7777-6666-555555555555";

    /// <summary>A classification as a real backend answered it: extra fields, numbers, non-ASCII text, its own ids echoed.</summary>
    internal static RecordedClassification Finished(string partnumber, double firstMs = 10, double secondMs = 20, double finishedMs = 35)
    {
        var entry = new RecordedClassification(partnumber)
        {
            ResponseBody = JsonNode.Parse($$"""{"message":"Seu pedido de classificação foi aceito...","task_id":"{{RecordedTask}}","room_id":"{{RecordedRoom}}","queue":3}"""),
        };
        entry.Events.Add(new RecordedServerEvent("classification_update_status", TimeSpan.FromMilliseconds(firstMs), JsonNode.Parse("""{"current":1,"total":2,"status":"processing","message":"Lendo catálogo","confiança":0.5}""")));
        entry.Events.Add(new RecordedServerEvent("classification_update_status", TimeSpan.FromMilliseconds(secondMs), JsonNode.Parse($$"""{"current":"2","total":"2","status":"processing","message":"Consultando NCM","room":"{{RecordedRoom}}"}""")));
        entry.Events.Add(new RecordedServerEvent("classification_finished", TimeSpan.FromMilliseconds(finishedMs), JsonNode.Parse($$"""{"partnumber":"{{partnumber}}","description":"Válvula de retenção em aço inoxidável","status":"done","ncm":"8481.30.00","atributos":{"material":"aço","pressão":[10,"bar"]},"task_id":"{{RecordedTask}}"}""")));
        return entry;
    }

    private static PartnumberRecording RecordingOf(params RecordedClassification[] entries)
    {
        var recording = new PartnumberRecording();
        foreach (var entry in entries)
        {
            recording.Classifications.Add(entry);
        }

        return recording;
    }

    private static async Task<(List<ClassificationUpdate> Updates, Exception? Error)> CollectAsync(PartnumberClassificationClient client, string partnumber, CancellationToken cancellationToken = default)
    {
        var updates = new List<ClassificationUpdate>();
        try
        {
            await foreach (var update in client.ClassifyAsync(new ClassificationRequest(partnumber), cancellationToken))
            {
                updates.Add(update);
            }

            return (updates, null);
        }
        catch (PartnumberClientException ex)
        {
            return (updates, ex);
        }
    }

    private static void AssertPayload(RecordedServerEvent expected, JsonElement actual, ClassificationResult? result = null)
    {
        var json = expected.Payload!.ToJsonString().Replace(RecordedRoom, result?.RoomId ?? RecordedRoom, StringComparison.Ordinal).Replace(RecordedTask, result?.TaskId ?? RecordedTask, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(actual.GetRawText())), $"expected {json}, got {actual.GetRawText()}");
    }

    public static TheoryData<bool, PartnumberTransports> Transports => new()
    {
        { false, PartnumberTransports.WebSocket },
        { false, PartnumberTransports.LongPolling },
        { true, PartnumberTransports.WebSocket },
        { true, PartnumberTransports.LongPolling },
    };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task The_SDK_receives_the_recorded_payloads_with_fresh_ids_over_each_transport(bool inMemory, PartnumberTransports transport)
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = inMemory, Transports = transport });
        var entry = Finished("PN-REC-1");
        server.Replay(RecordingOf(entry), new ReplayOptions { WithoutDelays = true });
        await using var client = server.CreateClient(o =>
        {
            o.Transports = transport;
            o.ClassificationTimeout = TimeSpan.FromSeconds(20);
        });

        var (updates, error) = await CollectAsync(client, "PN-REC-1");

        Assert.Null(error);
        Assert.Equal(3, updates.Count);
        var result = updates[2].Result!;
        Assert.Equal(transport, result.Transport);
        Assert.NotEqual(RecordedRoom, result.RoomId); // fresh ids: two replays of one partnumber never share a room
        Assert.NotEqual(RecordedTask, result.TaskId);
        Assert.Equal("Válvula de retenção em aço inoxidável", result.Description);
        AssertPayload(entry.Events[0], updates[0].Payload);
        AssertPayload(entry.Events[1], updates[1].Payload, result); // the recorded room id, in a payload, became the fresh one
        AssertPayload(entry.Events[2], result.Payload, result);
        Assert.Equal(result.RoomId, updates[1].Payload.GetProperty("room").GetString());

        // The replay went through the script runner: the journal has the POST, the join and each event, emitted to the room.
        var request = Assert.Single(server.Journal.Requests);
        Assert.Equal(202, request.StatusCode);
        Assert.Equal(result.RoomId, request.RoomId);
        var emitted = server.Journal.Events.Where(e => e.Direction == EventDirection.Emitted && e.Room == result.RoomId).ToList();
        Assert.Equal(entry.Events.Select(e => e.Name), emitted.Select(e => e.EventName));
        Assert.All(emitted, e => Assert.Equal(1, e.Recipients));
    }

    [Fact]
    public async Task The_accepted_answer_keeps_the_recorded_body_with_fresh_ids()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        server.Replay(RecordingOf(Finished("PN-BODY")));
        using var http = new HttpClient(server.CreateHttpMessageHandler()) { BaseAddress = server.BaseAddress };

        using var response = await http.PostAsync("classify-partnumber", new StringContent("{\"partnumber\":\"PN-BODY\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Seu pedido de classificação foi aceito...", body["message"]!.GetValue<string>());
        Assert.Equal(3, body["queue"]!.GetValue<int>());
        Assert.Equal(server.Journal.Requests[0].RoomId, body["room_id"]!.GetValue<string>());
        Assert.Equal(server.Journal.Requests[0].TaskId, body["task_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Events_come_at_the_recorded_offsets_from_the_join_divided_by_the_speed_factor()
    {
        var time = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true, TimeProvider = time });
        server.Replay(RecordingOf(Finished("PN-PACE", firstMs: 1000, secondMs: 3000, finishedMs: 3000)), new ReplayOptions { SpeedFactor = 2 });
        await using var client = server.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(20));
        int Emitted() => server.Journal.Events.Count(e => e.Direction == EventDirection.Emitted && e.EventName.StartsWith("classification_", StringComparison.Ordinal));

        var classifying = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-PACE"));
        await server.Journal.WaitForJoinAsync();

        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Equal(0, Emitted());
        time.Advance(TimeSpan.FromMilliseconds(1)); // 1000 ms recorded, at speed 2
        Assert.Equal(1, Emitted());
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, Emitted());
        time.Advance(TimeSpan.FromMilliseconds(1)); // 3000 ms recorded; the finished event came in the same instant
        Assert.Equal(3, Emitted());
        var result = await classifying;
        Assert.Equal(ClassificationStatus.Done, result.Status);
    }

    [Fact]
    public async Task As_recorded_an_event_waits_its_offset_and_without_delays_nothing_waits()
    {
        var time = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true, TimeProvider = time });
        server.Replay(RecordingOf(Finished("PN-AS-RECORDED", firstMs: 40_000, secondMs: 40_000, finishedMs: 40_000)));
        server.Replay(RecordingOf(Finished("PN-NO-DELAY", firstMs: 40_000, secondMs: 80_000, finishedMs: 90_000)), new ReplayOptions { WithoutDelays = true });
        await using var client = server.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(20));

        var immediate = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-NO-DELAY")); // the clock never moves

        Assert.Equal(ClassificationStatus.Done, immediate.Status);
        var paced = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-AS-RECORDED"));
        var join = await server.Journal.WaitForJoinAsync(roomId: null, CancellationToken.None);
        await Until.TrueAsync(() => server.Journal.Events.Count(e => e.EventName == "join") == 2, "the second join");
        time.Advance(TimeSpan.FromMilliseconds(39_999));
        Assert.False(paced.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(ClassificationStatus.Done, (await paced).Status);
        Assert.NotNull(join);
    }

    [Fact]
    public async Task A_recorded_rejection_is_answered_with_its_status_and_body()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        server.Replay(RecordingOf(
            new RecordedClassification("PN-422") { ResponseStatus = 422, ResponseBody = JsonNode.Parse("""{"error":"partnumber inválido","campo":"partnumber"}"""), End = RecordingEnd.Rejected },
            new RecordedClassification("PN-502") { ResponseStatus = 502, ResponseText = "<html><body>Bad Gateway</body></html>", End = RecordingEnd.Rejected }));
        await using var client = server.CreateClient(o => o.HttpRetryPolicy = Polly.Policy.NoOpAsync<HttpResponseMessage>());
        using var http = new HttpClient(server.CreateHttpMessageHandler()) { BaseAddress = server.BaseAddress };

        var unprocessable = await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-422")));
        using var badGateway = await http.PostAsync("classify-partnumber", new StringContent("{\"partnumber\":\"PN-502\"}", Encoding.UTF8, "application/json"));

        Assert.Equal((HttpStatusCode)422, unprocessable.StatusCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"error":"partnumber inválido","campo":"partnumber"}"""), JsonNode.Parse(unprocessable.ResponseBody)));
        Assert.Equal(HttpStatusCode.BadGateway, badGateway.StatusCode);
        Assert.Equal("text/html", badGateway.Content.Headers.ContentType!.MediaType);
        Assert.Equal("<html><body>Bad Gateway</body></html>", await badGateway.Content.ReadAsStringAsync());
        Assert.DoesNotContain(server.Journal.Events, e => e.EventName.StartsWith("classification_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_recorded_failed_update_fails_the_classification_with_its_payload()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        var entry = new RecordedClassification("PN-FAIL") { ResponseBody = JsonNode.Parse("""{"task_id":"t","room_id":"r"}"""), End = RecordingEnd.FailedUpdate };
        entry.Events.Add(new RecordedServerEvent("classification_update_status", TimeSpan.FromMilliseconds(3), JsonNode.Parse("""{"current":"1","total":"2","status":"processing"}""")));
        entry.Events.Add(new RecordedServerEvent("classification_update_status", TimeSpan.FromMilliseconds(6), JsonNode.Parse("""{"status":"failed","message":"Falha na consulta à base NCM","código":"E42"}""")));
        server.Replay(RecordingOf(entry));
        await using var client = server.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(20));

        var error = await Assert.ThrowsAsync<ClassificationFailedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-FAIL")));

        Assert.Equal("E42", error.Payload.GetProperty("código").GetString());
        Assert.Contains("Falha na consulta à base NCM", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Journal.Events, e => e.EventName == "classification_finished"); // no default final event appended
    }

    [Theory]
    [InlineData(ServerDisconnectMode.Namespace, "server namespace disconnect")]
    [InlineData(ServerDisconnectMode.EngineClose, "server close")]
    [InlineData(ServerDisconnectMode.TransportAbort, "server transport abort")]
    public async Task A_recorded_drop_ends_the_session_the_recorded_way(ServerDisconnectMode mode, string reason)
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        var entry = new RecordedClassification("PN-DROP") { ResponseBody = JsonNode.Parse("""{"task_id":"t","room_id":"r"}"""), End = RecordingEnd.Dropped, Disconnect = new RecordedDisconnect(mode, TimeSpan.FromMilliseconds(5)) };
        entry.Events.Add(new RecordedServerEvent("classification_update_status", TimeSpan.FromMilliseconds(2), JsonNode.Parse("""{"current":"1","total":"3","status":"processing"}""")));
        server.Replay(RecordingOf(entry));
        await using var client = server.CreateClient(o =>
        {
            o.ReconnectPolicy = PartnumberReconnectPolicy.None;
            o.ClassificationTimeout = TimeSpan.FromSeconds(20);
        });

        var (updates, error) = await CollectAsync(client, "PN-DROP");

        Assert.IsType<PartnumberConnectionException>(error);
        Assert.Single(updates);
        if (mode == ServerDisconnectMode.Namespace)
        {
            Assert.Contains(server.Journal.Events, e => e.EventName == "classification_update_status");
        }
        else
        {
            var session = await server.Journal.WaitForClosedSessionAsync();
            Assert.Equal(reason, session.CloseReason);
        }
    }

    [Fact]
    public async Task A_classification_recorded_as_never_finished_sends_its_events_and_then_nothing()
    {
        var clientTime = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        var entry = new RecordedClassification("PN-NEVER") { ResponseBody = JsonNode.Parse("""{"task_id":"t","room_id":"r"}"""), End = RecordingEnd.NeverFinished };
        entry.Events.Add(new RecordedServerEvent("classification_update_status", TimeSpan.FromMilliseconds(1), JsonNode.Parse("""{"current":"1","total":"9","status":"processing"}""")));
        server.Replay(RecordingOf(entry));
        await using var client = server.CreateClient(o =>
        {
            o.TimeProvider = clientTime;
            o.ClassificationTimeout = TimeSpan.FromSeconds(30);
        });

        var classifying = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-NEVER"));
        await server.Journal.WaitForEventAsync(e => e.EventName == "classification_update_status");
        clientTime.Advance(TimeSpan.FromSeconds(31));

        await Assert.ThrowsAsync<ClassificationTimeoutException>(() => classifying);
        Assert.DoesNotContain(server.Journal.Events, e => e.EventName == "classification_finished");
    }

    [Fact]
    public async Task A_partnumber_without_recording_gets_the_default_classification_or_the_configured_answer()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        server.Replay(RecordingOf(Finished("PN-KNOWN")), new ReplayOptions { WithoutDelays = true });
        await using var client = server.CreateClient(o =>
        {
            o.ClassificationTimeout = TimeSpan.FromSeconds(20);
            o.HttpRetryPolicy = Polly.Policy.NoOpAsync<HttpResponseMessage>();
        });

        var unknown = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-OTHER"));
        Assert.Equal("Descrição detalhada do produto PN-OTHER", unknown.Description);

        server.ResetScripts();
        server.Replay(RecordingOf(Finished("PN-KNOWN")), new ReplayOptions { WithoutDelays = true, Unrecorded = s => s.RespondWith(404, "{\"error\":\"not recorded\"}") });
        var rejected = await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-OTHER")));
        Assert.Equal(HttpStatusCode.NotFound, rejected.StatusCode);
        Assert.Equal("Válvula de retenção em aço inoxidável", (await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-KNOWN"))).Description);
    }

    [Fact]
    public async Task The_answer_for_unrecorded_partnumbers_of_a_second_replay_leaves_the_first_ones_recordings_alone()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        server.Replay(RecordingOf(Finished("PN-FIRST")), new ReplayOptions { WithoutDelays = true });
        server.Replay(RecordingOf(Finished("PN-SECOND")), new ReplayOptions { WithoutDelays = true, Unrecorded = s => s.RespondWith(404) });
        await using var client = server.CreateClient(o =>
        {
            o.ClassificationTimeout = TimeSpan.FromSeconds(20);
            o.HttpRetryPolicy = Polly.Policy.NoOpAsync<HttpResponseMessage>();
        });

        Assert.Equal("Válvula de retenção em aço inoxidável", (await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-FIRST"))).Description);
        Assert.Equal("Válvula de retenção em aço inoxidável", (await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-SECOND"))).Description);
        var other = await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-NEITHER")));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Events_recorded_before_the_join_are_sent_at_the_join()
    {
        var time = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true, TimeProvider = time });
        server.Replay(RecordingOf(Finished("PN-EARLY", firstMs: -5, secondMs: -1, finishedMs: 0)));
        await using var client = server.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(20));

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-EARLY")); // the fake's clock never moves

        Assert.Equal(ClassificationStatus.Done, result.Status);
    }

    [Fact]
    public async Task Files_and_streams_are_replayed_and_a_bad_one_fails_before_anything_is_scripted()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        var path = Path.Combine(Path.GetTempPath(), $"pn-replay-{Guid.NewGuid():N}.json");
        try
        {
            RecordingOf(Finished("PN-FILE")).Save(path);
            Assert.Single(server.ReplayFile(path, new ReplayOptions { WithoutDelays = true }).Classifications);
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(RecordingOf(Finished("PN-STREAM")).ToJson()));
            Assert.Single(server.ReplayJson(stream, new ReplayOptions { WithoutDelays = true }).Classifications);

            File.WriteAllText(path, """{"format":"partnumber-recording","version":1,"classifications":[{"partnumber":"PN-X"}]}""");
            var error = Assert.Throws<RecordingFormatException>(() => server.ReplayFile(path));
            Assert.Contains("$.classifications[0] (line 1): the classification has no \"response\"", error.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => server.Replay(new PartnumberRecording(), new ReplayOptions { SpeedFactor = 0 }));
        }
        finally
        {
            File.Delete(path);
        }

        await using var client = server.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(20));
        Assert.Equal("Válvula de retenção em aço inoxidável", (await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-FILE"))).Description);
        Assert.Equal("Válvula de retenção em aço inoxidável", (await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-STREAM"))).Description);
    }
}

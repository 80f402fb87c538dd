using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Recording;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Testing.Tests.Recording;

/// <summary>
/// <see cref="PartnumberRecorder"/> against the fake, whose journal says what the server really sent: the recording
/// holds exactly that (payloads, order, the POST answer, the end), over WebSocket and long-polling, and nothing secret.
/// </summary>
public class RecorderTests
{
    private const string SecretHeader = "header-secret-4f1a";
    private const string SecretAuth = "auth-secret-9c2e";

    private static void ScriptRich(FakePartnumberServer server, string partnumber)
        => server.ForPartnumber(partnumber)
            .Update(new { current = 1, total = 2, status = "processing", message = "Lendo catálogo", confiança = 0.25 })
            .Progress("Consultando NCM — ção", delay: TimeSpan.FromMilliseconds(5))
            .Finish("Válvula de retenção em aço inoxidável", new { ncm = "8481.30.00", atributos = new { material = "aço", pressão = new object[] { 10, "bar" } } });

    /// <summary>A recorder of <paramref name="server"/>; of an in-memory server through its HTTP handler and WebSocket factory.</summary>
    private static PartnumberRecorder RecorderFor(FakePartnumberServer server, Action<PartnumberClassificationClientOptions>? configure = null, Action<PartnumberRecorderOptions>? options = null)
    {
        var inMemory = server.BaseAddress == FakePartnumberServer.InMemoryBaseAddress;
        var recorderOptions = new PartnumberRecorderOptions
        {
            BaseAddress = server.BaseAddress,
            HttpMessageHandler = inMemory ? server.CreateHttpMessageHandler() : null,
            ConfigureClient = o =>
            {
                o.ClassificationTimeout = TimeSpan.FromSeconds(20);
                o.Headers["X-Api-Key"] = SecretHeader;
                o.Auth["token"] = SecretAuth;
                if (inMemory)
                {
                    o.WebSocketFactory = server.ConnectWebSocketAsync;
                }

                configure?.Invoke(o);
            },
        };
        options?.Invoke(recorderOptions);
        return new PartnumberRecorder(recorderOptions);
    }

    /// <summary>What the fake emitted to the task's room, in order: the truth the recording must match.</summary>
    private static List<RecordedEvent> EmittedTo(FakePartnumberServer server, string room)
        => server.Journal.Events.Where(e => e.Direction == EventDirection.Emitted && e.Room == room).ToList();

    private static void AssertSameEvents(IReadOnlyList<RecordedEvent> emitted, RecordedClassification entry)
    {
        Assert.Equal(emitted.Select(e => e.EventName), entry.Events.Select(e => e.Name));
        for (var i = 0; i < emitted.Count; i++)
        {
            Assert.True(
                JsonNode.DeepEquals(JsonNode.Parse(emitted[i].PayloadJson!), entry.Events[i].Payload),
                $"event {i}: the server sent {emitted[i].PayloadJson}, the recording has {entry.Events[i].Payload?.ToJsonString()}");
        }

        Assert.All(entry.Events, e => Assert.True(e.Offset >= TimeSpan.Zero, $"{e.Name} at {e.Offset} came after the join"));
        Assert.Equal(entry.Events.Select(e => e.Offset).Order(), entry.Events.Select(e => e.Offset));
    }

    public static TheoryData<PartnumberTransports> ServedTransports => [PartnumberTransports.WebSocket | PartnumberTransports.LongPolling, PartnumberTransports.LongPolling];

    [Theory]
    [MemberData(nameof(ServedTransports))]
    public async Task A_recording_holds_what_the_server_sent_and_no_header_or_auth_value(PartnumberTransports served)
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { Transports = served });
        ScriptRich(server, "PN-RICH");
        await using var recorder = RecorderFor(server);

        var entry = await recorder.RecordAsync(new ClassificationRequest("PN-RICH") { Description = "válvula", Supplier = "Fornecedor Ç" });

        var request = Assert.Single(server.Journal.Requests);
        Assert.Equal(SecretHeader, request.Headers["X-Api-Key"]); // the secrets reached the server...
        Assert.Equal(RecordingEnd.Finished, entry.End);
        Assert.Equal(202, entry.ResponseStatus);
        Assert.Equal(request.RoomId, entry.ResponseBody!["room_id"]!.GetValue<string>());
        Assert.Equal(request.TaskId, entry.ResponseBody["task_id"]!.GetValue<string>());
        Assert.Equal("válvula", entry.Description);
        Assert.Equal("Fornecedor Ç", entry.Supplier);
        AssertSameEvents(EmittedTo(server, request.RoomId!), entry);
        Assert.DoesNotContain(entry.Events, e => e.Name == "connected");

        var json = recorder.Recording.ToJson(); // ...and never into the recording
        Assert.DoesNotContain(SecretHeader, json, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretAuth, json, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Api-Key", json, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"Válvula de retenção em aço inoxidável\"", json, StringComparison.Ordinal);
        var session = Assert.Single(server.Journal.Sessions);
        Assert.Equal(served == PartnumberTransports.LongPolling ? "polling" : "websocket", session.Transport);
    }

    [Fact]
    public async Task The_recorder_wraps_a_configured_WebSocketFactory_and_records_in_memory()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        ScriptRich(server, "PN-MEM");
        var opened = 0;
        await using var recorder = RecorderFor(
            server,
            o => o.WebSocketFactory = (uri, headers, ct) =>
            {
                Interlocked.Increment(ref opened);
                return server.ConnectWebSocketAsync(uri, headers, ct);
            });

        var entry = await recorder.RecordAsync(new ClassificationRequest("PN-MEM"));

        Assert.Equal(1, opened);
        AssertSameEvents(EmittedTo(server, server.Journal.Requests[0].RoomId!), entry);
    }

    [Fact]
    public async Task A_failed_update_and_a_failure_in_the_final_event_are_recorded_with_their_payloads()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        server.ForPartnumber("PN-UPD").Progress("a").FailInUpdate("Falha na consulta");
        server.ForPartnumber("PN-FIN").FailInFinished("sem classe", new { código = "E7" });
        await using var recorder = RecorderFor(server);

        var failedUpdate = await recorder.RecordAsync(new ClassificationRequest("PN-UPD"));
        var failedFinished = await recorder.RecordAsync(new ClassificationRequest("PN-FIN"));

        Assert.Equal(RecordingEnd.FailedUpdate, failedUpdate.End);
        Assert.Equal("failed", failedUpdate.Events[^1].Payload!["status"]!.GetValue<string>());
        Assert.Equal(RecordingEnd.Finished, failedFinished.End);
        Assert.Equal("E7", failedFinished.Events[^1].Payload!["código"]!.GetValue<string>());
        Assert.Equal(["PN-UPD", "PN-FIN"], recorder.Recording.Classifications.Select(c => c.Partnumber));
    }

    [Fact]
    public async Task A_rejection_is_recorded_once_with_its_status_and_body_and_without_its_headers()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        server.ForPartnumber("PN-BUSY").RespondWith(503, "{\"error\":\"ocupado\"}", ("Retry-After", "1"));
        server.ForPartnumber("PN-HTML").RespondWith(502, "<html><body>Bad Gateway</body></html>");
        await using var recorder = RecorderFor(server);

        var busy = await recorder.RecordAsync(new ClassificationRequest("PN-BUSY"));
        var html = await recorder.RecordAsync(new ClassificationRequest("PN-HTML"));

        Assert.Equal(2, server.Journal.Requests.Count); // no retry: the recording shows the server's own answer
        Assert.Equal((503, RecordingEnd.Rejected), (busy.ResponseStatus, busy.End));
        Assert.Equal("ocupado", busy.ResponseBody!["error"]!.GetValue<string>());
        Assert.Equal((502, "<html><body>Bad Gateway</body></html>"), (html.ResponseStatus, html.ResponseText));
        Assert.DoesNotContain("Retry-After", recorder.Recording.ToJson(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(ServerDisconnectMode.Namespace)]
    [InlineData(ServerDisconnectMode.EngineClose)]
    [InlineData(ServerDisconnectMode.TransportAbort)]
    public async Task A_drop_is_recorded_with_how_the_server_ended_the_connection(ServerDisconnectMode mode)
    {
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-DROP").Progress("a").Disconnect(mode, delay: TimeSpan.FromMilliseconds(20));
        await using var recorder = RecorderFor(server);

        var entry = await recorder.RecordAsync(new ClassificationRequest("PN-DROP"));

        Assert.Equal(RecordingEnd.Dropped, entry.End);
        Assert.Equal(mode, entry.Disconnect!.Mode);
        Assert.True(entry.Disconnect.Offset >= entry.Events[^1].Offset);
        Assert.Single(entry.Events);
    }

    [Fact]
    public async Task A_classification_without_final_event_is_recorded_as_never_finished_at_the_client_timeout()
    {
        var clientTime = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        server.ForPartnumber("PN-NEVER").Progress("a").NeverFinish();
        await using var recorder = RecorderFor(server, o => o.TimeProvider = clientTime);

        var updated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recording = recorder.RecordAsync(new ClassificationRequest("PN-NEVER"), new Progress(updated));
        await updated.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the client has the update: only the timeout is left
        clientTime.Advance(TimeSpan.FromSeconds(21));
        var entry = await recording;

        Assert.Equal(RecordingEnd.NeverFinished, entry.End);
        Assert.Single(entry.Events);
        Assert.Null(entry.Disconnect);
    }

    [Fact]
    public async Task A_silent_server_is_recorded_as_a_silent_drop_when_the_client_watchdog_gives_up()
    {
        var clientTime = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        server.ForPartnumber("PN-SILENT").Progress("a").Disconnect(ServerDisconnectMode.Silent);
        await using var recorder = RecorderFor(server, o =>
        {
            o.TimeProvider = clientTime;
            o.ClassificationTimeout = TimeSpan.FromMinutes(10); // the watchdog, not the timeout, must end it
        });

        var updated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recording = recorder.RecordAsync(new ClassificationRequest("PN-SILENT"), new Progress(updated));
        await updated.Task.WaitAsync(TimeSpan.FromSeconds(10));
        clientTime.Advance(TimeSpan.FromSeconds(46)); // past pingInterval 25 s + pingTimeout 20 s without a ping: the watchdog fires

        var entry = await recording;
        Assert.Equal(RecordingEnd.Dropped, entry.End);
        Assert.Equal(ServerDisconnectMode.Silent, entry.Disconnect!.Mode);
    }

    [Fact]
    public async Task Fields_and_payloads_are_redacted_before_they_are_recorded()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        server.ForPartnumber("PN-PII")
            .Update(new { status = "processing", cliente = new { cpf = "123.456.789-00", nome = "Ana" } })
            .Finish("ok", new { CPF = "987.654.321-00", lista = new[] { new { cpf = "1" } } });
        await using var recorder = RecorderFor(server, options: o =>
        {
            o.RedactedFields.Add("cpf");
            o.RedactPayload = (context, payload) =>
            {
                if (context.IsResponseBody && payload is JsonObject body)
                {
                    body["message"] = "(texto removido)";
                }
                else if (context.EventName == "classification_update_status" && payload?["cliente"] is JsonObject cliente)
                {
                    cliente["nome"] = "N.N.";
                }

                return payload;
            };
        });

        var entry = await recorder.RecordAsync(new ClassificationRequest("PN-PII"));

        var json = recorder.Recording.ToJson();
        Assert.DoesNotContain("123.456.789-00", json, StringComparison.Ordinal);
        Assert.DoesNotContain("987.654.321-00", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Ana", json, StringComparison.Ordinal);
        Assert.Equal("[redacted]", entry.Events[0].Payload!["cliente"]!["cpf"]!.GetValue<string>());
        Assert.Equal("[redacted]", entry.Events[1].Payload!["lista"]![0]!["cpf"]!.GetValue<string>());
        Assert.Equal("(texto removido)", entry.ResponseBody!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Recording_a_partnumber_again_replaces_its_entry()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        await using var recorder = RecorderFor(server);
        await recorder.RecordAsync(new ClassificationRequest("PN-1"));
        server.ForPartnumber("PN-1").Finish("segunda vez");

        await recorder.RecordAsync(new ClassificationRequest("PN-1"));

        var entry = Assert.Single(recorder.Recording.Classifications);
        Assert.Equal("segunda vez", entry.Events[^1].Payload!["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unreachable_backend_is_a_connection_error_and_nothing_is_recorded()
    {
        var server = await FakePartnumberServer.StartAsync();
        var address = server.BaseAddress;
        await server.DisposeAsync();
        await using var recorder = new PartnumberRecorder(new PartnumberRecorderOptions
        {
            BaseAddress = address,
            ConfigureClient = o => o.ConnectTimeout = TimeSpan.FromSeconds(5),
        });

        await Assert.ThrowsAsync<PartnumberConnectionException>(() => recorder.RecordAsync(new ClassificationRequest("PN-1")));
        Assert.Empty(recorder.Recording.Classifications);
        Assert.Throws<ArgumentException>(() => new PartnumberRecorder(new PartnumberRecorderOptions()));
    }

    [Theory]
    [InlineData(PartnumberTransports.WebSocket)]
    [InlineData(PartnumberTransports.LongPolling)]
    public async Task A_recording_of_the_fake_replayed_by_another_fake_gives_the_SDK_the_same_updates(PartnumberTransports transport)
    {
        await using var original = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        ScriptRich(original, "PN-ROUND");
        await using var recorder = RecorderFor(original);
        await recorder.RecordAsync(new ClassificationRequest("PN-ROUND"));
        await using var replay = await FakePartnumberServer.StartAsync(new() { InMemory = true });
        replay.Replay(PartnumberRecording.Parse(recorder.Recording.ToJson()));

        var fromOriginal = await UpdatesAsync(original, transport);
        var fromReplay = await UpdatesAsync(replay, transport);

        Assert.Equal(fromOriginal.Count, fromReplay.Count);
        for (var i = 0; i < fromOriginal.Count; i++)
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(fromOriginal[i]), JsonNode.Parse(fromReplay[i])), $"{fromOriginal[i]} / {fromReplay[i]}");
        }

        static async Task<List<string>> UpdatesAsync(FakePartnumberServer server, PartnumberTransports transport)
        {
            await using var client = server.CreateClient(o => o.Transports = transport);
            var payloads = new List<string>();
            await foreach (var update in client.ClassifyAsync(new ClassificationRequest("PN-ROUND")))
            {
                Assert.True(update.Result is null || update.Result.Transport == transport);
                payloads.Add(update.Payload.GetRawText());
            }

            return payloads;
        }
    }

    /// <summary>Completes when the first update reaches the caller (synchronously, unlike <see cref="Progress{T}"/>).</summary>
    private sealed class Progress(TaskCompletionSource updated) : IProgress<ClassificationUpdate>
    {
        public void Report(ClassificationUpdate value) => updated.TrySetResult();
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>
/// The interop scenarios (issue 4), run by each derived class against one kind of real server. Every scenario uses
/// only the SDK's public API and asserts what the caller sees; the server side is driven by per-partnumber scripts.
/// </summary>
public abstract class InteropScenarios<TFixture> : ScenarioBase<TFixture>, IClassFixture<TFixture>
    where TFixture : PeerFixture
{
    protected InteropScenarios(TFixture fixture, ITestOutputHelper output)
        : base(fixture, output)
    {
    }

    [SkippableFact]
    public Task Happy_path_streams_string_counts_then_one_final_result_with_extra_fields() => RunAsync(async s =>
    {
        var pn = NewPartnumber("happy");
        const string description = "Válvula solenoide 24 V — ação direta, corpo em latão (ç, ã, é, ü, 漢字)";
        await s.Deployment.ScriptAsync(new PeerScript(pn)
        {
            Steps = 4,
            Messages = ["Recebido", "Analisando dados...", "Consultando NCM", "Validando"],
            UpdateExtra = new Dictionary<string, object?> { ["stage"] = "ncm", ["eta_seconds"] = 3 },
            Description = description,
            FinishedExtra = new Dictionary<string, object?>
            {
                ["ncm"] = "8481.80.92",
                ["confidence"] = 0.97,
                ["alternatives"] = new[] { "8481.80.99", "8481.20.90" },
                ["details"] = new Dictionary<string, object?> { ["origem"] = "São Paulo", ["null_field"] = null },
            },
        });
        await using var tc = s.CreateClient();

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        var result = AssertCompleted(outcome, pn);
        var progress = outcome.Progress.ToList();
        Assert.Equal([1, 2, 3, 4], progress.Select(u => u.Current ?? -1));
        Assert.All(progress, u => Assert.Equal(4, u.Total));
        Assert.All(progress, u => Assert.Equal(ClassificationStatus.Processing, u.Status));
        Assert.All(progress, u => Assert.False(u.IsFinal));
        Assert.Equal(["Recebido", "Analisando dados...", "Consultando NCM", "Validando"], progress.Select(u => u.Message));
        Assert.All(progress, u => Assert.Equal("ncm", Text(u.Payload, "stage")));
        Assert.All(progress, u => Assert.Equal(JsonValueKind.String, Property(u.Payload, "current").ValueKind));
        Assert.Equal(description, result.Description);
        Assert.Equal("8481.80.92", Text(result.Payload, "ncm"));
        Assert.Equal(0.97, Property(result.Payload, "confidence").GetDouble());
        Assert.Equal(2, Property(result.Payload, "alternatives").GetArrayLength());
        Assert.Equal("São Paulo", Text(Property(result.Payload, "details"), "origem"));
        Assert.Equal(description, Text(result.Payload, "description"));
        Assert.Equal("done", Text(result.Payload, "status"));
    });

    [SkippableFact]
    public Task The_result_names_the_transport_that_delivered_it() => RunAsync(async s =>
    {
        // Issue 16: with default options the SDK takes WebSocket where the deployment accepts it and long-polling where
        // it does not, and says which in ClassificationResult.Transport (both classifications: the first one finds out,
        // the second one uses what the client remembered).
        var pn = NewPartnumber("transport");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 1 });
        await using var tc = s.CreateClient();

        var first = await tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn));
        var second = await tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn));

        s.Note($"transports: {first.Transport}, {second.Transport}");
        AssertTransport(first);
        AssertTransport(second);
    });

    [SkippableFact]
    public Task ClassifyAndWait_reports_numeric_counts_as_progress_and_returns_the_result() => RunAsync(async s =>
    {
        var pn = NewPartnumber("wait");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 3, CountsAsNumbers = true });
        await using var tc = s.CreateClient();
        var progress = new CollectingProgress();

        var result = await tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn), progress);

        Assert.Equal(pn, result.Partnumber);
        Assert.Equal(ClassificationStatus.Done, result.Status);
        Assert.StartsWith("Descrição detalhada", result.Description);
        var updates = progress.Updates.ToList();
        Assert.Equal([1, 2, 3], updates.Select(u => u.Current ?? -1));
        Assert.All(updates, u => Assert.Equal(3, u.Total));
        Assert.All(updates, u => Assert.Equal(JsonValueKind.Number, Property(u.Payload, "current").ValueKind));
        Assert.DoesNotContain(updates, u => u.IsFinal);
    });

    [SkippableFact]
    public Task Update_payloads_are_parsed_leniently() => RunAsync(async s =>
    {
        // Issue 2: current/total as numbers or numeric strings, status case-insensitive, unknown status → Unknown,
        // missing fields → null, unknown fields kept.
        var pn = NewPartnumber("lenient");
        await s.Deployment.ScriptAsync(new PeerScript(pn)
        {
            Steps = 0,
            RawUpdates =
            [
                new Dictionary<string, object?> { ["current"] = 1, ["total"] = "4", ["status"] = "PROCESSING", ["message"] = "números" },
                new Dictionary<string, object?> { ["current"] = "2", ["total"] = 4, ["status"] = "Processing", ["extra"] = new[] { 1, 2 } },
                new Dictionary<string, object?> { ["status"] = "queued" },
                new Dictionary<string, object?> { ["current"] = "3", ["total"] = "4" },
            ],
        });
        await using var tc = s.CreateClient();

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        AssertCompleted(outcome, pn);
        var p = outcome.Progress.ToList();
        Assert.Equal(4, p.Count);
        Assert.Equal((1, 4, ClassificationStatus.Processing, "números"), (p[0].Current, p[0].Total, p[0].Status, p[0].Message));
        Assert.Equal((2, 4, ClassificationStatus.Processing), (p[1].Current, p[1].Total, p[1].Status));
        Assert.Equal(2, Property(p[1].Payload, "extra").GetArrayLength());
        Assert.Equal((null, null, ClassificationStatus.Unknown), (p[2].Current, p[2].Total, p[2].Status));
        Assert.Equal((3, 4, ClassificationStatus.Unknown), (p[3].Current, p[3].Total, p[3].Status));
    });

    [SkippableFact]
    public Task Malformed_update_payloads_never_hang_or_crash_the_stream() => RunAsync(async s =>
    {
        // Issue 6: non-object payloads and wrong types are ignored (with a warning) or end the stream with a typed
        // error; either way the caller gets an outcome promptly, and a valid result after them is still delivered
        // unless the SDK chose to fail.
        var pn = NewPartnumber("malformed");
        await s.Deployment.ScriptAsync(new PeerScript(pn)
        {
            Steps = 1,
            RawUpdates =
            [
                "just a string",
                new object?[] { 1, "two", null },
                42,
                new Dictionary<string, object?> { ["current"] = "abc", ["total"] = new Dictionary<string, object?> { ["x"] = 1 }, ["status"] = 7, ["message"] = 3.5 },
            ],
        });
        await using var tc = s.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(10));

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        s.Note($"malformed updates: {outcome.Updates.Count} update(s), then {outcome.Error?.GetType().Name ?? "the result"} after {outcome.Elapsed.TotalSeconds:0.0} s {outcome.Error?.Message}");
        Assert.True(outcome.Error is null or (PartnumberClientException and not ClassificationTimeoutException), $"expected the result or a typed error (not a timeout), got {outcome.Error}");
        Assert.True((await s.Deployment.ReceivedRequestsAsync(pn)).Length == 1, $"the classification never reached the server, so no malformed update was seen: {outcome.Error}");
        if (outcome.Error is null)
        {
            AssertCompleted(outcome, pn);
            Assert.Contains(outcome.Progress, u => u.Current == 1 && u.Total == 1);
        }
    });

    [SkippableFact]
    public Task Non_ASCII_partnumber_and_a_large_result_round_trip_intact() => RunAsync(async s =>
    {
        var pn = "PN-ÇÃO-ß-漢字-" + Guid.NewGuid().ToString("N")[..8];
        var large = string.Concat(Enumerable.Repeat("Descrição técnica — válvula 24 V; ", 8_000)); // ~280 KB of text
        await s.Deployment.ScriptAsync(new PeerScript(pn)
        {
            Steps = 1,
            EchoRequest = true,
            FinishedExtra = new Dictionary<string, object?> { ["ficha_tecnica"] = large },
        });
        await using var tc = s.CreateClient();

        var result = await tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn) { Description = "Ação" });

        Assert.Equal(pn, result.Partnumber);
        Assert.Equal(pn, Text(Property(result.Payload, "received"), "partnumber"));
        Assert.Equal("Ação", Text(Property(result.Payload, "received"), "description"));
        Assert.Equal(large, Text(result.Payload, "ficha_tecnica"));
    });

    [SkippableFact]
    public Task Optional_request_fields_and_the_socket_session_id_reach_the_server() => RunAsync(async s =>
    {
        var pn = NewPartnumber("fields");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 1, EchoRequest = true });
        await using var tc = s.CreateClient();
        var request = new ClassificationRequest(pn)
        {
            Description = "Válvula solenoide 24 V — ação direta",
            Manufacturer = "Ação & Companhia Ltda.",
            Supplier = "Fornecedor \"Único\" S/A",
        };

        var result = await tc.Client.ClassifyAndWaitAsync(request);

        var received = Property(result.Payload, "received");
        Assert.Equal(["description", "manufacturer", "partnumber", "socket_session_id", "supplier"], Property(received, "fields").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(request.Description, Text(received, "description"));
        Assert.Equal(request.Manufacturer, Text(received, "manufacturer"));
        Assert.Equal(request.Supplier, Text(received, "supplier"));
        Assert.StartsWith("application/json", Text(received, "content_type"));
        Assert.False(string.IsNullOrEmpty(Text(received, "socket_session_id")));
        Assert.True(Property(received, "socket_session_id_connected").GetBoolean(), "socket_session_id is not the sid of a socket connected to the server (namespace sid expected)");
    });

    [SkippableFact]
    public Task Absent_optional_fields_are_omitted_from_the_POST() => RunAsync(async s =>
    {
        var pn = NewPartnumber("omit");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 1, EchoRequest = true });
        await using var tc = s.CreateClient();

        var result = await tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn));

        var received = Property(result.Payload, "received");
        Assert.Equal(["partnumber", "socket_session_id"], Property(received, "fields").EnumerateArray().Select(e => e.GetString()));
    });

    [SkippableFact]
    public Task Headers_go_on_the_POST_and_on_the_SocketIO_handshake() => RunAsync(async s =>
    {
        var pn = NewPartnumber("headers");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 1, EchoRequest = true, EchoHeaders = ["X-Api-Key", "X-Tenant"] });
        await using var tc = s.CreateClient(o =>
        {
            o.Headers["X-Api-Key"] = "secret-7d3f";
            o.Headers["X-Tenant"] = "acme";
        });

        var result = await tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn));

        var received = Property(result.Payload, "received");
        Assert.Equal("secret-7d3f", Text(Property(received, "headers"), "X-Api-Key"));
        Assert.Equal("acme", Text(Property(received, "headers"), "X-Tenant"));
        Assert.Equal("secret-7d3f", Text(Property(received, "handshake_headers"), "X-Api-Key"));
        Assert.Equal("acme", Text(Property(received, "handshake_headers"), "X-Tenant"));
        Assert.DoesNotContain("secret-7d3f", s.Logger.Dump());
    });

    [SkippableFact]
    public Task A_result_frame_over_1_MiB_ends_in_a_typed_exception_not_a_hang() => RunAsync(async s =>
    {
        // The SDK refuses frames over 1 MiB (like Engine.IO's maxPayload): the result is lost, and the caller must get
        // a typed error in bounded time. A 900 KB result still arrives.
        var big = NewPartnumber("frame");
        var fits = NewPartnumber("framefits");
        await s.Deployment.ScriptAsync(
            new PeerScript(big) { Steps = 1, FinishedPaddingBytes = 1_500_000 },
            new PeerScript(fits) { Steps = 1, FinishedPaddingBytes = 900_000 });
        var timeout = TimeSpan.FromSeconds(5);
        await using var tc = s.CreateClient(o => o.ClassificationTimeout = timeout);

        var result = await tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(fits));
        Assert.Equal(900_000, Text(result.Payload, "padding")!.Length);

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(big)));

        s.Note($"1.5 MB frame: {outcome.Error?.GetType().Name} after {outcome.Elapsed.TotalSeconds:0.0} s: {outcome.Error?.Message}");
        Assert.IsAssignableFrom<PartnumberClientException>(outcome.Error);
        Assert.True(outcome.Elapsed < timeout + TimeSpan.FromSeconds(3), $"took {outcome.Elapsed}");
    });

    [SkippableFact]
    public Task Failed_in_an_update_ends_the_stream_with_ClassificationFailedException() => RunAsync(async s =>
    {
        var pn = NewPartnumber("failupd");
        await s.Deployment.ScriptAsync(new PeerScript(pn)
        {
            Steps = 3,
            FailAtStep = 2,
            FailMessage = "Erro ao consultar a base NCM",
            FailExtra = new Dictionary<string, object?> { ["error_code"] = "NCM_DOWN" },
        });
        await using var tc = s.CreateClient();

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        var failed = Assert.IsType<ClassificationFailedException>(outcome.Error);
        Assert.Contains("Erro ao consultar a base NCM", failed.Message);
        Assert.Equal("failed", Text(failed.Payload, "status"));
        Assert.Equal("NCM_DOWN", Text(failed.Payload, "error_code"));
        Assert.False(string.IsNullOrEmpty(failed.TaskId));
        var progress = Assert.Single(outcome.Updates);
        Assert.Equal(1, progress.Current);
        Assert.DoesNotContain(outcome.Updates, u => u.IsFinal);
    });

    [SkippableFact]
    public Task Failed_in_finished_throws_ClassificationFailedException_with_the_error() => RunAsync(async s =>
    {
        var pn = NewPartnumber("failfin");
        await s.Deployment.ScriptAsync(new PeerScript(pn)
        {
            Steps = 2,
            FinishedStatus = "failed",
            FinishedExtra = new Dictionary<string, object?> { ["error"] = "Classificação indisponível para este fornecedor" },
        });
        await using var tc = s.CreateClient();
        var progress = new CollectingProgress();

        var failed = await Assert.ThrowsAsync<ClassificationFailedException>(() => tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn), progress));

        Assert.Contains("Classificação indisponível para este fornecedor", failed.Message);
        Assert.Equal("failed", Text(failed.Payload, "status"));
        Assert.Equal(pn, Text(failed.Payload, "partnumber"));
        Assert.False(string.IsNullOrEmpty(failed.TaskId));
        Assert.Equal(2, progress.Updates.Count);
    });

    [SkippableTheory]
    [InlineData(422, "json")]
    [InlineData(422, "html")]
    [InlineData(500, "json")]
    [InlineData(500, "html")]
    public Task Non_2xx_POST_throws_ClassificationRejectedException_with_status_and_body(int status, string kind) => RunAsync(async s =>
    {
        var pn = NewPartnumber($"rej{status}{kind}");
        const string html = "<!doctype html><html><head><title>Erro</title></head><body><h1>Internal Server Error</h1><p>Ação não concluída</p></body></html>";
        object body = kind == "json"
            ? new Dictionary<string, object?> { ["detail"] = "partnumber inválido: não encontrado", ["code"] = status }
            : html;
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Reject = new PeerReject(status, body) });
        await using var tc = s.CreateClient();

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        var rejected = Assert.IsType<ClassificationRejectedException>(outcome.Error);
        Assert.Equal((HttpStatusCode)status, rejected.StatusCode);
        if (kind == "json")
        {
            using var document = JsonDocument.Parse(rejected.ResponseBody);
            Assert.Equal("partnumber inválido: não encontrado", document.RootElement.GetProperty("detail").GetString());
        }
        else
        {
            Assert.Equal(html, rejected.ResponseBody);
        }

        Assert.Empty(outcome.Updates);
        Assert.Single(await s.Deployment.ReceivedRequestsAsync(pn));
    });

    [SkippableTheory]
    [InlineData(503)]
    [InlineData(429)]
    public Task A_refusal_before_work_began_with_Retry_After_is_retried_and_then_succeeds(int status) => RunAsync(async s =>
    {
        // Issue 6: 429/503 cannot have started a classification, so the SDK retries them, honouring Retry-After.
        var pn = NewPartnumber($"retry{status}");
        await s.Deployment.ScriptAsync(new PeerScript(pn)
        {
            Steps = 1,
            Reject = new PeerReject(status, "<html><body>Tente novamente</body></html>")
            {
                Headers = new Dictionary<string, string> { ["Retry-After"] = "1" },
                Times = 1,
            },
        });
        await using var tc = s.CreateClient();
        var clock = Stopwatch.StartNew();

        var result = await tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn));

        Assert.Equal(ClassificationStatus.Done, result.Status);
        Assert.Equal(2, (await s.Deployment.ReceivedRequestsAsync(pn)).Length);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {clock.Elapsed}: Retry-After: 1 was not honoured");
    });

    [SkippableFact]
    public Task The_frameworks_own_404_for_a_wrong_ClassifyPath_is_a_ClassificationRejectedException() => RunAsync(async s =>
    {
        // Not scripted: Flask/Werkzeug's HTML 404 page, Node's JSON 404.
        await using var tc = s.CreateClient(o => o.ClassifyPath = "/v0/classify-partnumber");

        var error = await Record.ExceptionAsync(() => tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(NewPartnumber("404"))));

        var rejected = Assert.IsType<ClassificationRejectedException>(error);
        Assert.Equal(HttpStatusCode.NotFound, rejected.StatusCode);
        Assert.Contains("not found", rejected.ResponseBody, StringComparison.OrdinalIgnoreCase);
    });

    [SkippableFact]
    public Task An_oversized_request_gets_the_servers_own_413_as_a_ClassificationRejectedException() => RunAsync(async s =>
    {
        // The peers refuse bodies over 1,000,000 bytes before reading them (Flask: Werkzeug's RequestEntityTooLarge page).
        var pn = NewPartnumber("413");
        await using var tc = s.CreateClient();
        var request = new ClassificationRequest(pn) { Description = new string('x', 1_200_000) };

        var error = await Record.ExceptionAsync(() => tc.Client.ClassifyAndWaitAsync(request));

        s.Note($"oversized: {error?.GetType().Name}: {error?.Message?[..Math.Min(300, error.Message.Length)]}");
        Assert.Empty(await s.Deployment.ReceivedRequestsAsync(pn));
        if (Fixture.Kind == PeerKind.FlaskThreading && error is PartnumberConnectionException lost)
        {
            // Werkzeug's development server answers 413 and closes the connection without reading the body: when the close
            // comes while the client is still writing, the answer is lost to any HTTP client (a broken pipe), and the SDK
            // says so. eventlet, gunicorn, nginx and Node read or drain the body first, so there the 413 always arrives.
            Assert.Contains("a server that refuses large requests before reading them", lost.Message, StringComparison.Ordinal);
            return;
        }

        var rejected = Assert.IsType<ClassificationRejectedException>(error);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, rejected.StatusCode);
    });

    [SkippableFact]
    public Task A_POST_answered_too_late_ends_in_a_ClassificationTimeoutException_naming_the_POST() => RunAsync(async s =>
    {
        var pn = NewPartnumber("slowpost");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 1, PostDelayMs = 6000 });
        var timeout = TimeSpan.FromSeconds(2);
        await using var tc = s.CreateClient(o => o.ClassificationTimeout = timeout);

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        var timedOut = Assert.IsType<ClassificationTimeoutException>(outcome.Error);
        Assert.Contains("POST", timedOut.Message, StringComparison.Ordinal);
        Assert.InRange(outcome.Elapsed, timeout - TimeSpan.FromMilliseconds(250), timeout + TimeSpan.FromSeconds(2));
        Assert.Empty(outcome.Updates);
        s.Note($"timeout message: {timedOut.Message}");
    });

    [SkippableFact]
    public Task Events_emitted_before_join_end_in_a_ClassificationTimeoutException() => RunAsync(async s =>
    {
        // The server emits every event inside the POST handler, before the 202 leaves, to a room nobody has joined:
        // Socket.IO discards them. Without auto-join nothing can deliver them, so the caller must get a timeout.
        var pn = NewPartnumber("early");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 2, EmitBeforeJoin = true });
        var timeout = TimeSpan.FromSeconds(3);
        await using var tc = s.CreateClient(o => o.ClassificationTimeout = timeout);

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        var timedOut = Assert.IsType<ClassificationTimeoutException>(outcome.Error);
        Assert.NotEqual(new ClassificationTimeoutException().Message, timedOut.Message);
        Assert.InRange(outcome.Elapsed, timeout - TimeSpan.FromMilliseconds(250), timeout + TimeSpan.FromSeconds(3));
        Assert.Empty(outcome.Updates);
        s.Note($"timeout message: {timedOut.Message}");
    });

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Dropped_mid_task_ends_promptly_with_the_result_or_a_connection_error(bool closeTransport) => RunAsync(async s =>
    {
        // After step 1 the server either disconnects the namespace (41) or closes the whole Engine.IO connection (no
        // Socket.IO DISCONNECT first; on the scale-out pair, where the socket lives on the other worker, only a
        // namespace disconnect can be requested through redis). The core contract: the caller is not left waiting for
        // the classification timeout; either the SDK recovers (reconnect + rejoin) or it says the connection was lost.
        var pn = NewPartnumber(closeTransport ? "abort" : "kick");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 3, KickAtStep = 1, KickTransport = closeTransport });
        await using var tc = s.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(10));

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        s.Note($"outcome after {outcome.Elapsed.TotalSeconds:0.0} s: {outcome.Error?.GetType().Name ?? "result"} {outcome.Error?.Message}");
        Assert.True(outcome.Error is null or PartnumberConnectionException, $"expected the result or PartnumberConnectionException, got {outcome.Error}");
        if (outcome.Error is null)
        {
            AssertCompleted(outcome, pn);
        }

        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(7), $"took {outcome.Elapsed}: the {(closeTransport ? "closed transport" : "kick")} was not noticed");
        Assert.NotEmpty(outcome.Progress);
    });

    [SkippableFact]
    public Task Transport_closed_mid_task_on_a_short_heartbeat_is_noticed_within_pingInterval_plus_pingTimeout() => RunAsync(async s =>
    {
        // The same transport close on a server started with pingInterval 1 s and pingTimeout 1 s: where the close
        // itself is not noticed (Flask-SocketIO/eventlet leaves the WebSocket open after its Engine.IO CLOSE packet),
        // the missing pings must be, within about 2 s.
        var backend = await s.GatewayAsync();
        var pn = NewPartnumber("abortping");
        await backend.ScriptAsync(new PeerScript(pn) { Steps = 3, KickAtStep = 1, KickTransport = true });
        await using var tc = backend.CreateClient(
            o =>
            {
                ScenarioContext.UseGateway(o);
                o.ClassificationTimeout = TimeSpan.FromSeconds(12);
            },
            s.Logger);

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        s.Note($"outcome after {outcome.Elapsed.TotalSeconds:0.0} s: {outcome.Error?.GetType().Name ?? "result"} {outcome.Error?.Message}");
        Assert.True(outcome.Error is null or PartnumberConnectionException, $"expected the result or PartnumberConnectionException, got {outcome.Error}");
        if (outcome.Error is null)
        {
            AssertCompleted(outcome, pn);
        }

        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(8), $"took {outcome.Elapsed}: the silent connection was not noticed");
        Assert.NotEmpty(outcome.Progress); // step 1 came before the close: the connection really worked first
    });

    [SkippableFact]
    public Task Socket_kicked_mid_task_still_yields_the_final_result() => RunAsync(async s =>
    {
        // Reliability (issue 6): the SDK reconnects, re-joins the room and continues the same stream. The peer waits
        // (up to its --join-timeout, 5 s) for the re-join before it sends steps 2..3 and the result. The reconnect is
        // visible through OnReconnecting.
        var pn = NewPartnumber("kickok");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 3, KickAtStep = 1 });
        var reconnects = new System.Collections.Concurrent.ConcurrentQueue<PartnumberReconnectContext>();
        await using var tc = s.CreateClient(o =>
        {
            o.ClassificationTimeout = TimeSpan.FromSeconds(10);
            o.OnReconnecting = reconnects.Enqueue;
        });

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        var result = AssertCompleted(outcome, pn);
        Assert.Contains(outcome.Progress, u => u.Current == 3);
        Assert.Equal(ClassificationStatus.Done, result.Status);
        var reconnect = Assert.Single(reconnects);
        Assert.Equal(pn, reconnect.Partnumber);
        Assert.Equal(result.RoomId, reconnect.RoomId);
        Assert.Equal(1, reconnect.Attempt);
        s.Note($"reconnect: attempt {reconnect.Attempt} after {reconnect.Elapsed.TotalSeconds:0.000} s because {reconnect.Reason}");
    });

    [SkippableFact]
    public Task Socket_kicked_mid_task_with_reconnection_disabled_ends_with_PartnumberConnectionException() => RunAsync(async s =>
    {
        var pn = NewPartnumber("kicknone");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 3, KickAtStep = 1 });
        var reconnects = 0;
        await using var tc = s.CreateClient(o =>
        {
            o.ClassificationTimeout = TimeSpan.FromSeconds(10);
            o.ReconnectPolicy = PartnumberReconnectPolicy.None;
            o.OnReconnecting = _ => Interlocked.Increment(ref reconnects);
        });

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        Assert.IsType<PartnumberConnectionException>(outcome.Error);
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(3), $"took {outcome.Elapsed}");
        Assert.Equal(1, Assert.Single(outcome.Updates).Current);
        Assert.Equal(0, reconnects);
    });

    [SkippableFact]
    public Task Backend_killed_mid_task_ends_with_a_typed_exception_not_a_hang() => RunAsync(async s =>
    {
        var budget = TimeSpan.FromSeconds(3);
        var (error, _, afterFault) = await RunNeverFinishingUntilFaultAsync(s, "kill", budget, backend => backend.KillAsync());

        s.Note($"after the kill: {error?.GetType().Name} after {afterFault.TotalSeconds:0.0} s: {error?.Message}");
        Assert.NotNull(error);
        Assert.IsNotType<TimeoutException>(error);
        Assert.IsAssignableFrom<PartnumberClientException>(error);
        Assert.True(afterFault < budget + TimeSpan.FromSeconds(5), $"took {afterFault} after the kill (budget {budget})");
    });

    [SkippableFact]
    public Task Backend_killed_and_restarted_mid_task_ends_with_a_typed_exception_within_the_budget() => RunAsync(async s =>
    {
        // The restarted server (same port) knows nothing of the task: whether the SDK reconnects and re-joins or not,
        // no result can come, and the caller must get a typed error within ClassificationTimeout, not a hang.
        var budget = TimeSpan.FromSeconds(3);
        var (error, afterStart, _) = await RunNeverFinishingUntilFaultAsync(s, "restart", budget, backend => backend.RestartAsync());

        s.Note($"after the restart: {error?.GetType().Name} after {afterStart.TotalSeconds:0.0} s: {error?.Message}");
        Assert.NotNull(error);
        Assert.IsNotType<TimeoutException>(error);
        Assert.IsAssignableFrom<PartnumberClientException>(error);
        Assert.True(afterStart < budget + TimeSpan.FromSeconds(5), $"took {afterStart} (budget {budget})");
    });

    /// <summary>
    /// Starts a never-finishing classification on a dedicated backend with the given ClassificationTimeout, applies
    /// <paramref name="fault"/> once its first update arrived, and returns what the caller got and when it got it:
    /// measured from the start of the classification and from the fault (when the caller got its outcome, not when
    /// the test looked).
    /// </summary>
    private static async Task<(Exception? Error, TimeSpan AfterStart, TimeSpan AfterFault)> RunNeverFinishingUntilFaultAsync(
        ScenarioContext s, string label, TimeSpan budget, Func<PeerDeployment, Task> fault)
    {
        var backend = await s.StartDedicatedAsync();
        var pn = NewPartnumber(label);
        await backend.ScriptAsync(new PeerScript(pn) { Steps = 1, NeverFinish = true });
        await using var tc = backend.CreateClient(o => o.ClassificationTimeout = budget, s.Logger);
        var firstUpdate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sinceStart = Stopwatch.StartNew();
        var sinceFault = new Stopwatch();
        var afterStart = TimeSpan.Zero;
        var afterFault = TimeSpan.Zero;
        var run = Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in tc.Client.ClassifyAsync(new ClassificationRequest(pn)))
                {
                    firstUpdate.TrySetResult();
                }
            }
            finally
            {
                (afterStart, afterFault) = (sinceStart.Elapsed, sinceFault.Elapsed);
            }
        });
        await UntilStartedAsync(firstUpdate.Task, [run]);
        sinceFault.Start();
        await fault(backend);

        var error = await Record.ExceptionAsync(() => run.WaitAsync(budget + TimeSpan.FromSeconds(10)));
        return (error, afterStart, afterFault);
    }

    /// <summary>
    /// Waits (up to 20 s) until the classifications are under way; if one of them ended first, fails with what ended it
    /// (a connection error, say), not with a bare timeout.
    /// </summary>
    private static async Task UntilStartedAsync(Task started, IReadOnlyList<Task> runs)
    {
        var first = await Task.WhenAny([started, .. runs]).WaitAsync(TimeSpan.FromSeconds(20));
        if (first != started)
        {
            var early = await Record.ExceptionAsync(() => first);
            Assert.Fail($"a classification ended before its first update: {early?.ToString() ?? "without an error"}");
        }
    }

    [SkippableFact]
    public Task Twenty_concurrent_classifications_on_one_client_have_no_cross_talk() => RunAsync(async s =>
    {
        var jobs = Enumerable.Range(0, 20)
            .Select(i => (Partnumber: NewPartnumber($"conc{i:00}"), Steps: 1 + (i % 4), Token: Guid.NewGuid().ToString("N")))
            .ToList();
        await s.Deployment.ScriptAsync([.. jobs.Select(j => new PeerScript(j.Partnumber)
        {
            Steps = j.Steps,
            StepDelayMs = 10,
            UpdateExtra = new Dictionary<string, object?> { ["for"] = j.Partnumber },
            FinishedExtra = new Dictionary<string, object?> { ["token"] = j.Token },
        })]);
        await using var tc = s.CreateClient();

        var outcomes = await Task.WhenAll(jobs.Select(j => CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(j.Partnumber)))));

        for (var i = 0; i < jobs.Count; i++)
        {
            var (pn, steps, token) = jobs[i];
            var result = AssertCompleted(outcomes[i], pn);
            Assert.Equal(token, Text(result.Payload, "token"));
            var progress = outcomes[i].Progress.ToList();
            Assert.Equal(Enumerable.Range(1, steps), progress.Select(u => u.Current ?? -1));
            Assert.All(progress, u => Assert.Equal(pn, Text(u.Payload, "for")));
        }

        Assert.Equal(jobs.Count, outcomes.Select(o => o.Updates[^1].Result!.RoomId).Distinct().Count());
        Assert.Equal(jobs.Count, outcomes.Select(o => o.Updates[^1].Result!.TaskId).Distinct().Count());
    });

    [SkippableFact]
    public Task Every_exit_closes_the_socket_on_the_server() => RunAsync(async s =>
    {
        // Done, failed, rejected, timed out, cancelled, left early, pinged: afterwards the server holds no more open
        // Engine.IO sessions than before (tests of a class run one at a time, so the baseline is stable).
        var baseline = await s.Deployment.OpenConnectionsAsync();
        var done = NewPartnumber("exitok");
        var failed = NewPartnumber("exitfail");
        var rejected = NewPartnumber("exitrej");
        var never = NewPartnumber("exitnever");
        var slow = NewPartnumber("exitslow");
        await s.Deployment.ScriptAsync(
            new PeerScript(done) { Steps = 1 },
            new PeerScript(failed) { Steps = 2, FailAtStep = 1 },
            new PeerScript(rejected) { Reject = new PeerReject(500, "<html>boom</html>") },
            new PeerScript(never) { Steps = 1, NeverFinish = true },
            new PeerScript(slow) { Steps = 20, StepDelayMs = 100 });
        await using var tc = s.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(2));

        for (var round = 0; round < 3; round++)
        {
            await tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(done));
            await Assert.ThrowsAsync<ClassificationFailedException>(() => tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(failed)));
            await Assert.ThrowsAsync<ClassificationRejectedException>(() => tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(rejected)));
            await tc.Client.PingAsync();
        }

        await Assert.ThrowsAsync<ClassificationTimeoutException>(() => tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(never)));
        using (var cts = new CancellationTokenSource())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var _ in tc.Client.ClassifyAsync(new ClassificationRequest(slow), cts.Token))
                {
                    cts.Cancel();
                }
            });
        }

        await foreach (var _ in tc.Client.ClassifyAsync(new ClassificationRequest(slow)))
        {
            break; // the caller leaves the stream early
        }

        var deadline = Stopwatch.StartNew();
        var open = await s.Deployment.OpenConnectionsAsync();
        while (open > baseline && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50);
            open = await s.Deployment.OpenConnectionsAsync();
        }

        s.Note($"open Engine.IO sessions: baseline {baseline}, after 15 classifications and 3 pings {open}");
        Assert.True(open <= baseline, $"{open - baseline} connection(s) left open on the server (baseline {baseline}, now {open})");
    });

    [SkippableFact]
    public Task Disposing_the_client_mid_stream_ends_every_classification_and_closes_their_sockets() => RunAsync(async s =>
    {
        var baseline = await s.Deployment.OpenConnectionsAsync();
        var jobs = Enumerable.Range(0, 3).Select(i => NewPartnumber($"dispose{i}")).ToList();
        await s.Deployment.ScriptAsync([.. jobs.Select(pn => new PeerScript(pn) { Steps = 50, StepDelayMs = 100 })]);
        var tc = s.CreateClient();
        var started = jobs.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        var runs = jobs.Select((pn, i) => Task.Run(async () =>
        {
            await foreach (var _ in tc.Client.ClassifyAsync(new ClassificationRequest(pn)))
            {
                started[i].TrySetResult();
            }
        })).ToList();
        await UntilStartedAsync(Task.WhenAll(started.Select(t => t.Task)), runs);
        Assert.True(await s.Deployment.OpenConnectionsAsync() >= baseline + jobs.Count, "the classifications' sockets are not open on the server");

        var clock = Stopwatch.StartNew();
        await tc.DisposeAsync();
        var errors = new List<Exception?>();
        foreach (var run in runs)
        {
            errors.Add(await Record.ExceptionAsync(() => run.WaitAsync(TimeSpan.FromSeconds(10))));
        }

        s.Note($"after dispose ({clock.Elapsed.TotalSeconds:0.00} s): {string.Join(", ", errors.Select(e => e?.GetType().Name ?? "no exception"))}");
        Assert.All(errors, e => Assert.NotNull(e));
        Assert.All(errors, e => Assert.IsNotType<TimeoutException>(e));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the streams ended {clock.Elapsed} after dispose");

        var deadline = Stopwatch.StartNew();
        var open = await s.Deployment.OpenConnectionsAsync();
        while (open > baseline && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50);
            open = await s.Deployment.OpenConnectionsAsync();
        }

        Assert.True(open <= baseline, $"{open - baseline} connection(s) left open on the server after dispose");
    });

    [SkippableFact]
    public Task PingAsync_measures_a_ping_event_pong_event_round_trip() => RunAsync(async s =>
    {
        await using var tc = s.CreateClient();

        var first = await tc.Client.PingAsync();
        var second = await tc.Client.PingAsync();

        Assert.InRange(first, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(5));
        Assert.InRange(second, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(5));
        s.Note($"ping: {first.TotalMilliseconds:0.00} ms, {second.TotalMilliseconds:0.00} ms");
    });

    [SkippableFact]
    public Task Refused_socket_endpoint_throws_PartnumberConnectionException_within_ConnectTimeout_and_posts_nothing() => RunAsync(async s =>
    {
        var pn = NewPartnumber("refused");
        var closed = FreePort.Pick();
        var connectTimeout = TimeSpan.FromSeconds(2);
        await using var tc = s.CreateClient(o =>
        {
            o.SocketAddress = new Uri($"{(s.Deployment.Certificate is null ? "http" : "https")}://127.0.0.1:{closed}");
            o.ConnectTimeout = connectTimeout;
        });

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        Assert.IsType<PartnumberConnectionException>(outcome.Error);
        Assert.True(outcome.Elapsed < connectTimeout + TimeSpan.FromSeconds(1), $"took {outcome.Elapsed}");
        Assert.Empty(await s.Deployment.ReceivedRequestsAsync(pn));
    });

    [SkippableFact]
    public Task A_server_that_refuses_the_socket_CONNECT_ERROR_gives_PartnumberConnectionException_with_its_message() => RunAsync(async s =>
    {
        // An API-key deployment: the server refuses the Socket.IO CONNECT (44 {"message"}) and the POST (401) without
        // the key. Without Headers the SDK must fail fast with the server's reason and never POST; with them it works.
        var backend = await s.GatewayAsync();
        var pn = NewPartnumber("apikey");
        var connectTimeout = TimeSpan.FromSeconds(5);
        var mark = backend.Log.Mark;
        await using (var anonymous = backend.CreateClient(
            o =>
            {
                o.SocketIOPath = PeerFixture.GatewaySocketIOPath;
                o.ConnectTimeout = connectTimeout;
            },
            s.Logger))
        {
            var clock = Stopwatch.StartNew();
            var error = await Record.ExceptionAsync(() => anonymous.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn)));

            s.Note($"refused: {error?.GetType().Name}: {error?.Message}");
            var refused = Assert.IsType<PartnumberAuthenticationException>(error); // a PartnumberConnectionException
            Assert.Contains("invalid or missing X-Api-Key", error!.Message);
            Assert.Equal("invalid or missing X-Api-Key", refused.ServerMessage);
            Assert.Null(refused.StatusCode);
            Assert.False(refused.CredentialsRefreshed); // static Headers only: nothing to fetch anew, so not retried
            Assert.True(clock.Elapsed < connectTimeout, $"took {clock.Elapsed}: the CONNECT_ERROR was not acted on");
            Assert.True(await backend.Log.WaitForAsync("connect refused", mark, TimeSpan.FromSeconds(5)), "the server did not see a refused connect");

            // A marker request the peer logs: once its line is in, every line the peer printed before it is too.
            await backend.ScriptAsync(new PeerScript(pn + "-marker"));
            Assert.True(await backend.Log.WaitForAsync($"scripts: 1 ({pn}-marker)", mark, TimeSpan.FromSeconds(5)), "the marker was not logged");
            Assert.False(backend.Log.Contains("POST pn=", mark), "the SDK POSTed a classification without a connected socket"); // (long-polling POSTs its packets: those are not it)
        }

        await using var keyed = backend.CreateClient(ScenarioContext.UseGateway, s.Logger);
        var result = await keyed.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn));
        Assert.Equal(ClassificationStatus.Done, result.Status);
    });

    [SkippableFact]
    public Task A_server_on_a_custom_SocketIO_path_works_with_SocketIOPath() => RunAsync(async s =>
    {
        // Deployments behind a reverse proxy often move Socket.IO (Flask-SocketIO path=..., socket.io path: ...).
        var backend = await s.GatewayAsync();
        var pn = NewPartnumber("path");
        await backend.ScriptAsync(new PeerScript(pn) { Steps = 2 });

        await using (var defaultPath = backend.CreateClient(
            o =>
            {
                o.Headers["X-Api-Key"] = PeerFixture.GatewayApiKey;
                o.ConnectTimeout = TimeSpan.FromSeconds(5);
            },
            s.Logger))
        {
            var error = await Record.ExceptionAsync(() => defaultPath.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn)));
            s.Note($"default path: {error?.GetType().Name}: {error?.Message}");
            Assert.IsType<PartnumberConnectionException>(error);
        }

        await using var tc = backend.CreateClient(ScenarioContext.UseGateway, s.Logger);
        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        AssertCompleted(outcome, pn);
        Assert.Equal([1, 2], outcome.Progress.Select(u => u.Current ?? -1));
    });

    [SkippableFact]
    public Task Never_finishing_task_ends_in_ClassificationTimeoutException_that_says_what_was_seen() => RunAsync(async s =>
    {
        var pn = NewPartnumber("never");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 2, NeverFinish = true });
        var timeout = TimeSpan.FromSeconds(2);
        await using var tc = s.CreateClient(o => o.ClassificationTimeout = timeout);

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        var timedOut = Assert.IsType<ClassificationTimeoutException>(outcome.Error);
        Assert.Equal(2, outcome.Updates.Count);
        Assert.InRange(outcome.Elapsed, timeout - TimeSpan.FromMilliseconds(250), timeout + TimeSpan.FromSeconds(2));
        Assert.NotEqual(new ClassificationTimeoutException().Message, timedOut.Message);
        s.Note($"timeout message: {timedOut.Message}");
    });

    [SkippableFact]
    public Task Cancellation_mid_stream_throws_OperationCanceledException_within_a_second() => RunAsync(async s =>
    {
        var pn = NewPartnumber("cancel");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 50, StepDelayMs = 100 });
        await using var tc = s.CreateClient();
        using var cts = new CancellationTokenSource();
        var clock = new Stopwatch();
        var seen = 0;

        var error = await Record.ExceptionAsync(async () =>
        {
            await foreach (var _ in tc.Client.ClassifyAsync(new ClassificationRequest(pn), cts.Token))
            {
                if (++seen == 1)
                {
                    clock.Start();
                    cts.Cancel();
                }
            }
        });

        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Equal(1, seen);
    });

    private sealed class CollectingProgress : IProgress<ClassificationUpdate>
    {
        private readonly ConcurrentQueue<ClassificationUpdate> _updates = new();

        public IReadOnlyCollection<ClassificationUpdate> Updates => _updates;

        public void Report(ClassificationUpdate value) => _updates.Enqueue(value);
    }
}

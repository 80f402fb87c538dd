using Partnumber.Client.Tests.TestDoubles;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Testing;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Tests.AgainstFakeServer;

/// <summary>The SDK (SocketIOClient over a real WebSocket) against FakePartnumberServer on Kestrel: the real protocol over loopback.</summary>
public sealed class ClassifyAgainstFakeServerTests : IAsyncLifetime
{
    private FakePartnumberServer _server = null!;

    public async Task InitializeAsync() => _server = await FakePartnumberServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_server_on_ipv6_loopback_is_reached_through_a_bracketed_address()
    {
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { BindAddress = IPAddress.IPv6Loopback });
        Assert.Equal("[::1]", server.BaseAddress.Host);
        await using var client = server.CreateClient();

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-IPV6"));

        Assert.Equal(ClassificationStatus.Done, result.Status);
        var session = Assert.Single(server.Journal.Sessions);
        Assert.Equal($"[::1]:{server.BaseAddress.Port}", session.Headers["Host"]);
    }

    [Fact]
    public async Task An_unscripted_partnumber_streams_string_counters_and_finishes_done()
    {
        await using var client = _server.CreateClient();

        var updates = new List<ClassificationUpdate>();
        await foreach (var update in client.ClassifyAsync(new ClassificationRequest("PN-TEST-12345") { Description = "Válvula", Manufacturer = "ACME", Supplier = "Fornecedor" }))
        {
            updates.Add(update);
        }

        Assert.True(updates.Count >= 2);
        Assert.All(updates[..^1], u => Assert.Equal(ClassificationStatus.Processing, u.Status));
        Assert.All(updates[..^1], u => Assert.NotNull(u.Total));
        var result = updates[^1].Result!;
        Assert.Equal(("PN-TEST-12345", ClassificationStatus.Done), (result.Partnumber, result.Status));
        var request = Assert.Single(_server.Journal.Requests);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("Fornecedor", body.RootElement.GetProperty("supplier").GetString());
        Assert.Equal(request.RoomId, result.RoomId);
        Assert.Equal(request.TaskId, result.TaskId);
        Assert.False(string.IsNullOrEmpty(request.SocketSessionId));
    }

    [Fact]
    public async Task Scripted_progress_extra_fields_and_non_ascii_reach_the_caller()
    {
        _server.ForPartnumber("PN-X")
            .Progress("Analisando descrição…")
            .Progress("Consultando NCM")
            .Finish("Parafuso sextavado M6 × 20", new { ncm = "7318.15.00", confidence = 0.97, tags = new[] { "fixação", "aço" } });
        await using var client = _server.CreateClient();
        var messages = new List<string?>();

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-X"), new InlineProgress(u => messages.Add(u.Message)));

        Assert.Equal(new[] { "Analisando descrição…", "Consultando NCM" }, messages);
        Assert.Equal("Parafuso sextavado M6 × 20", result.Description);
        Assert.Equal("7318.15.00", result.Payload.GetProperty("ncm").GetString());
        Assert.Equal("aço", result.Payload.GetProperty("tags")[1].GetString());
    }

    [Fact]
    public async Task Failed_in_update_and_failed_in_finished_are_ClassificationFailedException()
    {
        _server.ForPartnumber("PN-U").Progress("a").FailInUpdate("modelo indisponível");
        _server.ForPartnumber("PN-F").FailInFinished("sem correspondência", new { code = 42 });
        await using var client = _server.CreateClient();

        var inUpdate = await Assert.ThrowsAsync<ClassificationFailedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-U")));
        var inFinished = await Assert.ThrowsAsync<ClassificationFailedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-F")));

        Assert.Contains("modelo indisponível", inUpdate.Message);
        Assert.Contains("sem correspondência", inFinished.Message);
        Assert.Equal(42, inFinished.Payload.GetProperty("code").GetInt32());
        Assert.NotNull(inFinished.TaskId);
    }

    [Theory]
    [InlineData(400, "application/json", """{"error":"partnumber is required"}""")]
    [InlineData(404, "text/html", "<html><body>Not Found</body></html>")]
    [InlineData(413, "text/plain", "")]
    [InlineData(422, "application/json", """{"error":"invalid"}""")]
    [InlineData(500, "text/html", "<h1>Internal Server Error</h1>")]
    public async Task Http_errors_are_ClassificationRejectedException_and_are_not_retried(int status, string contentType, string body)
    {
        _server.ForPartnumber("PN-E").RespondWith(status, body).WithResponseContentType(contentType);
        await using var client = _server.CreateClient();

        var error = await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-E")));

        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.Equal(body, error.ResponseBody);
        Assert.Single(_server.Journal.Requests);
    }

    [Fact]
    public async Task A_503_with_Retry_After_is_retried_a_bounded_number_of_times()
    {
        _server.ForPartnumber("PN-503").RespondWith(503, """{"error":"busy"}""", ("Retry-After", "0"));
        await using var client = _server.CreateClient();

        var error = await Assert.ThrowsAsync<ClassificationRejectedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-503")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(1 + PartnumberHttpPolicies.DefaultMaxRetries, _server.Journal.Requests.Count);
    }

    [Theory]
    [InlineData(ServerDisconnectMode.Namespace)]
    [InlineData(ServerDisconnectMode.TransportAbort)]
    public async Task A_socket_dropped_mid_task_reconnects_and_still_yields_the_final_result(ServerDisconnectMode mode)
    {
        var serverTime = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { TimeProvider = serverTime });
        server.ForPartnumber("PN-K").Progress("1").Disconnect(mode).Progress("2", TimeSpan.FromSeconds(1)).Finish("ok", delay: TimeSpan.FromSeconds(1));
        await using var client = server.CreateClient();

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-K"));
        var firstJoin = await server.Journal.WaitForJoinAsync();
        await server.Journal.WaitForEventsAsync(2, e => e.EventName == "join");
        serverTime.Advance(TimeSpan.FromSeconds(1));
        serverTime.Advance(TimeSpan.FromSeconds(1));

        var result = await running;
        Assert.Equal("ok", result.Description);
        var joins = server.Journal.Events.Where(e => e.EventName == "join").ToList();
        Assert.Equal(2, joins.Count);
        Assert.NotEqual(joins[0].SocketSessionId, joins[1].SocketSessionId);
        Assert.Single(server.Journal.Requests);
        Assert.NotNull(firstJoin);
    }

    [Fact]
    public async Task An_oversized_frame_closes_the_connection_and_the_classification_recovers_by_reconnecting()
    {
        var serverTime = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { TimeProvider = serverTime, MaxPayload = 4_000_000 });
        server.ForPartnumber("PN-BIG")
            .EmitOversized("classification_update_status", 2 * 1024 * 1024)
            .Progress("after the big one", TimeSpan.FromSeconds(1))
            .Finish("recovered", delay: TimeSpan.FromSeconds(1));
        await using var client = server.CreateClient();

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-BIG"));
        await server.Journal.WaitForEventsAsync(2, e => e.EventName == "join");
        serverTime.Advance(TimeSpan.FromSeconds(1));
        serverTime.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("recovered", (await running).Description);
    }

    [Fact]
    public async Task An_oversized_result_that_is_never_resent_times_out_with_a_message_that_names_the_oversized_frame()
    {
        var clientTime = new FakeTimeProvider();
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { MaxPayload = 4_000_000 });
        server.ForPartnumber("PN-HUGE").EmitOversized("classification_finished", 2 * 1024 * 1024);
        await using var client = server.CreateClient(o => { o.TimeProvider = clientTime; o.ClassificationTimeout = TimeSpan.FromSeconds(60); });

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-HUGE"));
        await server.Journal.WaitForEventsAsync(2, e => e.EventName == "join");
        clientTime.Advance(TimeSpan.FromSeconds(60));

        var error = await Assert.ThrowsAsync<ClassificationTimeoutException>(() => running);
        Assert.Contains("larger than 1048576 bytes", error.Message);
    }

    [Fact]
    public async Task Malformed_payloads_from_the_server_are_ignored_and_the_result_still_arrives()
    {
        _server.ForPartnumber("PN-MAL")
            .EmitRaw("classification_update_status", "[1,2,3]")
            .EmitRaw("classification_update_status", "\"text\"")
            .EmitRaw("classification_update_status", """{"current":{"x":1},"total":true,"status":7}""")
            .Finish("fine");
        await using var client = _server.CreateClient();
        var updates = new List<ClassificationUpdate>();

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-MAL"), new InlineProgress(updates.Add));

        Assert.Equal("fine", result.Description);
        var update = Assert.Single(updates); // the two non-objects are ignored, the wrongly typed one is read leniently
        Assert.Equal((null, null, ClassificationStatus.Unknown), (update.Current, update.Total, update.Status));
    }

    [Fact]
    public async Task Events_emitted_before_the_join_are_lost_and_the_timeout_names_the_cause()
    {
        var clientTime = new FakeTimeProvider();
        _server.ForPartnumber("PN-RACE").EmitBeforeJoin().Progress("lost").Finish("lost too");
        await using var client = _server.CreateClient(o => { o.TimeProvider = clientTime; o.ClassificationTimeout = TimeSpan.FromSeconds(20); });

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-RACE"));
        await _server.Journal.WaitForJoinAsync();
        clientTime.Advance(TimeSpan.FromSeconds(20));

        var error = await Assert.ThrowsAsync<ClassificationTimeoutException>(() => running);
        Assert.Contains("no event at all since joining room", error.Message);
    }

    [Fact]
    public async Task With_auto_join_events_emitted_before_the_join_still_arrive()
    {
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { AutoJoin = true });
        server.ForPartnumber("PN-AJ").EmitBeforeJoin().Progress("early").Finish("fine");
        await using var client = server.CreateClient();

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-AJ"));

        Assert.Equal("fine", result.Description);
    }

    [Fact]
    public async Task Headers_go_on_the_post_and_the_socket_io_handshake()
    {
        await using var client = _server.CreateClient(o => o.Headers["X-Api-Key"] = "k-123");

        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-H"));

        Assert.Equal("k-123", Assert.Single(_server.Journal.Requests).Headers["X-Api-Key"]);
        Assert.Equal("k-123", Assert.Single(_server.Journal.Sessions).Headers["X-Api-Key"]);
    }

    [Fact]
    public async Task PingAsync_round_trips_through_the_server()
    {
        await using var client = _server.CreateClient();

        var rtt = await client.PingAsync();

        Assert.True(rtt > TimeSpan.Zero);
        await _server.Journal.WaitForEventAsync(e => e.EventName == "pong_event");
    }

    [Fact]
    public async Task Twenty_concurrent_classifications_have_no_cross_talk_and_dispose_leaves_no_connection_open()
    {
        for (var i = 0; i < 20; i++)
        {
            _server.ForPartnumber($"PN-C{i}").Progress($"step of {i}").Finish($"description of {i}", new { index = i });
        }

        var client = _server.CreateClient();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var messages = new List<string?>();
            var result = await client.ClassifyAndWaitAsync(new ClassificationRequest($"PN-C{i}"), new InlineProgress(u => messages.Add(u.Message)));
            return (i, result, messages);
        }));

        Assert.All(results, r =>
        {
            Assert.Equal($"description of {r.i}", r.result.Description);
            Assert.Equal(r.i, r.result.Payload.GetProperty("index").GetInt32());
            Assert.Equal(new[] { $"step of {r.i}" }, r.messages);
        });
        await client.DisposeAsync(); // the connections were kept for reuse until now
        foreach (var session in _server.Journal.Sessions)
        {
            await _server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == session.EngineSessionId);
        }

        Assert.Equal(0, _server.OpenSessionCount);
    }

    [Fact]
    public async Task A_clean_end_keeps_the_connection_for_the_next_classification_and_every_other_exit_closes_it()
    {
        _server.ForPartnumber("PN-FAIL").FailInFinished("x");
        _server.ForPartnumber("PN-SLOW").Progress("1").NeverFinish();
        await using var client = _server.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(30));

        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-OK"));
        await Assert.ThrowsAsync<ClassificationFailedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-FAIL"))); // failed, but in its finished event: a clean end
        var reused = Assert.Single(_server.Journal.Sessions);
        Assert.False(reused.IsClosed);
        Assert.Equal(2, _server.Journal.Requests.Count(r => r.Method == "POST" && r.SocketSessionId == reused.SocketSessionId));

        await foreach (var update in client.ClassifyAsync(new ClassificationRequest("PN-SLOW")))
        {
            break; // leaving early
        }

        await _server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == reused.EngineSessionId);
        using (var cts = new CancellationTokenSource())
        {
            var cancelled = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-SLOW"), new InlineProgress(_ => cts.Cancel()), cts.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        }

        foreach (var session in _server.Journal.Sessions)
        {
            await _server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == session.EngineSessionId);
        }

        Assert.Equal(2, _server.Journal.Sessions.Count);
        Assert.Equal(0, _server.OpenSessionCount);
    }

    [Fact]
    public async Task In_memory_mode_needs_no_port()
    {
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { InMemory = true });
        server.ForPartnumber("PN-MEM").Progress("in memory").Finish("no sockets");
        await using var client = server.CreateClient();

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-MEM"));

        Assert.Equal("no sockets", result.Description);
        Assert.Equal(FakePartnumberServer.InMemoryBaseAddress, server.BaseAddress);
    }
}

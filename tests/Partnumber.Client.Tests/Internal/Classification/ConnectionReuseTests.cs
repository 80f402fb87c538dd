using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Testing;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Scripting;
using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests.Internal.Classification;

/// <summary>
/// Connection reuse end to end (issue 15, part 3), against FakePartnumberServer on Kestrel with reuse on (the default):
/// which endings give a connection back for the next classification and which close it, what happens to events that
/// arrive between classifications or after their task, and the pool's bounds. Both clocks are FakeTimeProviders that
/// move only when a test says so (the server's runs scripted delays; the client's runs timeouts, the heartbeat watchdog
/// and the idle timeout), so every "later" is an explicit step. Each test asserts, besides results, which Socket.IO
/// session each POST named: that is what reuse is.
/// </summary>
public sealed class ConnectionReuseTests : IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private readonly ObservableFakeTime _serverTime = new();
    private readonly FakeTimeProvider _clientTime = new();
    private readonly RecordingLoggerProvider _logs = new();
    private FakePartnumberServer _server = null!;

    public async Task InitializeAsync()
        => _server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { TimeProvider = _serverTime });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<PartnumberTransports> Transports => new() { PartnumberTransports.WebSocket, PartnumberTransports.LongPolling };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_failed_update_followed_150_ms_later_by_a_done_finished_fails_and_the_next_classification_gets_only_its_own_events(PartnumberTransports transport)
    {
        _server.ForPartnumber("PN-1").FailInUpdate("modelo indisponível").Finish("late done of PN-1", delay: TimeSpan.FromMilliseconds(150));
        _server.ForPartnumber("PN-2").Progress("p2", delay: TimeSpan.FromMilliseconds(100)).Finish("own of PN-2", delay: TimeSpan.FromMilliseconds(100));
        await using var client = CreateClient(transport);

        var failed = await Assert.ThrowsAsync<ClassificationFailedException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")).WaitAsync(HangGuard));
        Assert.Contains("modelo indisponível", failed.Message, StringComparison.Ordinal);
        var first = Assert.Single(_server.Journal.Sessions);
        await _server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == first.EngineSessionId); // not kept: a finished may follow

        var updates = new List<string?>();
        var second = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-2"), new InlineProgress(u => updates.Add(u.Message)));
        var posts = await _server.Journal.WaitForRequestsAsync(2);
        await _server.Journal.WaitForJoinAsync(posts[1].RoomId);
        await _serverTime.WaitForTimersAsync(TimeSpan.FromMilliseconds(150)); // PN-1's finished, armed when its failed update went out
        await _serverTime.WaitForTimersAsync(TimeSpan.FromMilliseconds(100)); // PN-2's progress, armed at its join
        _serverTime.Advance(TimeSpan.FromMilliseconds(150)); // PN-1's done finished goes out now, and PN-2's progress
        await _serverTime.AdvanceWhenArmedAsync(TimeSpan.FromMilliseconds(100)); // PN-2's finished
        var result = await second.WaitAsync(HangGuard);

        Assert.Equal(("PN-2", "own of PN-2", ClassificationStatus.Done), (result.Partnumber, result.Description, result.Status));
        Assert.Equal(["p2"], updates);
        Assert.NotEqual(posts[0].SocketSessionId, posts[1].SocketSessionId);
        var late = await _server.Journal.WaitForFinishedAsync(posts[0].RoomId);
        Assert.Contains("late done of PN-1", late.PayloadJson, StringComparison.Ordinal);
        Assert.Equal(0, late.Recipients); // its connection was gone: nobody could receive it
    }

    public static TheoryData<PartnumberTransports, string, string> IdleEvents => new()
    {
        { PartnumberTransports.WebSocket, "classification_update_status", """{"current":"9","total":"9","status":"processing","message":"stray"}""" },
        { PartnumberTransports.WebSocket, "classification_finished", """{"partnumber":"PN-1","description":"stray","status":"done"}""" },
        { PartnumberTransports.WebSocket, "message", "\"hello\"" },
        { PartnumberTransports.LongPolling, "classification_update_status", """{"current":"9","total":"9","status":"processing","message":"stray"}""" },
        { PartnumberTransports.LongPolling, "classification_finished", """{"partnumber":"PN-1","description":"stray","status":"done"}""" },
    };

    [Theory]
    [MemberData(nameof(IdleEvents))]
    public async Task An_event_on_an_idle_connection_closes_it_and_the_next_classification_gets_a_fresh_one(PartnumberTransports transport, string eventName, string payload)
    {
        await using var client = CreateClient(transport);
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")).WaitAsync(HangGuard);
        var idle = Assert.Single(_server.Journal.Sessions);
        var ended = IdleConnectionEnded(client);

        Assert.True(_server.EmitToSession(idle.SocketSessionId!, eventName, payload));
        await ended.WaitAsync(HangGuard);
        await _server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == idle.EngineSessionId);

        await AssertOwnResultOnAFreshConnectionAsync(client, "PN-2", idle);
        var warning = Assert.Single(_logs.Records, r => r.EventName == "IdleConnectionGotEvent");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(eventName, warning.Message, StringComparison.Ordinal);
    }

    public static TheoryData<PartnumberTransports, ServerDisconnectMode> IdleDrops()
    {
        var data = new TheoryData<PartnumberTransports, ServerDisconnectMode>();
        foreach (var transport in new[] { PartnumberTransports.WebSocket, PartnumberTransports.LongPolling })
        {
            foreach (var mode in Enum.GetValues<ServerDisconnectMode>())
            {
                data.Add(transport, mode);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IdleDrops))]
    public async Task An_idle_connection_the_server_drops_is_not_handed_out_and_the_next_classification_gets_its_own_result(PartnumberTransports transport, ServerDisconnectMode mode)
    {
        var client = CreateClient(transport);
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")).WaitAsync(HangGuard);
        var idle = Assert.Single(_server.Journal.Sessions);
        var ended = IdleConnectionEnded(client);

        Assert.True(_server.DisconnectSession(idle.SocketSessionId!, mode));
        if (mode == ServerDisconnectMode.Silent)
        {
            // Nothing arrives: only the heartbeat watchdog (pingInterval + pingTimeout of the open packet) can tell.
            _clientTime.Advance(TimeSpan.FromSeconds(25 + 20));
        }

        await ended.WaitAsync(HangGuard);
        await AssertOwnResultOnAFreshConnectionAsync(client, "PN-2", idle);

        // The silent server never answers the close of the dropped connection; its close waits (1 s, on the client's clock).
        _clientTime.Advance(TimeSpan.FromSeconds(2));
        await client.DisposeAsync().AsTask().WaitAsync(HangGuard);
    }

    public static TheoryData<string, string> LateFinisheds => new()
    {
        { """{"partnumber":"PN-1","description":"late result of PN-1","status":"done"}""", "PN-1" },
        { """{"partnumber":" pn-1 ","description":"late result of PN-1","status":"done"}""", " pn-1 " },
        { """{"task_id":"task-of-another-classification","partnumber":"PN-2","description":"late result","status":"done"}""", "task task-of-another-classification" },
    };

    [Theory]
    [MemberData(nameof(LateFinisheds))]
    public async Task A_late_finished_of_an_earlier_task_on_a_reused_connection_is_ignored_with_a_warning(string late, string named)
    {
        _server.ForPartnumber("PN-2").Progress("p2").Finish("own of PN-2", delay: TimeSpan.FromSeconds(1));
        await using var client = CreateClient(PartnumberTransports.WebSocket);
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")).WaitAsync(HangGuard);
        var reused = Assert.Single(_server.Journal.Sessions);

        var progressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-2"), new InlineProgress(_ => progressed.TrySetResult()));
        await progressed.Task.WaitAsync(HangGuard);
        Assert.True(_server.EmitToSession(reused.SocketSessionId!, "classification_finished", late)); // before PN-2's own, on the same connection
        await _serverTime.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(1));
        var result = await running.WaitAsync(HangGuard);

        Assert.Equal(("PN-2", "own of PN-2"), (result.Partnumber, result.Description));
        Assert.All(_server.Journal.Requests, r => Assert.Equal(reused.SocketSessionId, r.SocketSessionId)); // it was the reused connection
        var warning = Assert.Single(_logs.Records, r => r.EventName == "IgnoredLateFinished");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains($"ignored a classification_finished of {named} on reused connection {reused.SocketSessionId}", warning.Message, StringComparison.Ordinal);

        // Something unexpected came on it: it is not kept.
        await _server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == reused.EngineSessionId);
        await AssertOwnResultOnAFreshConnectionAsync(client, "PN-3", reused);
    }

    [Fact]
    public async Task A_finished_naming_a_partnumber_the_connection_never_carried_is_the_servers_spelling_and_is_accepted()
    {
        _server.ForPartnumber("PN-2").Finish("own of PN-2", new { partnumber = "PN2-NORMALIZADO" });
        await using var client = CreateClient(PartnumberTransports.WebSocket);
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")).WaitAsync(HangGuard);

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-2")).WaitAsync(HangGuard);

        Assert.Equal(("PN2-NORMALIZADO", "own of PN-2"), (result.Partnumber, result.Description));
        var session = Assert.Single(_server.Journal.Sessions);
        Assert.All(_server.Journal.Requests, r => Assert.Equal(session.SocketSessionId, r.SocketSessionId));
        Assert.DoesNotContain(_logs.Records, r => r.Level >= LogLevel.Warning);
    }

    [Theory]
    [InlineData("timeout")]
    [InlineData("cancellation")]
    [InlineData("reconnect")]
    [InlineData("unexpected event")]
    [InlineData("update that is not an object")]
    public async Task After_an_unclean_end_the_connection_is_closed_and_the_next_classification_uses_a_fresh_one(string end)
    {
        await using var client = CreateClient(PartnumberTransports.WebSocket, o => o.ClassificationTimeout = TimeSpan.FromSeconds(30));
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-WARM")).WaitAsync(HangGuard); // the connection is a reused one from here on
        var first = Assert.Single(_server.Journal.Sessions);
        var progressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new InlineProgress(_ => progressed.TrySetResult());
        using var cancel = new CancellationTokenSource();

        switch (end)
        {
            case "timeout":
                _server.ForPartnumber("PN-E").Progress("1").NeverFinish();
                var timingOut = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-E"), progress);
                await progressed.Task.WaitAsync(HangGuard);
                _clientTime.Advance(TimeSpan.FromSeconds(30));
                await Assert.ThrowsAsync<ClassificationTimeoutException>(() => timingOut.WaitAsync(HangGuard));
                break;
            case "cancellation":
                _server.ForPartnumber("PN-E").Progress("1").NeverFinish();
                var cancelled = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-E"), new InlineProgress(_ => cancel.Cancel()), cancel.Token);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(HangGuard));
                break;
            case "reconnect":
                _server.ForPartnumber("PN-E").Progress("1").Disconnect(ServerDisconnectMode.Namespace).Progress("2", delay: TimeSpan.FromSeconds(1)).Finish("own");
                var reconnecting = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-E"));
                await _server.Journal.WaitForEventsAsync(3, e => e.Direction == EventDirection.Received && e.EventName == "join"); // PN-WARM's, PN-E's, PN-E's again
                await _serverTime.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(1));
                Assert.Equal("own", (await reconnecting.WaitAsync(HangGuard)).Description);
                break;
            case "unexpected event":
                _server.ForPartnumber("PN-E").Progress("1").Finish("own", delay: TimeSpan.FromSeconds(1));
                var surprised = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-E"), progress);
                await progressed.Task.WaitAsync(HangGuard);
                Assert.True(_server.EmitToSession(first.SocketSessionId!, "message", "\"not part of any classification\""));
                await _serverTime.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(1));
                Assert.Equal("own", (await surprised.WaitAsync(HangGuard)).Description);
                break;
            default:
                _server.ForPartnumber("PN-E").EmitRaw("classification_update_status", "[1,2]").Finish("own");
                Assert.Equal("own", (await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-E")).WaitAsync(HangGuard)).Description);
                break;
        }

        var used = _server.Journal.Sessions.ToList(); // the reused connection, and a replacement after a reconnect
        foreach (var session in used)
        {
            await _server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == session.EngineSessionId);
        }

        var next = await AssertOwnResultOnAFreshConnectionAsync(client, "PN-NEXT", used.ToArray());
        Assert.Equal(used.Count + 1, _server.Journal.Sessions.Count);
        Assert.DoesNotContain(used, s => s.SocketSessionId == next.SocketSessionId);
    }

    [Fact]
    public async Task MaxClassificationsPerConnection_closes_a_connection_after_that_many_and_bounds_its_rooms()
    {
        await using var client = CreateClient(PartnumberTransports.WebSocket, o => o.MaxClassificationsPerConnection = 3);

        for (var i = 0; i < 7; i++)
        {
            Assert.Equal("PN-" + i, (await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-" + i)).WaitAsync(HangGuard)).Partnumber);
        }

        var sessions = _server.Journal.Sessions;
        Assert.Equal(3, sessions.Count);
        Assert.Equal([3, 3, 1], sessions.Select(s => _server.Journal.Requests.Count(r => r.SocketSessionId == s.SocketSessionId)));
        Assert.Equal([3, 3, 1], sessions.Select(s => s.JoinedRoomCount));
        await _server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == sessions[0].EngineSessionId);
        await _server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == sessions[1].EngineSessionId);
        Assert.False(sessions[2].IsClosed);
    }

    [Fact]
    public async Task MaxIdleConnections_closes_the_connections_returned_beyond_it()
    {
        _server.ForPartnumber(_ => true).Progress("p", delay: TimeSpan.FromSeconds(1)).Finish();
        await using var client = CreateClient(PartnumberTransports.WebSocket, o => o.MaxIdleConnections = 2);

        var four = Task.WhenAll(Enumerable.Range(0, 4).Select(i => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-" + i))));
        await _server.Journal.WaitForEventsAsync(4, e => e.Direction == EventDirection.Received && e.EventName == "join"); // four connections in use at once
        await _serverTime.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(1), timers: 4);
        await four.WaitAsync(HangGuard);

        Assert.Equal(2, client.Runtime.Pool.IdleCount);
        await WaitForClosedSessionsAsync(2);
        var kept = _server.Journal.Sessions.Where(s => !s.IsClosed).Select(s => s.SocketSessionId).ToList();
        Assert.Equal(2, kept.Count);
        Assert.Equal(2, _server.OpenSessionCount);

        // The two kept serve the next two classifications: no new connection.
        _server.ResetScripts();
        var next = await Task.WhenAll(client.ClassifyAndWaitAsync(new ClassificationRequest("PN-A")), client.ClassifyAndWaitAsync(new ClassificationRequest("PN-B"))).WaitAsync(HangGuard);
        Assert.Equal(4, _server.Journal.Sessions.Count);
        Assert.All(_server.Journal.Requests.Skip(4), r => Assert.Contains(r.SocketSessionId, kept));
    }

    [Fact]
    public async Task IdleConnectionTimeout_closes_an_idle_connection_on_the_clients_clock()
    {
        // A heartbeat window far beyond the idle timeout, so only the idle timeout can close the connection.
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions
        {
            TimeProvider = _serverTime,
            PingInterval = TimeSpan.FromMinutes(10),
            PingTimeout = TimeSpan.FromMinutes(10),
        });
        var options = server.CreateClientOptions();
        options.TimeProvider = _clientTime;
        options.IdleConnectionTimeout = TimeSpan.FromSeconds(20);
        await using var client = new PartnumberClassificationClient(options);
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")).WaitAsync(HangGuard);
        var idle = Assert.Single(server.Journal.Sessions);

        _clientTime.Advance(TimeSpan.FromSeconds(20) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, client.Runtime.Pool.IdleCount);
        _clientTime.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, client.Runtime.Pool.IdleCount);
        await server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == idle.EngineSessionId);

        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-2")).WaitAsync(HangGuard);
        Assert.Equal(2, server.Journal.Sessions.Count);
        Assert.NotEqual(idle.SocketSessionId, server.Journal.Requests[^1].SocketSessionId);
    }

    private PartnumberClassificationClient CreateClient(PartnumberTransports transport, Action<PartnumberClassificationClientOptions>? configure = null)
        => _server.CreateClient(o =>
        {
            o.Transports = transport;
            o.TimeProvider = _clientTime;
            o.LoggerFactory = _logs;
            configure?.Invoke(o);
        });

    private static Task IdleConnectionEnded(PartnumberClassificationClient client)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Runtime.Pool.SignalsForTests.IdleConnectionEnded += _ => ended.TrySetResult();
        return ended.Task;
    }

    /// <summary>Classifies <paramref name="partnumber"/> with a script of its own and checks it got only its own events, on none of <paramref name="notOn"/>.</summary>
    private async Task<RecordedHttpRequest> AssertOwnResultOnAFreshConnectionAsync(PartnumberClassificationClient client, string partnumber, params RecordedSession[] notOn)
    {
        _server.ForPartnumber(partnumber).Progress("step of " + partnumber).Finish("own of " + partnumber, new { mine = partnumber });
        var updates = new List<string?>();
        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest(partnumber), new InlineProgress(u => updates.Add(u.Message))).WaitAsync(HangGuard);

        Assert.Equal((partnumber, "own of " + partnumber), (result.Partnumber, result.Description));
        Assert.Equal(partnumber, result.Payload.GetProperty("mine").GetString());
        Assert.Equal(["step of " + partnumber], updates);
        var post = Assert.Single(_server.Journal.Requests, r => r.Partnumber == partnumber);
        Assert.DoesNotContain(notOn, s => s.SocketSessionId == post.SocketSessionId);
        return post;
    }

    private async Task WaitForClosedSessionsAsync(int count)
    {
        var closed = new HashSet<string>();
        while (closed.Count < count)
        {
            closed.Add((await _server.Journal.WaitForClosedSessionAsync(s => !closed.Contains(s.EngineSessionId))).EngineSessionId);
        }
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Internal.Realtime.EngineIO;
using Partnumber.Client.Testing;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Tests.TestDoubles;
using Xunit.Abstractions;

namespace Partnumber.Client.Tests.Internal.Realtime.EngineIO;

/// <summary>
/// Which transport each connection uses (issue 16, parts 3 and 5), against FakePartnumberServer refusing WebSocket the
/// ways real deployments do: the fallback within the first connect, the refusal memory that spares every later
/// connection a failed attempt (counted in the fake's handshake journal), the background upgrade probe once the memory
/// expires (on the client's FakeTimeProvider), the probe behind a proxy that drops Upgrade, single-transport settings,
/// the one Information log per endpoint, and polling in the fake's in-memory mode.
/// </summary>
public sealed class TransportSelectionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clientTime = new();
    private readonly ObservableFakeTime _serverTime = new();
    private readonly RecordingLoggerProvider _logs = new();

    public enum Refusal
    {
        BadRequest,
        ResetConnection,
        PollingOnlyServer,
        ProxyWithoutUpgrade,
    }

    [Theory]
    [InlineData(Refusal.BadRequest)]
    [InlineData(Refusal.ResetConnection)]
    [InlineData(Refusal.PollingOnlyServer)]
    public async Task The_first_connect_falls_back_to_polling_in_the_same_attempt(Refusal refusal)
    {
        await using var server = await StartAsync(refusal);
        await using var client = CreateClient(server);

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")).WaitAsync(HangGuard);

        Assert.Equal(PartnumberTransports.LongPolling, result.Transport);
        var attempt = Assert.Single(server.Journal.WebSocketHandshakes);
        Assert.False(attempt.IsUpgrade);
        Assert.NotEqual(WebSocketHandshakeOutcome.Accepted, attempt.Outcome);
        Assert.Equal("polling", Assert.Single(server.Journal.Sessions).InitialTransport);
        var information = Assert.Single(_logs.Records, r => r.Level == LogLevel.Information);
        Assert.Equal(30, information.EventId);
        Assert.Contains("using long-polling", information.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Refusal.BadRequest, true)]
    [InlineData(Refusal.BadRequest, false)]
    [InlineData(Refusal.ResetConnection, true)]
    [InlineData(Refusal.ResetConnection, false)]
    [InlineData(Refusal.PollingOnlyServer, true)]
    [InlineData(Refusal.PollingOnlyServer, false)]
    public async Task A_hundred_sequential_classifications_cost_at_most_three_WebSocket_attempts_and_one_Information_log(Refusal refusal, bool reuse)
    {
        await using var server = await StartAsync(refusal);
        await using var client = CreateClient(server, o => o.ReuseConnections = reuse);

        for (var i = 0; i < 100; i++)
        {
            var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-" + i)).WaitAsync(HangGuard);
            Assert.Equal(PartnumberTransports.LongPolling, result.Transport);
        }

        Assert.True(server.Journal.WebSocketHandshakeCount <= 3, $"{server.Journal.WebSocketHandshakeCount} WebSocket attempts");
        Assert.Equal(reuse ? 1 : 100, server.Journal.Sessions.Count); // reuse off: every classification connected, none tried WebSocket again
        Assert.Single(_logs.Records, r => r.Level == LogLevel.Information && r.EventId == 30);
    }

    [Fact]
    public async Task After_the_memory_expires_a_connection_polls_and_probes_in_the_background_and_an_upgrade_clears_the_memory()
    {
        await using var server = await StartAsync(Refusal.BadRequest);
        await using var client = CreateClient(server, o => o.ReuseConnections = false);
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")).WaitAsync(HangGuard);
        Assert.Equal(1, server.Journal.WebSocketHandshakeCount);

        server.RefuseWebSockets(WebSocketRefusal.None); // WebSocket works again; the client does not know yet
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-2")).WaitAsync(HangGuard);
        Assert.Equal(1, server.Journal.WebSocketHandshakeCount); // remembered: no attempt
        _clientTime.Advance(EngineIOConnector.RefusalMemory - TimeSpan.FromMilliseconds(1));
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-3")).WaitAsync(HangGuard);
        Assert.Equal(1, server.Journal.WebSocketHandshakeCount); // still remembered
        Assert.All(server.Journal.Sessions, s => Assert.Equal("polling", s.InitialTransport));

        _clientTime.Advance(TimeSpan.FromMilliseconds(1));
        server.ForPartnumber("PN-4").Progress("p").Finish("own", delay: TimeSpan.FromSeconds(1));
        var progressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probing = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-4"), new InlineProgress(_ => progressed.TrySetResult()));
        var probe = (await server.Journal.WaitForWebSocketHandshakesAsync(1, h => h.IsUpgrade))[0];
        Assert.Equal(WebSocketHandshakeOutcome.Accepted, probe.Outcome);
        var upgraded = Assert.Single(server.Journal.Sessions, s => s.EngineSessionId == probe.EngineSessionId);
        Assert.Equal("polling", upgraded.InitialTransport); // the connection did not wait for the retest
        await _logs.WaitForAsync(r => r.EventId == 32 && r.Level == LogLevel.Information); // "works again": the memory is cleared
        await progressed.Task.WaitAsync(HangGuard);
        await AdvanceServerAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(PartnumberTransports.WebSocket, (await probing.WaitAsync(HangGuard)).Transport); // finished over the upgraded session
        Assert.True(upgraded.Upgraded);

        var next = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-5")).WaitAsync(HangGuard);
        Assert.Equal(PartnumberTransports.WebSocket, next.Transport);
        Assert.Equal("websocket", server.Journal.Sessions[^1].InitialTransport); // WebSocket first again
        Assert.Equal(3, server.Journal.WebSocketHandshakeCount); // the refused one, the probe, the new connection
    }

    [Fact]
    public async Task A_probe_that_fails_again_keeps_polling_and_renews_the_memory_without_another_Information_log()
    {
        await using var server = await StartAsync(Refusal.BadRequest);
        await using var client = CreateClient(server, o => o.ReuseConnections = false);
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")).WaitAsync(HangGuard);

        _clientTime.Advance(EngineIOConnector.RefusalMemory);
        server.ForPartnumber("PN-2").Progress("p").Finish("own", delay: TimeSpan.FromSeconds(1));
        var progressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probing = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-2"), new InlineProgress(_ => progressed.TrySetResult()));
        var probe = (await server.Journal.WaitForWebSocketHandshakesAsync(1, h => h.IsUpgrade))[0];
        Assert.Equal(WebSocketHandshakeOutcome.Refused, probe.Outcome);
        await _logs.WaitForAsync(r => r.EventId == 31); // "still refused", at Debug
        await progressed.Task.WaitAsync(HangGuard);
        await AdvanceServerAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(PartnumberTransports.LongPolling, (await probing.WaitAsync(HangGuard)).Transport);

        for (var i = 0; i < 5; i++)
        {
            await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-N" + i)).WaitAsync(HangGuard);
        }

        Assert.Equal(2, server.Journal.WebSocketHandshakeCount); // the first refusal and the probe: the memory was renewed
        Assert.Single(_logs.Records, r => r.Level == LogLevel.Information);
    }

    [Fact]
    public async Task Behind_a_proxy_without_Upgrade_the_probes_hijacked_long_poll_loses_no_packet()
    {
        await using var server = await StartAsync(Refusal.ProxyWithoutUpgrade);
        await using var client = CreateClient(server, o => o.ReuseConnections = false);
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-0")).WaitAsync(HangGuard);

        // Each round: the memory expires, a fresh connection probes; the proxy turns the probe into one more long-poll of
        // the session, which takes whatever the server sends next. One event per step, each after the client saw the last.
        for (var round = 1; round <= 5; round++)
        {
            _clientTime.Advance(EngineIOConnector.RefusalMemory);
            var partnumber = "PN-" + round;
            server.ForPartnumber(partnumber).Progress("a", delay: TimeSpan.FromSeconds(1)).Progress("b", delay: TimeSpan.FromSeconds(1)).Finish("own of " + partnumber, delay: TimeSpan.FromSeconds(1));
            var seen = new SemaphoreSlim(0);
            var updates = new List<string?>();
            var running = client.ClassifyAndWaitAsync(new ClassificationRequest(partnumber), new InlineProgress(u =>
            {
                updates.Add(u.Message);
                seen.Release();
            }));
            await server.Journal.WaitForWebSocketHandshakesAsync(round, h => h.IsUpgrade); // the probe is parked on the session
            await WaitForJoinOfAsync(server, partnumber);
            for (var step = 0; step < 2; step++)
            {
                await AdvanceServerAsync(TimeSpan.FromSeconds(1));
                Assert.True(await seen.WaitAsync(HangGuard));
            }

            await AdvanceServerAsync(TimeSpan.FromSeconds(1));
            var result = await running.WaitAsync(HangGuard);

            Assert.Equal("own of " + partnumber, result.Description);
            Assert.Equal(["a", "b"], updates);
            Assert.Equal(PartnumberTransports.LongPolling, result.Transport);
        }

        Assert.All(server.Journal.Sessions, s => Assert.False(s.Upgraded));
        Assert.Equal(1, server.Journal.WebSocketHandshakes.Count(h => !h.IsUpgrade)); // one new-connection attempt in all
    }

    /// <remarks>
    /// With everything sent at once, the client's own long-poll and the hijacked probe take turns reading the session's
    /// packets on two connections, so the client cannot tell their order: a progress update carried by the probe's
    /// answer can arrive after the next one, or after the finished event, and is then lost to the caller (measured here:
    /// 0 to 4 of 400 classifications per run, about 1 in 200). The result is never lost or mixed up and no
    /// classification hangs; that is what this asserts. The order-preserving case (one event at a time) is the test above.
    /// </remarks>
    [Fact]
    public async Task Behind_a_proxy_without_Upgrade_no_classification_hangs_when_everything_is_sent_at_once()
    {
        const int Rounds = 100;
        await using var server = await StartAsync(Refusal.ProxyWithoutUpgrade, realServerTime: true);
        await using var client = CreateClient(server, o => o.ReuseConnections = false);
        var overtaken = 0;

        for (var round = 0; round < Rounds; round++)
        {
            _clientTime.Advance(EngineIOConnector.RefusalMemory); // every connection probes
            var partnumber = "PN-" + round;
            server.ForPartnumber(partnumber).Progress("a").Progress("b").Finish("own of " + partnumber);
            var updates = new List<string?>();

            var result = await client.ClassifyAndWaitAsync(new ClassificationRequest(partnumber), new InlineProgress(u => updates.Add(u.Message))).WaitAsync(HangGuard);

            Assert.Equal(("own of " + partnumber, partnumber), (result.Description, result.Partnumber));
            Assert.Subset(new HashSet<string?> { "a", "b" }, updates.ToHashSet()); // nothing foreign
            Assert.Equal(updates.Count, updates.Distinct().Count()); // nothing twice
            overtaken += string.Concat(updates) == "ab" ? 0 : 1;
        }

        var probes = server.Journal.WebSocketHandshakes.Count(h => h.IsUpgrade);
        output.WriteLine($"{probes} probes; {overtaken} of {Rounds} classifications saw their progress updates out of order or missed one");

        // A probe's outcome renews the memory when it arrives, which may be after the next round moved the clock: not every
        // connection probes, but most must have, or this tested nothing.
        Assert.True(probes >= Rounds / 2, $"only {probes} of {Rounds} connections probed an upgrade");
    }

    /// <remarks>
    /// ClientWebSocket (used when ConfigureWebSocket is set) reports a non-101 answer without its body: what the hijacked
    /// probe took cannot be delivered, so the session ends and the classification reconnects and joins again. Events the
    /// server emitted meanwhile are lost, as with any reconnect, so a classification whose finished event was among them
    /// ends at its ClassificationTimeout: either way it ends, with its own result or a typed exception.
    /// </remarks>
    [Fact]
    public async Task Behind_a_proxy_without_Upgrade_a_probe_answer_that_cannot_be_read_ends_the_session_and_the_classification_reconnects()
    {
        const int Rounds = 10;
        var clock = new SkippableClock(); // timeouts fire in real time; the refusal memory is skipped over
        await using var server = await StartAsync(Refusal.ProxyWithoutUpgrade, realServerTime: true);
        await using var client = server.CreateClient(o =>
        {
            o.TimeProvider = clock;
            o.LoggerFactory = _logs;
            o.ReuseConnections = false;
            o.ConfigureWebSocket = _ => { };
            o.ClassificationTimeout = TimeSpan.FromSeconds(2);
        });
        var (finished, timedOut) = (0, 0);

        for (var round = 0; round < Rounds; round++)
        {
            clock.Skip(EngineIOConnector.RefusalMemory); // every connection probes
            var partnumber = "PN-" + round;
            server.ForPartnumber(partnumber).Progress("a").Progress("b").Finish("own of " + partnumber);
            var updates = new List<string?>();
            var reconnectsBefore = _logs.Records.Count(r => r.EventId == 10);
            try
            {
                var result = await client.ClassifyAndWaitAsync(new ClassificationRequest(partnumber), new InlineProgress(u => updates.Add(u.Message))).WaitAsync(HangGuard);
                Assert.Equal(("own of " + partnumber, partnumber), (result.Description, result.Partnumber));
                finished++;
            }
            catch (ClassificationTimeoutException error)
            {
                // Only after the probe ended the session: the finished event went out while the classification reconnected.
                Assert.True(_logs.Records.Count(r => r.EventId == 10) > reconnectsBefore, "timed out without a reconnect: " + error.Message);
                Assert.Contains("1 reconnect(s)", error.Message, StringComparison.Ordinal);
                timedOut++;
            }

            Assert.Subset(new HashSet<string?> { "a", "b" }, updates.ToHashSet());
        }

        var probes = server.Journal.WebSocketHandshakes.Count(h => h.IsUpgrade);
        output.WriteLine($"{finished} finished, {timedOut} timed out after a reconnect (their finished event went out meanwhile), {probes} probes");
        Assert.True(probes >= Rounds / 2, $"only {probes} of {Rounds} connections probed an upgrade");
    }

    [Fact]
    public async Task WebSocket_only_never_polls()
    {
        await using var refusing = await StartAsync(Refusal.BadRequest);
        await using var client = CreateClient(refusing, o => o.Transports = PartnumberTransports.WebSocket);

        for (var i = 0; i < 3; i++)
        {
            var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-" + i)).WaitAsync(HangGuard));
            Assert.Contains("400", error.Message, StringComparison.Ordinal);
        }

        Assert.Empty(refusing.Journal.Sessions); // no polling handshake was made
        Assert.Equal(3, refusing.Journal.WebSocketHandshakeCount); // and nothing remembered: WebSocket is all it may use
        Assert.DoesNotContain(_logs.Records, r => r.EventId == 30);
    }

    [Fact]
    public async Task LongPolling_only_never_tries_a_WebSocket_even_where_one_is_offered()
    {
        await using var server = await StartAsync(refusal: null);
        await using var client = CreateClient(server, o =>
        {
            o.Transports = PartnumberTransports.LongPolling;
            o.ReuseConnections = false;
        });

        for (var i = 0; i < 3; i++)
        {
            _clientTime.Advance(EngineIOConnector.RefusalMemory * 2);
            Assert.Equal(PartnumberTransports.LongPolling, (await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-" + i)).WaitAsync(HangGuard)).Transport);
        }

        Assert.Equal(0, server.Journal.WebSocketHandshakeCount);
        Assert.All(server.Journal.Sessions, s => Assert.Equal(("polling", false), (s.InitialTransport, s.Upgraded)));
    }

    [Fact]
    public async Task The_fallback_is_logged_at_Information_once_per_endpoint()
    {
        await using var first = await StartAsync(Refusal.BadRequest);
        await using var second = await StartAsync(Refusal.BadRequest);
        await using var toFirst = CreateClient(first, o => o.ReuseConnections = false);
        await using var toSecond = CreateClient(second, o => o.ReuseConnections = false);

        for (var i = 0; i < 3; i++)
        {
            await toFirst.ClassifyAndWaitAsync(new ClassificationRequest("PN-" + i)).WaitAsync(HangGuard);
            await toSecond.ClassifyAndWaitAsync(new ClassificationRequest("PN-" + i)).WaitAsync(HangGuard);
        }

        var fallbacks = _logs.Records.Where(r => r.Level == LogLevel.Information && r.EventId == 30).ToList();
        Assert.Equal(2, fallbacks.Count);
        Assert.Contains(fallbacks, r => r.Message.Contains(first.BaseAddress.Authority, StringComparison.Ordinal));
        Assert.Contains(fallbacks, r => r.Message.Contains(second.BaseAddress.Authority, StringComparison.Ordinal));
    }

    [Fact]
    public async Task In_memory_a_polling_only_fake_serves_the_SDK_with_no_port()
    {
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { InMemory = true, Transports = PartnumberTransports.LongPolling });
        server.ForPartnumber("PN-MEM").Progress("in memory").Finish("over polling, no sockets");
        await using var client = server.CreateClient(o => o.ReuseConnections = false);

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-MEM")).WaitAsync(HangGuard);
        var again = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-MEM")).WaitAsync(HangGuard);

        Assert.Equal(FakePartnumberServer.InMemoryBaseAddress, server.BaseAddress); // a host that does not resolve: nothing went to a port
        Assert.Equal(("over polling, no sockets", PartnumberTransports.LongPolling), (result.Description, result.Transport));
        Assert.Equal(PartnumberTransports.LongPolling, again.Transport);
        Assert.All(server.Journal.Sessions, s => Assert.Equal("polling", s.InitialTransport));
        Assert.Equal(2, server.Journal.Sessions.Count);
        Assert.Equal(1, server.Journal.WebSocketHandshakeCount); // the first connect's refused attempt only
    }

    private static async Task WaitForJoinOfAsync(FakePartnumberServer server, string partnumber)
    {
        var post = (await server.Journal.WaitForRequestsAsync(1, r => r.Partnumber == partnumber))[0];
        await server.Journal.WaitForJoinAsync(post.RoomId);
    }

    private Task<FakePartnumberServer> StartAsync(Refusal? refusal, bool realServerTime = false)
        => StartAsync(refusal switch
        {
            Refusal.BadRequest => new FakePartnumberServerOptions { WebSocketRefusal = WebSocketRefusal.BadRequest },
            Refusal.ResetConnection => new FakePartnumberServerOptions { WebSocketRefusal = WebSocketRefusal.ResetConnection },
            Refusal.PollingOnlyServer => new FakePartnumberServerOptions { Transports = PartnumberTransports.LongPolling },
            Refusal.ProxyWithoutUpgrade => new FakePartnumberServerOptions { WebSocketRefusal = WebSocketRefusal.ProxyWithoutUpgrade },
            _ => new FakePartnumberServerOptions(),
        }, realServerTime);

    private Task<FakePartnumberServer> StartAsync(FakePartnumberServerOptions options, bool realServerTime = false)
    {
        if (!realServerTime)
        {
            options.TimeProvider = _serverTime;
        }

        return FakePartnumberServer.StartAsync(options);
    }

    /// <summary>Moves the server's clock once the timers due in <paramref name="by"/> are armed (the fake arms the first at the join, which the journal may show first).</summary>
    private async Task AdvanceServerAsync(TimeSpan by, int timers = 1)
    {
        await _serverTime.WaitForTimersAsync(by, timers);
        _serverTime.Advance(by);
    }

    private PartnumberClassificationClient CreateClient(FakePartnumberServer server, Action<PartnumberClassificationClientOptions>? configure = null)
        => server.CreateClient(o =>
        {
            o.TimeProvider = _clientTime;
            o.LoggerFactory = _logs;
            configure?.Invoke(o);
        });
}

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
/// connection a failed attempt (counted in the fake's handshake journal), the background retest (a WebSocket of its own,
/// then the upgrade probe) once the memory expires (on the client's FakeTimeProvider), the retest behind a proxy that drops
/// Upgrade (the session is never probed), single-transport settings,
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
        Assert.Equal("WebSocketRefused", information.EventName);
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
        Assert.Single(_logs.Records, r => r.Level == LogLevel.Information && r.EventName == "WebSocketRefused");
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
        Assert.Equal( // before the probe (which carries the session id), a WebSocket of its own tested the way
            [(false, WebSocketHandshakeOutcome.Refused), (false, WebSocketHandshakeOutcome.Accepted), (true, WebSocketHandshakeOutcome.Accepted)],
            server.Journal.WebSocketHandshakes.Take(3).Select(h => (h.IsUpgrade, h.Outcome)));
        var upgraded = Assert.Single(server.Journal.Sessions, s => s.EngineSessionId == probe.EngineSessionId);
        Assert.Equal("polling", upgraded.InitialTransport); // the connection did not wait for the retest
        await _logs.WaitForAsync(r => r.EventName == "WebSocketWorksAgain" && r.Level == LogLevel.Information); // "works again": the memory is cleared
        await progressed.Task.WaitAsync(HangGuard);
        await _serverTime.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(PartnumberTransports.WebSocket, (await probing.WaitAsync(HangGuard)).Transport); // finished over the upgraded session
        Assert.True(upgraded.Upgraded);

        var next = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-5")).WaitAsync(HangGuard);
        Assert.Equal(PartnumberTransports.WebSocket, next.Transport);
        Assert.Equal("websocket", server.Journal.Sessions[^1].InitialTransport); // WebSocket first again
        Assert.Equal(4, server.Journal.WebSocketHandshakeCount); // the refused one, the test, the probe, the new connection
    }

    [Fact]
    public async Task A_retest_that_is_refused_again_keeps_polling_never_probes_the_session_and_renews_the_memory_without_another_Information_log()
    {
        await using var server = await StartAsync(Refusal.BadRequest);
        await using var client = CreateClient(server, o => o.ReuseConnections = false);
        await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")).WaitAsync(HangGuard);

        _clientTime.Advance(EngineIOConnector.RefusalMemory);
        server.ForPartnumber("PN-2").Progress("p").Finish("own", delay: TimeSpan.FromSeconds(1));
        var progressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probing = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-2"), new InlineProgress(_ => progressed.TrySetResult()));
        var retest = (await server.Journal.WaitForWebSocketHandshakesAsync(2))[1];
        Assert.Equal((false, WebSocketHandshakeOutcome.Refused), (retest.IsUpgrade, retest.Outcome)); // its own WebSocket, refused
        await _logs.WaitForAsync(r => r.EventName == "WebSocketStillRefused"); // "still refused", at Debug
        await progressed.Task.WaitAsync(HangGuard);
        await _serverTime.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(PartnumberTransports.LongPolling, (await probing.WaitAsync(HangGuard)).Transport);

        for (var i = 0; i < 5; i++)
        {
            await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-N" + i)).WaitAsync(HangGuard);
        }

        Assert.Equal(2, server.Journal.WebSocketHandshakeCount); // the first refusal and the retest: the memory was renewed
        Assert.DoesNotContain(server.Journal.WebSocketHandshakes, h => h.IsUpgrade); // the session itself was never probed
        Assert.Single(_logs.Records, r => r.Level == LogLevel.Information);
    }

    /// <remarks>
    /// Behind a proxy that drops Upgrade, a probe carrying the session id would reach python-engineio as one more
    /// long-poll of the session and take its packets (socket.io-client's sessions stall there). The retest opens a
    /// WebSocket of its own first, which such a proxy refuses cleanly, so the session is never probed: every event of
    /// every classification arrives, in order, with everything sent at once.
    /// </remarks>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Behind_a_proxy_without_Upgrade_the_retest_never_probes_the_session_and_no_event_is_lost_or_reordered(bool clientWebSocket)
    {
        const int Rounds = 100;
        await using var server = await StartAsync(Refusal.ProxyWithoutUpgrade, realServerTime: true);
        await using var client = CreateClient(server, o =>
        {
            o.ReuseConnections = false;
            if (clientWebSocket)
            {
                o.ConfigureWebSocket = _ => { }; // ClientWebSocket, which cannot read a refused answer's body
            }
        });

        for (var round = 0; round < Rounds; round++)
        {
            _clientTime.Advance(EngineIOConnector.RefusalMemory); // every connection retests
            var partnumber = "PN-" + round;
            server.ForPartnumber(partnumber).Progress("a").Progress("b").Finish("own of " + partnumber);
            var updates = new List<string?>();

            var result = await client.ClassifyAndWaitAsync(new ClassificationRequest(partnumber), new InlineProgress(u => updates.Add(u.Message))).WaitAsync(HangGuard);

            Assert.Equal(("own of " + partnumber, partnumber, PartnumberTransports.LongPolling), (result.Description, result.Partnumber, result.Transport));
            Assert.Equal(["a", "b"], updates);
        }

        Assert.DoesNotContain(server.Journal.WebSocketHandshakes, h => h.IsUpgrade);
        var retests = server.Journal.WebSocketHandshakes.Count(h => h.Outcome == WebSocketHandshakeOutcome.Refused);
        output.WriteLine($"{retests} WebSocket attempts refused by the proxy, 0 probes of a session");
        Assert.True(retests >= Rounds / 2, $"only {retests} WebSocket attempts in {Rounds} rounds: the retest was not exercised");
        Assert.DoesNotContain(_logs.Records, r => r.EventName == "Reconnected"); // no reconnect was needed
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
        Assert.DoesNotContain(_logs.Records, r => r.EventName == "WebSocketRefused");
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

        var fallbacks = _logs.Records.Where(r => r.Level == LogLevel.Information && r.EventName == "WebSocketRefused").ToList();
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

    private PartnumberClassificationClient CreateClient(FakePartnumberServer server, Action<PartnumberClassificationClientOptions>? configure = null)
        => server.CreateClient(o =>
        {
            o.TimeProvider = _clientTime;
            o.LoggerFactory = _logs;
            configure?.Invoke(o);
        });
}

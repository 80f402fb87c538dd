using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Testing;
using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests.Internal.Realtime.EngineIO;

[CollectionDefinition(nameof(PollingFaultTests), DisableParallelization = true)]
public sealed class PollingFaultCollection
{
}

/// <summary>
/// Bad input on the long-polling path (issue 16, part 8), through a proxy in front of FakePartnumberServer that
/// misbehaves on cue: an HTML error page instead of Engine.IO, a truncated or oversized body, an unknown packet type, a
/// base64 packet, a long-poll (or handshake, or POST) that never returns, a load balancer that loses the session, and
/// cookies. Each ends in a typed exception, or is ignored with a warning, never a hang and never an unobserved task
/// exception. The client's clock is a FakeTimeProvider that only moves when a test says so: a classification that ends
/// without it moving ended because of the fault, not because of a timeout. Runs alone, because unobserved task
/// exceptions are counted process-wide.
/// </summary>
[Collection(nameof(PollingFaultTests))]
public sealed class PollingFaultTests : IAsyncLifetime
{
    private const string Html = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>";

    /// <summary>Real time allowed for something that must happen at once: only turns a hang into a failure.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private readonly UnobservedTaskExceptions _unobserved = new();
    private readonly FakeTimeProvider _clientTime = new();
    private readonly ObservableFakeTime _serverTime = new();
    private readonly RecordingLoggerProvider _logs = new();
    private FakePartnumberServer _server = null!;
    private TamperingProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        // The server's clock moves only when a test says so: no pings, and scripted delays wait for the test.
        _server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { TimeProvider = _serverTime });
        _proxy = await TamperingProxy.StartAsync(_server.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _server.DisposeAsync();
        _unobserved.Dispose();
    }

    [Theory]
    [InlineData(502, "refused the long-polling handshake: 502")]
    [InlineData(200, "not an Engine.IO open packet: 200")]
    public async Task An_html_page_instead_of_the_handshake_is_a_PartnumberConnectionException_quoting_it(int status, string expected)
    {
        _proxy.Intercept = e => e.IsHandshake ? e.RespondAsync(status, "text/html", Html) : Task.CompletedTask;
        var client = CreateClient();

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-H")).WaitAsync(HangGuard));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("(text/html)", error.Message, StringComparison.Ordinal);
        Assert.Contains("502 Bad Gateway</title>", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Journal.Requests); // nothing was POSTed: no task was started for a connection that never was
        await AssertCleanAfterAsync(client);
    }

    [Fact]
    public async Task A_truncated_handshake_is_a_PartnumberConnectionException()
    {
        _proxy.Intercept = e => e.IsHandshake ? e.TruncateAsync(500, "0{\"sid\":\"abc\",\"upgr") : Task.CompletedTask;
        var client = CreateClient();

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-T")).WaitAsync(HangGuard));

        Assert.Contains("Could not", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Journal.Requests);
        await AssertCleanAfterAsync(client);
    }

    [Fact]
    public async Task A_handshake_that_never_returns_ends_at_the_ConnectTimeout()
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _proxy.Intercept = e =>
        {
            if (!e.IsHandshake)
            {
                return Task.CompletedTask;
            }

            held.TrySetResult();
            return e.HoldAsync();
        };
        var client = CreateClient(o => o.ConnectTimeout = TimeSpan.FromSeconds(7));

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-C"));
        await held.Task.WaitAsync(HangGuard); // the connect (and its timer) started
        _clientTime.Advance(TimeSpan.FromSeconds(7) - TimeSpan.FromMilliseconds(1));
        Assert.False(running.IsCompleted);
        _clientTime.Advance(TimeSpan.FromMilliseconds(1));

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => running.WaitAsync(HangGuard));
        Assert.Contains("within 7 s (ConnectTimeout)", error.Message, StringComparison.Ordinal);
        await AssertCleanAfterAsync(client);
    }

    public static TheoryData<string, string> MidSessionFaults => new()
    {
        { "html 502", "answered 502 Bad Gateway (text/html): <!DOCTYPE html>" },
        { "html 200", "the long-poll answer is not Engine.IO: <!DOCTYPE html>" },
        { "truncated", "the long-poll failed" },
        { "body over 16 MiB", "a body over 16777216 bytes" },
        { "packet over 1 MiB", "a packet larger than 1048576 bytes" },
    };

    [Theory]
    [MemberData(nameof(MidSessionFaults))]
    public async Task A_bad_long_poll_answer_mid_classification_ends_it_in_a_PartnumberConnectionException_naming_the_cause(string fault, string expected)
    {
        _server.ForPartnumber("PN-M").Progress("um").NeverFinish();
        var faulted = FaultLongPollsAfterTheFirstUpdate(e => fault switch
        {
            "html 502" => e.RespondAsync(502, "text/html", Html),
            "html 200" => e.RespondAsync(200, "text/html", Html),
            "truncated" => e.TruncateAsync(1000, "42[\"classification_update_status\",{\"sta"),
            "body over 16 MiB" => e.RespondAsync(200, "text/plain; charset=UTF-8", string.Join('\u001e', Enumerable.Repeat("4" + new string('x', 1_000_000), 17))),
            "packet over 1 MiB" => e.RespondAsync(200, "text/plain; charset=UTF-8", "4" + new string('x', 1_100_000)),
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        });
        var client = CreateClient();
        var updates = new List<string?>();

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(
            () => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-M"), new InlineProgress(u => updates.Add(u.Message))).WaitAsync(HangGuard));

        Assert.True(faulted.Task.IsCompleted);
        Assert.Equal(["um"], updates);
        Assert.Contains("reconnection is disabled", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("progress 1 of 1", error.Message, StringComparison.Ordinal); // what was last seen
        await AssertCleanAfterAsync(client);
    }

    [Fact]
    public async Task A_long_poll_that_never_returns_ends_the_connection_after_pingInterval_plus_pingTimeout()
    {
        _server.ForPartnumber("PN-L").Progress("um").NeverFinish();
        var held = FaultLongPollsAfterTheFirstUpdate(e => e.HoldAsync());
        var client = CreateClient();

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-L"));
        await held.Task.WaitAsync(HangGuard);
        var window = TimeSpan.FromMilliseconds(25_000 + 20_000); // the fake's pingInterval + pingTimeout, from its open packet
        _clientTime.Advance(window - TimeSpan.FromMilliseconds(1));
        Assert.False(running.IsCompleted);
        _clientTime.Advance(TimeSpan.FromMilliseconds(1));

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => running.WaitAsync(HangGuard));
        Assert.Contains("no Engine.IO ping from the server for 45000 ms", error.Message, StringComparison.Ordinal);
        await AssertCleanAfterAsync(client);
    }

    [Fact]
    public async Task A_packet_POST_that_never_returns_ends_the_connection_at_the_ConnectTimeout()
    {
        _server.ForPartnumber("PN-P").Progress("um").NeverFinish();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _proxy.Intercept = async e =>
        {
            if (e.IsPacketPost && (await e.ReadBodyAsync()).Contains("\"join\"", StringComparison.Ordinal))
            {
                held.TrySetResult();
                await e.HoldAsync();
            }
        };
        var client = CreateClient(o => o.ConnectTimeout = TimeSpan.FromSeconds(4));

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-P"));
        await held.Task.WaitAsync(HangGuard);
        _clientTime.Advance(TimeSpan.FromSeconds(4));

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => running.WaitAsync(HangGuard));
        Assert.Contains("a long-polling POST got no answer within 4 s (ConnectTimeout)", error.Message, StringComparison.Ordinal);
        await AssertCleanAfterAsync(client);
    }

    [Theory]
    [InlineData("batched")]
    [InlineData("alone")]
    public async Task An_unknown_packet_type_is_ignored_with_a_warning_and_the_connection_is_not_reused(string where)
    {
        const string Unknown = "9future-packet";
        _server.ForPartnumber("PN-U").Progress("um").Finish("own", delay: TimeSpan.FromSeconds(1));
        var injected = InjectAfterTheFirstUpdate(Unknown, alone: where == "alone");
        var client = CreateClient();

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-U"));
        await injected.Task.WaitAsync(HangGuard);
        await _serverTime.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(1));
        var result = await running.WaitAsync(HangGuard);

        Assert.Equal(("PN-U", "own"), (result.Partnumber, result.Description));
        var warning = Assert.Single(_logs.Records, r => r.Level == LogLevel.Warning && r.Message.Contains(Unknown, StringComparison.Ordinal));
        Assert.Contains("Ignored a malformed", warning.Message, StringComparison.Ordinal);
        await AssertNextClassificationUsesAFreshConnectionAsync(client);
        await AssertCleanAfterAsync(client);
    }

    [Fact]
    public async Task A_malformed_socket_io_packet_is_ignored_with_a_warning_and_the_connection_is_not_reused()
    {
        const string Malformed = "42[\"classification_update_status\",{\"status\":";
        _server.ForPartnumber("PN-X").Progress("um").Finish("own", delay: TimeSpan.FromSeconds(1));
        var injected = InjectAfterTheFirstUpdate(Malformed, alone: false);
        var client = CreateClient();

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-X"));
        await injected.Task.WaitAsync(HangGuard);
        await _serverTime.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(1));
        var result = await running.WaitAsync(HangGuard);

        Assert.Equal("own", result.Description);
        Assert.Contains(_logs.Records, r => r.Level == LogLevel.Warning && r.Message.Contains("Ignored a malformed", StringComparison.Ordinal));
        await AssertNextClassificationUsesAFreshConnectionAsync(client);
        await AssertCleanAfterAsync(client);
    }

    [Theory]
    [InlineData("valid")]
    [InlineData("invalid base64")]
    public async Task A_base64_packet_is_decoded_or_refused_with_a_warning_and_the_classification_finishes(string kind)
    {
        var packet = kind == "valid" ? "b" + Convert.ToBase64String(Encoding.UTF8.GetBytes("binary attachment")) : "b!!not base64!!";
        _server.ForPartnumber("PN-B").Progress("um").Finish("own", delay: TimeSpan.FromSeconds(1));
        var injected = InjectAfterTheFirstUpdate(packet, alone: false);
        var client = CreateClient();
        var updates = new List<string?>();

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-B"), new InlineProgress(u => updates.Add(u.Message)));
        await injected.Task.WaitAsync(HangGuard);
        await _serverTime.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(1));
        var result = await running.WaitAsync(HangGuard);

        Assert.Equal("own", result.Description);
        Assert.Equal(["um"], updates);
        var warnings = _logs.Records.Where(r => r.Level == LogLevel.Warning).Select(r => r.Message).ToList();
        if (kind == "valid")
        {
            Assert.Empty(warnings); // decoded (SocketIOClient expects no attachment and drops it)
        }
        else
        {
            Assert.Equal(["Ignored a malformed Socket.IO packet from the server: " + packet], warnings);
            await AssertNextClassificationUsesAFreshConnectionAsync(client);
        }

        await AssertCleanAfterAsync(client);
    }

    [Theory]
    [InlineData("application/json", "{\"code\":1,\"message\":\"Session ID unknown\"}")] // Node engine.io, and the fake
    [InlineData("text/plain", "\"Invalid session\"")] // python-engineio (Flask-SocketIO)
    public async Task A_session_the_server_no_longer_knows_is_a_PartnumberConnectionException_that_says_sticky_sessions(string contentType, string body)
    {
        _server.ForPartnumber("PN-S").Progress("um").NeverFinish();
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var affinityLost = false;
        _proxy.Intercept = async e =>
        {
            if (e.Sid is null || !e.IsEngineIO)
            {
                return;
            }

            if (Volatile.Read(ref affinityLost))
            {
                // A load balancer without affinity: this request reached a worker that never saw the session.
                lost.TrySetResult();
                await e.RespondAsync(400, contentType, body);
                return;
            }

            if (e.IsLongPoll)
            {
                var answer = await e.ForwardAsync();
                if (answer.Body.Contains("classification_update_status", StringComparison.Ordinal))
                {
                    Volatile.Write(ref affinityLost, true);
                }

                await e.RespondAsync(answer);
            }
        };
        var client = CreateClient(o => o.ReconnectPolicy = new PartnumberReconnectPolicy(maxAttempts: 2, baseDelay: TimeSpan.Zero, maxDelay: TimeSpan.Zero));

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-S")).WaitAsync(HangGuard));

        Assert.True(lost.Task.IsCompleted);
        Assert.Contains("2 reconnect attempt(s) failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("sticky sessions", error.Message, StringComparison.Ordinal);
        Assert.Contains(body, error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _proxy.Requests.Count(r => r.Sid is null && r.PathAndQuery.StartsWith("/socket.io", StringComparison.Ordinal))); // the first connection and two reconnects
        await AssertCleanAfterAsync(client);
    }

    /// <remarks>
    /// An application's HttpClient whose handler keeps cookies itself (<c>UseCookies</c>, the default of
    /// <c>new HttpClient()</c> and of IHttpClientFactory's primary handler) adds every session's cookies to every
    /// request through it: measured here, session 1's requests carried <c>lb=node-1; lb=node-2</c>. Only a handler
    /// without a cookie container keeps the SDK's per-session cookies apart. Through dependency injection, with no primary
    /// handler configured by the application, long-polling gets the SDK's own handler, which has none.
    /// </remarks>
    [Theory]
    [InlineData("owned")]
    [InlineData("application's, UseCookies = false")]
    [InlineData("dependency injection")]
    public async Task Cookies_set_by_the_server_go_back_on_the_same_sessions_requests_only(string httpClient)
    {
        var cookieOf = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var handshakes = 0;
        _proxy.Intercept = async e =>
        {
            if (!e.IsHandshake)
            {
                return;
            }

            var answer = await e.ForwardAsync();
            var sid = TamperingProxy.OpenPacketSid(answer.Body)!;
            var value = "node-" + Interlocked.Increment(ref handshakes);
            cookieOf[sid] = "lb=" + value;
            await e.RespondAsync(answer.WithHeader("Set-Cookie", $"lb={value}; Path=/; HttpOnly"));
        };
        using var applications = new HttpClient(new SocketsHttpHandler { UseCookies = false });
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.PartnumberServiceCollectionExtensions.AddPartnumberClassificationClient(services, o =>
        {
            o.BaseAddress = _proxy.BaseAddress;
            o.Transports = PartnumberTransports.LongPolling;
            o.TimeProvider = _clientTime;
            o.ReconnectPolicy = PartnumberReconnectPolicy.None;
            o.ReuseConnections = false;
        });
        await using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var client = httpClient switch
        {
            "owned" => CreateClient(o => o.ReuseConnections = false),
            "dependency injection" => (PartnumberClassificationClient)Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IPartnumberClassificationClient>(provider),
            _ => new PartnumberClassificationClient(applications, new PartnumberClassificationClientOptions
            {
                BaseAddress = _proxy.BaseAddress,
                Transports = PartnumberTransports.LongPolling,
                TimeProvider = _clientTime,
                ReconnectPolicy = PartnumberReconnectPolicy.None,
                ReuseConnections = false,
            }),
        };

        // Two at once: two sessions open side by side, each with its own cookie.
        _server.ForPartnumber(_ => true).Progress("um").Finish(delay: TimeSpan.FromSeconds(1));
        var both = Task.WhenAll(client.ClassifyAndWaitAsync(new ClassificationRequest("PN-K1")), client.ClassifyAndWaitAsync(new ClassificationRequest("PN-K2")));
        await _server.Journal.WaitForEventsAsync(2, e => e.EventName == "join");
        await _serverTime.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(1), timers: 2);
        await both.WaitAsync(HangGuard);
        await client.DisposeAsync(); // the close packets carry the cookie too

        Assert.Equal(2, cookieOf.Count);
        var sessionRequests = _proxy.Requests.Where(r => r.Sid is not null).ToList();
        Assert.All(cookieOf.Keys, sid => Assert.True(sessionRequests.Count(r => r.Sid == sid) >= 3, $"few requests of session {sid}"));
        Assert.All(sessionRequests, r => Assert.Equal(cookieOf[r.Sid!], r.Cookie));
        Assert.All(_proxy.Requests.Where(r => r.Sid is null && r.PathAndQuery.StartsWith("/socket.io", StringComparison.Ordinal)), r => Assert.Null(r.Cookie));
        await AssertCleanAfterAsync(client);
    }

    /// <summary>Lets long-polls through until one carries an update, then answers every later one with <paramref name="fault"/>.</summary>
    private TaskCompletionSource FaultLongPollsAfterTheFirstUpdate(Func<ProxyExchange, Task> fault)
    {
        var faulted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var afterUpdate = false;
        _proxy.Intercept = async e =>
        {
            if (!e.IsLongPoll)
            {
                return;
            }

            if (Volatile.Read(ref afterUpdate))
            {
                faulted.TrySetResult();
                await fault(e);
                return;
            }

            var answer = await e.ForwardAsync();
            if (answer.Body.Contains("classification_update_status", StringComparison.Ordinal))
            {
                Volatile.Write(ref afterUpdate, true); // before answering: the client's next long-poll comes after this answer
            }

            await e.RespondAsync(answer);
        };
        return faulted;
    }

    /// <summary>
    /// Adds <paramref name="packet"/> to the long-poll answer that carries the first update (after its packets), or,
    /// when <paramref name="alone"/>, answers the next long-poll with it alone (without taking anything from the server).
    /// </summary>
    private TaskCompletionSource InjectAfterTheFirstUpdate(string packet, bool alone)
    {
        var injected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var state = 0; // 0: before the update, 1: inject alone next, 2: done
        _proxy.Intercept = async e =>
        {
            if (!e.IsLongPoll)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref state, 2, 1) == 1)
            {
                await e.RespondAsync(200, "text/plain; charset=UTF-8", packet);
                injected.TrySetResult();
                return;
            }

            var answer = await e.ForwardAsync();
            if (Volatile.Read(ref state) == 0 && answer.Body.Contains("classification_update_status", StringComparison.Ordinal))
            {
                if (alone)
                {
                    Volatile.Write(ref state, 1);
                }
                else
                {
                    Volatile.Write(ref state, 2);
                    answer = answer.WithBody(answer.Body + "\u001e" + packet);
                    await e.RespondAsync(answer);
                    injected.TrySetResult();
                    return;
                }
            }

            await e.RespondAsync(answer);
        };
        return injected;
    }

    private PartnumberClassificationClient CreateClient(Action<PartnumberClassificationClientOptions>? configure = null)
    {
        var options = new PartnumberClassificationClientOptions
        {
            BaseAddress = _proxy.BaseAddress,
            Transports = PartnumberTransports.LongPolling,
            TimeProvider = _clientTime,
            ReconnectPolicy = PartnumberReconnectPolicy.None,
            LoggerFactory = _logs,
        };
        configure?.Invoke(options);
        return new PartnumberClassificationClient(options);
    }

    private async Task AssertNextClassificationUsesAFreshConnectionAsync(PartnumberClassificationClient client)
    {
        _proxy.Intercept = null;
        var before = _server.Journal.Sessions.Count;
        _server.ForPartnumber("PN-NEXT").Finish("next");
        var next = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-NEXT")).WaitAsync(HangGuard);
        Assert.Equal("next", next.Description);
        Assert.Equal(before + 1, _server.Journal.Sessions.Count);
        var posts = _server.Journal.Requests.Where(r => r.Method == "POST").ToList();
        Assert.NotEqual(posts[^2].SocketSessionId, posts[^1].SocketSessionId);
    }

    /// <summary>Disposes the client (which must not hang) and checks that no task exception went unobserved.</summary>
    private async Task AssertCleanAfterAsync(PartnumberClassificationClient client)
    {
        await client.DisposeAsync().AsTask().WaitAsync(HangGuard);
        Assert.Empty(_unobserved.Collect());
    }
}

using System.Net;
using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests;

/// <summary>ClassificationTimeout and cancellation, driven by FakeTimeProvider and awaited events (no sleeping).</summary>
public class TimeoutAndCancellationTests
{
    private const string Update = "classification_update_status";

    [Fact]
    public async Task A_task_that_never_finishes_ends_in_ClassificationTimeoutException_saying_what_was_last_seen()
    {
        await using var harness = new InMemoryClientHarness(o => o.ClassificationTimeout = TimeSpan.FromSeconds(30), fakeTime: true);
        var thirdSeen = new TaskCompletionSource();
        harness.OnJoinEmit(
            (Update, """{"current":"1","total":"5","status":"processing"}"""),
            (Update, """{"current":"2","total":"5","status":"processing"}"""),
            (Update, """{"current":"3","total":"5","status":"processing","message":"Analisando"}"""));

        var running = harness.Client.ClassifyAndWaitAsync(
            new ClassificationRequest("PN-1"),
            new InlineProgress(u => { if (u.Current == 3) { thirdSeen.TrySetResult(); } }));
        await thirdSeen.Task;
        harness.Time!.Advance(TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<ClassificationTimeoutException>(() => running);
        Assert.Contains("3 of 5", error.Message);
        Assert.Contains("Analisando", error.Message);
        Assert.Contains("30 s", error.Message);
        Assert.Equal(ClassificationPhase.ReceivingProgress, error.Phase);
        Assert.Equal(3, error.LastProgress!.Current);
        Assert.Equal("Analisando", error.LastProgress.Message);
        Assert.Equal(0, error.Reconnects);
        Assert.True(Assert.Single(harness.Connector.Connections).IsDisposed);
    }

    [Fact]
    public async Task A_timeout_with_no_event_after_the_join_names_the_likely_cause()
    {
        await using var harness = new InMemoryClientHarness(o => o.ClassificationTimeout = TimeSpan.FromSeconds(5), fakeTime: true);
        var joined = new TaskCompletionSource();
        harness.Connector.OnJoin = (_, _) => joined.TrySetResult();

        var running = harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await joined.Task;
        harness.Time!.Advance(TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<ClassificationTimeoutException>(() => running);
        Assert.Contains("no event at all since joining room room-1", error.Message);
        Assert.Contains("emits before the join", error.Message);
        Assert.Equal(ClassificationPhase.WaitingForFirstEvent, error.Phase);
        Assert.Null(error.LastProgress);
    }

    [Fact]
    public async Task A_slow_202_ends_in_ClassificationTimeoutException_when_the_budget_runs_out()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var posted = new TaskCompletionSource();
        await using var slow = new InMemoryClientHarnessWithHandler(new SlowHandler(posted), time, TimeSpan.FromSeconds(10));

        var running = slow.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));
        await posted.Task;
        time.Advance(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<ClassificationTimeoutException>(() => running);
        Assert.Contains("waiting for the server to accept the POST", error.Message);
        Assert.Equal(ClassificationPhase.Posting, error.Phase);
    }

    [Fact]
    public async Task Cancelling_mid_stream_throws_OperationCanceledException_and_closes_the_connection()
    {
        await using var harness = new InMemoryClientHarness();
        harness.OnJoinEmit((Update, """{"current":"1","total":"5"}"""));
        using var cts = new CancellationTokenSource();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in harness.Client.ClassifyAsync(new ClassificationRequest("PN-1"), cts.Token))
            {
                cts.Cancel(); // the next read must observe it
            }
        });

        Assert.Equal(cts.Token, error.CancellationToken);
        Assert.True(Assert.Single(harness.Connector.Connections).IsDisposed);
    }

    [Fact]
    public async Task WithCancellation_on_the_stream_is_honoured_too()
    {
        await using var harness = new InMemoryClientHarness();
        harness.OnJoinEmit((Update, """{"current":"1","total":"5"}"""));
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in harness.Client.ClassifyAsync(new ClassificationRequest("PN-1")).WithCancellation(cts.Token))
            {
                cts.Cancel();
            }
        });
    }

    [Fact]
    public async Task Cancelling_during_connect_throws_OperationCanceledException_and_posts_nothing()
    {
        await using var harness = new InMemoryClientHarness();
        var gate = new TaskCompletionSource();
        harness.Connector.ConnectGate = gate.Task;
        using var cts = new CancellationTokenSource();

        var running = harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"), cancellationToken: cts.Token);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Empty(harness.Http.Requests);
    }

    [Fact]
    public async Task Cancelling_during_the_post_throws_OperationCanceledException_and_closes_the_connection()
    {
        var posted = new TaskCompletionSource();
        var connector = new ScriptedRealtimeConnector();
        using var http = new HttpClient(new SlowHandler(posted));
        await using var client = new PartnumberClassificationClient(http, new PartnumberClassificationClientOptions { BaseAddress = new Uri("http://backend.test") }, ownsHttpClient: false, connector);
        using var cts = new CancellationTokenSource();

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"), cancellationToken: cts.Token);
        await posted.Task;
        cts.Cancel();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Contains("waiting for the server to accept the POST", error.Message);
        Assert.True(Assert.Single(connector.Connections).IsDisposed);
    }

    [Fact]
    public async Task A_dns_failure_on_either_half_is_a_PartnumberConnectionException_and_is_not_retried()
    {
        var hostNotFound = new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound);
        await using var socketHalf = new InMemoryClientHarness(o => o.WebSocketFactory = (_, _, _) => throw new System.Net.WebSockets.WebSocketException("Name or service not known", hostNotFound));
        var realConnectorClient = new PartnumberClassificationClient(socketHalf.HttpClient, socketHalf.Options);

        var socketError = await Assert.ThrowsAsync<PartnumberConnectionException>(() => realConnectorClient.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));
        Assert.Contains("Name or service not known", socketError.Message);
        Assert.Empty(socketHalf.Http.Requests);

        var attempts = 0;
        using var http = new HttpClient(new Microsoft.Extensions.Http.PolicyHttpMessageHandler(PartnumberHttpPolicies.SafeRetry())
        {
            InnerHandler = new ThrowingHandler(() => { attempts++; return new HttpRequestException("Name or service not known", hostNotFound); }),
        });
        await using var httpHalf = new PartnumberClassificationClient(http, new PartnumberClassificationClientOptions { BaseAddress = new Uri("http://backend.test") }, ownsHttpClient: false, new ScriptedRealtimeConnector());

        var httpError = await Assert.ThrowsAsync<PartnumberConnectionException>(() => httpHalf.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));
        Assert.Contains("Name or service not known", httpError.Message);
        Assert.Equal(1, attempts);
        await realConnectorClient.DisposeAsync();
    }

    [Fact]
    public async Task An_already_cancelled_token_fails_before_any_network_call()
    {
        await using var harness = new InMemoryClientHarness();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"), cancellationToken: new CancellationToken(true)));

        Assert.Empty(harness.Http.Requests);
    }


    /// <summary>An HTTP handler whose response never comes, until the request is cancelled.</summary>
    private sealed class SlowHandler(TaskCompletionSource posted) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            posted.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.Accepted);
        }
    }

    private sealed class ThrowingHandler(Func<Exception> error) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => throw error();
    }

    private sealed class InMemoryClientHarnessWithHandler : IAsyncDisposable
    {
        private readonly HttpClient _http;

        public InMemoryClientHarnessWithHandler(HttpMessageHandler handler, TimeProvider time, TimeSpan timeout)
        {
            _http = new HttpClient(handler);
            var options = new PartnumberClassificationClientOptions { BaseAddress = new Uri("http://backend.test"), TimeProvider = time, ClassificationTimeout = timeout };
            Client = new PartnumberClassificationClient(_http, options, ownsHttpClient: false, new ScriptedRealtimeConnector());
        }

        public PartnumberClassificationClient Client { get; }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            _http.Dispose();
        }
    }
}

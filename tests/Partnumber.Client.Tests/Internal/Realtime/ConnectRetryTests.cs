using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using Partnumber.Client.Internal.Realtime;
using Partnumber.Client.Testing;
using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests.Internal.Realtime;

/// <summary>
/// The first connect survives a short outage (a backend restarting): refused or reset connections are tried again with
/// backoff on the options' clock within ConnectTimeout; an unknown host or a TLS failure is not.
/// </summary>
public class ConnectRetryTests
{
    public static TheoryData<Exception, string?> Failures() => new()
    {
        { new SocketException((int)SocketError.ConnectionRefused), "connection refused" },
        { new HttpRequestException("Connection refused (127.0.0.1:5000)", new SocketException((int)SocketError.ConnectionRefused)), "connection refused" },
        { new PartnumberConnectionException("Could not reach", new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused))), "connection refused" },
        { new WebSocketException("Unable to connect", new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused))), "connection refused" },
        { new HttpRequestException("The response ended prematurely", new IOException("reset", new SocketException((int)SocketError.ConnectionReset))), null },
        { new HttpRequestException("Name or service not known", new SocketException((int)SocketError.HostNotFound)), null },
        { new HttpRequestException("The SSL connection could not be established", new AuthenticationException("bad certificate", new SocketException((int)SocketError.ConnectionReset))), null },
        { new PartnumberConnectionException("the server refused the Socket.IO connection: not allowed"), null },
        { new WebSocketException(WebSocketError.NotAWebSocket), null },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Only_refused_connections_are_tried_again(Exception failure, string? expected)
        => Assert.Equal(expected, SocketIORealtimeConnector.RetryableFailure(failure));

    [Fact]
    public void Delays_start_at_100_ms_double_and_stay_under_a_second_with_jitter()
    {
        for (var i = 0; i < 50; i++)
        {
            Assert.InRange(SocketIORealtimeConnector.RetryDelay(1).TotalMilliseconds, 50, 100);
            Assert.InRange(SocketIORealtimeConnector.RetryDelay(2).TotalMilliseconds, 100, 200);
            Assert.InRange(SocketIORealtimeConnector.RetryDelay(30).TotalMilliseconds, 500, 1000);
        }
    }

    [Theory]
    [InlineData(PartnumberTransports.WebSocket | PartnumberTransports.LongPolling)]
    [InlineData(PartnumberTransports.LongPolling)]
    public async Task A_classification_started_while_the_backend_is_down_succeeds_once_it_is_back(PartnumberTransports transports)
    {
        var port = FreePort();
        var time = new ObservableFakeTime();
        await using var client = new PartnumberClassificationClient(new PartnumberClassificationClientOptions
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
            TimeProvider = time,
            Transports = transports,
        });

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-BACK"));
        var retryDelay = await NextRetryDelayAsync(time, running); // the first attempt was refused: nothing listens yet
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { Port = port });
        time.Advance(retryDelay);

        var result = await running.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ClassificationStatus.Done, result.Status);
        Assert.Single(server.Journal.Sessions);
        Assert.Single(server.Journal.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task An_endpoint_that_stays_down_ends_at_ConnectTimeout_saying_how_many_attempts_were_made()
    {
        var port = FreePort();
        var time = new ObservableFakeTime();
        await using var client = new PartnumberClassificationClient(new PartnumberClassificationClientOptions
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
            TimeProvider = time,
        });

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-DOWN"));
        var advanced = TimeSpan.Zero;
        for (var waits = 0; waits < 100 && !running.IsCompleted; waits++)
        {
            var delay = await NextRetryDelayAsync(time, running);
            time.Advance(delay);
            advanced += delay;
        }

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Matches(@"within 10 s \(ConnectTimeout\): \d+ attempt\(s\), the last failed with connection refused", error.Message);
        Assert.InRange(advanced, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(11));
    }

    [Fact]
    public async Task An_unknown_host_is_not_tried_again()
    {
        var time = new ObservableFakeTime();
        await using var client = new PartnumberClassificationClient(new PartnumberClassificationClientOptions
        {
            BaseAddress = new Uri("http://partnumber-backend.invalid:5000/"),
            TimeProvider = time,
        });

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => client.ClassifyAndWaitAsync(new ClassificationRequest("PN-DNS")).WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.DoesNotContain("attempt(s)", error.Message);
        Assert.Equal(time.Fake.Start, time.GetUtcNow()); // no backoff waited: the clock was never advanced and nothing hung on it
    }

    [Fact]
    public async Task A_reconnect_waits_for_a_refusing_endpoint_in_its_first_attempt_only()
    {
        var time = new ObservableFakeTime();
        var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-GONE").Progress("um").NeverFinish();
        await using var client = new PartnumberClassificationClient(new PartnumberClassificationClientOptions
        {
            BaseAddress = server.BaseAddress,
            TimeProvider = time,
            ReconnectPolicy = new PartnumberReconnectPolicy(maxAttempts: 3, baseDelay: TimeSpan.Zero, maxDelay: TimeSpan.Zero),
        });
        await using var updates = client.ClassifyAsync(new ClassificationRequest("PN-GONE")).GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync());

        await server.DisposeAsync(); // gone for good: every reconnect is refused
        var next = updates.MoveNextAsync().AsTask();
        var advanced = TimeSpan.Zero;
        for (var waits = 0; waits < 100 && !next.IsCompleted; waits++)
        {
            var delay = await NextRetryDelayAsync(time, next);
            time.Advance(delay);
            advanced += delay;
        }

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => next.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("3 reconnect attempt(s) failed", error.Message);
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(advanced, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(11)); // one ConnectTimeout of retries, not three
    }

    /// <summary>The next connect-retry wait the client arms (at most a second), skipping its other timers; fails if the classification ended first.</summary>
    private static async Task<TimeSpan> NextRetryDelayAsync(ObservableFakeTime time, Task running)
    {
        while (true)
        {
            var next = time.NextTimerAsync();
            if (await Task.WhenAny(next, running) == running)
            {
                return TimeSpan.Zero;
            }

            var due = await next;
            // A retry wait is under MaxRetryDelay (jitter takes it below the ceiling); the dropped WebSocket's 1 s close
            // handshake timeout is not one, and advancing it would count a second too many.
            if (due < SocketIORealtimeConnector.MaxRetryDelay)
            {
                return due;
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Partnumber.Client.Testing;
using Partnumber.Client.Testing.Scripting;
using Polly;

namespace Partnumber.Client.Tests.AgainstFakeServer;

/// <summary>
/// Backend restarts (<see cref="FakePartnumberServer.SimulateRestart"/>) and a fault-injection sweep: the path of a
/// classification broken at each of its awaits, on both transports. Every run ends in exactly one result or one
/// <see cref="PartnumberClientException"/>, within a bound.
/// </summary>
public sealed class RestartAndFaultSweepTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private FakePartnumberServer _server = null!;

    public async Task InitializeAsync() => _server = await FakePartnumberServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(PartnumberTransports.WebSocket)]
    [InlineData(PartnumberTransports.LongPolling)]
    public async Task A_restart_mid_task_ends_as_lost_without_resubmission_and_with_the_new_tasks_result_with_it(PartnumberTransports transport)
    {
        _server.ForPartnumber(_ => true).Progress("um").Progress("dois", TimeSpan.FromMilliseconds(300)).Finish("feito", delay: TimeSpan.FromMilliseconds(50));

        await using (var strict = _server.CreateClient(o => Configure(o, transport)))
        {
            var lost = await RunAsync(strict, "PN-RS-1", onUpdate: u => RestartOnce(u));
            var error = Assert.IsType<ClassificationLostException>(lost.Error);
            Assert.Equal(TimeSpan.FromSeconds(1), error.SilenceLimit);
            Assert.Single(lost.Updates);
        }

        await using var resubmitting = _server.CreateClient(o =>
        {
            Configure(o, transport);
            o.ResubmitLostClassifications = true;
        });
        var outcome = await RunAsync(resubmitting, "PN-RS-2", onUpdate: u => RestartOnce(u));

        Assert.Null(outcome.Error);
        Assert.Equal(["um:0", "um:1", "dois:1"], outcome.Updates.Where(u => !u.IsFinal).Select(u => $"{u.Message}:{u.Resubmissions}"));
        var result = outcome.Updates[^1].Result!;
        Assert.Equal(("feito", 1, transport), (result.Description, result.Resubmissions, result.Transport));
        var posts = _server.Journal.Requests.Where(r => r.Method == "POST" && r.Body.Contains("PN-RS-2", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, posts.Count);
        Assert.NotEqual(posts[0].SocketSessionId, posts[1].SocketSessionId); // the second POST names the new connection
    }

    public enum FaultPoint
    {
        Connect,
        PostSend,
        AcceptedBody,
        Join,
        FirstEvent,
        SecondEvent,
        Reconnect,
    }

    public static TheoryData<PartnumberTransports, FaultPoint> Sweep()
    {
        var data = new TheoryData<PartnumberTransports, FaultPoint>();
        foreach (var transport in new[] { PartnumberTransports.WebSocket, PartnumberTransports.LongPolling })
        {
            foreach (var point in Enum.GetValues<FaultPoint>())
            {
                data.Add(transport, point);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Sweep))]
    public async Task A_classification_broken_at_any_await_ends_in_one_result_or_one_typed_exception(PartnumberTransports transport, FaultPoint point)
    {
        _server.ForPartnumber(_ => true)
            .Progress("um")
            .Progress("dois", TimeSpan.FromMilliseconds(200))
            .Progress("três", TimeSpan.FromMilliseconds(200))
            .Finish("feito", delay: TimeSpan.FromMilliseconds(100));
        using var http = new HttpClient(new FaultingHandler(_server, point) { InnerHandler = new SocketsHttpHandler() });
        var options = _server.CreateClientOptions();
        Configure(options, transport);
        options.HttpRetryPolicy = Policy.NoOpAsync<HttpResponseMessage>();
        options.ReconnectPolicy = new PartnumberReconnectPolicy(maxAttempts: 3, baseDelay: TimeSpan.FromMilliseconds(10), maxDelay: TimeSpan.FromMilliseconds(50));
        options.ConnectTimeout = TimeSpan.FromSeconds(2);
        await using var client = new PartnumberClassificationClient(http, options);
        if (point == FaultPoint.Connect)
        {
            _server.RejectConnections("maintenance");
        }

        var outcome = await RunAsync(client, "PN-SW-" + point, onUpdate: update =>
        {
            switch (point)
            {
                case FaultPoint.FirstEvent when update.Message == "um":
                case FaultPoint.SecondEvent when update.Message == "dois":
                    _server.DisconnectAllSessions(ServerDisconnectMode.TransportAbort);
                    break;
                case FaultPoint.Reconnect when update.Message == "um":
                    _server.RejectConnections("still restarting");
                    _server.SimulateRestart();
                    break;
            }
        });

        Assert.True(outcome.Error is null or PartnumberClientException, $"{point} over {transport}: {outcome.Error}");
        Assert.Equal(outcome.Error is null, outcome.Updates.Count > 0 && outcome.Updates[^1].IsFinal);
        switch (point)
        {
            case FaultPoint.Connect:
                Assert.IsType<PartnumberAuthenticationException>(outcome.Error); // a CONNECT_ERROR: the server's Socket.IO layer refused the client
                break;
            case FaultPoint.PostSend:
            case FaultPoint.AcceptedBody:
            case FaultPoint.Reconnect:
                Assert.IsType<PartnumberConnectionException>(outcome.Error);
                break;
            case FaultPoint.Join:
                Assert.Null(outcome.Error); // the task exists: its room is joined on another connection, the POST is not repeated
                Assert.Single(_server.Journal.Requests, r => r.Method == "POST");
                break;
        }
    }

    private void RestartOnce(ClassificationUpdate update)
    {
        if (update is { IsFinal: false, Resubmissions: 0 })
        {
            _server.SimulateRestart();
        }
    }

    private static void Configure(PartnumberClassificationClientOptions options, PartnumberTransports transport)
    {
        options.Transports = transport;
        options.LostTaskTimeout = TimeSpan.FromSeconds(1);
        options.ClassificationTimeout = TimeSpan.FromSeconds(20);
    }

    /// <summary>Classifies, calling <paramref name="onUpdate"/> for each update, bounded by <see cref="Bound"/>: what came and how it ended.</summary>
    private static async Task<(List<ClassificationUpdate> Updates, Exception? Error, TimeSpan Elapsed)> RunAsync(
        PartnumberClassificationClient client, string partnumber, Action<ClassificationUpdate> onUpdate)
    {
        var updates = new List<ClassificationUpdate>();
        var stopwatch = Stopwatch.StartNew();
        var run = Task.Run(async () =>
        {
            await foreach (var update in client.ClassifyAsync(new ClassificationRequest(partnumber)))
            {
                updates.Add(update);
                onUpdate(update);
            }
        });
        var error = await Record.ExceptionAsync(() => run.WaitAsync(Bound));
        Assert.IsNotType<TimeoutException>(error); // nothing hangs
        return (updates, error, stopwatch.Elapsed);
    }

    /// <summary>Breaks the POST as <see cref="FaultPoint"/> says; everything else (long-polling included) passes through.</summary>
    private sealed class FaultingHandler(FakePartnumberServer server, FaultPoint point) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Post || !request.RequestUri!.AbsolutePath.EndsWith("/classify-partnumber", StringComparison.Ordinal))
            {
                return await base.SendAsync(request, cancellationToken);
            }

            if (point == FaultPoint.PostSend)
            {
                throw new HttpRequestException("Error while copying content to a stream.", new IOException("Broken pipe"));
            }

            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            switch (point)
            {
                case FaultPoint.AcceptedBody:
                    var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    response.Content = new StreamContent(new BreaksAfter(bytes, 5));
                    break;
                case FaultPoint.Join:
                    using (var document = JsonDocument.Parse(body))
                    {
                        server.DisconnectSession(document.RootElement.GetProperty("socket_session_id").GetString()!, ServerDisconnectMode.TransportAbort);
                    }

                    break;
            }

            return response;
        }
    }

    /// <summary>A body stream that fails after <c>count</c> bytes, as a connection reset mid-body does.</summary>
    private sealed class BreaksAfter(byte[] bytes, int count) : MemoryStream(bytes, 0, count)
    {
        public override int Read(byte[] buffer, int offset, int length)
            => base.Read(buffer, offset, length) is > 0 and var read ? read : throw new IOException("Connection reset by peer");

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => await base.ReadAsync(buffer, cancellationToken) is > 0 and var read ? read : throw new IOException("Connection reset by peer");

        public override Task<int> ReadAsync(byte[] buffer, int offset, int length, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, length), cancellationToken).AsTask();
    }
}

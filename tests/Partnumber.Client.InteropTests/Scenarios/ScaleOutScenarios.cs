using System.Diagnostics;
using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>
/// Two Flask-SocketIO workers (eventlet) sharing rooms through a real redis-server (message_queue): the SDK POSTs to
/// one worker and holds its socket on the other (SocketAddress), so every event it receives crossed redis. Every
/// scenario of <see cref="InteropScenarios{TFixture}"/> runs here too (a kick crosses redis; a kill kills both workers).
/// </summary>
public sealed class ScaleOutScenarios(ScaleOutFixture fixture, ITestOutputHelper output)
    : InteropScenarios<ScaleOutFixture>(fixture, output)
{
    [SkippableFact]
    public Task The_POST_and_the_socket_really_land_on_different_workers() => RunAsync(async s =>
    {
        var pn = NewPartnumber("split");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 2, EchoRequest = true });
        var mark = s.Deployment.Log.Mark;
        await using var tc = s.CreateClient();

        var result = await tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn));

        var received = Property(result.Payload, "received");
        var sid = Text(received, "socket_session_id");
        Assert.Equal("scale-rest", Text(received, "peer"));
        Assert.True(Property(received, "socket_session_id_connected").GetBoolean(), "the socket_session_id is not a live socket on the socket worker");
        // Peer output reaches the log a little after the events reach the SDK: wait for it (bounded).
        var wait = TimeSpan.FromSeconds(5);
        Assert.True(await s.Deployment.Log.WaitForAsync($"[scale-socket] join sid={sid} room={result.RoomId}", mark, wait), "the join did not reach the socket worker");
        Assert.True(await s.Deployment.Log.WaitForAsync($"[scale-rest] emit classification_finished room={result.RoomId}", mark, wait), "the REST worker did not run the task");
        Assert.True(await s.Deployment.Log.WaitForAsync($"[scale-socket] connect sid={sid}", mark, wait), "the SDK's socket did not reach the socket worker");
        Assert.False(s.Deployment.Log.Contains($"[scale-rest] connect sid={sid}", mark), "the SDK's socket went to the REST worker");
    });

    [SkippableFact]
    public Task A_ws_scheme_SocketAddress_reaches_the_socket_worker() => RunAsync(async s =>
    {
        var pn = NewPartnumber("wsaddr");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 2, EchoRequest = true });
        var socketAddress = new UriBuilder(s.Deployment.SocketAddress!) { Scheme = "ws" }.Uri;
        await using var tc = s.CreateClient(o => o.SocketAddress = socketAddress);

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        var result = AssertCompleted(outcome, pn);
        Assert.Equal([1, 2], outcome.Progress.Select(u => u.Current ?? -1));
        Assert.True(Property(Property(result.Payload, "received"), "socket_session_id_connected").GetBoolean());
    });

    [SkippableFact]
    public Task Losing_the_message_queue_mid_task_ends_in_a_typed_exception_within_the_budget() => RunAsync(async s =>
    {
        // redis dies after step 1: the REST worker can no longer reach the socket worker, so nothing more arrives.
        // A dedicated redis and worker pair, so the class's shared pair keeps its queue.
        var redisLog = new PeerLog();
        await using var redis = await RedisServer.StartAsync(redisLog);
        var pair = s.Track(await PeerDeployment.StartScaleOutAsync("scale-mq", redis));
        var pn = NewPartnumber("mqlost");
        await pair.ScriptAsync(new PeerScript(pn) { Steps = 4, StepDelayMs = 300 });
        var budget = TimeSpan.FromSeconds(4);
        await using var tc = pair.CreateClient(o => o.ClassificationTimeout = budget, s.Logger);
        var firstUpdate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        var endedAfter = TimeSpan.Zero;
        var updates = 0;

        var run = Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in tc.Client.ClassifyAsync(new ClassificationRequest(pn)))
                {
                    Interlocked.Increment(ref updates);
                    firstUpdate.TrySetResult();
                }
            }
            finally
            {
                endedAfter = clock.Elapsed;
            }
        });
        await firstUpdate.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await redis.KillAsync();

        var error = await Record.ExceptionAsync(() => run.WaitAsync(budget + TimeSpan.FromSeconds(10)));

        s.Note($"after losing redis: {error?.GetType().Name} after {endedAfter.TotalSeconds:0.0} s, {updates} update(s): {error?.Message}");
        Assert.IsAssignableFrom<PartnumberClientException>(error);
        Assert.True(endedAfter < budget + TimeSpan.FromSeconds(3), $"took {endedAfter} (budget {budget})");
        Assert.InRange(updates, 1, 3);
    });
}

using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests;

/// <summary>Reconnection during a classification: policy, hook, backoff on the TimeProvider, giving up, cancellation.</summary>
public class ReconnectTests
{
    private const string Update = "classification_update_status";
    private const string Finished = "classification_finished";

    [Fact]
    public async Task A_drop_mid_task_reconnects_rejoins_and_the_same_stream_finishes()
    {
        var contexts = new List<PartnumberReconnectContext>();
        await using var harness = new InMemoryClientHarness(o => o.OnReconnecting = contexts.Add);
        var joins = 0;
        harness.Connector.OnJoin = (connection, room) =>
        {
            if (Interlocked.Increment(ref joins) == 1)
            {
                connection.Push(Update, """{"current":"2","total":"5"}""");
                connection.Drop("kicked");
            }
            else
            {
                connection.Push(Update, """{"current":"5","total":"5"}""");
                connection.Push(Finished, """{"status":"done"}""");
            }
        };

        var updates = new List<ClassificationUpdate>();
        await foreach (var update in harness.Client.ClassifyAsync(new ClassificationRequest("PN-1")))
        {
            updates.Add(update);
        }

        Assert.Equal(new int?[] { 2, 5, 5 }, updates.Select(u => u.Current));
        Assert.True(updates[^1].IsFinal);
        var connections = harness.Connector.Connections.ToArray();
        Assert.Equal(2, connections.Length);
        Assert.All(connections, c => Assert.Equal("""{"room_id":"room-1"}""", c.Emitted.Single().Json));
        Assert.All(connections, c => Assert.True(c.IsDisposed));
        var context = Assert.Single(contexts);
        Assert.Equal(("PN-1", "room-1", 1, "kicked"), (context.Partnumber, context.RoomId, context.Attempt, context.Reason));
        Assert.Single(harness.Http.Requests);
    }

    [Fact]
    public async Task When_every_attempt_fails_the_exception_states_the_attempts_and_the_last_error()
    {
        await using var harness = new InMemoryClientHarness(o => o.ReconnectPolicy = new PartnumberReconnectPolicy(maxAttempts: 3, baseDelay: TimeSpan.Zero, maxDelay: TimeSpan.Zero));
        harness.Connector.OnJoin = (connection, _) =>
        {
            harness.Connector.ConnectError = new PartnumberConnectionException("Connection refused (127.0.0.1:5000)");
            connection.Drop("the server closed the WebSocket");
        };

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1")));

        Assert.Contains("3 reconnect attempt(s) failed", error.Message);
        Assert.Contains("Connection refused (127.0.0.1:5000)", error.Message);
        Assert.Contains("the server closed the WebSocket", error.Message);
        Assert.Equal(4, harness.Connector.ConnectAttempts);
        Assert.Equal(ClassificationPhase.WaitingForFirstEvent, error.Phase);
        Assert.Equal(0, error.Reconnects); // none of the attempts replaced the connection
    }

    [Fact]
    public async Task Backoff_waits_run_on_the_TimeProvider_and_cancellation_during_a_wait_is_honoured()
    {
        var time = new ObservableFakeTime();
        await using var harness = new InMemoryClientHarness(o =>
        {
            o.TimeProvider = time;
            o.ReconnectPolicy = new FixedDelayPolicy(TimeSpan.FromSeconds(7));
        });
        harness.Connector.OnJoin = (connection, _) => connection.Drop("dropped");
        using var cts = new CancellationTokenSource();

        var running = harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"), cancellationToken: cts.Token);
        Assert.Equal(PartnumberClassificationClientOptions.DefaultClassificationTimeout, await time.NextTimerAsync());
        Assert.Equal(TimeSpan.FromSeconds(7), await time.NextTimerAsync()); // the backoff wait
        Assert.Equal(1, harness.Connector.ConnectAttempts);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(1, harness.Connector.ConnectAttempts);
        Assert.True(Assert.Single(harness.Connector.Connections).IsDisposed);
    }

    [Fact]
    public async Task A_throwing_hook_does_not_break_reconnection()
    {
        await using var harness = new InMemoryClientHarness(o => o.OnReconnecting = _ => throw new InvalidOperationException("boom"));
        var joins = 0;
        harness.Connector.OnJoin = (connection, _) =>
        {
            if (Interlocked.Increment(ref joins) == 1)
            {
                connection.Drop("kicked");
            }
            else
            {
                connection.Push(Finished, """{"status":"done"}""");
            }
        };

        var result = await harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-1"));

        Assert.Equal(ClassificationStatus.Done, result.Status);
    }

    [Fact]
    public void The_default_policy_reconnects_at_once_then_backs_off_exponentially_with_jitter_and_gives_up()
    {
        var policy = PartnumberReconnectPolicy.Default;
        TimeSpan? Delay(int attempt) => policy.NextDelay(new PartnumberReconnectContext("PN", null, null, attempt, TimeSpan.Zero, "r", null));

        Assert.Equal(TimeSpan.Zero, Delay(1));
        Assert.InRange(Delay(2)!.Value.TotalMilliseconds, 250, 500);
        Assert.InRange(Delay(3)!.Value.TotalMilliseconds, 500, 1000);
        Assert.InRange(Delay(5)!.Value.TotalMilliseconds, 2000, 4000);
        Assert.Null(Delay(6));
        Assert.Null(PartnumberReconnectPolicy.None.NextDelay(new PartnumberReconnectContext("PN", null, null, 1, TimeSpan.Zero, "r", null)));
        var capped = new PartnumberReconnectPolicy(maxAttempts: 50, baseDelay: TimeSpan.FromSeconds(1), maxDelay: TimeSpan.FromSeconds(3));
        Assert.InRange(capped.NextDelay(new PartnumberReconnectContext("PN", null, null, 40, TimeSpan.Zero, "r", null))!.Value.TotalSeconds, 1.5, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PartnumberReconnectPolicy(maxAttempts: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PartnumberReconnectPolicy(baseDelay: TimeSpan.FromSeconds(5), maxDelay: TimeSpan.FromSeconds(1)));
    }

    private sealed class FixedDelayPolicy(TimeSpan delay) : PartnumberReconnectPolicy
    {
        public override TimeSpan? NextDelay(PartnumberReconnectContext context) => context.Attempt <= 3 ? delay : null;
    }
}

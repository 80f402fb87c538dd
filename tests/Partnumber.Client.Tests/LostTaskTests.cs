using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests;

/// <summary>
/// A task the server lost (a backend restart): after a reconnect and rejoin, a room silent past the limit ends the
/// classification with <see cref="ClassificationLostException"/>, or resubmits it when allowed. All on a fake clock.
/// </summary>
public class LostTaskTests
{
    private const string Update = "classification_update_status";
    private const string Finished = "classification_finished";
    private static readonly TimeSpan Timeout = PartnumberClassificationClientOptions.DefaultClassificationTimeout;

    [Fact]
    public async Task After_a_reconnect_a_silent_room_ends_at_the_floor_with_ClassificationLostException_saying_what_happened()
    {
        var time = new ObservableFakeTime();
        await using var harness = new InMemoryClientHarness(o => o.TimeProvider = time);
        harness.Connector.OnJoin = (connection, _) =>
        {
            if (harness.Connector.Connections.Count == 1)
            {
                connection.Push(Update, """{"current":"1","total":"3","status":"processing"}""");
                connection.Drop("the server closed the WebSocket");
            }
        };

        var running = harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-LOST"));
        await time.WaitForTimersAsync(TimeSpan.FromSeconds(15)); // the silence watch, armed at the rejoin (no gap seen: the floor)
        var rejoinedAt = time.GetUtcNow();
        time.Advance(TimeSpan.FromSeconds(15) - TimeSpan.FromTicks(1));
        Assert.False(running.IsCompleted);
        time.Advance(TimeSpan.FromTicks(1));

        var error = await Assert.ThrowsAsync<ClassificationLostException>(() => running);
        Assert.Equal("task-room-1", error.TaskId);
        Assert.Equal(TimeSpan.FromSeconds(15), error.SilenceLimit);
        Assert.Equal(rejoinedAt, error.ReconnectedAt);
        Assert.Equal(0, error.Resubmissions);
        Assert.Contains("reconnected and joined room room-1 again", error.Message);
        Assert.Contains("the server closed the WebSocket", error.Message);
        Assert.Contains("restarted and lost the task", error.Message);
        Assert.Contains("ResubmitLostClassifications", error.Message);
        Assert.Single(harness.Http.Requests); // not resubmitted: off by default
        Assert.Equal(2, harness.Connector.Connections.Count);
    }

    [Fact]
    public async Task A_backend_whose_steps_take_20_s_gets_four_times_that_after_a_reconnect_and_is_not_cut_short()
    {
        var time = new ObservableFakeTime();
        await using var harness = new InMemoryClientHarness(o => o.TimeProvider = time);
        await using var updates = harness.Client.ClassifyAsync(new ClassificationRequest("PN-SLOW")).GetAsyncEnumerator();
        var first = updates.MoveNextAsync().AsTask();
        var connection = await FirstConnectionJoinedAsync(harness);

        time.Advance(TimeSpan.FromSeconds(20));
        connection.Push(Update, """{"current":"1","total":"3"}""");
        Assert.True(await first);
        time.Advance(TimeSpan.FromSeconds(20));
        connection.Push(Update, """{"current":"2","total":"3"}""");
        Assert.True(await updates.MoveNextAsync());
        var rejoined = new TaskCompletionSource<ScriptedConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Connector.OnJoin = (c, _) => rejoined.TrySetResult(c);
        var next = updates.MoveNextAsync().AsTask();
        connection.Drop("dropped");
        var replacement = await rejoined.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await time.WaitForTimersAsync(TimeSpan.FromSeconds(80)); // 4 × the longest gap (20 s)
        time.Advance(TimeSpan.FromSeconds(79));
        replacement.Push(Update, """{"current":"3","total":"3"}""");
        Assert.True(await next);
        replacement.Push(Finished, """{"status":"done","description":"lento"}""");
        Assert.True(await updates.MoveNextAsync());

        Assert.Equal("lento", updates.Current.Result!.Description);
        Assert.Equal(0, updates.Current.Result.Resubmissions);
    }

    [Fact]
    public async Task Without_a_reconnect_a_silent_task_is_bounded_only_by_the_ClassificationTimeout()
    {
        var time = new ObservableFakeTime();
        await using var harness = new InMemoryClientHarness(o => o.TimeProvider = time);
        harness.Connector.OnJoin = (connection, _) => connection.Push(Update, """{"current":"1","total":"3"}""");

        var running = harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-QUIET"));
        await time.WaitForTimersAsync(Timeout);
        await FirstConnectionJoinedAsync(harness);
        time.Advance(Timeout - TimeSpan.FromSeconds(1));
        Assert.False(running.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<ClassificationTimeoutException>(() => running);
    }

    [Fact]
    public async Task LostTaskTimeout_infinite_turns_the_check_off()
    {
        var time = new ObservableFakeTime();
        await using var harness = new InMemoryClientHarness(o =>
        {
            o.TimeProvider = time;
            o.LostTaskTimeout = System.Threading.Timeout.InfiniteTimeSpan;
            o.ClassificationTimeout = TimeSpan.FromMinutes(3);
        });
        DropTheFirstConnectionAtItsJoin(harness);

        var running = harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-NOCHECK"));
        await time.WaitForTimersAsync(TimeSpan.FromMinutes(3));
        await UntilAsync(() => harness.Connector.Connections.Count == 2 && harness.Connector.Connections.Last().Emitted.Count == 1);
        time.Advance(TimeSpan.FromMinutes(3));

        await Assert.ThrowsAsync<ClassificationTimeoutException>(() => running);
    }

    [Fact]
    public async Task A_configured_LostTaskTimeout_is_used_as_is()
    {
        var time = new ObservableFakeTime();
        await using var harness = new InMemoryClientHarness(o =>
        {
            o.TimeProvider = time;
            o.LostTaskTimeout = TimeSpan.FromSeconds(4);
        });
        DropTheFirstConnectionAtItsJoin(harness);

        var running = harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-FIXED"));
        await time.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(4));

        Assert.Equal(TimeSpan.FromSeconds(4), (await Assert.ThrowsAsync<ClassificationLostException>(() => running)).SilenceLimit);
    }

    [Fact]
    public async Task With_resubmission_on_the_lost_task_is_posted_again_and_the_same_stream_ends_with_the_new_tasks_result()
    {
        var time = new ObservableFakeTime();
        await using var harness = new InMemoryClientHarness(o =>
        {
            o.TimeProvider = time;
            o.ResubmitLostClassifications = true;
        });
        harness.Connector.OnJoin = (connection, room) =>
        {
            if (room == "room-1" && harness.Connector.Connections.Count == 1)
            {
                connection.Push(Update, """{"current":"1","total":"3"}""");
                connection.Drop("dropped");
            }
            else if (room == "room-2")
            {
                connection.Push(Finished, """{"status":"done","task_id":"task-room-1","description":"the lost task's"}"""); // ignored: that task was given up
                connection.Push(Update, """{"current":"1","total":"2"}""");
                connection.Push(Finished, """{"status":"done","description":"resubmitted"}""");
            }
        };

        var updates = new List<ClassificationUpdate>();
        var running = Task.Run(async () =>
        {
            await foreach (var update in harness.Client.ClassifyAsync(new ClassificationRequest("PN-AGAIN")))
            {
                updates.Add(update);
            }
        });
        await time.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(15));
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([0, 1, 1], updates.Select(u => u.Resubmissions));
        var result = updates[^1].Result!;
        Assert.Equal(("resubmitted", "task-room-2", 1), (result.Description, result.TaskId, result.Resubmissions));
        Assert.Equal(2, harness.Http.Requests.Count);
        Assert.All(harness.Http.Requests, r => Assert.Contains("\"partnumber\":\"PN-AGAIN\"", r.Body));
        var replacement = harness.Connector.Connections.Last();
        Assert.Equal(["""{"room_id":"room-1"}""", """{"room_id":"room-2"}"""], replacement.Emitted.Select(e => e.Json));
    }

    [Fact]
    public async Task Resubmission_stops_at_MaxResubmissions_and_then_ends_with_ClassificationLostException()
    {
        var time = new ObservableFakeTime();
        await using var harness = new InMemoryClientHarness(o =>
        {
            o.TimeProvider = time;
            o.ResubmitLostClassifications = true;
            o.MaxResubmissions = 1;
            o.LostTaskTimeout = TimeSpan.FromSeconds(5);
        });
        var dropped = new HashSet<string>();
        harness.Connector.OnJoin = (connection, room) =>
        {
            if (dropped.Add(room))
            {
                connection.Drop("restarted"); // each task's first join: the backend restarts and loses it
            }
        };

        var running = harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-GONE"));
        await time.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(5)); // the first task is given up and resubmitted
        await time.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(5)); // the second one too, but no resubmission is left

        var error = await Assert.ThrowsAsync<ClassificationLostException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, error.Resubmissions);
        Assert.Equal("task-room-2", error.TaskId);
        Assert.Contains("resubmitted 1 time(s) already (MaxResubmissions)", error.Message);
        Assert.Equal(2, harness.Http.Requests.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_POST_whose_answer_was_lost_fails_typed_or_with_resubmission_on_is_posted_again_from_a_fresh_connection(bool resubmit)
    {
        await using var harness = new InMemoryClientHarness(o => o.ResubmitLostClassifications = resubmit);
        var posts = 0;
        harness.Http.Respond = (_, _) => Interlocked.Increment(ref posts) == 1
            ? throw new HttpRequestException("An error occurred while sending the request.", new IOException("Connection reset by peer"))
            : StubHttpHandler.Accepted("room-2");
        harness.OnJoinEmit((Finished, """{"status":"done"}"""));

        var running = harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-POST"));

        if (!resubmit)
        {
            Assert.Contains("Connection reset by peer", (await Assert.ThrowsAsync<PartnumberConnectionException>(() => running)).Message);
            Assert.Equal(1, posts);
            return;
        }

        var result = await running;
        Assert.Equal(("task-room-2", 1), (result.TaskId, result.Resubmissions));
        Assert.Equal(2, posts);
        Assert.Equal(2, harness.Connector.ConnectAttempts);
        Assert.True(harness.Connector.Connections.First().IsDisposed); // the first connection is not kept: its server may be gone
    }

    [Fact]
    public async Task A_POST_lost_with_its_backend_whose_realtime_connection_ended_too_is_posted_once_more_from_a_fresh_connection()
    {
        await using var harness = new InMemoryClientHarness();
        var posts = 0;
        harness.Http.Respond = (_, _) =>
        {
            if (Interlocked.Increment(ref posts) == 1)
            {
                harness.Connector.Connections.First().Drop("the server closed the WebSocket"); // the backend process died
                throw new HttpRequestException("The response ended prematurely.", new IOException("EOF"));
            }

            return StubHttpHandler.Accepted("room-2");
        };
        harness.OnJoinEmit((Finished, """{"status":"done"}"""));

        var result = await harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-GONE-POST"));

        Assert.Equal(("task-room-2", 0), (result.TaskId, result.Resubmissions)); // no task can run twice: its backend went away
        Assert.Equal(2, posts);
        Assert.Equal(2, harness.Connector.ConnectAttempts);
    }

    [Fact]
    public async Task A_failed_update_is_never_resubmitted()
    {
        await using var harness = new InMemoryClientHarness(o => o.ResubmitLostClassifications = true);
        harness.OnJoinEmit((Update, """{"status":"failed","message":"no"}"""));

        await Assert.ThrowsAsync<ClassificationFailedException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-F")));
        Assert.Single(harness.Http.Requests);
    }

    [Fact]
    public async Task A_join_that_fails_on_a_dead_connection_moves_to_a_fresh_one_without_posting_again()
    {
        await using var harness = new InMemoryClientHarness();
        harness.Connector.OnConnected = connection =>
        {
            if (harness.Connector.ConnectAttempts == 1)
            {
                connection.JoinError = new InvalidOperationException("the socket is not connected");
            }
        };
        harness.OnJoinEmit((Finished, """{"status":"done"}"""));

        var result = await harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-DEAD"));

        Assert.Equal(ClassificationStatus.Done, result.Status);
        Assert.Single(harness.Http.Requests);
        Assert.Equal(2, harness.Connector.ConnectAttempts);
        Assert.True(harness.Connector.Connections.First().IsDisposed);
    }

    /// <summary>The backend restarts as the first connection joins: that connection drops, later ones join silently.</summary>
    private static void DropTheFirstConnectionAtItsJoin(InMemoryClientHarness harness)
        => harness.Connector.OnJoin = (connection, _) =>
        {
            if (harness.Connector.Connections.Count == 1)
            {
                connection.Drop("dropped");
            }
        };

    private static async Task<ScriptedConnection> FirstConnectionJoinedAsync(InMemoryClientHarness harness)
    {
        await UntilAsync(() => harness.Connector.Connections.TryPeek(out var c) && !c.Emitted.IsEmpty);
        harness.Connector.Connections.TryPeek(out var connection);
        return connection!;
    }

    /// <summary>Waits (bounded, 10 s) for a condition the code under test makes true on another thread.</summary>
    private static async Task UntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}

using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Partnumber.Client.Internal.Realtime;
using Partnumber.Client.Testing;

namespace Partnumber.Client.Tests.Internal.Realtime;

/// <summary>
/// The connection pool: standbys bounded and replaced, connections returned after a clean classification reused within
/// their bounds (uses, idle count, idle time), closed when anything arrives while idle, everything closed on dispose;
/// and classifications that use it.
/// </summary>
public sealed class ConnectionPoolTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Fill_connects_up_to_the_capacity_and_no_more()
    {
        var connector = new GatedConnector();
        await using var pool = connector.CreatePool(capacity: 3);
        var added = CountDown(pool, 3);

        pool.Fill();
        Assert.Equal(3, pool.ConnectingCount);
        pool.Fill(); // already full or connecting: nothing more
        Assert.Equal(3, pool.ConnectingCount);
        connector.Release(3);
        await added.WaitAsync(Budget);
        pool.Fill();

        Assert.Equal(3, pool.IdleCount);
        Assert.Equal(0, pool.ConnectingCount);
        Assert.Equal(3, connector.Attempts);
    }

    [Fact]
    public async Task A_take_hands_out_a_standby_and_starts_exactly_one_replacement()
    {
        var connector = new GatedConnector();
        await using var pool = await FilledPoolAsync(connector, capacity: 2);

        var replaced = CountDown(pool, 1);
        var taken = Assert.IsType<PooledConnection>(pool.TryTakeIdle()).Connection;
        Assert.Contains(taken, connector.Created);
        Assert.Equal(1, pool.IdleCount);
        Assert.Equal(1, pool.ConnectingCount);
        connector.Release(1);
        await replaced.WaitAsync(Budget);

        Assert.Equal(2, pool.IdleCount);
        Assert.Equal(3, connector.Attempts);
        Assert.False(((FakeConnection)taken).Disposed);
    }

    [Fact]
    public async Task Dead_standbys_are_closed_skipped_and_replaced()
    {
        var connector = new GatedConnector();
        await using var pool = await FilledPoolAsync(connector, capacity: 2);
        var first = connector.Created.ToArray();
        var ended = new TaskCompletionSource<PooledConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        pool.SignalsForTests.IdleConnectionEnded += c => ended.TrySetResult(c);

        var replaced = CountDown(pool, 1);
        first[0].Die(); // the heartbeat watchdog (or the server) ended it while idle
        Assert.Same(first[0], (await ended.Task.WaitAsync(Budget)).Connection);
        Assert.True(first[0].Disposed);
        connector.Release(1);
        await replaced.WaitAsync(Budget);
        Assert.Equal(2, pool.IdleCount);

        foreach (var standby in connector.Created)
        {
            standby.Alive = false; // ended, and the pool not told yet
        }

        Assert.Null(pool.TryTakeIdle()); // all dead: the caller connects fresh
        Assert.Equal(0, pool.IdleCount);
        Assert.All(connector.Created, c => Assert.True(c.Disposed));
    }

    [Fact]
    public async Task A_failed_replacement_is_reported_and_not_retried_until_the_next_take()
    {
        var connector = new GatedConnector { Error = new PartnumberConnectionException("refused") };
        await using var pool = connector.CreatePool(capacity: 1);
        var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        pool.SignalsForTests.StandbyFailed += ex => failed.TrySetResult(ex);

        pool.Fill();
        connector.Release(1);
        Assert.IsType<PartnumberConnectionException>(await failed.Task.WaitAsync(Budget));
        Assert.Equal(1, connector.Attempts);
        Assert.Equal(0, pool.ConnectingCount);
        Assert.Null(pool.TryTakeIdle());
        Assert.Equal(1, pool.ConnectingCount); // the take asks for one replacement
    }

    [Fact]
    public async Task With_none_ready_the_oldest_connecting_standby_is_claimed_and_one_replacement_started()
    {
        var connector = new GatedConnector();
        await using var pool = connector.CreatePool(capacity: 1);
        pool.Fill();
        Assert.Null(pool.TryTakeIdle());

        Assert.True(pool.TryClaimConnecting(out var claimed));
        Assert.False(claimed.IsCompleted);
        Assert.Equal(1, pool.ConnectingCount); // the replacement, not the claimed one
        var standbyAdded = CountDown(pool, 1);
        connector.Release(2);

        var connection = await claimed.WaitAsync(Budget);
        await standbyAdded.WaitAsync(Budget);
        Assert.Equal(1, pool.IdleCount); // the claimed connection went to the caller, the replacement to the pool
        var standby = Assert.IsType<PooledConnection>(pool.TryTakeIdle()).Connection;
        Assert.NotSame(connection, standby);
    }

    [Fact]
    public async Task A_claimed_standby_that_fails_to_connect_fails_the_claim_and_is_not_reported_as_a_replenish_failure()
    {
        var connector = new GatedConnector { Error = new PartnumberConnectionException("refused") };
        await using var pool = connector.CreatePool(capacity: 1);
        var replenishFailures = 0;
        var replacementFailed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pool.SignalsForTests.StandbyFailed += _ =>
        {
            Interlocked.Increment(ref replenishFailures);
            replacementFailed.TrySetResult();
        };
        pool.Fill();
        Assert.True(pool.TryClaimConnecting(out var claimed));

        connector.Release(2); // the claimed connect and its replacement
        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => claimed.WaitAsync(Budget));
        Assert.Equal("refused", error.Message);
        await replacementFailed.Task.WaitAsync(Budget);
        Assert.Equal(1, Volatile.Read(ref replenishFailures)); // the replacement's, not the claimed one's
        Assert.Equal(2, connector.Attempts);
    }

    [Fact]
    public async Task Nothing_is_claimed_when_nothing_is_connecting()
    {
        var connector = new GatedConnector();
        await using var pool = connector.CreatePool(capacity: 1);

        Assert.False(pool.TryClaimConnecting(out _));
    }

    [Fact]
    public async Task Dispose_closes_idle_standbys_and_those_still_connecting()
    {
        var connector = new GatedConnector();
        var pool = connector.CreatePool(capacity: 3);
        var filled = CountDown(pool, 2);
        pool.Fill();
        connector.Release(2);
        await filled.WaitAsync(Budget);
        var late = new TaskCompletionSource<FakeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        connector.Disposed += c => late.TrySetResult(c);

        await pool.DisposeAsync();
        Assert.Equal(0, pool.IdleCount);
        Assert.All(connector.Created, c => Assert.True(c.Disposed));

        late = new TaskCompletionSource<FakeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        connector.Release(1); // the third connect completes after the dispose
        var closed = await late.Task.WaitAsync(Budget);
        Assert.Equal(3, connector.Created.Count);
        Assert.All(connector.Created, c => Assert.True(c.Disposed));
        Assert.Contains(closed, connector.Created);
        Assert.Null(pool.TryTakeIdle());
        Assert.Equal(3, connector.Attempts);
    }

    [Fact]
    public async Task A_caller_that_gives_up_on_a_claimed_standby_leaves_it_closed_and_the_replacement_ready()
    {
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { AutoJoin = true, InMemory = true });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = server.CreateClient(o =>
        {
            var inner = o.WebSocketFactory!;
            o.StandbyConnections = 1;
            o.WebSocketFactory = async (uri, headers, token) =>
            {
                await gate.Task.WaitAsync(token); // every connect waits here until the test lets it through
                return await inner(uri, headers, token);
            };
        });
        var pool = client.Runtime.Pool;
        var replacementReady = CountDown(pool, 1);
        using var cancel = new CancellationTokenSource();

        var running = client.ClassifyAndWaitAsync(new ClassificationRequest("PN-CLAIMED"), cancellationToken: cancel.Token);
        Assert.Equal(1, pool.ConnectingCount); // the claimed connect is the caller's now; this is its replacement
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        gate.SetResult();

        await replacementReady.WaitAsync(Budget);
        var claimed = await server.Journal.WaitForClosedSessionAsync().WaitAsync(Budget);
        Assert.Equal(2, server.Journal.Sessions.Count);
        Assert.Single(server.Journal.Sessions, s => !s.IsClosed);
        Assert.DoesNotContain(server.Journal.Requests, r => r.Method == "POST");
        Assert.True(claimed.IsClosed);
        Assert.Equal(1, pool.IdleCount);
    }

    [Fact]
    public async Task A_classification_uses_the_standby_and_dispose_closes_the_replacement()
    {
        await using var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { AutoJoin = true });
        var client = server.CreateClient(o =>
        {
            o.StandbyConnections = 1;
            o.ReuseConnections = false; // a standby serves one classification, then closes
        });
        var pool = client.Runtime.Pool;
        var ready = CountDown(pool, 1);
        if (pool.IdleCount == 0)
        {
            await ready.WaitAsync(Budget);
        }

        var standby = Assert.Single(server.Journal.Sessions);

        var result = await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-STANDBY"));

        Assert.Equal(ClassificationStatus.Done, result.Status);
        var post = Assert.Single(server.Journal.Requests, r => r.Method == "POST");
        Assert.Equal(standby.SocketSessionId, post.SocketSessionId);
        var replacement = await server.Journal.WaitForConnectedSessionAsync(s => s.EngineSessionId != standby.EngineSessionId);
        await server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == standby.EngineSessionId);

        client.Dispose();
        var closed = await server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == replacement.EngineSessionId);
        Assert.True(closed.IsClosed);
    }

    [Fact]
    public void StandbyConnections_is_validated_and_copied()
    {
        var options = new PartnumberClassificationClientOptions { BaseAddress = new Uri("http://127.0.0.1:1"), StandbyConnections = -1 };
        var error = Assert.Throws<ArgumentException>(() => new PartnumberClassificationClient(options));
        Assert.Contains("StandbyConnections", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, new PartnumberClassificationClientOptions().StandbyConnections);
    }

    [Fact]
    public async Task A_connection_returned_clean_serves_the_next_rent()
    {
        var connector = new GatedConnector();
        await using var pool = connector.CreatePool(new ConnectionPoolSettings());
        connector.Release(1);

        var first = await pool.RentAsync(CancellationToken.None);
        pool.Return(first, reusable: true);
        var second = await pool.RentAsync(CancellationToken.None);

        Assert.Same(first, second);
        Assert.Equal(2, second.Uses);
        Assert.True(second.IsReused);
        Assert.Equal(1, connector.Attempts);
        Assert.False(((FakeConnection)second.Connection).Disposed);
        pool.Return(second, reusable: true);
    }

    [Theory]
    [InlineData("not reusable")]
    [InlineData("reuse off")]
    [InlineData("dead")]
    [InlineData("malformed packet seen")]
    public async Task A_connection_that_must_not_be_reused_is_closed_when_returned(string why)
    {
        var connector = new GatedConnector();
        await using var pool = connector.CreatePool(new ConnectionPoolSettings { Reuse = why != "reuse off" });
        connector.Release(2);
        var rented = await pool.RentAsync(CancellationToken.None);
        var connection = (FakeConnection)rented.Connection;
        connection.Alive = why != "dead";
        connection.SawMalformedPacket = why == "malformed packet seen";

        pool.Return(rented, reusable: why != "not reusable");

        Assert.True(connection.Disposed);
        Assert.Equal(0, pool.IdleCount);
        var next = await pool.RentAsync(CancellationToken.None);
        Assert.NotSame(rented, next);
        pool.Return(next, reusable: true);
    }

    [Fact]
    public async Task A_connection_is_closed_after_MaxUses_classifications()
    {
        var connector = new GatedConnector();
        await using var pool = connector.CreatePool(new ConnectionPoolSettings { MaxUses = 3 });
        connector.Release(1);
        PooledConnection? rented = null;
        for (var use = 1; use <= 3; use++)
        {
            rented = await pool.RentAsync(CancellationToken.None);
            Assert.Equal(use, rented.Uses);
            pool.Return(rented, reusable: true);
        }

        Assert.True(((FakeConnection)rented!.Connection).Disposed);
        Assert.Equal(0, pool.IdleCount);
        Assert.Equal(1, connector.Attempts);
    }

    [Fact]
    public async Task Returned_connections_beyond_MaxIdle_are_closed()
    {
        var connector = new GatedConnector();
        await using var pool = connector.CreatePool(new ConnectionPoolSettings { MaxIdle = 2 });
        connector.Release(3);
        var rented = new[] { await pool.RentAsync(CancellationToken.None), await pool.RentAsync(CancellationToken.None), await pool.RentAsync(CancellationToken.None) };

        foreach (var connection in rented)
        {
            pool.Return(connection, reusable: true);
        }

        Assert.Equal(2, pool.IdleCount);
        Assert.Equal(new[] { false, false, true }, rented.Select(r => ((FakeConnection)r.Connection).Disposed));
    }

    [Fact]
    public async Task Idle_connections_beyond_the_standby_count_close_after_the_idle_timeout()
    {
        var time = new FakeTimeProvider();
        var connector = new GatedConnector();
        await using var pool = connector.CreatePool(new ConnectionPoolSettings { IdleTimeout = TimeSpan.FromSeconds(60) }, time);
        connector.Release(2);
        var older = await pool.RentAsync(CancellationToken.None);
        var newer = await pool.RentAsync(CancellationToken.None);
        pool.Return(older, reusable: true);
        time.Advance(TimeSpan.FromSeconds(30));
        pool.Return(newer, reusable: true);

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(2, pool.IdleCount);
        time.Advance(TimeSpan.FromSeconds(1)); // the older one reaches 60 s
        Assert.Equal(1, pool.IdleCount);
        Assert.True(((FakeConnection)older.Connection).Disposed);
        Assert.False(((FakeConnection)newer.Connection).Disposed);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, pool.IdleCount);
        Assert.True(((FakeConnection)newer.Connection).Disposed);
    }

    [Fact]
    public async Task Standbys_are_kept_past_the_idle_timeout()
    {
        var time = new FakeTimeProvider();
        var connector = new GatedConnector();
        await using var pool = connector.CreatePool(new ConnectionPoolSettings { Standby = 1, IdleTimeout = TimeSpan.FromSeconds(60) }, time);
        var filled = CountDown(pool, 1);
        pool.Fill();
        connector.Release(2);
        await filled.WaitAsync(Budget);
        var extra = await pool.RentAsync(CancellationToken.None); // takes the standby; a replacement connects
        await CountDown(pool, 1).WaitAsync(Budget);
        pool.Return(extra, reusable: true);
        Assert.Equal(2, pool.IdleCount);

        time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(1, pool.IdleCount); // one over the standby count expired, one standby kept
    }

    [Fact]
    public async Task An_event_arriving_on_an_idle_connection_closes_it()
    {
        var connector = new GatedConnector();
        await using var pool = connector.CreatePool(new ConnectionPoolSettings());
        connector.Release(2);
        var rented = await pool.RentAsync(CancellationToken.None);
        var ended = new TaskCompletionSource<PooledConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        pool.SignalsForTests.IdleConnectionEnded += c => ended.TrySetResult(c);
        pool.Return(rented, reusable: true);

        ((FakeConnection)rented.Connection).Push("classification_finished"); // a late event of the task it carried

        Assert.Same(rented, await ended.Task.WaitAsync(Budget));
        Assert.True(((FakeConnection)rented.Connection).Disposed);
        Assert.Equal(0, pool.IdleCount);
        var next = await pool.RentAsync(CancellationToken.None);
        Assert.NotSame(rented, next);
        pool.Return(next, reusable: true);
    }

    [Fact]
    public async Task A_rent_skips_an_idle_connection_that_holds_an_event()
    {
        var connector = new GatedConnector();
        await using var pool = connector.CreatePool(new ConnectionPoolSettings());
        connector.Release(2);
        var rented = await pool.RentAsync(CancellationToken.None);
        pool.Return(rented, reusable: true);
        var connection = (FakeConnection)rented.Connection;

        connection.Push("message");
        var next = pool.TryTakeIdle(); // may race the idle watch: either way the connection is not handed out

        Assert.Null(next);
        Assert.True(connection.Disposed);
    }

    [Fact]
    public async Task Dispose_closes_returned_connections()
    {
        var connector = new GatedConnector();
        var pool = connector.CreatePool(new ConnectionPoolSettings());
        connector.Release(1);
        var rented = await pool.RentAsync(CancellationToken.None);
        pool.Return(rented, reusable: true);

        await pool.DisposeAsync();

        Assert.True(((FakeConnection)rented.Connection).Disposed);
        Assert.Equal(0, pool.IdleCount);
    }

    [Fact]
    public async Task Dispose_waits_for_a_rented_connection_and_closes_it_when_it_comes_back()
    {
        var time = new FakeTimeProvider(); // the grace period never runs out: only the return ends the wait
        var connector = new GatedConnector();
        var pool = connector.CreatePool(new ConnectionPoolSettings(), time);
        connector.Release(1);
        var rented = await pool.RentAsync(CancellationToken.None);

        var disposing = pool.DisposeAsync().AsTask();
        Assert.False(disposing.IsCompleted);
        pool.Return(rented, reusable: true);
        await disposing.WaitAsync(Budget);

        Assert.True(((FakeConnection)rented.Connection).Disposed);
        Assert.Equal(0, pool.IdleCount);
    }

    [Fact]
    public async Task Dispose_gives_up_waiting_for_a_rented_connection_after_the_grace_period()
    {
        var time = new FakeTimeProvider();
        var connector = new GatedConnector();
        var pool = connector.CreatePool(new ConnectionPoolSettings(), time);
        connector.Release(1);
        var rented = await pool.RentAsync(CancellationToken.None);

        var disposing = pool.DisposeAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(5));
        await disposing.WaitAsync(Budget);

        pool.Return(rented, reusable: true); // late: closed, never kept
        Assert.True(((FakeConnection)rented.Connection).Disposed);
    }

    /// <summary>A pool whose <paramref name="capacity"/> standbys have all connected.</summary>
    private static async Task<ConnectionPool> FilledPoolAsync(GatedConnector connector, int capacity)
    {
        var pool = connector.CreatePool(capacity);
        var filled = CountDown(pool, capacity);
        pool.Fill();
        connector.Release(capacity);
        await filled.WaitAsync(Budget);
        return pool;
    }

    private static Task CountDown(ConnectionPool pool, int count)
    {
        var remaining = count;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pool.SignalsForTests.StandbyAdded += () =>
        {
            if (Interlocked.Decrement(ref remaining) == 0)
            {
                done.TrySetResult();
            }
        };
        return done.Task;
    }

    /// <summary>Connects only when the test releases a gate, so the test decides when standbys become ready.</summary>
    private sealed class GatedConnector : IRealtimeConnector
    {
        private readonly SemaphoreSlim _gate = new(0);
        private int _attempts;

        public ConcurrentQueue<FakeConnection> Created { get; } = new();

        public Exception? Error { get; set; }

        public int Attempts => Volatile.Read(ref _attempts);

        public event Action<FakeConnection>? Disposed;

        public ConnectionPool CreatePool(int capacity, TimeProvider? time = null)
            => CreatePool(new ConnectionPoolSettings { Standby = capacity }, time);

        public ConnectionPool CreatePool(ConnectionPoolSettings settings, TimeProvider? time = null)
            => new(this, settings, time ?? TimeProvider.System, NullLogger.Instance);

        public void Release(int count) => _gate.Release(count);

        public async Task<IRealtimeConnection> ConnectAsync(CancellationToken cancellationToken, bool retryRefused = true)
        {
            var id = Interlocked.Increment(ref _attempts);
            await _gate.WaitAsync(CancellationToken.None);
            if (Error is { } error)
            {
                throw error;
            }

            var connection = new FakeConnection("sid-" + id, c => Disposed?.Invoke(c));
            Created.Enqueue(connection);
            return connection;
        }
    }

    private sealed class FakeConnection : IRealtimeConnection
    {
        private readonly Channel<RealtimeEvent> _events = Channel.CreateUnbounded<RealtimeEvent>();
        private readonly Action<FakeConnection> _onDisposed;

        public FakeConnection(string sessionId, Action<FakeConnection> onDisposed)
        {
            SessionId = sessionId;
            _onDisposed = onDisposed;
        }

        public string SessionId { get; }

        public PartnumberTransports Transport => PartnumberTransports.WebSocket;

        public string? FallbackReason => null;

        public bool IsOpen => Alive;

        public bool SawMalformedPacket { get; set; }

        public ChannelReader<RealtimeEvent> Events => _events.Reader;

        public volatile bool Alive = true;

        /// <summary>The connection ends (as the heartbeat watchdog or a server close would end it).</summary>
        public void Die()
        {
            Alive = false;
            _events.Writer.TryWrite(RealtimeEvent.Disconnected("the connection was lost"));
            _events.Writer.TryComplete();
        }

        /// <summary>The server sends <paramref name="name"/> to this connection.</summary>
        public void Push(string name) => _events.Writer.TryWrite(RealtimeEvent.ServerEvent(name, default));

        public bool Disposed { get; private set; }

        public Task EmitAsync(string eventName, string jsonPayload, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            Alive = false;
            _onDisposed(this);
            return default;
        }
    }
}

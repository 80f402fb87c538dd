using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// The realtime connections of one client that are not carrying a classification: connections returned after a clean
/// classification (reuse) and pre-connected standbys, one pool. A rent takes the most recently returned live connection
/// (so the oldest ones reach the idle timeout), else claims a standby still connecting, else connects a fresh one. A
/// connection serves one classification at a time and goes back only when its classification ended cleanly; it is closed
/// instead when it is dead, saw a malformed packet, served <see cref="ConnectionPoolSettings.MaxUses"/> classifications,
/// the pool is full, or the client is disposed. While idle, any event from the server closes it (it could only be a late
/// event of an earlier task), as does the idle timeout beyond the standby count. Standbys are replaced in the background
/// after a rent; a failed replacement is not retried until the next rent, so a server that is down costs nothing but the
/// attempts the classifications would have made anyway.
/// </summary>
internal sealed class ConnectionPool : IAsyncDisposable
{
    private readonly IRealtimeConnector _connector;
    private readonly ConnectionPoolSettings _settings;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly List<PooledConnection> _idle = new(); // oldest first; rents take from the end
    private readonly List<Pending> _pending = new(); // standbys being connected and not claimed, oldest first
    private readonly CancellationTokenSource _disposed = new();
    private readonly object _gate = new();
    private readonly HashSet<Task> _closing = new(); // closes of returned connections still under way, awaited by DisposeAsync
    private readonly TaskCompletionSource<bool> _allReturned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _sweepTimer;
    private bool _sweepArmed;
    private int _rented;

    /// <summary>How long disposing waits for rented connections to come back (their classifications are being cancelled).</summary>
    private static readonly TimeSpan ReturnGrace = TimeSpan.FromSeconds(5);

    public ConnectionPool(IRealtimeConnector connector, ConnectionPoolSettings settings, TimeProvider timeProvider, ILogger logger)
    {
        _connector = connector;
        _settings = settings;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>How many idle connections are held right now.</summary>
    public int IdleCount
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>How many standbys are being connected right now.</summary>
    public int ConnectingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Raised (on a pool thread) after a standby joined the pool; for tests.</summary>
    public event Action? StandbyAdded;

    /// <summary>Raised (on a pool thread) after a standby failed to connect; for tests.</summary>
    public event Action<Exception>? ReplenishFailed;

    /// <summary>Raised after an idle connection was closed because the server sent it something; for tests.</summary>
    public event Action<PooledConnection>? IdleConnectionEnded;

    /// <summary>Starts connecting standbys up to <see cref="ConnectionPoolSettings.Standby"/>, in the background.</summary>
    public void Fill() => Replenish();

    /// <summary>A live connection for one classification (or ping): idle, standby or fresh. Return it with <see cref="Return"/>.</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <param name="retryRefused">Whether a fresh connect retries a refused connection (see <see cref="IRealtimeConnector.ConnectAsync"/>).</param>
    public async Task<PooledConnection> RentAsync(CancellationToken cancellationToken, bool retryRefused = true)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (TryTakeIdle() is { } idle)
        {
            return Rented(idle);
        }

        if (TryClaimConnecting(out var connecting))
        {
            return Rented(new PooledConnection(await AwaitClaimedAsync(connecting, cancellationToken).ConfigureAwait(false)));
        }

        return Rented(new PooledConnection(await _connector.ConnectAsync(cancellationToken, retryRefused).ConfigureAwait(false)));
    }

    /// <summary>
    /// Gives a rented connection back: kept for the next classification when <paramref name="reusable"/> and the pool's
    /// rules allow, else closed (without waiting).
    /// </summary>
    public void Return(PooledConnection pooled, bool reusable)
    {
        try
        {
            Keep(pooled, reusable);
        }
        finally
        {
            // Counted back last: once every rented connection is back, every close it needed is registered.
            if (Interlocked.Decrement(ref _rented) == 0 && _disposed.IsCancellationRequested)
            {
                _allReturned.TrySetResult(true);
            }
        }
    }

    private void Keep(PooledConnection pooled, bool reusable)
    {
        var connection = pooled.Connection;
        if (!reusable || !_settings.Reuse || pooled.Uses >= _settings.MaxUses || !connection.IsOpen || connection.SawMalformedPacket)
        {
            CloseReturned(connection);
            return;
        }

        var watch = new CancellationTokenSource();
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested || _idle.Count >= Math.Max(_settings.MaxIdle, _settings.Standby))
            {
                watch.Dispose();
                CloseReturned(connection);
                return;
            }

            pooled.IdleSince = _timeProvider.GetTimestamp();
            pooled.IdleWatch = watch;
            _idle.Add(pooled);
            ArmSweep();
        }

        WatchIdleAsync(pooled, watch).Forget();
    }

    /// <summary>
    /// Closes every idle connection, and every rented one as it comes back (its classification is being cancelled; at
    /// most <see cref="ReturnGrace"/> is waited for them); the task completes when their close handshakes are done, each
    /// bounded in time. Standbys still connecting are closed as soon as they are ready.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        PooledConnection[] idle;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _disposed.Cancel();
            idle = _idle.ToArray();
            _idle.Clear();
            _sweepTimer?.Dispose();
        }

        List<Task>? closing = null;
        foreach (var pooled in idle)
        {
            pooled.IdleWatch?.Cancel();
            if (Close(pooled.Connection) is { IsCompleted: false } pending)
            {
                (closing ??= new List<Task>()).Add(pending);
            }
        }

        if (Volatile.Read(ref _rented) > 0)
        {
            await Task.WhenAny(_allReturned.Task, _timeProvider.DelayAsync(ReturnGrace, CancellationToken.None)).ConfigureAwait(false);
        }

        lock (_gate)
        {
            (closing ??= new List<Task>()).AddRange(_closing);
        }

        await Task.WhenAll(closing).ConfigureAwait(false);
    }

    /// <summary>Closes a returned connection; until its close is done, <see cref="DisposeAsync"/> waits for it.</summary>
    private void CloseReturned(IRealtimeConnection connection)
    {
        var closing = Close(connection);
        if (closing.IsCompleted)
        {
            return;
        }

        lock (_gate)
        {
            _closing.Add(closing);
        }

        closing.ContinueWith(
            static (task, state) =>
            {
                var pool = (ConnectionPool)state!;
                lock (pool._gate)
                {
                    pool._closing.Remove(task);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Forget();
    }

    /// <summary>Closes a connection nobody will use, without throwing; the task (never faulted) completes when it is closed.</summary>
    internal static Task Close(IRealtimeConnection connection)
    {
        try
        {
            var closing = connection.DisposeAsync();
            if (closing.IsCompleted)
            {
                return Task.CompletedTask;
            }

            var task = closing.AsTask();
            task.Forget();
            return task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        catch (Exception)
        {
            // Closing a connection that is already gone has nothing left to report.
            return Task.CompletedTask;
        }
    }

    private PooledConnection Rented(PooledConnection pooled)
    {
        pooled.Uses++;
        Interlocked.Increment(ref _rented);
        return pooled;
    }

    /// <summary>Takes the most recently returned idle connection that is alive and untouched, closing any found otherwise.</summary>
    internal PooledConnection? TryTakeIdle()
    {
        List<PooledConnection>? unusable = null;
        PooledConnection? taken = null;
        lock (_gate)
        {
            while (_idle.Count > 0)
            {
                var candidate = _idle[_idle.Count - 1];
                _idle.RemoveAt(_idle.Count - 1);
                if (candidate.Connection.IsOpen && !candidate.Connection.Events.TryPeek(out _))
                {
                    taken = candidate;
                    break;
                }

                (unusable ??= new List<PooledConnection>()).Add(candidate);
            }
        }

        if (unusable is not null)
        {
            foreach (var pooled in unusable)
            {
                pooled.IdleWatch?.Cancel();
                Close(pooled.Connection);
            }
        }

        if (taken is not null)
        {
            var watch = taken.IdleWatch;
            taken.IdleWatch = null;
            watch?.Cancel(); // before the classification reads: the channel has a single reader
            watch?.Dispose();
        }

        Replenish();
        return taken;
    }

    /// <summary>Closes an idle connection as soon as the server sends it anything (or it ends).</summary>
    private async Task WatchIdleAsync(PooledConnection pooled, CancellationTokenSource watch)
    {
        try
        {
            await pooled.Connection.Events.WaitToReadAsync(watch.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // rented, or the pool is closing
        }

        lock (_gate)
        {
            if (!ReferenceEquals(pooled.IdleWatch, watch) || !_idle.Remove(pooled))
            {
                return; // rented meanwhile: the renter finds the event and discards the connection
            }

            pooled.IdleWatch = null;
        }

        watch.Dispose();
        if (pooled.Connection.Events.TryPeek(out var received) && !received.IsDisconnect)
        {
            Log.IdleConnectionGotEvent(_logger, pooled.Connection.SessionId, received.Name!);
        }

        _ = Close(pooled.Connection);
        IdleConnectionEnded?.Invoke(pooled);
        Replenish();
    }

    /// <summary>Arms the idle-timeout sweep for the oldest idle connection beyond the standby count (under the gate).</summary>
    private void ArmSweep()
    {
        if (_sweepArmed || _idle.Count <= _settings.Standby || _disposed.IsCancellationRequested)
        {
            return;
        }

        var due = _settings.IdleTimeout - _timeProvider.GetElapsedTime(_idle[0].IdleSince);
        _sweepTimer ??= _timeProvider.CreateTimer(static state => ((ConnectionPool)state!).Sweep(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _sweepTimer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        _sweepArmed = true;
    }

    private void Sweep()
    {
        List<PooledConnection>? expired = null;
        lock (_gate)
        {
            _sweepArmed = false;
            while (_idle.Count > _settings.Standby && _timeProvider.GetElapsedTime(_idle[0].IdleSince) >= _settings.IdleTimeout)
            {
                (expired ??= new List<PooledConnection>()).Add(_idle[0]);
                _idle.RemoveAt(0);
            }

            ArmSweep();
        }

        if (expired is not null)
        {
            foreach (var pooled in expired)
            {
                pooled.IdleWatch?.Cancel();
                Close(pooled.Connection);
            }
        }
    }

    /// <summary>
    /// Claims the oldest standby still connecting: the returned task completes with that connection (or fails as its
    /// connect failed) for the caller alone. Returns false when none is connecting.
    /// </summary>
    internal bool TryClaimConnecting(out Task<IRealtimeConnection> connecting)
    {
        Pending? claimed = null;
        lock (_gate)
        {
            if (!_disposed.IsCancellationRequested && _pending.Count > 0)
            {
                claimed = _pending[0];
                _pending.RemoveAt(0);
                claimed.Claim = new TaskCompletionSource<IRealtimeConnection>(); // no longer a standby: the caller owns it
            }
        }

        if (claimed is null)
        {
            connecting = null!;
            return false;
        }

        Replenish();
        connecting = claimed.Claim!.Task;
        return true;
    }

    /// <summary>
    /// Waits for a claimed standby that is still connecting. Its connect is bounded by the connect timeout (it started
    /// earlier, so the wait is shorter) and fails as a fresh connect would; a caller that gives up closes it when ready.
    /// </summary>
    private static async Task<IRealtimeConnection> AwaitClaimedAsync(Task<IRealtimeConnection> connecting, CancellationToken cancellationToken)
    {
        try
        {
            return await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            connecting.ContinueWith(
                static task => Close(task.Result),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default).Forget();
            throw;
        }
    }

    private void Replenish()
    {
        if (_settings.Standby == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            for (var missing = _settings.Standby - _idle.Count - _pending.Count; missing > 0; missing--)
            {
                var pending = new Pending();
                _pending.Add(pending);
                Task.Run(() => ConnectStandbyAsync(pending)).Forget();
            }
        }
    }

    private async Task ConnectStandbyAsync(Pending pending)
    {
        IRealtimeConnection? connection = null;
        Exception? failure = null;
        try
        {
            connection = await _connector.ConnectAsync(_disposed.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        PooledConnection? added = null;
        TaskCompletionSource<IRealtimeConnection>? claim;
        CancellationTokenSource? watch = null;
        lock (_gate)
        {
            claim = pending.Claim;
            if (claim is null)
            {
                _pending.Remove(pending);
                if (connection is not null && !_disposed.IsCancellationRequested)
                {
                    watch = new CancellationTokenSource();
                    added = new PooledConnection(connection) { IdleSince = _timeProvider.GetTimestamp(), IdleWatch = watch };
                    _idle.Add(added);
                    ArmSweep();
                }
            }
        }

        if (claim is not null)
        {
            if (connection is not null)
            {
                claim.SetResult(connection);
            }
            else
            {
                claim.SetException(failure!);
            }

            return;
        }

        if (added is not null)
        {
            WatchIdleAsync(added, watch!).Forget();
            StandbyAdded?.Invoke();
            return;
        }

        if (connection is not null)
        {
            _ = Close(connection); // disposed while connecting
            return;
        }

        if (failure is not null && !_disposed.IsCancellationRequested)
        {
            Log.StandbyConnectFailed(_logger, Excerpt.Reason(failure.GetBaseException()), failure.GetType().Name);
            ReplenishFailed?.Invoke(failure);
        }
    }

    /// <summary>A standby being connected; <see cref="Claim"/> is set (under the gate) when a caller claimed it.</summary>
    private sealed class Pending
    {
        public TaskCompletionSource<IRealtimeConnection>? Claim { get; set; }
    }
}

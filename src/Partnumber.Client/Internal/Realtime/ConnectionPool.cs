using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// The realtime connections of one client that are not carrying a classification: connections returned after a clean
/// classification (reuse) and pre-connected standbys, one pool. A rent takes the most recently returned live connection
/// (<see cref="IdleConnections"/>), else claims a standby still connecting (<see cref="StandbyFiller"/>), else connects
/// a fresh one. A connection serves one classification at a time and goes back only when its classification ended
/// cleanly; it is closed instead when it is dead, saw a malformed packet, served
/// <see cref="ConnectionPoolSettings.MaxUses"/> classifications, the pool is full, or the client is disposed
/// (<see cref="ClosingConnections"/> keeps those closes until they are done).
/// </summary>
internal sealed class ConnectionPool : IAsyncDisposable
{
    /// <summary>How long disposing waits for rented connections to come back (their classifications are being cancelled).</summary>
    private static readonly TimeSpan ReturnGrace = TimeSpan.FromSeconds(5);

    private readonly IRealtimeConnector _connector;
    private readonly ConnectionPoolSettings _settings;
    private readonly TimeProvider _timeProvider;
    private readonly object _gate = new(); // the idle set's and the standbys' together: a ready standby moves from one to the other at once
    private readonly CancellationTokenSource _disposed = new();
    private readonly IdleConnections _idle;
    private readonly StandbyFiller _standbys;
    private readonly ClosingConnections _closing = new();
    private readonly TaskCompletionSource<bool> _allReturned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _rented;

    public ConnectionPool(IRealtimeConnector connector, ConnectionPoolSettings settings, TimeProvider timeProvider, ILogger logger)
    {
        _connector = connector;
        _settings = settings;
        _timeProvider = timeProvider;
        _idle = new IdleConnections(_gate, settings, timeProvider, logger, () => _standbys!.Replenish(), SignalsForTests, _disposed.Token);
        _standbys = new StandbyFiller(connector, _gate, settings.Standby, _idle, logger, SignalsForTests, _disposed.Token);
    }

    /// <summary>Test seam: the background work's signals (a standby added or failed, an idle connection ended).</summary>
    internal ConnectionPoolSignals SignalsForTests { get; } = new();

    /// <summary>How many idle connections are held right now.</summary>
    public int IdleCount
    {
        get
        {
            lock (_gate)
            {
                return _idle.CountUnderGate;
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
                return _standbys.CountUnderGate;
            }
        }
    }

    /// <summary>Starts connecting standbys up to <see cref="ConnectionPoolSettings.Standby"/>, in the background.</summary>
    public void Fill() => _standbys.Replenish();

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
            return Rented(new PooledConnection(await StandbyFiller.AwaitClaimedAsync(connecting, cancellationToken).ConfigureAwait(false)));
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
            idle = _idle.DrainUnderGate();
        }

        var closing = IdleConnections.Close(idle) ?? new List<Task>();
        if (Volatile.Read(ref _rented) > 0)
        {
            await Task.WhenAny(_allReturned.Task, _timeProvider.DelayAsync(ReturnGrace, CancellationToken.None)).ConfigureAwait(false);
        }

        closing.AddRange(_closing.UnderWay());
        await Task.WhenAll(closing).ConfigureAwait(false);
    }

    /// <summary>Takes the most recently returned idle connection that is alive and untouched (closing any found otherwise), and replaces standbys.</summary>
    internal PooledConnection? TryTakeIdle()
    {
        var taken = _idle.TryTake();
        _standbys.Replenish();
        return taken;
    }

    /// <summary>Claims the oldest standby still connecting (see <see cref="StandbyFiller.TryClaim"/>).</summary>
    internal bool TryClaimConnecting(out Task<IRealtimeConnection> connecting) => _standbys.TryClaim(out connecting);

    private void Keep(PooledConnection pooled, bool reusable)
    {
        var connection = pooled.Connection;
        if (!reusable || !_settings.Reuse || pooled.Uses >= _settings.MaxUses || !connection.IsOpen || connection.SawMalformedPacket)
        {
            _closing.Close(connection);
            return;
        }

        CancellationTokenSource watch;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested || _idle.CountUnderGate >= Math.Max(_settings.MaxIdle, _settings.Standby))
            {
                _closing.Close(connection);
                return;
            }

            watch = _idle.AddUnderGate(pooled);
        }

        _idle.Watch(pooled, watch);
    }

    private PooledConnection Rented(PooledConnection pooled)
    {
        pooled.Uses++;
        Interlocked.Increment(ref _rented);
        return pooled;
    }
}

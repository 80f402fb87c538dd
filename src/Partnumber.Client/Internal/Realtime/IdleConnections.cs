using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// The pool's idle connections, oldest first: a take gets the most recently added live one (so the oldest reach the idle
/// timeout), a watch closes one as soon as the server sends it anything (it could only be a late event of an earlier
/// task), and a sweep closes those idle longer than <see cref="ConnectionPoolSettings.IdleTimeout"/> beyond the standby
/// count. The set shares the pool's gate with <see cref="StandbyFiller"/>, whose standbys join it when ready: members
/// named "…UnderGate" expect the caller to hold it.
/// </summary>
internal sealed class IdleConnections
{
    private readonly object _gate;
    private readonly ConnectionPoolSettings _settings;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationToken _poolClosed;
    private readonly Action _onEnded;
    private readonly ConnectionPoolSignals _signals;
    private readonly List<PooledConnection> _idle = new(); // oldest first; takes from the end
    private ITimer? _sweepTimer;
    private bool _sweepArmed;

    /// <param name="gate">The pool's lock.</param>
    /// <param name="settings">The standby count and idle timeout.</param>
    /// <param name="timeProvider">The clock of the idle timeout.</param>
    /// <param name="logger">Told of an event that reached an idle connection.</param>
    /// <param name="onEnded">Called after a watched connection ended, outside the gate (the pool replaces standbys).</param>
    /// <param name="signals">The pool's test seam.</param>
    /// <param name="poolClosed">Cancelled (under the gate) when the pool is disposed: nothing is swept after it.</param>
    public IdleConnections(object gate, ConnectionPoolSettings settings, TimeProvider timeProvider, ILogger logger, Action onEnded, ConnectionPoolSignals signals, CancellationToken poolClosed)
    {
        _gate = gate;
        _settings = settings;
        _timeProvider = timeProvider;
        _logger = logger;
        _poolClosed = poolClosed;
        _onEnded = onEnded;
        _signals = signals;
    }

    /// <summary>How many connections are idle (the caller holds the gate).</summary>
    public int CountUnderGate => _idle.Count;

    /// <summary>
    /// Adds <paramref name="pooled"/> as idle from now (the caller holds the gate and checked the pool is open); returns
    /// its watch, to start with <see cref="Watch"/> once the gate is released.
    /// </summary>
    public CancellationTokenSource AddUnderGate(PooledConnection pooled)
    {
        var watch = new CancellationTokenSource();
        pooled.IdleSince = _timeProvider.GetTimestamp();
        pooled.IdleWatch = watch;
        _idle.Add(pooled);
        ArmSweep();
        return watch;
    }

    /// <summary>Closes <paramref name="pooled"/> as soon as the server sends it anything (or it ends), unless it is taken first.</summary>
    public void Watch(PooledConnection pooled, CancellationTokenSource watch) => WatchAsync(pooled, watch).Forget();

    /// <summary>Takes the most recently added idle connection that is alive and untouched, closing any found otherwise.</summary>
    public PooledConnection? TryTake()
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
                ClosingConnections.CloseAsync(pooled.Connection);
            }
        }

        if (taken is not null)
        {
            var watch = taken.IdleWatch;
            taken.IdleWatch = null;
            watch?.Cancel(); // before the classification reads: the channel has a single reader
            watch?.Dispose();
        }

        return taken;
    }

    /// <summary>Empties the set and stops the sweep (the caller holds the gate and has closed the pool); close what it returns with <see cref="Close"/>.</summary>
    public PooledConnection[] DrainUnderGate()
    {
        var idle = _idle.ToArray();
        _idle.Clear();
        _sweepTimer?.Dispose();
        return idle;
    }

    /// <summary>Stops the watches of drained connections and closes them; returns the closes not done yet (null when none).</summary>
    public static List<Task>? Close(PooledConnection[] drained)
    {
        List<Task>? closing = null;
        foreach (var pooled in drained)
        {
            pooled.IdleWatch?.Cancel();
            if (ClosingConnections.CloseAsync(pooled.Connection) is { IsCompleted: false } pending)
            {
                (closing ??= new List<Task>()).Add(pending);
            }
        }

        return closing;
    }

    private async Task WatchAsync(PooledConnection pooled, CancellationTokenSource watch)
    {
        try
        {
            await pooled.Connection.Events.WaitToReadAsync(watch.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // taken, or the pool is closing
        }

        lock (_gate)
        {
            if (!ReferenceEquals(pooled.IdleWatch, watch) || !_idle.Remove(pooled))
            {
                return; // taken meanwhile: the renter finds the event and discards the connection
            }

            pooled.IdleWatch = null;
        }

        watch.Dispose();
        if (pooled.Connection.Events.TryPeek(out var received) && !received.IsDisconnect)
        {
            Log.IdleConnectionGotEvent(_logger, pooled.Connection.SessionId, received.Name!);
        }

        _ = ClosingConnections.CloseAsync(pooled.Connection);
        _signals.OnIdleConnectionEnded(pooled);
        _onEnded();
    }

    /// <summary>Arms the idle-timeout sweep for the oldest idle connection beyond the standby count (under the gate).</summary>
    private void ArmSweep()
    {
        if (_sweepArmed || _idle.Count <= _settings.Standby || _poolClosed.IsCancellationRequested)
        {
            return;
        }

        var due = _settings.IdleTimeout - _timeProvider.GetElapsedTime(_idle[0].IdleSince);
        _sweepTimer ??= _timeProvider.CreateTimer(static state => ((IdleConnections)state!).Sweep(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
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
                ClosingConnections.CloseAsync(pooled.Connection);
            }
        }
    }
}

using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// Keeps <see cref="ConnectionPoolSettings.Standby"/> connections idle or connecting, in the background: each replenish
/// starts connects for what is missing, a standby that connects joins the <see cref="IdleConnections"/>, and a rent
/// that finds none idle claims the oldest still connecting (it is then the renter's, and replaced). A failed standby is
/// logged and not retried until the next replenish, so a server that is down costs nothing but the attempts the
/// classifications would have made anyway. Shares the pool's gate with the idle set: a standby leaves the connecting
/// list and joins the idle set at once, so a replenish never counts it twice or not at all.
/// </summary>
internal sealed class StandbyFiller
{
    private readonly IRealtimeConnector _connector;
    private readonly object _gate;
    private readonly int _standby;
    private readonly IdleConnections _idle;
    private readonly CancellationToken _poolClosed;
    private readonly ILogger _logger;
    private readonly ConnectionPoolSignals _signals;
    private readonly List<Pending> _pending = new(); // standbys being connected and not claimed, oldest first

    /// <param name="connector">Opens the standbys.</param>
    /// <param name="gate">The pool's lock (shared with <paramref name="idle"/>).</param>
    /// <param name="standby">How many standbys to keep.</param>
    /// <param name="idle">Where a standby goes when it is ready.</param>
    /// <param name="logger">Told of a failed standby.</param>
    /// <param name="signals">The pool's test seam.</param>
    /// <param name="poolClosed">Cancelled (under the gate) when the pool is disposed: connects stop, none starts.</param>
    public StandbyFiller(IRealtimeConnector connector, object gate, int standby, IdleConnections idle, ILogger logger, ConnectionPoolSignals signals, CancellationToken poolClosed)
    {
        _connector = connector;
        _gate = gate;
        _standby = standby;
        _idle = idle;
        _poolClosed = poolClosed;
        _logger = logger;
        _signals = signals;
    }

    /// <summary>How many standbys are being connected and not claimed (the caller holds the gate).</summary>
    public int CountUnderGate => _pending.Count;

    /// <summary>Starts connecting standbys for what is missing from the standby count (idle and connecting ones count).</summary>
    public void Replenish()
    {
        if (_standby == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_poolClosed.IsCancellationRequested)
            {
                return;
            }

            for (var missing = _standby - _idle.CountUnderGate - _pending.Count; missing > 0; missing--)
            {
                var pending = new Pending();
                _pending.Add(pending);
                Task.Run(() => ConnectAsync(pending)).Forget();
            }
        }
    }

    /// <summary>
    /// Claims the oldest standby still connecting: the returned task completes with that connection (or fails as its
    /// connect failed) for the caller alone, and a replacement is started. Returns false when none is connecting.
    /// </summary>
    public bool TryClaim(out Task<IRealtimeConnection> connecting)
    {
        Pending? claimed = null;
        lock (_gate)
        {
            if (!_poolClosed.IsCancellationRequested && _pending.Count > 0)
            {
                claimed = _pending[0];
                _pending.RemoveAt(0);
                claimed.Claim = new TaskCompletionSource<IRealtimeConnection>(); // the caller owns it from here
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
    public static async Task<IRealtimeConnection> AwaitClaimedAsync(Task<IRealtimeConnection> connecting, CancellationToken cancellationToken)
    {
        try
        {
            return await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            connecting.ContinueWith(
                static task => ClosingConnections.CloseAsync(task.Result),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default).Forget();
            throw;
        }
    }

    private async Task ConnectAsync(Pending pending)
    {
        IRealtimeConnection? connection = null;
        Exception? failure = null;
        try
        {
            connection = await _connector.ConnectAsync(_poolClosed).ConfigureAwait(false);
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
                if (connection is not null && !_poolClosed.IsCancellationRequested)
                {
                    added = new PooledConnection(connection);
                    watch = _idle.AddUnderGate(added);
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
            _idle.Watch(added, watch!);
            _signals.OnStandbyAdded();
            return;
        }

        if (connection is not null)
        {
            _ = ClosingConnections.CloseAsync(connection); // the pool was disposed while it connected
            return;
        }

        if (failure is not null && !_poolClosed.IsCancellationRequested)
        {
            Log.StandbyConnectFailed(_logger, Excerpt.Reason(failure.GetBaseException()), failure.GetType().Name);
            _signals.OnStandbyFailed(failure);
        }
    }

    /// <summary>A standby being connected; <see cref="Claim"/> is set (under the gate) when a caller claimed it.</summary>
    private sealed class Pending
    {
        public TaskCompletionSource<IRealtimeConnection>? Claim { get; set; }
    }
}

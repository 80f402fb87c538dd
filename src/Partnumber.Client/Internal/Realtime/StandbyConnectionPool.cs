using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// A bounded set of pre-connected ("standby") realtime connections, so a classification can skip the WebSocket and
/// Socket.IO handshake. Each connection is still used by one classification only: a taken standby is never returned.
/// After every take (and every standby found dead) one replacement is connected in the background; a failed
/// replacement is not retried until the next take, so a server that is down costs nothing but the failed attempts the
/// classifications would have made anyway. A classification that finds no standby ready claims the oldest one still
/// connecting (it is further along than a fresh connection would be) and a replacement is started. Idle standbys are
/// kept alive by the Engine.IO heartbeat (and declared dead by its watchdog). Disposing closes every idle standby and any that finishes connecting afterwards.
/// </summary>
internal sealed partial class StandbyConnectionPool : IDisposable
{
    private readonly int _capacity;
    private readonly Func<CancellationToken, Task<IRealtimeConnection>> _connect;
    private readonly Func<IRealtimeConnection, bool> _isAlive;
    private readonly ILogger _logger;
    private readonly Queue<IRealtimeConnection> _idle = new();
    private readonly List<Pending> _pending = new(); // standbys being connected and not claimed, oldest first
    private readonly CancellationTokenSource _disposed = new();
    private readonly object _gate = new();

    /// <param name="capacity">The most standbys held or being connected at once (at least 1).</param>
    /// <param name="connect">Opens one fresh connection (bounded by the connect timeout).</param>
    /// <param name="isAlive">Whether a held connection is still open.</param>
    /// <param name="logger">Where failed replenishments are logged.</param>
    public StandbyConnectionPool(int capacity, Func<CancellationToken, Task<IRealtimeConnection>> connect, Func<IRealtimeConnection, bool> isAlive, ILogger logger)
    {
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "A standby pool holds at least one connection.");
        }

        _capacity = capacity;
        _connect = connect;
        _isAlive = isAlive;
        _logger = logger;
    }

    /// <summary>How many standbys are held right now (for tests and diagnostics).</summary>
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

    /// <summary>How many replacements are being connected right now.</summary>
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

    /// <summary>Raised (on a pool thread) after a replacement failed to connect; for tests.</summary>
    public event Action<Exception>? ReplenishFailed;

    /// <summary>Starts connecting standbys up to the capacity, in the background.</summary>
    public void Fill() => Replenish();

    /// <summary>
    /// Takes a live standby if one is held (closing any found dead), and starts replacing what was taken. Returns false
    /// when none is ready: the caller connects a fresh connection itself.
    /// </summary>
    public bool TryTake(out IRealtimeConnection connection)
    {
        List<IRealtimeConnection>? dead = null;
        IRealtimeConnection? taken = null;
        lock (_gate)
        {
            while (_idle.Count > 0)
            {
                var candidate = _idle.Dequeue();
                if (_isAlive(candidate))
                {
                    taken = candidate;
                    break;
                }

                (dead ??= new List<IRealtimeConnection>()).Add(candidate);
            }
        }

        if (dead is not null)
        {
            foreach (var item in dead)
            {
                Close(item);
            }
        }

        Replenish();
        connection = taken!;
        return taken is not null;
    }

    /// <summary>
    /// Claims the oldest standby still connecting: the returned task completes with that connection (or fails as its
    /// connect failed) for the caller alone, and a replacement is started. Returns false when none is connecting.
    /// </summary>
    public bool TryClaimConnecting(out Task<IRealtimeConnection> connecting)
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

    /// <summary>Closes every idle standby; standbys still connecting are closed as soon as they are ready.</summary>
    public void Dispose()
    {
        IRealtimeConnection[] idle;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _disposed.Cancel();
            idle = _idle.ToArray();
            _idle.Clear();
        }

        foreach (var item in idle)
        {
            Close(item);
        }
    }

    private void Replenish()
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            var missing = _capacity - _idle.Count - _pending.Count;
            if (missing <= 0)
            {
                return;
            }

            for (var i = 0; i < missing; i++)
            {
                var pending = new Pending();
                _pending.Add(pending);
                Task.Run(() => ConnectOneAsync(pending)).Forget();
            }
        }
    }

    private async Task ConnectOneAsync(Pending pending)
    {
        IRealtimeConnection? connection = null;
        Exception? failure = null;
        try
        {
            connection = await _connect(_disposed.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        var added = false;
        TaskCompletionSource<IRealtimeConnection>? claim;
        lock (_gate)
        {
            claim = pending.Claim;
            if (claim is null)
            {
                _pending.Remove(pending);
                if (connection is not null && !_disposed.IsCancellationRequested)
                {
                    _idle.Enqueue(connection);
                    added = true;
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

        if (added)
        {
            StandbyAdded?.Invoke();
            return;
        }

        if (connection is not null)
        {
            Close(connection); // disposed while connecting
            return;
        }

        if (failure is not null && !_disposed.IsCancellationRequested)
        {
            LogReplenishFailed(_logger, failure.GetBaseException().Message, failure);
            ReplenishFailed?.Invoke(failure);
        }
    }

    /// <summary>Closes a connection nobody will use, without waiting and without throwing.</summary>
    internal static void Close(IRealtimeConnection connection)
    {
        try
        {
            var closing = connection.DisposeAsync();
            if (!closing.IsCompleted)
            {
                closing.AsTask().Forget();
            }
        }
        catch (Exception)
        {
            // Closing a connection that is already gone has nothing left to report.
        }
    }

    /// <summary>A standby being connected; <see cref="Claim"/> is set (under the gate) when a caller claimed it.</summary>
    private sealed class Pending
    {
        public TaskCompletionSource<IRealtimeConnection>? Claim { get; set; }
    }

    [LoggerMessage(20, LogLevel.Debug, "A standby realtime connection could not be opened (retried after the next classification starts): {Reason}")]
    private static partial void LogReplenishFailed(ILogger logger, string reason, Exception error);
}

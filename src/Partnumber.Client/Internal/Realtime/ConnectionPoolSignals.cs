namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// Test seam: what the pool's background work did, for a test to wait on instead of polling. Raised on the thread that
/// did the work; nothing in the SDK subscribes.
/// </summary>
internal sealed class ConnectionPoolSignals
{
    /// <summary>A standby connected and joined the idle set.</summary>
    public event Action? StandbyAdded;

    /// <summary>A standby failed to connect (it is not retried until the next rent).</summary>
    public event Action<Exception>? StandbyFailed;

    /// <summary>An idle connection was closed because the server sent it something, or it ended.</summary>
    public event Action<PooledConnection>? IdleConnectionEnded;

    internal void OnStandbyAdded() => StandbyAdded?.Invoke();

    internal void OnStandbyFailed(Exception failure) => StandbyFailed?.Invoke(failure);

    internal void OnIdleConnectionEnded(PooledConnection pooled) => IdleConnectionEnded?.Invoke(pooled);
}

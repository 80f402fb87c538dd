namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// Closes connections nobody will use again, and keeps the closes of returned connections that are still under way, so
/// the pool's disposal can wait for their close handshakes (each bounded in time on its own).
/// </summary>
internal sealed class ClosingConnections
{
    private readonly object _gate = new();
    private readonly HashSet<Task> _underWay = new();

    /// <summary>Closes <paramref name="connection"/> without waiting; until its close is done, <see cref="UnderWay"/> lists it.</summary>
    public void Close(IRealtimeConnection connection)
    {
        var closing = CloseAsync(connection);
        if (closing.IsCompleted)
        {
            return;
        }

        lock (_gate)
        {
            _underWay.Add(closing);
        }

        closing.ContinueWith(
            static (task, state) =>
            {
                var closings = (ClosingConnections)state!;
                lock (closings._gate)
                {
                    closings._underWay.Remove(task);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Forget();
    }

    /// <summary>The closes started by <see cref="Close"/> that are not done yet.</summary>
    public Task[] UnderWay()
    {
        lock (_gate)
        {
            return _underWay.ToArray();
        }
    }

    /// <summary>Closes a connection nobody will use, without throwing; the task (never faulted) completes when it is closed.</summary>
    public static Task CloseAsync(IRealtimeConnection connection)
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
}

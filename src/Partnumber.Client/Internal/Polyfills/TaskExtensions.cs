namespace Partnumber.Client.Internal;

/// <summary>Task helpers that exist in-box on .NET 8+ but not on netstandard2.0.</summary>
internal static class TaskExtensions
{
#if !NET8_0_OR_GREATER
    /// <summary>Task.WaitAsync(CancellationToken) for netstandard2.0 (in-box on .NET 6+).</summary>
    public static Task<T> WaitAsync<T>(this Task<T> task, CancellationToken cancellationToken)
    {
        if (task.IsCompleted || !cancellationToken.CanBeCanceled)
        {
            return task;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        return WaitSlowAsync(task, cancellationToken);

        static async Task<T> WaitSlowAsync(Task<T> task, CancellationToken cancellationToken)
        {
            var cancelled = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(static state => ((TaskCompletionSource<T>)state!).TrySetCanceled(), cancelled))
            {
                var winner = await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false);
                if (winner != task)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }

            return await task.ConfigureAwait(false);
        }
    }

    /// <summary>Task.WaitAsync(CancellationToken) for netstandard2.0 (in-box on .NET 6+).</summary>
    public static Task WaitAsync(this Task task, CancellationToken cancellationToken)
        => task.IsCompleted || !cancellationToken.CanBeCanceled ? task : AsTaskOfBool(task).WaitAsync(cancellationToken);

    private static async Task<bool> AsTaskOfBool(Task task)
    {
        await task.ConfigureAwait(false);
        return true;
    }
#endif

    /// <summary>Creates a token source that cancels after <paramref name="delay"/> on <paramref name="timeProvider"/>'s clock.</summary>
    public static CancellationTokenSource CreateTimeoutSource(this TimeProvider timeProvider, TimeSpan delay)
    {
#if NET8_0_OR_GREATER
        return new CancellationTokenSource(delay, timeProvider);
#else
        return timeProvider.CreateCancellationTokenSource(delay);
#endif
    }

    /// <summary>Waits <paramref name="delay"/> on <paramref name="timeProvider"/>'s clock.</summary>
    public static Task DelayAsync(this TimeProvider timeProvider, TimeSpan delay, CancellationToken cancellationToken)
    {
#if NET8_0_OR_GREATER
        return Task.Delay(delay, timeProvider, cancellationToken);
#else
        return timeProvider.Delay(delay, cancellationToken);
#endif
    }

    /// <summary>Observes a task's exception so that a fire-and-forget task never raises UnobservedTaskException.</summary>
    public static void Forget(this Task task)
    {
        if (task.IsCompleted)
        {
            _ = task.Exception;
            return;
        }

        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}

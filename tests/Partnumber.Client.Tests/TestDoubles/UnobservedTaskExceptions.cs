using System.Collections.Concurrent;

namespace Partnumber.Client.Tests.TestDoubles;

/// <summary>
/// Collects the task exceptions nobody observed while it is alive. The event is process-wide and raised by the
/// finalizer of a faulted task: use it in a non-parallel collection, and call <see cref="Collect"/> after
/// everything under test was disposed.
/// </summary>
internal sealed class UnobservedTaskExceptions : IDisposable
{
    private readonly ConcurrentQueue<Exception> _seen = new();

    public UnobservedTaskExceptions()
    {
        Flush(); // garbage of earlier tests is not this test's
        TaskScheduler.UnobservedTaskException += OnUnobserved;
    }

    /// <summary>Collects garbage (finalizing every faulted task no longer referenced) and returns what went unobserved.</summary>
    public IReadOnlyList<Exception> Collect()
    {
        Flush();
        return _seen.ToArray();
    }

    public void Dispose() => TaskScheduler.UnobservedTaskException -= OnUnobserved;

    private static void Flush()
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e) => _seen.Enqueue(e.Exception);
}

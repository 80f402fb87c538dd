using System.Collections.Concurrent;
using Partnumber.Client.Testing.Internal;

namespace Partnumber.Client.Testing.Journal;

/// <summary>An append-only, thread-safe list with awaitable conditions. Costs nothing extra while nobody waits.</summary>
internal sealed class JournalList<T>
    where T : class
{
    private readonly ConcurrentQueue<T> _items = new();
    private readonly ConcurrentDictionary<Waiter, byte> _waiters = new();
    private readonly int _capacity;
    private int _count;

    public JournalList(int capacity = int.MaxValue) => _capacity = capacity;

    public IReadOnlyList<T> Snapshot() => _items.ToArray();

    public void Add(T item)
    {
        _items.Enqueue(item);
        if (Interlocked.Increment(ref _count) > _capacity && _items.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _count);
        }

        Notify();
    }

    public void Clear()
    {
        _items.Clear();
        Volatile.Write(ref _count, 0);
    }

    /// <summary>Re-evaluates waiters after an item changed (for example a session closed).</summary>
    public void Notify()
    {
        if (_waiters.IsEmpty)
        {
            return;
        }

        foreach (var waiter in _waiters.Keys)
        {
            waiter.Check(_items);
        }
    }

    public async Task<IReadOnlyList<T>> WaitAsync(Func<T, bool> predicate, int count, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(predicate, count);
        _waiters.TryAdd(waiter, 0);
        try
        {
            waiter.Check(_items);
            if (waiter.Task.IsCompleted)
            {
                return await waiter.Task.ConfigureAwait(false);
            }

            using var realTimeout = WallClock.Timeout(timeout);
            using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, realTimeout.Token);
            try
            {
                return await waiter.Task.WaitAsync(timeoutCts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                var seen = string.Join(Environment.NewLine + "  ", _items.Select(i => i.ToString()));
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.###} s waiting for {what}. Journal so far:{Environment.NewLine}  {seen}");
            }
        }
        finally
        {
            _waiters.TryRemove(waiter, out _);
        }
    }

    private sealed class Waiter
    {
        private readonly Func<T, bool> _predicate;
        private readonly int _count;
        private readonly TaskCompletionSource<IReadOnlyList<T>> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Waiter(Func<T, bool> predicate, int count)
        {
            _predicate = predicate;
            _count = count;
        }

        public Task<IReadOnlyList<T>> Task => _tcs.Task;

        public void Check(IEnumerable<T> items)
        {
            if (_tcs.Task.IsCompleted)
            {
                return;
            }

            var matches = new List<T>(_count);
            foreach (var item in items)
            {
                if (_predicate(item))
                {
                    matches.Add(item);
                    if (matches.Count == _count)
                    {
                        _tcs.TrySetResult(matches);
                        return;
                    }
                }
            }
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Partnumber.Client;

/// <summary>Batch classification on top of <see cref="IPartnumberClassificationClient"/>.</summary>
#pragma warning disable RS0026 // The two overloads differ by the type of their required source parameter, so optional arguments never make a call ambiguous.
public static class PartnumberClassificationClientBatchExtensions
{
    /// <summary>
    /// Classifies many partnumbers with bounded concurrency and yields one <see cref="ClassificationOutcome"/> per
    /// request, in the order the classifications complete.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The input is pulled lazily: a request is taken from <paramref name="requests"/> only when fewer than
    /// <see cref="ClassifyManyOptions.MaxConcurrency"/> requests are running or waiting to be read, so memory does not
    /// grow with the input's size and a slow consumer slows the batch down.
    /// </para>
    /// <para>
    /// Every request taken yields exactly one outcome; errors, including argument errors such as a blank partnumber or a
    /// null element, are reported as <see cref="ClassificationOutcome.Exception"/> and never end the enumeration.
    /// </para>
    /// <para>
    /// Cancelling <paramref name="cancellationToken"/> stops taking requests and cancels the running classifications;
    /// the outcomes already completed and those of the cancelled classifications (with an
    /// <see cref="OperationCanceledException"/>) are still yielded, then the enumeration throws
    /// <see cref="OperationCanceledException"/>. Leaving the enumeration early (<c>break</c>, an exception, disposing the
    /// enumerator) cancels the running classifications and waits for them to end. An exception thrown by the input
    /// sequence stops taking requests; the running classifications finish, their outcomes are yielded, then the
    /// exception is rethrown.
    /// </para>
    /// </remarks>
    /// <param name="client">The client that classifies each request.</param>
    /// <param name="requests">The requests, enumerated lazily and once.</param>
    /// <param name="options">The batch settings; null for the defaults.</param>
    /// <param name="cancellationToken">Stops the batch.</param>
    /// <returns>One outcome per request taken, as the classifications complete.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="requests"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ClassifyManyOptions.MaxConcurrency"/> is out of range.</exception>
    public static IAsyncEnumerable<ClassificationOutcome> ClassifyManyAsync(
        this IPartnumberClassificationClient client,
        IEnumerable<ClassificationRequest> requests,
        ClassifyManyOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        if (requests is null)
        {
            throw new ArgumentNullException(nameof(requests));
        }

        return client.ClassifyManyAsync(new SyncSource(requests), options, cancellationToken);
    }

    /// <summary>
    /// Classifies many partnumbers from an asynchronous source with bounded concurrency and yields one
    /// <see cref="ClassificationOutcome"/> per request, in the order the classifications complete. Behaves as the
    /// <see cref="IEnumerable{T}"/> overload; the source's enumerator receives the cancellation token.
    /// </summary>
    /// <param name="client">The client that classifies each request.</param>
    /// <param name="requests">The requests, enumerated lazily and once.</param>
    /// <param name="options">The batch settings; null for the defaults.</param>
    /// <param name="cancellationToken">Stops the batch.</param>
    /// <returns>One outcome per request taken, as the classifications complete.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="requests"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ClassifyManyOptions.MaxConcurrency"/> is out of range.</exception>
    public static IAsyncEnumerable<ClassificationOutcome> ClassifyManyAsync(
        this IPartnumberClassificationClient client,
        IAsyncEnumerable<ClassificationRequest> requests,
        ClassifyManyOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        if (client is null)
        {
            throw new ArgumentNullException(nameof(client));
        }

        if (requests is null)
        {
            throw new ArgumentNullException(nameof(requests));
        }

        options ??= new ClassifyManyOptions();
        options.Validate();
        return RunAsync(client, requests, options.MaxConcurrency, options.TimeProvider, cancellationToken);
    }

    private static async IAsyncEnumerable<ClassificationOutcome> RunAsync(
        IPartnumberClassificationClient client,
        IAsyncEnumerable<ClassificationRequest> requests,
        int maxConcurrency,
        TimeProvider timeProvider,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var batch = new BatchRun(client, maxConcurrency, timeProvider, cancellationToken);
        var completed = batch.Start(requests);
        try
        {
            var reader = batch.Outcomes;
            // No token here: cancellation reaches the running classifications, whose outcomes still arrive and complete the channel.
            while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (reader.TryRead(out var outcome))
                {
                    batch.ReleaseSlot();
                    yield return outcome;
                }
            }

            batch.SourceError?.Throw();
            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            batch.Abandon();
            await completed.ConfigureAwait(false);
        }
    }

    /// <summary>The state of one <c>ClassifyManyAsync</c> enumeration.</summary>
    private sealed class BatchRun : IDisposable
    {
        private readonly IPartnumberClassificationClient _client;
        private readonly TimeProvider _timeProvider;
        private readonly SemaphoreSlim _slots;
        private readonly Channel<ClassificationOutcome> _outcomes;

        // Cancelled by the caller's token or when the consumer leaves: stop taking requests, cancel running ones.
        private readonly CancellationTokenSource _stop;

        // Cancelled only when the consumer leaves: outcomes are no longer wanted.
        private readonly CancellationTokenSource _abandon = new();
        private readonly TaskCompletionSource<bool> _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // The producer counts as one until it has finished taking requests; each running classification counts as one.
        private int _pending = 1;

        public BatchRun(IPartnumberClassificationClient client, int maxConcurrency, TimeProvider timeProvider, CancellationToken cancellationToken)
        {
            _client = client;
            _timeProvider = timeProvider;
            _slots = new SemaphoreSlim(maxConcurrency, maxConcurrency);
            _outcomes = Channel.CreateBounded<ClassificationOutcome>(new BoundedChannelOptions(maxConcurrency)
            {
                SingleReader = true,
                SingleWriter = false,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        }

        public ChannelReader<ClassificationOutcome> Outcomes => _outcomes.Reader;

        public ExceptionDispatchInfo? SourceError { get; private set; }

        /// <summary>Starts taking requests; the task completes when nothing of the batch runs any more.</summary>
        public Task<bool> Start(IAsyncEnumerable<ClassificationRequest> requests)
        {
            _ = Task.Run(() => ProduceAsync(requests));
            return _completed.Task;
        }

        public void ReleaseSlot() => _slots.Release();

        public void Abandon()
        {
            _abandon.Cancel();
            _stop.Cancel();
        }

        public void Dispose()
        {
            _stop.Dispose();
            _abandon.Dispose();
            _slots.Dispose();
        }

        private async Task ProduceAsync(IAsyncEnumerable<ClassificationRequest> requests)
        {
            var token = _stop.Token;
            try
            {
                var enumerator = requests.GetAsyncEnumerator(token);
                try
                {
                    var index = 0;
                    while (true)
                    {
                        // Take a slot before pulling, so the input is never read further ahead than the bound.
                        await _slots.WaitAsync(token).ConfigureAwait(false);
                        bool more;
                        try
                        {
                            more = await enumerator.MoveNextAsync().ConfigureAwait(false);
                        }
                        catch
                        {
                            _slots.Release();
                            throw;
                        }

                        if (!more)
                        {
                            _slots.Release();
                            break;
                        }

                        var request = enumerator.Current;
                        Interlocked.Increment(ref _pending);
                        var position = index++;
                        _ = Task.Run(() => ClassifyOneAsync(position, request));
                    }
                }
                finally
                {
                    await enumerator.DisposeAsync().ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Stopped: take no more requests.
            }
#pragma warning disable CA1031 // The input's error is handed to the consumer after the running classifications end.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                SourceError = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                Finish();
            }
        }

        private async Task ClassifyOneAsync(int index, ClassificationRequest request)
        {
            var started = _timeProvider.GetTimestamp();
            ClassificationOutcome outcome;
            try
            {
                var result = await _client.ClassifyAndWaitAsync(request, progress: null, _stop.Token).ConfigureAwait(false);
                outcome = result is null
                    ? new ClassificationOutcome(index, request, null, new PartnumberClientException("The client returned no result."), _timeProvider.GetElapsedTime(started))
                    : new ClassificationOutcome(index, request, result, null, _timeProvider.GetElapsedTime(started));
            }
#pragma warning disable CA1031 // Every error becomes the request's outcome.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                outcome = new ClassificationOutcome(index, request, null, ex, _timeProvider.GetElapsedTime(started));
            }

            try
            {
                await _outcomes.Writer.WriteAsync(outcome, _abandon.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The consumer has left; nobody reads the outcome.
            }
            finally
            {
                Finish();
            }
        }

        private void Finish()
        {
            if (Interlocked.Decrement(ref _pending) == 0)
            {
                _outcomes.Writer.TryComplete();
                _completed.TrySetResult(true);
            }
        }
    }

    /// <summary>Adapts a synchronous sequence; each <c>MoveNext</c> runs on the batch's producer, off the caller's thread.</summary>
    private sealed class SyncSource : IAsyncEnumerable<ClassificationRequest>
    {
        private readonly IEnumerable<ClassificationRequest> _requests;

        public SyncSource(IEnumerable<ClassificationRequest> requests) => _requests = requests;

        public IAsyncEnumerator<ClassificationRequest> GetAsyncEnumerator(CancellationToken cancellationToken = default)
            => new Enumerator(_requests.GetEnumerator(), cancellationToken);

        private sealed class Enumerator : IAsyncEnumerator<ClassificationRequest>
        {
            private readonly IEnumerator<ClassificationRequest> _inner;
            private readonly CancellationToken _cancellationToken;

            public Enumerator(IEnumerator<ClassificationRequest> inner, CancellationToken cancellationToken)
            {
                _inner = inner;
                _cancellationToken = cancellationToken;
            }

            public ClassificationRequest Current => _inner.Current;

            public ValueTask<bool> MoveNextAsync()
            {
                _cancellationToken.ThrowIfCancellationRequested();
                return new ValueTask<bool>(_inner.MoveNext());
            }

            public ValueTask DisposeAsync()
            {
                _inner.Dispose();
                return default;
            }
        }
    }
}
#pragma warning restore RS0026

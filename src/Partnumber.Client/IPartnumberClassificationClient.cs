namespace Partnumber.Client;

/// <summary>Classifies partnumbers against the classification backend. Implementations are thread-safe.</summary>
public interface IPartnumberClassificationClient
{
    /// <summary>
    /// Starts a classification and streams its progress. The stream yields progress updates and ends with exactly one
    /// update whose <see cref="ClassificationUpdate.IsFinal"/> is true; a task that fails on the server ends the stream
    /// with <see cref="ClassificationFailedException"/> instead.
    /// </summary>
    /// <param name="request">What to classify.</param>
    /// <param name="cancellationToken">Cancels the classification; the connection is closed.</param>
    /// <returns>The progress updates, then the final update.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="ArgumentException">The request's partnumber is null, empty or white space.</exception>
    /// <exception cref="ClassificationRejectedException">The server answered the POST with a non-2xx status.</exception>
    /// <exception cref="ClassificationFailedException">The server reported the task as failed.</exception>
    /// <exception cref="ClassificationTimeoutException">No final result arrived within the classification timeout.</exception>
    /// <exception cref="PartnumberConnectionException">The realtime connection could not be established or was lost for good.</exception>
    IAsyncEnumerable<ClassificationUpdate> ClassifyAsync(ClassificationRequest request, CancellationToken cancellationToken = default);

    /// <summary>Classifies a partnumber and returns the final result, reporting progress updates as they arrive.</summary>
    /// <param name="request">What to classify.</param>
    /// <param name="progress">Receives each progress update (not the final one); optional.</param>
    /// <param name="cancellationToken">Cancels the classification; the connection is closed.</param>
    /// <returns>The final result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="ArgumentException">The request's partnumber is null, empty or white space.</exception>
    /// <exception cref="PartnumberClientException">The classification could not be completed; see the derived types.</exception>
    Task<ClassificationResult> ClassifyAndWaitAsync(ClassificationRequest request, IProgress<ClassificationUpdate>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Measures a <c>ping_event</c> → <c>pong_event</c> round trip on a fresh connection.</summary>
    /// <param name="cancellationToken">Cancels the ping.</param>
    /// <returns>The round-trip time (connection set-up excluded).</returns>
    /// <exception cref="PartnumberConnectionException">No connection, or no pong within the connect timeout.</exception>
    Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default);
}

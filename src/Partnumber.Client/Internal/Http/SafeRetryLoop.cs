namespace Partnumber.Client.Internal.Http;

/// <summary>
/// <see cref="PartnumberHttpPolicies.SafeRetry"/> without Polly: the same answers retried (a refused connection; a 429
/// or 503 whose Retry-After is at most <see cref="PartnumberHttpPolicies.MaxRetryAfter"/>), the same waits, on the
/// client's clock, and the last answer or exception once the retries are spent.
/// </summary>
internal sealed class SafeRetryLoop(int maxRetries, TimeProvider clock) : PostRetry
{
    /// <summary>
    /// Nothing: this loop is chosen only when the SDK sees no Polly handler in the HTTP pipeline (else the pipeline is
    /// the retry layer), so no policy reads a context, and Polly stays unloaded.
    /// </summary>
    public override void Prepare(HttpRequestMessage message, CancellationToken cancellationToken)
    {
    }

    public override async Task<HttpResponseMessage> SendAsync(Func<CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        for (var retry = 1; ; retry++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            HttpResponseMessage? response = null;
            try
            {
                response = await send(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (retry <= maxRetries && PartnumberHttpPolicies.IsConnectFailure(ex))
            {
                // Nothing reached the server: send again after the backoff.
            }

            if (response is not null && (retry > maxRetries || !PartnumberHttpPolicies.IsRefusedBeforeWork(response, clock)))
            {
                return response;
            }

            var delay = PartnumberHttpPolicies.RetryDelay(response, retry, clock);
            response?.Dispose();
            if (delay > TimeSpan.Zero)
            {
                await clock.DelayAsync(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

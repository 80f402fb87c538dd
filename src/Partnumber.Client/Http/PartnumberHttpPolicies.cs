using System.Net;
using System.Net.Sockets;
using Partnumber.Client.Internal;
using Polly;

namespace Partnumber.Client;

/// <summary>
/// The HTTP resilience policy the client applies to its POST by default. A retried POST starts a second
/// classification, so it retries only what provably did not start work on the server.
/// </summary>
public static class PartnumberHttpPolicies
{
    /// <summary>The default number of retries after the first attempt.</summary>
    public const int DefaultMaxRetries = 3;

    /// <summary>The longest <c>Retry-After</c> honoured; a server asking for longer gets its answer surfaced instead.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A policy that retries, at most <paramref name="maxRetries"/> times, a connection that could not be opened
    /// (refused or unreachable: nothing was sent) and the answers 429 and 503 (the server refused before any work),
    /// waiting what <c>Retry-After</c> asks (up to <see cref="MaxRetryAfter"/>) or else 0.2 s, 0.4 s, 0.8 s… with jitter.
    /// Never retries a 500, a timeout or any failure after the request may have reached the server.
    /// </summary>
    /// <param name="maxRetries">Retries after the first attempt; default <see cref="DefaultMaxRetries"/>.</param>
    /// <param name="timeProvider">The clock the waits run on and a <c>Retry-After</c> date is measured by; default <see cref="TimeProvider.System"/>.</param>
    /// <returns>The policy, for <c>AddPolicyHandler</c> or a <c>PolicyHttpMessageHandler</c>.</returns>
    public static IAsyncPolicy<HttpResponseMessage> SafeRetry(int maxRetries = DefaultMaxRetries, TimeProvider? timeProvider = null)
    {
        if (maxRetries < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRetries), maxRetries, "maxRetries must not be negative.");
        }

        var clock = timeProvider ?? TimeProvider.System;
        return Policy<HttpResponseMessage>
            .Handle<HttpRequestException>(IsConnectFailure)
            .OrResult(response => IsRefusedBeforeWork(response, clock))
            .WaitAndRetryAsync(
                maxRetries,
                // Polly v7 sleeps on its own static clock; the wait runs in onRetryAsync on the TimeProvider instead.
                sleepDurationProvider: (_, _, _) => TimeSpan.Zero,
                onRetryAsync: async (outcome, _, attempt, context) =>
                {
                    var delay = RetryDelay(outcome.Result, attempt, clock);
                    outcome.Result?.Dispose();
                    if (delay > TimeSpan.Zero)
                    {
                        await clock.DelayAsync(delay, context.TryGetValue(CancellationKey, out var token) && token is CancellationToken ct ? ct : CancellationToken.None).ConfigureAwait(false);
                    }
                });
    }

    /// <summary>The Polly context key under which the request's cancellation token travels to the wait.</summary>
    internal const string CancellationKey = "Partnumber.CancellationToken";

    internal static bool IsConnectFailure(HttpRequestException exception)
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket
                && socket.SocketErrorCode is SocketError.ConnectionRefused or SocketError.NetworkUnreachable or SocketError.HostUnreachable)
            {
                return true;
            }

            if (inner is WebException web && web.Status == WebExceptionStatus.ConnectFailure)
            {
                return true;
            }
        }

        return false;
    }

    internal static bool IsRefusedBeforeWork(HttpResponseMessage response, TimeProvider clock)
    {
        if (response.StatusCode is not ((HttpStatusCode)429 or HttpStatusCode.ServiceUnavailable))
        {
            return false;
        }

        // A server that asks for a longer pause than we are willing to wait gets its answer surfaced instead.
        return RetryAfter(response, clock) is not { } wait || wait <= MaxRetryAfter;
    }

    internal static TimeSpan RetryDelay(HttpResponseMessage? response, int attempt, TimeProvider clock)
    {
        if (response is not null && RetryAfter(response, clock) is { } retryAfter)
        {
            return retryAfter;
        }

        var backoff = TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(backoff.TotalMilliseconds * (0.8 + (0.4 * Jitter.Next())));
    }

    /// <summary>The wait <c>Retry-After</c> asks for; a date is measured from <paramref name="clock"/>'s now, as the waits run on it.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider clock)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - clock.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}

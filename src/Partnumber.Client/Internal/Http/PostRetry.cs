using Polly;

namespace Partnumber.Client.Internal.Http;

/// <summary>
/// How the POST is retried: not at all (the HTTP pipeline retries already, as under dependency injection), by the
/// application's Polly policy (<see cref="PartnumberClassificationClientOptions.HttpRetryPolicy"/>), or by
/// <see cref="SafeRetryLoop"/>, the default. The default is not a Polly policy so that a new process's first POST
/// does not load and compile Polly (docs/cold-start.md); its decisions are <see cref="PartnumberHttpPolicies.SafeRetry"/>'s.
/// </summary>
internal abstract class PostRetry
{
    /// <summary>No retry here.</summary>
    public static PostRetry None { get; } = new NoRetry();

    /// <summary>The application's policy.</summary>
    public static PostRetry Of(IAsyncPolicy<HttpResponseMessage> policy) => new PolicyRetry(policy);

    /// <summary>The default: <see cref="PartnumberHttpPolicies.SafeRetry"/>'s retries, on <paramref name="clock"/>.</summary>
    public static PostRetry Safe(TimeProvider clock) => new SafeRetryLoop(PartnumberHttpPolicies.DefaultMaxRetries, clock);

    /// <summary>
    /// Readies one attempt's request: the caller's token goes into the request's Polly context, for a
    /// <see cref="PartnumberHttpPolicies.SafeRetry"/> policy in the HTTP pipeline to cancel its waits with.
    /// </summary>
    public virtual void Prepare(HttpRequestMessage message, CancellationToken cancellationToken)
        => message.SetPolicyExecutionContext(new Context { [PartnumberHttpPolicies.CancellationKey] = cancellationToken });

    /// <summary>Sends (and, as the strategy says, sends again) and returns the answer that ends the attempts.</summary>
    public abstract Task<HttpResponseMessage> SendAsync(Func<CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken);

    private sealed class NoRetry : PostRetry
    {
        public override Task<HttpResponseMessage> SendAsync(Func<CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
            => send(cancellationToken);
    }

    private sealed class PolicyRetry(IAsyncPolicy<HttpResponseMessage> policy) : PostRetry
    {
        public override Task<HttpResponseMessage> SendAsync(Func<CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
            => policy.ExecuteAsync(
                (_, token) => send(token),
                new Context { [PartnumberHttpPolicies.CancellationKey] = cancellationToken },
                cancellationToken);
    }
}

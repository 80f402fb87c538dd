namespace Partnumber.Client;

/// <summary>
/// Decides whether, and after how long, a classification whose realtime connection dropped reconnects (with a fresh
/// Socket.IO client that joins the task's room again). The default: up to 5 attempts, the first at once, then
/// exponential backoff from 0.5 s with jitter, capped at 10 s. Derive and override <see cref="NextDelay"/> for another rule.
/// </summary>
public class PartnumberReconnectPolicy
{
    /// <summary>Creates a policy.</summary>
    /// <param name="maxAttempts">How many reconnect attempts one drop may use; 0 disables reconnection.</param>
    /// <param name="baseDelay">The wait before the second attempt, doubled for each later one; default 0.5 s.</param>
    /// <param name="maxDelay">The longest wait between attempts; default 10 s.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative, or <paramref name="maxDelay"/> is below <paramref name="baseDelay"/>.</exception>
    public PartnumberReconnectPolicy(int maxAttempts = 5, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null)
    {
        if (maxAttempts < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxAttempts), maxAttempts, "maxAttempts must not be negative.");
        }

        BaseDelay = baseDelay ?? TimeSpan.FromSeconds(0.5);
        MaxDelay = maxDelay ?? TimeSpan.FromSeconds(10);
        if (BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDelay), "Delays must not be negative and maxDelay must be at least baseDelay.");
        }

        MaxAttempts = maxAttempts;
    }

    /// <summary>The default policy.</summary>
    public static PartnumberReconnectPolicy Default { get; } = new();

    /// <summary>A policy that never reconnects: a dropped connection ends the classification with <see cref="PartnumberConnectionException"/>.</summary>
    public static PartnumberReconnectPolicy None { get; } = new(maxAttempts: 0);

    /// <summary>How many reconnect attempts one drop may use.</summary>
    public int MaxAttempts { get; }

    /// <summary>The wait before the second attempt (doubled for each later attempt, with jitter).</summary>
    public TimeSpan BaseDelay { get; }

    /// <summary>The longest wait between attempts.</summary>
    public TimeSpan MaxDelay { get; }

    /// <summary>The wait before the given attempt, or null to give up.</summary>
    /// <param name="context">The attempt about to be made and why.</param>
    /// <returns>How long to wait before connecting again; null to give up.</returns>
    public virtual TimeSpan? NextDelay(PartnumberReconnectContext context)
    {
        if (context is null)
        {
            throw new ArgumentNullException(nameof(context));
        }

        if (context.Attempt > MaxAttempts)
        {
            return null;
        }

        if (context.Attempt == 1)
        {
            return TimeSpan.Zero; // a kicked socket or a restarted proxy usually takes a new connection at once
        }

        var exponential = BaseDelay.TotalMilliseconds * Math.Pow(2, context.Attempt - 2);
        var capped = Math.Min(exponential, MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (0.5 * Jitter.Next())));
    }
}

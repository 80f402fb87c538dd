using System.Globalization;

namespace Partnumber.Client.Internal;

/// <summary>
/// A time budget on the client's <see cref="TimeProvider"/> joined to a caller's token: one token for the work, and the
/// one answer every timeout message needs, whether it was the budget (not the caller) that ran out.
/// </summary>
internal sealed class Deadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _caller;

    public Deadline(TimeProvider timeProvider, TimeSpan budget, CancellationToken caller)
    {
        _caller = caller;
        _timeout = timeProvider.CreateTimeoutSource(budget);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(caller, _timeout.Token);
    }

    /// <summary>Cancelled when the budget runs out or the caller cancels.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>True when the budget ran out and the caller did not cancel: the cancellation is a timeout.</summary>
    public bool Expired => _timeout.IsCancellationRequested && !_caller.IsCancellationRequested;

    /// <summary>A duration as messages write it, the same on every machine: <c>1.5 s</c>.</summary>
    public static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}

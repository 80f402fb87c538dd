namespace Partnumber.Client;

/// <summary>A reconnect attempt about to be made, given to <see cref="PartnumberReconnectPolicy.NextDelay"/> and to <see cref="PartnumberClassificationClientOptions.OnReconnecting"/>.</summary>
public sealed class PartnumberReconnectContext
{
    /// <summary>Creates a context (for tests of custom policies).</summary>
    /// <param name="partnumber">The partnumber being classified.</param>
    /// <param name="taskId">The server's task id, once accepted.</param>
    /// <param name="roomId">The task's room, once accepted.</param>
    /// <param name="attempt">The attempt about to be made, from 1.</param>
    /// <param name="elapsed">Time since the classification started.</param>
    /// <param name="reason">Why the connection ended, or why the previous attempt failed.</param>
    /// <param name="lastError">The error behind <paramref name="reason"/>, if any.</param>
    public PartnumberReconnectContext(string partnumber, string? taskId, string? roomId, int attempt, TimeSpan elapsed, string reason, Exception? lastError)
    {
        Partnumber = partnumber;
        TaskId = taskId;
        RoomId = roomId;
        Attempt = attempt;
        Elapsed = elapsed;
        Reason = reason;
        LastError = lastError;
    }

    /// <summary>The partnumber being classified.</summary>
    public string Partnumber { get; }

    /// <summary>The server's task id, once the POST was accepted.</summary>
    public string? TaskId { get; }

    /// <summary>The room the new connection will join, once the POST was accepted.</summary>
    public string? RoomId { get; }

    /// <summary>The attempt about to be made: 1 for the first reconnect after a drop.</summary>
    public int Attempt { get; }

    /// <summary>Time since the classification started.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Why the connection ended, or why the previous attempt failed.</summary>
    public string Reason { get; }

    /// <summary>The error behind <see cref="Reason"/>, if any.</summary>
    public Exception? LastError { get; }
}

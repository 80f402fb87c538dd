namespace Partnumber.Client;

/// <summary>
/// The server has probably lost the task: the realtime connection dropped, the client reconnected and joined the task's
/// room again, and no event came for longer than the task's own cadence makes plausible
/// (<see cref="PartnumberClassificationClientOptions.LostTaskTimeout"/>). This is what a backend restart or redeploy does
/// to the tasks it was running: the new process never heard of them. Starting the classification again is safe for the
/// server but creates a second task; <see cref="PartnumberClassificationClientOptions.ResubmitLostClassifications"/> makes
/// the client do that itself.
/// </summary>
public class ClassificationLostException : PartnumberClientException
{
    /// <summary>Creates an exception with a default message.</summary>
    public ClassificationLostException()
        : base("The server has probably lost the classification's task (it restarted?): no event came after reconnecting.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public ClassificationLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ClassificationLostException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a task that went silent after a reconnect.</summary>
    /// <param name="message">What happened, with the times.</param>
    /// <param name="taskId">The server's id of the lost task.</param>
    /// <param name="reconnectedAt">When the client had reconnected and joined the task's room again.</param>
    /// <param name="silenceLimit">How long the room was allowed to stay silent after that.</param>
    /// <param name="resubmissions">How many times the classification had already been resubmitted.</param>
    public ClassificationLostException(string message, string? taskId, DateTimeOffset reconnectedAt, TimeSpan silenceLimit, int resubmissions)
        : base(message)
    {
        TaskId = taskId;
        ReconnectedAt = reconnectedAt;
        SilenceLimit = silenceLimit;
        Resubmissions = resubmissions;
    }

    /// <summary>The server's id of the task that went silent, when known.</summary>
    public string? TaskId { get; }

    /// <summary>When the client had reconnected and joined the task's room again (the options' <c>TimeProvider</c> clock).</summary>
    public DateTimeOffset ReconnectedAt { get; }

    /// <summary>How long the room was allowed to stay silent after the reconnect before the task was taken as lost.</summary>
    public TimeSpan SilenceLimit { get; }

    /// <summary>How many times the classification had been resubmitted before this task was lost (0 when never).</summary>
    public int Resubmissions { get; }
}

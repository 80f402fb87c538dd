using System.Text.Json;

namespace Partnumber.Client;

/// <summary>The server reported the classification as <c>failed</c>, in a progress update or in the finished event.</summary>
public class ClassificationFailedException : PartnumberClientException
{
    /// <summary>Creates an exception with a default message.</summary>
    public ClassificationFailedException()
        : this("The server reported the classification as failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public ClassificationFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ClassificationFailedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a failed task.</summary>
    /// <param name="message">What went wrong (the payload's <c>message</c> or <c>error</c> when present).</param>
    /// <param name="payload">The event payload that reported the failure.</param>
    /// <param name="taskId">The server's task id.</param>
    public ClassificationFailedException(string message, JsonElement payload, string? taskId)
        : base(message)
    {
        Payload = payload;
        TaskId = taskId;
    }

    /// <summary>The payload of the event that reported the failure (a detached copy).</summary>
    public JsonElement Payload { get; }

    /// <summary>The server's task id, when the task had been accepted.</summary>
    public string? TaskId { get; }
}

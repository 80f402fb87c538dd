namespace Partnumber.Client.Testing.Recording;

/// <summary>How a recorded classification ended on the wire.</summary>
public enum RecordingEnd
{
    /// <summary>The server sent <c>classification_finished</c> (with <c>status</c> <c>done</c> or <c>failed</c>).</summary>
    Finished,

    /// <summary>The server sent a <c>classification_update_status</c> with <c>status:"failed"</c> and no <c>classification_finished</c>.</summary>
    FailedUpdate,

    /// <summary>The server ended the connection before a final event (see <see cref="RecordedClassification.Disconnect"/>).</summary>
    Dropped,

    /// <summary>No final event came before the recorder's classification timeout.</summary>
    NeverFinished,

    /// <summary>The POST was answered with a status other than 2xx: no task started, no event followed.</summary>
    Rejected,
}

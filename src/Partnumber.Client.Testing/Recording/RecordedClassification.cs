using System.Text.Json.Nodes;

namespace Partnumber.Client.Testing.Recording;

/// <summary>
/// What the server did for one partnumber: the answer to the POST, every event it sent in order with its offset from
/// the client's <c>join</c>, and how it ended. Holds no header, cookie or <c>Auth</c> value.
/// </summary>
public sealed class RecordedClassification
{
    /// <summary>Creates an entry; set the response, events and end before replaying it.</summary>
    /// <param name="partnumber">The partnumber (the replay matches it exactly, ordinal).</param>
    /// <exception cref="ArgumentException"><paramref name="partnumber"/> is null or blank.</exception>
    public RecordedClassification(string partnumber)
    {
        if (string.IsNullOrWhiteSpace(partnumber))
        {
            throw new ArgumentException("The partnumber is required.", nameof(partnumber));
        }

        Partnumber = partnumber;
    }

    /// <summary>The partnumber.</summary>
    public string Partnumber { get; }

    /// <summary>The <c>description</c> hint the recording was made with, if any (informative; a replay ignores it).</summary>
    public string? Description { get; set; }

    /// <summary>The <c>manufacturer</c> hint the recording was made with, if any (informative).</summary>
    public string? Manufacturer { get; set; }

    /// <summary>The <c>supplier</c> hint the recording was made with, if any (informative).</summary>
    public string? Supplier { get; set; }

    /// <summary>
    /// The POST's status code. Default 202. A 2xx starts the recorded task on replay (its body's <c>task_id</c> and
    /// <c>room_id</c> are replaced by fresh ones, everything else is sent as recorded); any other status is answered
    /// with <see cref="ResponseBody"/> or <see cref="ResponseText"/> and no task.
    /// </summary>
    public int ResponseStatus { get; set; } = 202;

    /// <summary>The POST's body when it was JSON; null otherwise.</summary>
    public JsonNode? ResponseBody { get; set; }

    /// <summary>The POST's body when it was not JSON (for example a proxy's HTML error page); null otherwise.</summary>
    public string? ResponseText { get; set; }

    /// <summary>The events the server sent after the POST, in the order they arrived (the <c>connected</c> event excepted).</summary>
    public IList<RecordedServerEvent> Events { get; } = new List<RecordedServerEvent>();

    /// <summary>How the classification ended. Default <see cref="RecordingEnd.Finished"/>.</summary>
    public RecordingEnd End { get; set; }

    /// <summary>How and when the server dropped the connection; set exactly when <see cref="End"/> is <see cref="RecordingEnd.Dropped"/>.</summary>
    public RecordedDisconnect? Disconnect { get; set; }
}

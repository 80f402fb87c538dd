using System.Text.Json;

namespace Partnumber.Client;

/// <summary>The final outcome of a classification (the server's <c>classification_finished</c> event).</summary>
public sealed class ClassificationResult
{
    /// <summary>Creates a result. Applications normally receive results from the client; tests can use <see cref="PartnumberModelFactory"/>.</summary>
    /// <param name="partnumber">The classified partnumber.</param>
    /// <param name="description">The description the server returned, if any.</param>
    /// <param name="status">The final status.</param>
    /// <param name="taskId">The server's task id (from the 202 response).</param>
    /// <param name="roomId">The room the updates were delivered to.</param>
    /// <param name="payload">The raw <c>classification_finished</c> payload, extra fields included.</param>
    /// <param name="transport">The transport that delivered the finished event; <see cref="PartnumberTransports.None"/> when unknown.</param>
    public ClassificationResult(string partnumber, string? description, ClassificationStatus status, string taskId, string roomId, JsonElement payload, PartnumberTransports transport = PartnumberTransports.None)
    {
        Transport = transport;
        Partnumber = partnumber ?? throw new ArgumentNullException(nameof(partnumber));
        Description = description;
        Status = status;
        TaskId = taskId ?? throw new ArgumentNullException(nameof(taskId));
        RoomId = roomId ?? throw new ArgumentNullException(nameof(roomId));
        Payload = payload;
    }

    /// <summary>The classified partnumber (from the payload, or the request's when the payload has none).</summary>
    public string Partnumber { get; }

    /// <summary>The description the server produced, if any.</summary>
    public string? Description { get; }

    /// <summary>The final status: <see cref="ClassificationStatus.Done"/> for results delivered to the caller.</summary>
    public ClassificationStatus Status { get; }

    /// <summary>The server's task id, from the <c>202 Accepted</c> response.</summary>
    public string TaskId { get; }

    /// <summary>The room id the task's events were delivered to.</summary>
    public string RoomId { get; }

    /// <summary>The whole <c>classification_finished</c> payload (a detached copy), including fields this client does not model.</summary>
    public JsonElement Payload { get; }

    /// <summary>
    /// The Engine.IO transport that delivered the finished event (<see cref="PartnumberTransports.WebSocket"/> or
    /// <see cref="PartnumberTransports.LongPolling"/>); <see cref="PartnumberTransports.None"/> when not known.
    /// </summary>
    public PartnumberTransports Transport { get; }

    /// <summary>
    /// How many times the classification was resubmitted before this result (0 when its first task finished); see
    /// <see cref="PartnumberClassificationClientOptions.ResubmitLostClassifications"/>. <see cref="TaskId"/> is then the
    /// last task's.
    /// </summary>
    public int Resubmissions { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Partnumber}: {Status} (task {TaskId})";
}

using System.Text.Json;

namespace Partnumber.Client.WebSample;

/// <summary>The data of a <c>progress</c> event.</summary>
/// <param name="Current">The step (1-based), when the backend said.</param>
/// <param name="Total">The number of steps, when the backend said.</param>
/// <param name="Percent">Current of total in whole percent (0–100), or null when either is unknown.</param>
/// <param name="Status">The backend's status text (<c>processing</c>, ...).</param>
/// <param name="Message">The step's message.</param>
public sealed record ProgressEvent(int? Current, int? Total, int? Percent, string Status, string? Message)
{
    /// <summary>The event of one progress update.</summary>
    public static ProgressEvent From(ClassificationUpdate update) =>
        new(update.Current, update.Total, PercentOf(update.Current, update.Total), StreamText.Status(update.Status), update.Message);

    private static int? PercentOf(int? current, int? total) =>
        current is { } c && total is > 0 and var t ? Math.Clamp((int)Math.Round(100.0 * c / t), 0, 100) : null;
}

/// <summary>The data of a <c>result</c> event: what the page's result table shows.</summary>
/// <param name="Partnumber">The partnumber (as the backend spelled it).</param>
/// <param name="Description">The classification's description.</param>
/// <param name="Status"><c>done</c>.</param>
/// <param name="TaskId">The backend's task id.</param>
/// <param name="Transport"><c>websocket</c> or <c>polling</c>.</param>
/// <param name="ElapsedMs">From the request to the result, in milliseconds.</param>
/// <param name="Fields">The payload's fields the result does not model (an NCM code, a confidence...), as text.</param>
public sealed record ResultEvent(string Partnumber, string? Description, string Status, string TaskId, string? Transport, long ElapsedMs, IReadOnlyList<PayloadField> Fields)
{
    private static readonly HashSet<string> ModelledFields = new(StringComparer.OrdinalIgnoreCase) { "partnumber", "description", "status" };

    /// <summary>The event of a result.</summary>
    public static ResultEvent From(ClassificationResult result, TimeSpan elapsed) => new(
        result.Partnumber,
        result.Description,
        StreamText.Status(result.Status),
        result.TaskId,
        StreamText.Transport(result.Transport),
        (long)elapsed.TotalMilliseconds,
        OtherFields(result.Payload));

    private static List<PayloadField> OtherFields(JsonElement payload)
    {
        var fields = new List<PayloadField>();
        if (payload.ValueKind != JsonValueKind.Object)
        {
            return fields;
        }

        foreach (var property in payload.EnumerateObject())
        {
            if (!ModelledFields.Contains(property.Name))
            {
                var text = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
                fields.Add(new PayloadField(property.Name, text));
            }
        }

        return fields;
    }
}

/// <summary>One field of a result's payload, as display text.</summary>
/// <param name="Name">The field's name.</param>
/// <param name="Value">Its value: the string itself, or the JSON text of anything else.</param>
public sealed record PayloadField(string Name, string Value);

/// <summary>The data of a <c>failure</c> event: the exception's type and message, and what it carries.</summary>
/// <param name="Type">The exception's type name (<c>ClassificationRejectedException</c>, ...).</param>
/// <param name="Message">The exception's message.</param>
/// <param name="StatusCode">The HTTP status of a rejected POST.</param>
/// <param name="TaskId">The task, when one existed.</param>
public sealed record ErrorEvent(string Type, string Message, int? StatusCode, string? TaskId)
{
    /// <summary>The event of an exception.</summary>
    public static ErrorEvent From(Exception error) => new(
        error.GetType().Name,
        error.Message,
        error is ClassificationRejectedException rejected ? (int)rejected.StatusCode : null,
        error switch
        {
            ClassificationFailedException failed => failed.TaskId,
            ClassificationLostException lost => lost.TaskId,
            _ => null,
        });
}

/// <summary>How statuses and transports are written in the events (the backend's own words).</summary>
internal static class StreamText
{
    public static string Status(ClassificationStatus status) => status switch
    {
        ClassificationStatus.Done => "done",
        ClassificationStatus.Failed => "failed",
        ClassificationStatus.Processing => "processing",
        _ => "unknown",
    };

    public static string? Transport(PartnumberTransports transport) => transport switch
    {
        PartnumberTransports.WebSocket => "websocket",
        PartnumberTransports.LongPolling => "polling",
        _ => null,
    };
}

using System.Text.Json;

namespace Partnumber.Client;

/// <summary>Builds the client's model types for consumers' tests (for example as values returned by a mock).</summary>
public static class PartnumberModelFactory
{
    /// <summary>Builds a final <see cref="ClassificationResult"/>.</summary>
    /// <param name="partnumber">The partnumber.</param>
    /// <param name="description">The description, if any.</param>
    /// <param name="status">The status; default <see cref="ClassificationStatus.Done"/>.</param>
    /// <param name="taskId">The task id; default <c>task-1</c>.</param>
    /// <param name="roomId">The room id; default <c>room-1</c>.</param>
    /// <param name="payload">The raw payload; default a JSON object built from the other arguments.</param>
    /// <param name="transport">The transport that delivered it; default <see cref="PartnumberTransports.WebSocket"/>.</param>
    /// <param name="resubmissions">How many times the classification was resubmitted; default 0.</param>
    /// <returns>The result.</returns>
    public static ClassificationResult ClassificationResult(
        string partnumber,
        string? description = null,
        ClassificationStatus status = ClassificationStatus.Done,
        string taskId = "task-1",
        string roomId = "room-1",
        JsonElement? payload = null,
        PartnumberTransports transport = PartnumberTransports.WebSocket,
        int resubmissions = 0)
    {
        var element = payload ?? ToElement(new Dictionary<string, object?>
        {
            ["partnumber"] = partnumber,
            ["description"] = description,
            ["status"] = StatusText(status),
        });
        return new ClassificationResult(partnumber, description, status, taskId, roomId, element, transport) { Resubmissions = resubmissions };
    }

    /// <summary>Builds a progress <see cref="ClassificationUpdate"/>.</summary>
    /// <param name="current">The current step.</param>
    /// <param name="total">The number of steps.</param>
    /// <param name="message">The step's message.</param>
    /// <param name="status">The status; default <see cref="ClassificationStatus.Processing"/>.</param>
    /// <param name="payload">The raw payload; default a JSON object built from the other arguments.</param>
    /// <param name="resubmissions">How many times the classification had been resubmitted; default 0.</param>
    /// <returns>The update.</returns>
    public static ClassificationUpdate ProgressUpdate(
        int? current = null,
        int? total = null,
        string? message = null,
        ClassificationStatus status = ClassificationStatus.Processing,
        JsonElement? payload = null,
        int resubmissions = 0)
    {
        var element = payload ?? ToElement(new Dictionary<string, object?>
        {
            ["current"] = current?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["total"] = total?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["status"] = StatusText(status),
            ["message"] = message,
        });
        return new ClassificationUpdate(status, current, total, message, result: null, element) { Resubmissions = resubmissions };
    }

    /// <summary>Builds the final <see cref="ClassificationUpdate"/> that carries <paramref name="result"/>.</summary>
    /// <param name="result">The result.</param>
    /// <returns>The final update.</returns>
    public static ClassificationUpdate FinalUpdate(ClassificationResult result)
    {
        if (result is null)
        {
            throw new ArgumentNullException(nameof(result));
        }

        return new ClassificationUpdate(result.Status, current: null, total: null, message: null, result, result.Payload) { Resubmissions = result.Resubmissions };
    }

    private static string StatusText(ClassificationStatus status) => status switch
    {
        ClassificationStatus.Processing => "processing",
        ClassificationStatus.Done => "done",
        ClassificationStatus.Failed => "failed",
        _ => "unknown",
    };

    private static JsonElement ToElement(Dictionary<string, object?> values)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var pair in values)
            {
                if (pair.Value is string text)
                {
                    writer.WriteString(pair.Key, text);
                }
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }
}

using System.Globalization;
using System.Text.Json;

namespace Partnumber.Client.Internal.Payloads;

/// <summary>
/// Lenient reading of the server's event payloads, whose exact shape the API document leaves open: numbers or numeric
/// strings, any letter case for <c>status</c>, missing optional fields, extra fields kept in the payload.
/// </summary>
internal static class PayloadReader
{
    public static ClassificationStatus ReadStatus(JsonElement payload)
    {
        if (!TryGetProperty(payload, "status", out var value) || value.ValueKind != JsonValueKind.String)
        {
            return ClassificationStatus.Unknown;
        }

        // The usual lower-case spellings compare in place (no string allocated per event).
        if (value.ValueEquals("processing"))
        {
            return ClassificationStatus.Processing;
        }

        if (value.ValueEquals("done"))
        {
            return ClassificationStatus.Done;
        }

        var text = value.GetString();
        if (string.Equals(text, "processing", StringComparison.OrdinalIgnoreCase))
        {
            return ClassificationStatus.Processing;
        }

        if (string.Equals(text, "done", StringComparison.OrdinalIgnoreCase))
        {
            return ClassificationStatus.Done;
        }

        return string.Equals(text, "failed", StringComparison.OrdinalIgnoreCase) ? ClassificationStatus.Failed : ClassificationStatus.Unknown;
    }

    /// <summary>A whole number given as a JSON number or a numeric string; null when missing or not a whole number.</summary>
    public static int? ReadInt32(JsonElement payload, string name)
    {
        if (!TryGetProperty(payload, name, out var value))
        {
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Number when value.TryGetInt32(out var number):
                return number;
            case JsonValueKind.Number when value.TryGetDouble(out var real) && real == Math.Floor(real) && real >= int.MinValue && real <= int.MaxValue:
                return (int)real;
            case JsonValueKind.String when int.TryParse(value.GetString()?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed):
                return parsed;
            default:
                return null;
        }
    }

    /// <summary>A string field; numbers and booleans are given as their JSON text; null when missing or null.</summary>
    public static string? ReadString(JsonElement payload, string name)
    {
        if (!TryGetProperty(payload, name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
    }

    /// <summary>The failure's explanation: the payload's <c>message</c>, else its <c>error</c> (a string or an object's message).</summary>
    public static string? ReadFailureReason(JsonElement payload)
    {
        var message = ReadString(payload, "message");
        if (!string.IsNullOrWhiteSpace(message))
        {
            return message;
        }

        if (TryGetProperty(payload, "error", out var error))
        {
            if (error.ValueKind == JsonValueKind.String)
            {
                return error.GetString();
            }

            if (error.ValueKind == JsonValueKind.Object)
            {
                return ReadString(error, "message") ?? error.GetRawText();
            }
        }

        return null;
    }

    /// <summary>A progress update from a <c>classification_update_status</c> payload (an object) whose status was read.</summary>
    public static ClassificationUpdate ReadProgress(JsonElement payload, ClassificationStatus status, int resubmissions = 0)
        => new(status, ReadInt32(payload, "current"), ReadInt32(payload, "total"), ReadString(payload, "message"), result: null, payload) { Resubmissions = resubmissions };

    /// <summary>The result a <c>classification_finished</c> payload (an object) carries; its partnumber, else the request's.</summary>
    public static ClassificationResult ReadResult(JsonElement payload, ClassificationStatus status, string requestedPartnumber, string taskId, string roomId, PartnumberTransports transport, int resubmissions = 0)
        => new(ReadString(payload, "partnumber") ?? requestedPartnumber, ReadString(payload, "description"), status, taskId, roomId, payload, transport) { Resubmissions = resubmissions };

    private static bool TryGetProperty(JsonElement payload, string name, out JsonElement value)
    {
        if (payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }
}

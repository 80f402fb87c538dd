using System.Text.Json;

namespace Partnumber.Client.Internal.Payloads;

/// <summary>
/// What the SDK writes: the POST body and the <c>join</c> argument, written field by field with a
/// <see cref="Utf8JsonWriter"/>. Two fixed shapes of strings do not need the serializer, whose first use in a process
/// (options, metadata, converters) cost more than the rest of the POST path's start together (docs/cold-start.md).
/// The bytes are what <c>JsonSerializer</c> with default options writes: the same escaping, null fields omitted.
/// </summary>
internal static class PayloadWriter
{
    /// <summary>The <c>/classify-partnumber</c> body; null optional fields and an empty session id are omitted.</summary>
    public static byte[] ClassifyRequest(ClassificationRequest request, string? socketSessionId)
    {
        using var buffer = new MemoryStream(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("partnumber", request.Partnumber);
            WriteIfPresent(json, "description", request.Description);
            WriteIfPresent(json, "manufacturer", request.Manufacturer);
            WriteIfPresent(json, "supplier", request.Supplier);
            WriteIfPresent(json, "socket_session_id", string.IsNullOrEmpty(socketSessionId) ? null : socketSessionId);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The <c>join</c> event's argument, as JSON text: <c>{"room_id":…}</c>.</summary>
    public static string Join(string roomId)
    {
        using var buffer = new MemoryStream(64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("room_id", roomId);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteIfPresent(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}

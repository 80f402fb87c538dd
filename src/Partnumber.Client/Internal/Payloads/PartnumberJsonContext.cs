using System.Text.Json.Serialization;

namespace Partnumber.Client.Internal.Payloads;

/// <summary>Source-generated serialization for everything the SDK writes: no reflection at run time.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClassifyRequestBody))]
[JsonSerializable(typeof(JoinPayload))]
internal sealed partial class PartnumberJsonContext : JsonSerializerContext
{
}

/// <summary>The POST body: null optional fields are omitted.</summary>
internal sealed class ClassifyRequestBody
{
    [JsonPropertyName("partnumber")]
    public string Partnumber { get; set; } = string.Empty;

    [JsonPropertyName("description")]
    public string? Description { get; set; }

    [JsonPropertyName("manufacturer")]
    public string? Manufacturer { get; set; }

    [JsonPropertyName("supplier")]
    public string? Supplier { get; set; }

    [JsonPropertyName("socket_session_id")]
    public string? SocketSessionId { get; set; }
}

/// <summary>The <c>join</c> event's argument.</summary>
internal sealed class JoinPayload
{
    [JsonPropertyName("room_id")]
    public string RoomId { get; set; } = string.Empty;
}

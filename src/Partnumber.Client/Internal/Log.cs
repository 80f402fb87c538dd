using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Internal;

/// <summary>Every log message of the SDK. Header values and request bodies are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Socket.IO connected to {Endpoint} with session {SessionId}")]
    public static partial void Connected(ILogger logger, Uri endpoint, string sessionId);

    [LoggerMessage(2, LogLevel.Debug, "Classification of {Partnumber} accepted: task {TaskId}, room {RoomId}")]
    public static partial void Accepted(ILogger logger, string partnumber, string taskId, string roomId);

    [LoggerMessage(3, LogLevel.Debug, "Classification of {Partnumber} finished with status {Status} in {ElapsedMs} ms")]
    public static partial void Finished(ILogger logger, string partnumber, ClassificationStatus status, long elapsedMs);

    [LoggerMessage(4, LogLevel.Warning, "Classification of {Partnumber} ended: {Reason}")]
    public static partial void Ended(ILogger logger, string partnumber, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Ignored a malformed Socket.IO packet from the server: {Packet}")]
    public static partial void IgnoredMalformedPacket(ILogger logger, string packet, Exception error);

    [LoggerMessage(6, LogLevel.Warning, "Ignored the server event {EventName}: its payload could not be read")]
    public static partial void IgnoredMalformedEvent(ILogger logger, string eventName, Exception error);

    [LoggerMessage(7, LogLevel.Warning, "Ignored a {EventName} event whose payload is {ValueKind}, not a JSON object")]
    public static partial void IgnoredNonObjectPayload(ILogger logger, string eventName, System.Text.Json.JsonValueKind valueKind);

    [LoggerMessage(8, LogLevel.Debug, "Realtime connection of {Partnumber} ended: {Reason}")]
    public static partial void ConnectionEnded(ILogger logger, string partnumber, string reason);

    [LoggerMessage(9, LogLevel.Warning, "Classification of {Partnumber}: reconnect attempt {Attempt} in {DelayMs} ms after: {Reason}")]
    public static partial void Reconnecting(ILogger logger, string partnumber, int attempt, long delayMs, string reason);

    [LoggerMessage(10, LogLevel.Information, "Classification of {Partnumber}: reconnected on attempt {Attempt} with session {SessionId} and joined the room again")]
    public static partial void Reconnected(ILogger logger, string partnumber, int attempt, string sessionId);

    [LoggerMessage(11, LogLevel.Warning, "The OnReconnecting callback threw; ignored")]
    public static partial void ReconnectHookFailed(ILogger logger, Exception error);
}

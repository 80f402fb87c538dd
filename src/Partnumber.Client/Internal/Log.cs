using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Internal;

/// <summary>
/// Every log message of the SDK. Header values, <c>auth</c> and bodies are never logged: a server's text reaches a log
/// line only through <see cref="Excerpt"/> (a status and a short, sanitized excerpt), and an exception that may quote a
/// server is named by its type, never attached (exceptions keep the capped body for the caller).
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Socket.IO connected to {Endpoint} with session {SessionId} over {Transport}")]
    public static partial void Connected(ILogger logger, Uri endpoint, string sessionId, PartnumberTransports transport);

    [LoggerMessage(2, LogLevel.Debug, "Classification of {Partnumber} accepted: task {TaskId}, room {RoomId}")]
    public static partial void Accepted(ILogger logger, string partnumber, string taskId, string roomId);

    [LoggerMessage(3, LogLevel.Debug, "Classification of {Partnumber} finished with status {Status} in {ElapsedMs} ms")]
    public static partial void Finished(ILogger logger, string partnumber, ClassificationStatus status, long elapsedMs);

    [LoggerMessage(4, LogLevel.Warning, "Classification of {Partnumber} ended: {Reason}")]
    public static partial void Ended(ILogger logger, string partnumber, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Ignored a malformed Socket.IO packet from the server: {Packet}")]
    public static partial void IgnoredMalformedPacket(ILogger logger, string packet);

    [LoggerMessage(6, LogLevel.Warning, "Ignored the server event {EventName}: its payload could not be read ({ErrorType}: {Reason})")]
    public static partial void IgnoredMalformedEvent(ILogger logger, string eventName, string errorType, string reason);

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

    [LoggerMessage(14, LogLevel.Warning, "Classification of {Partnumber}: task {TaskId} was lost by the server (no event within {SilenceLimit} of rejoining its room after a reconnect); resubmitting it (resubmission {Resubmission})")]
    public static partial void Resubmitting(ILogger logger, string partnumber, string taskId, int resubmission, string silenceLimit);

    [LoggerMessage(17, LogLevel.Warning, "Classification of {Partnumber}: the answer to its POST was lost ({Reason}); resubmitting it from a fresh connection (resubmission {Resubmission})")]
    public static partial void ResubmittingAfterLostPost(ILogger logger, string partnumber, int resubmission, string reason);

    [LoggerMessage(18, LogLevel.Information, "Classification of {Partnumber}: its POST failed without an answer ({Reason}) and the backend's realtime connection ended with it: the backend went away, so the request is posted again from a fresh connection")]
    public static partial void PostingAgainAfterBackendWentAway(ILogger logger, string partnumber, string reason);

    [LoggerMessage(15, LogLevel.Warning, "Classification of {Partnumber}: ignored an event of task {TaskId}, which was resubmitted as lost")]
    public static partial void IgnoredEventOfLostTask(ILogger logger, string partnumber, string taskId);

    [LoggerMessage(16, LogLevel.Information, "Could not connect to {Endpoint} ({Reason}); attempt {Attempt} failed, trying again in {DelayMs} ms within the connect timeout")]
    public static partial void ConnectRetry(ILogger logger, Uri endpoint, string reason, int attempt, long delayMs);

    [LoggerMessage(19, LogLevel.Information, "{Endpoint} refused the client's credentials (attempt {Attempt}); fetching them again and retrying once")]
    public static partial void CredentialsRefused(ILogger logger, Uri endpoint, int attempt);

    [LoggerMessage(22, LogLevel.Information, "POST {Endpoint} was answered 401; fetching the headers again and retrying once")]
    public static partial void PostUnauthorized(ILogger logger, Uri endpoint);

    [LoggerMessage(30, LogLevel.Information, "WebSocket to {Endpoint} was refused ({Reason}); using long-polling, and trying WebSocket again (by an upgrade probe) after {Minutes} min")]
    public static partial void WebSocketRefused(ILogger logger, Uri endpoint, string reason, long minutes);

    [LoggerMessage(31, LogLevel.Debug, "WebSocket to {Endpoint} is still refused ({Reason}); staying on long-polling")]
    public static partial void WebSocketStillRefused(ILogger logger, Uri endpoint, string reason);

    [LoggerMessage(32, LogLevel.Information, "WebSocket to {Endpoint} works again: upgraded a long-polling session, and new connections use WebSocket first")]
    public static partial void WebSocketWorksAgain(ILogger logger, Uri endpoint);

    [LoggerMessage(33, LogLevel.Debug, "Immediate TCP acknowledgement (TCP_QUICKACK) was refused by the platform; ACKs stay delayed: {Reason}")]
    public static partial void QuickAckRefused(ILogger logger, string reason, Exception error);

    [LoggerMessage(20, LogLevel.Debug, "A standby realtime connection could not be opened (retried after the next classification starts): {Reason} ({ErrorType})")]
    public static partial void StandbyConnectFailed(ILogger logger, string reason, string errorType);

    [LoggerMessage(21, LogLevel.Warning, "Closed idle connection {SessionId}: the server sent it {EventName} between classifications (a late event of an earlier task?)")]
    public static partial void IdleConnectionGotEvent(ILogger logger, string sessionId, string eventName);

    [LoggerMessage(12, LogLevel.Debug, "Classification of {Partnumber} cancelled by the caller while {Phase}")]
    public static partial void Cancelled(ILogger logger, string partnumber, string phase);

    [LoggerMessage(13, LogLevel.Warning, "Classification of {Partnumber}: ignored a classification_finished of {Carried} on reused connection {SessionId} (a late event of an earlier task); the connection will not be reused")]
    public static partial void IgnoredLateFinished(ILogger logger, string partnumber, string carried, string sessionId);
}

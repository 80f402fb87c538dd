using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Internal;

/// <summary>
/// Every log message of the SDK. Header values, <c>auth</c> and bodies are never logged: a server's text reaches a log
/// line only through <see cref="Excerpt"/> (a status and a short, sanitized excerpt), and an exception that may quote a
/// server is named by its type, never attached (exceptions keep the capped body for the caller). Ids are grouped by
/// what they are about and each event has a name (its method's); a classification's events carry its logging scope.
/// </summary>
internal static partial class Log
{
    // Classification: one classification's life (1-19).

    [LoggerMessage(1, LogLevel.Debug, "Classification of {Partnumber} accepted: task {TaskId}, room {RoomId}", EventName = "Accepted")]
    public static partial void Accepted(ILogger logger, string partnumber, string taskId, string roomId);

    [LoggerMessage(2, LogLevel.Debug, "Classification of {Partnumber} finished with status {Status} in {ElapsedMs} ms", EventName = "Finished")]
    public static partial void Finished(ILogger logger, string partnumber, ClassificationStatus status, long elapsedMs);

    [LoggerMessage(3, LogLevel.Debug, "Classification of {Partnumber} cancelled by the caller while {Phase}", EventName = "Cancelled")]
    public static partial void Cancelled(ILogger logger, string partnumber, string phase);

    [LoggerMessage(4, LogLevel.Warning, "Classification of {Partnumber} ended: {Reason}", EventName = "Ended")]
    public static partial void Ended(ILogger logger, string partnumber, string reason);

    [LoggerMessage(5, LogLevel.Debug, "Realtime connection of {Partnumber} ended: {Reason}", EventName = "ConnectionEnded")]
    public static partial void ConnectionEnded(ILogger logger, string partnumber, string reason);

    [LoggerMessage(6, LogLevel.Warning, "Classification of {Partnumber}: reconnect attempt {Attempt} in {DelayMs} ms after: {Reason}", EventName = "Reconnecting")]
    public static partial void Reconnecting(ILogger logger, string partnumber, int attempt, long delayMs, string reason);

    [LoggerMessage(7, LogLevel.Information, "Classification of {Partnumber}: reconnected on attempt {Attempt} with session {SessionId} and joined the room again", EventName = "Reconnected")]
    public static partial void Reconnected(ILogger logger, string partnumber, int attempt, string sessionId);

    [LoggerMessage(8, LogLevel.Warning, "The OnReconnecting callback threw; ignored", EventName = "ReconnectHookFailed")]
    public static partial void ReconnectHookFailed(ILogger logger, Exception error);

    [LoggerMessage(9, LogLevel.Warning, "Classification of {Partnumber}: task {TaskId} was lost by the server (no event within {SilenceLimit} of rejoining its room after a reconnect); resubmitting it (resubmission {Resubmission})", EventName = "Resubmitting")]
    public static partial void Resubmitting(ILogger logger, string partnumber, string taskId, int resubmission, string silenceLimit);

    [LoggerMessage(10, LogLevel.Warning, "Classification of {Partnumber}: the answer to its POST was lost ({Reason}); resubmitting it from a fresh connection (resubmission {Resubmission})", EventName = "ResubmittingAfterLostPost")]
    public static partial void ResubmittingAfterLostPost(ILogger logger, string partnumber, int resubmission, string reason);

    [LoggerMessage(11, LogLevel.Information, "Classification of {Partnumber}: its POST failed without an answer ({Reason}) and the backend's realtime connection ended with it: the backend went away, so the request is posted again from a fresh connection", EventName = "PostingAgainAfterBackendWentAway")]
    public static partial void PostingAgainAfterBackendWentAway(ILogger logger, string partnumber, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Classification of {Partnumber}: ignored an event of task {TaskId}, which was resubmitted as lost", EventName = "IgnoredEventOfLostTask")]
    public static partial void IgnoredEventOfLostTask(ILogger logger, string partnumber, string taskId);

    [LoggerMessage(13, LogLevel.Warning, "Classification of {Partnumber}: ignored a classification_finished of {Carried} on reused connection {SessionId} (a late event of an earlier task); the connection will not be reused", EventName = "IgnoredLateFinished")]
    public static partial void IgnoredLateFinished(ILogger logger, string partnumber, string carried, string sessionId);

    // Connections: opening, credentials, the pool (20-39).

    [LoggerMessage(20, LogLevel.Debug, "Socket.IO connected to {Endpoint} with session {SessionId} over {Transport}", EventName = "Connected")]
    public static partial void Connected(ILogger logger, Uri endpoint, string sessionId, PartnumberTransports transport);

    [LoggerMessage(21, LogLevel.Information, "Could not connect to {Endpoint} ({Reason}); attempt {Attempt} failed, trying again in {DelayMs} ms within the connect timeout", EventName = "ConnectRetry")]
    public static partial void ConnectRetry(ILogger logger, Uri endpoint, string reason, int attempt, long delayMs);

    [LoggerMessage(22, LogLevel.Information, "{Endpoint} refused the client's credentials (attempt {Attempt}); fetching them again and retrying once", EventName = "CredentialsRefused")]
    public static partial void CredentialsRefused(ILogger logger, Uri endpoint, int attempt);

    [LoggerMessage(23, LogLevel.Information, "POST {Endpoint} was answered 401; fetching the headers again and retrying once", EventName = "PostUnauthorized")]
    public static partial void PostUnauthorized(ILogger logger, Uri endpoint);

    [LoggerMessage(24, LogLevel.Debug, "A standby realtime connection could not be opened (retried after the next classification starts): {Reason} ({ErrorType})", EventName = "StandbyConnectFailed")]
    public static partial void StandbyConnectFailed(ILogger logger, string reason, string errorType);

    [LoggerMessage(25, LogLevel.Warning, "Closed idle connection {SessionId}: the server sent it {EventName} between classifications (a late event of an earlier task?)", EventName = "IdleConnectionGotEvent")]
    public static partial void IdleConnectionGotEvent(ILogger logger, string sessionId, string eventName);

    // Transports and packets (40-59).

    [LoggerMessage(40, LogLevel.Information, "WebSocket to {Endpoint} was refused ({Reason}); using long-polling, and trying WebSocket again (by an upgrade probe) after {Minutes} min", EventName = "WebSocketRefused")]
    public static partial void WebSocketRefused(ILogger logger, Uri endpoint, string reason, long minutes);

    [LoggerMessage(41, LogLevel.Debug, "WebSocket to {Endpoint} is still refused ({Reason}); staying on long-polling", EventName = "WebSocketStillRefused")]
    public static partial void WebSocketStillRefused(ILogger logger, Uri endpoint, string reason);

    [LoggerMessage(42, LogLevel.Information, "WebSocket to {Endpoint} works again: upgraded a long-polling session, and new connections use WebSocket first", EventName = "WebSocketWorksAgain")]
    public static partial void WebSocketWorksAgain(ILogger logger, Uri endpoint);

    [LoggerMessage(43, LogLevel.Debug, "Immediate TCP acknowledgement (TCP_QUICKACK) was refused by the platform; ACKs stay delayed: {Reason}", EventName = "QuickAckRefused")]
    public static partial void QuickAckRefused(ILogger logger, string reason, Exception error);

    [LoggerMessage(44, LogLevel.Warning, "Ignored a malformed Socket.IO packet from the server: {Packet}", EventName = "IgnoredMalformedPacket")]
    public static partial void IgnoredMalformedPacket(ILogger logger, string packet);

    [LoggerMessage(45, LogLevel.Warning, "Ignored the server event {EventName}: its payload could not be read ({ErrorType}: {Reason})", EventName = "IgnoredMalformedEvent")]
    public static partial void IgnoredMalformedEvent(ILogger logger, string eventName, string errorType, string reason);

    [LoggerMessage(46, LogLevel.Warning, "Ignored a {EventName} event whose payload is {ValueKind}, not a JSON object", EventName = "IgnoredNonObjectPayload")]
    public static partial void IgnoredNonObjectPayload(ILogger logger, string eventName, System.Text.Json.JsonValueKind valueKind);
}

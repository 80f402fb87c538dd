namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// What the server (or a proxy) answered instead of 101 to a WebSocket upgrade: the inner exception of the
/// <see cref="System.Net.WebSockets.WebSocketException"/> the SDK's own handshake throws then.
/// </summary>
internal sealed class UpgradeRefusedException : Exception
{
    public UpgradeRefusedException(int statusCode, string message, string? contentType, string? body)
        : base(message)
    {
        StatusCode = statusCode;
        ContentType = contentType;
        Body = body;
    }

    /// <summary>The HTTP status of the answer.</summary>
    public int StatusCode { get; }

    /// <summary>The answer's Content-Type, if any.</summary>
    public string? ContentType { get; }

    /// <summary>The answer's body, when it was small and announced its length; else null.</summary>
    public string? Body { get; }
}

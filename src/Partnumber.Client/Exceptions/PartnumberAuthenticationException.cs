using System.Net;

namespace Partnumber.Client;

/// <summary>
/// The server refused the client's credentials: the realtime connection was refused by the server's Socket.IO layer
/// (CONNECT_ERROR) or its Engine.IO handshake answered 401/403, or a POST answered 401 after the credentials were
/// refreshed (<see cref="PartnumberClassificationClientOptions.HeadersProvider"/>). When a credentials provider is set,
/// this is thrown only after the provider was called again and the attempt retried once.
/// </summary>
public class PartnumberAuthenticationException : PartnumberConnectionException
{
    /// <summary>Creates an exception with a default message.</summary>
    public PartnumberAuthenticationException()
        : base("The classification server refused the client's credentials.")
    {
        ServerMessage = string.Empty;
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public PartnumberAuthenticationException(string message)
        : base(message)
    {
        ServerMessage = string.Empty;
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public PartnumberAuthenticationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        ServerMessage = string.Empty;
    }

    /// <summary>Creates an exception for a refusal by the server.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="statusCode">The HTTP status of the refusal; null for a Socket.IO CONNECT_ERROR.</param>
    /// <param name="serverMessage">The CONNECT_ERROR's message or the response body (capped like <see cref="ClassificationRejectedException.ResponseBody"/>).</param>
    /// <param name="credentialsRefreshed">Whether the credentials were fetched again and the attempt retried before this refusal.</param>
    /// <param name="innerException">The cause, if any.</param>
    public PartnumberAuthenticationException(string message, HttpStatusCode? statusCode, string serverMessage, bool credentialsRefreshed, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ServerMessage = serverMessage ?? string.Empty;
        CredentialsRefreshed = credentialsRefreshed;
    }

    /// <summary>The HTTP status of the refusal (401, 403); null when the server's Socket.IO layer refused (CONNECT_ERROR).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>What the server said: the CONNECT_ERROR's message or the response body; empty when nothing.</summary>
    public string ServerMessage { get; }

    /// <summary>Whether the credentials providers were called again and the attempt retried once before this refusal.</summary>
    public bool CredentialsRefreshed { get; }
}

namespace Partnumber.Client;

/// <summary>
/// The server broke the protocol: a 2xx answer to the POST without a <c>room_id</c> (or not JSON), or a
/// <c>classification_finished</c> event whose payload is not a JSON object. Retrying will not help; the server's
/// text is in <see cref="ServerText"/> (capped) for the report.
/// </summary>
public class PartnumberProtocolException : PartnumberClientException
{
    /// <summary>Creates an exception with a default message.</summary>
    public PartnumberProtocolException()
        : base("The classification server broke the protocol.")
    {
        ServerText = string.Empty;
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public PartnumberProtocolException(string message)
        : base(message)
    {
        ServerText = string.Empty;
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public PartnumberProtocolException(string message, Exception? innerException)
        : base(message, innerException)
    {
        ServerText = string.Empty;
    }

    /// <summary>Creates an exception for what the server sent.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="serverText">What the server sent (a body or an event's payload), capped at 4,096 characters.</param>
    /// <param name="innerException">The cause, if any.</param>
    public PartnumberProtocolException(string message, string serverText, Exception? innerException = null)
        : base(message, innerException)
    {
        ServerText = serverText ?? string.Empty;
    }

    /// <summary>What the server sent that broke the protocol (capped at 4,096 characters); empty when unknown.</summary>
    public string ServerText { get; }
}

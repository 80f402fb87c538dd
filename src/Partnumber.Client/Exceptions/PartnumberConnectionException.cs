namespace Partnumber.Client;

/// <summary>The realtime (Socket.IO) or HTTP connection could not be established, or was lost for good.</summary>
public class PartnumberConnectionException : PartnumberClientException
{
    /// <summary>Creates an exception with a default message.</summary>
    public PartnumberConnectionException()
        : base("Could not connect to the classification server.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public PartnumberConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public PartnumberConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

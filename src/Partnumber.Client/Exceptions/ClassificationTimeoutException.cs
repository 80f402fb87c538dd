namespace Partnumber.Client;

/// <summary>No final result arrived within <see cref="PartnumberClassificationClientOptions.ClassificationTimeout"/>.</summary>
public class ClassificationTimeoutException : PartnumberClientException
{
    /// <summary>Creates an exception with a default message.</summary>
    public ClassificationTimeoutException()
        : base("The classification did not finish in time.")
    {
    }

    /// <summary>Creates an exception with a message that says what was last seen.</summary>
    /// <param name="message">What went wrong.</param>
    public ClassificationTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ClassificationTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

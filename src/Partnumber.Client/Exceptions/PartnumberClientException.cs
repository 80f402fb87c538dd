namespace Partnumber.Client;

/// <summary>The base of every exception the Partnumber client throws for a classification that could not complete.</summary>
public class PartnumberClientException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public PartnumberClientException()
        : base("The partnumber classification could not be completed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public PartnumberClientException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public PartnumberClientException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

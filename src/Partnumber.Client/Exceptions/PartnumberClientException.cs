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

    /// <summary>Where the classification was when this ended it; null when not thrown by a classification (for example by <c>PingAsync</c>).</summary>
    public ClassificationPhase? Phase { get; internal set; }

    /// <summary>The last progress update the classification had received before this ended it; null when none.</summary>
    public ClassificationUpdate? LastProgress { get; internal set; }

    /// <summary>How many times the classification's dropped connection had been replaced before this ended it.</summary>
    public int Reconnects { get; internal set; }
}

using System.Net;

namespace Partnumber.Client;

/// <summary>The server refused to start the classification: the POST was answered with a non-2xx status.</summary>
public class ClassificationRejectedException : PartnumberClientException
{
    /// <summary>The most characters of a response body kept in <see cref="ResponseBody"/> (and so in logs and messages).</summary>
    public const int MaxResponseBodyLength = 4096;

    /// <summary>Creates an exception with a default message.</summary>
    public ClassificationRejectedException()
        : this("The server rejected the classification request.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public ClassificationRejectedException(string message)
        : base(message)
    {
        ResponseBody = string.Empty;
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ClassificationRejectedException(string message, Exception? innerException)
        : base(message, innerException)
    {
        ResponseBody = string.Empty;
    }

    /// <summary>Creates an exception for a response.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="statusCode">The response's status code.</param>
    /// <param name="responseBody">The response body, capped at <see cref="MaxResponseBodyLength"/> characters.</param>
    public ClassificationRejectedException(string message, HttpStatusCode statusCode, string responseBody)
        : base(message)
    {
        StatusCode = statusCode;
        ResponseBody = responseBody ?? string.Empty;
    }

    /// <summary>The HTTP status code the server answered with.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The response body (at most <see cref="MaxResponseBodyLength"/> characters; empty when there was none).</summary>
    public string ResponseBody { get; }
}

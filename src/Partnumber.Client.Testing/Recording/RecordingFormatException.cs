namespace Partnumber.Client.Testing.Recording;

/// <summary>
/// A recording that cannot be used: not JSON, not a Partnumber recording, a newer format version, or a member with a
/// wrong or missing value. The message names the problem and where it is (JSON path and, when read from text, the line).
/// </summary>
public sealed class RecordingFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public RecordingFormatException()
        : this("The recording is not valid.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public RecordingFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public RecordingFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a problem at one place of the recording.</summary>
    /// <param name="message">The full message (naming the problem and its location).</param>
    /// <param name="jsonPath">Where, as a JSON path such as <c>$.classifications[1].events[0].offsetMs</c>.</param>
    /// <param name="lineNumber">The 1-based line, when the recording was read from text.</param>
    /// <param name="innerException">The cause, if any.</param>
    public RecordingFormatException(string message, string? jsonPath, long? lineNumber, Exception? innerException = null)
        : base(message, innerException)
    {
        JsonPath = jsonPath;
        LineNumber = lineNumber;
    }

    /// <summary>Where the problem is, as a JSON path (<c>$</c> is the document); null when not known.</summary>
    public string? JsonPath { get; }

    /// <summary>The 1-based line of the problem, when the recording was read from text; null otherwise.</summary>
    public long? LineNumber { get; }
}

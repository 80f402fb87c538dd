using System.Text;

namespace Partnumber.Client.Internal;

/// <summary>
/// How much of a server's text (a body, a payload, a packet) goes into an exception message or a log line. Exceptions
/// carry bodies (capped); logs carry only a short, sanitized excerpt: a status and the first <see cref="LogChars"/>
/// characters of a body or packet, or the first <see cref="ReasonChars"/> of a reason the SDK wrote around such text.
/// </summary>
internal static class Excerpt
{
    /// <summary>A payload or packet quoted in a message or a warning.</summary>
    public const int ShortChars = 500;

    /// <summary>The most of a server's own text (a body, a packet) a log line carries.</summary>
    public const int LogChars = 64;

    /// <summary>The most of a reason (an exception's message, the SDK's words around a server's text) a log line carries.</summary>
    public const int ReasonChars = 200;

    /// <summary>At most <paramref name="maxChars"/> characters of <paramref name="text"/>, with an ellipsis when cut.</summary>
    public static string Of(string text, int maxChars = ShortChars) => text.Length <= maxChars ? text : text.Substring(0, maxChars) + "…";

    /// <summary>A server's own text (a body, a packet) for a log line: its first <see cref="LogChars"/> characters, sanitized.</summary>
    public static string ForLog(string serverText) => Sanitized(serverText, LogChars);

    /// <summary>A reason for a log line: the first <see cref="ReasonChars"/> characters of <paramref name="reason"/>, sanitized.</summary>
    public static string Reason(string reason) => Sanitized(reason, ReasonChars);

    /// <summary>
    /// What a log line says of <paramref name="error"/>: for a rejected POST its status and the first
    /// <see cref="LogChars"/> characters of the body (the exception keeps the whole, capped body); otherwise its message
    /// as a <see cref="Reason(string)"/>.
    /// </summary>
    public static string Reason(Exception error)
        => error is ClassificationRejectedException { StatusCode: not 0 } rejected
            ? $"rejected with {(int)rejected.StatusCode} {rejected.StatusCode}" + (string.IsNullOrEmpty(rejected.ResponseBody) ? string.Empty : ": " + ForLog(rejected.ResponseBody))
            : Reason(error.Message);

    /// <summary>Control characters (line breaks included, so a server cannot forge log lines) become spaces; at most
    /// <paramref name="maxChars"/> characters, with an ellipsis when cut.</summary>
    private static string Sanitized(string text, int maxChars)
    {
        var length = Math.Min(text.Length, maxChars);
        if (length > 0 && char.IsHighSurrogate(text[length - 1]))
        {
            length--; // never half a character
        }

        var builder = new StringBuilder(length + 1);
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        if (length < text.Length)
        {
            builder.Append('…');
        }

        return builder.ToString();
    }
}

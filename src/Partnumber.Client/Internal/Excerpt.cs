namespace Partnumber.Client.Internal;

/// <summary>How much of a server's text (a body, a payload, a packet) goes into an exception message or a log line.</summary>
internal static class Excerpt
{
    /// <summary>A payload or packet quoted in a message or a warning.</summary>
    public const int ShortChars = 500;

    /// <summary>At most <paramref name="maxChars"/> characters of <paramref name="text"/>, with an ellipsis when cut.</summary>
    public static string Of(string text, int maxChars = ShortChars) => text.Length <= maxChars ? text : text.Substring(0, maxChars) + "…";
}

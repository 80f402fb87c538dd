#if NET8_0_OR_GREATER
using System.Globalization;

namespace Partnumber.Client.Internal.Net;

/// <summary>
/// Reads an HTTP/1.x response head (status line and headers, without the blank line that ends it) written as text. Only
/// what a client that reads one head per connection needs: the end of the head in bytes, the status, a header's value,
/// the lines one by one and a header's comma-separated tokens. Spans over the head, so no arrays or substrings are made
/// per line.
/// </summary>
internal static class HttpResponseHead
{
    /// <summary>Where the head ends in <paramref name="data"/> (the index of its CRLF CRLF), or -1 when it does not yet.</summary>
    public static int IndexOfEnd(ReadOnlySpan<byte> data) => data.IndexOf("\r\n\r\n"u8);

    /// <summary>The status line: the head's text up to its first CRLF.</summary>
    public static string StatusLine(string head)
        => head.Substring(0, head.IndexOf("\r\n", StringComparison.Ordinal) is var end and >= 0 ? end : head.Length);

    /// <summary>The status code of a response head, or null when its status line is not HTTP/1.x.</summary>
    public static int? StatusOf(string head)
    {
        var rest = head.AsSpan();
        var statusLine = NextLine(ref rest);
        var firstSpace = statusLine.IndexOf(' ');
        if (firstSpace < 0 || !statusLine.StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return null;
        }

        var afterVersion = statusLine.Slice(firstSpace + 1);
        var secondSpace = afterVersion.IndexOf(' ');
        return int.TryParse(secondSpace < 0 ? afterVersion : afterVersion.Slice(0, secondSpace), NumberStyles.None, CultureInfo.InvariantCulture, out var status) ? status : null;
    }

    /// <summary>The first value of header <paramref name="name"/> in a response head, trimmed; null when absent.</summary>
    public static string? HeaderValue(string head, string name)
    {
        var rest = head.AsSpan();
        NextLine(ref rest);
        while (!rest.IsEmpty)
        {
            var line = NextLine(ref rest);
            var colon = line.IndexOf(':');
            if (colon > 0 && line.Slice(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line.Slice(colon + 1).Trim().ToString();
            }
        }

        return null;
    }

    /// <summary>The text up to the next CRLF (or the end), advancing <paramref name="rest"/> past it.</summary>
    public static ReadOnlySpan<char> NextLine(ref ReadOnlySpan<char> rest)
    {
        var end = rest.IndexOf("\r\n", StringComparison.Ordinal);
        var line = end < 0 ? rest : rest.Slice(0, end);
        rest = end < 0 ? default : rest.Slice(end + 2);
        return line;
    }

    /// <summary>Whether the comma-separated header value lists <paramref name="token"/> (case-insensitive).</summary>
    public static bool HasToken(ReadOnlySpan<char> value, string token)
    {
        while (true)
        {
            var comma = value.IndexOf(',');
            if ((comma < 0 ? value : value.Slice(0, comma)).Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (comma < 0)
            {
                return false;
            }

            value = value.Slice(comma + 1);
        }
    }
}
#endif

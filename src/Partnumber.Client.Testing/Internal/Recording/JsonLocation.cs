using System.Text.Json;

namespace Partnumber.Client.Testing.Internal.Recording;

/// <summary>
/// JSON paths as the recording's error messages write them (<c>$.classifications[1].events[0].offsetMs</c>), and the
/// line a path starts on. JsonDocument keeps no positions, so the line is found by reading the text again — only when
/// an error is reported.
/// </summary>
internal static class JsonLocation
{
    public static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static string Property(string parent, string name)
    {
        var simple = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_');
        for (var i = 1; simple && i < name.Length; i++)
        {
            simple = char.IsAsciiLetterOrDigit(name[i]) || name[i] == '_';
        }

        return simple ? parent + "." + name : parent + "['" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";
    }

    public static string Index(string parent, int index) => parent + "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";

    /// <summary>The 1-based line where the value (or property) at <paramref name="path"/> starts; null when not found.</summary>
    public static long? FindLine(ReadOnlySpan<byte> json, string path)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        var frames = new List<Frame>();
        string? property = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        if (Property(frames[^1].Path, property!) == path)
                        {
                            return LineAt(json, reader.TokenStartIndex);
                        }

                        continue;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        continue;
                }

                var here = frames.Count == 0 ? "$"
                    : frames[^1].IsArray ? Index(frames[^1].Path, frames[^1].NextIndex++)
                    : Property(frames[^1].Path, property!);
                if (here == path)
                {
                    return LineAt(json, reader.TokenStartIndex);
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    frames.Add(new Frame(here, reader.TokenType == JsonTokenType.StartArray));
                }
            }
        }
        catch (JsonException)
        {
            // Only called on text that parsed; nothing to find otherwise.
        }

        return null;
    }

    private static long LineAt(ReadOnlySpan<byte> json, long index)
        => json[..(int)index].Count((byte)'\n') + 1;

    private sealed class Frame(string path, bool isArray)
    {
        public string Path { get; } = path;

        public bool IsArray { get; } = isArray;

        public int NextIndex { get; set; }
    }
}

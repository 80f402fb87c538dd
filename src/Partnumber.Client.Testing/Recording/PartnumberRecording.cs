using System.Text;
using Partnumber.Client.Testing.Internal.Recording;

namespace Partnumber.Client.Testing.Recording;

/// <summary>
/// Classifications recorded from a real backend (by <see cref="PartnumberRecorder"/>, or written by hand), one entry
/// per partnumber, for <see cref="FakePartnumberServer.Replay(PartnumberRecording, ReplayOptions?)"/>. Saved as
/// versioned, indented JSON (<c>"format": "partnumber-recording", "version": 1</c>) meant to be read and edited by
/// people; it holds no header, cookie or <c>Auth</c> value. The format is described in docs/fake-server.md.
/// </summary>
public sealed class PartnumberRecording
{
    /// <summary>The value of the file's <c>format</c> member.</summary>
    public const string FormatName = RecordingFormat.Name;

    /// <summary>The format version this library writes, and the newest it reads.</summary>
    public const int FormatVersion = RecordingFormat.Version;

    /// <summary>When the recording was made, if known.</summary>
    public DateTimeOffset? RecordedAt { get; set; }

    /// <summary>The recorded classifications, one per partnumber.</summary>
    public IList<RecordedClassification> Classifications { get; } = new List<RecordedClassification>();

    /// <summary>The entry of <paramref name="partnumber"/> (ordinal), or null.</summary>
    /// <param name="partnumber">The partnumber.</param>
    /// <returns>The entry or null.</returns>
    public RecordedClassification? Find(string partnumber)
        => Classifications.FirstOrDefault(c => c is not null && string.Equals(c.Partnumber, partnumber, StringComparison.Ordinal));

    /// <summary>Reads a recording file.</summary>
    /// <param name="path">The file (UTF-8 JSON).</param>
    /// <returns>The recording.</returns>
    /// <exception cref="RecordingFormatException">
    /// The file is not JSON, not a recording, a newer format version, or has a wrong or missing member; the message
    /// names the file, the JSON path and the line.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static PartnumberRecording Load(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException("The path is required.", nameof(path));
        }

        return RecordingReader.Read(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    /// <summary>Reads a recording from a stream of UTF-8 JSON (read to its end; not closed).</summary>
    /// <param name="utf8Json">The stream.</param>
    /// <returns>The recording.</returns>
    /// <exception cref="RecordingFormatException">The text is not a valid recording; the message names the JSON path and line.</exception>
    public static PartnumberRecording Load(Stream utf8Json)
    {
        if (utf8Json is null)
        {
            throw new ArgumentNullException(nameof(utf8Json));
        }

        using var buffer = new MemoryStream();
        utf8Json.CopyTo(buffer);
        return RecordingReader.Read(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), source: null);
    }

    /// <summary>Reads a recording from JSON text.</summary>
    /// <param name="json">The text.</param>
    /// <returns>The recording.</returns>
    /// <exception cref="RecordingFormatException">The text is not a valid recording; the message names the JSON path and line.</exception>
    public static PartnumberRecording Parse(string json)
    {
        if (json is null)
        {
            throw new ArgumentNullException(nameof(json));
        }

        return RecordingReader.Read(Encoding.UTF8.GetBytes(json), source: null);
    }

    /// <summary>Writes the recording to a file (created or replaced).</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="RecordingFormatException">An entry breaks a rule of the format (named by its JSON path).</exception>
    public void Save(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException("The path is required.", nameof(path));
        }

        using var buffer = new MemoryStream();
        WriteTo(buffer); // validated before the file is touched
        File.WriteAllBytes(path, buffer.ToArray());
    }

    /// <summary>Writes the recording as UTF-8 JSON to <paramref name="stream"/> (not closed).</summary>
    /// <param name="stream">The stream.</param>
    /// <exception cref="RecordingFormatException">An entry breaks a rule of the format (named by its JSON path).</exception>
    public void WriteTo(Stream stream)
    {
        if (stream is null)
        {
            throw new ArgumentNullException(nameof(stream));
        }

        RecordingWriter.Write(this, stream);
    }

    /// <summary>The recording as JSON text.</summary>
    /// <returns>The JSON.</returns>
    /// <exception cref="RecordingFormatException">An entry breaks a rule of the format (named by its JSON path).</exception>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        WriteTo(buffer);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}

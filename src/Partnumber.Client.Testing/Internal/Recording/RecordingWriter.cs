using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Partnumber.Client.Testing.Recording;

namespace Partnumber.Client.Testing.Internal.Recording;

/// <summary>Writes the recording format, indented, with non-ASCII text left readable (people edit these files).</summary>
internal static class RecordingWriter
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(PartnumberRecording recording, Stream stream)
    {
        RecordingValidator.Validate(recording);
        using var writer = new Utf8JsonWriter(stream, Options);
        writer.WriteStartObject();
        writer.WriteString("format", RecordingFormat.Name);
        writer.WriteNumber("version", RecordingFormat.Version);
        if (recording.RecordedAt is { } at)
        {
            writer.WriteString("recordedAt", at.ToString("O", CultureInfo.InvariantCulture));
        }

        writer.WriteStartArray("classifications");
        foreach (var entry in recording.Classifications)
        {
            Write(writer, entry);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
    }

    private static void Write(Utf8JsonWriter writer, RecordedClassification entry)
    {
        writer.WriteStartObject();
        writer.WriteString("partnumber", entry.Partnumber);
        if (entry.Description is not null || entry.Manufacturer is not null || entry.Supplier is not null)
        {
            writer.WriteStartObject("request");
            WriteIfSet(writer, "description", entry.Description);
            WriteIfSet(writer, "manufacturer", entry.Manufacturer);
            WriteIfSet(writer, "supplier", entry.Supplier);
            writer.WriteEndObject();
        }

        writer.WriteStartObject("response");
        writer.WriteNumber("status", entry.ResponseStatus);
        if (entry.ResponseBody is { } body)
        {
            writer.WritePropertyName("body");
            body.WriteTo(writer);
        }
        else if (entry.ResponseText is { } text)
        {
            writer.WriteString("text", text);
        }

        writer.WriteEndObject();
        if (entry.End != RecordingEnd.Rejected)
        {
            WriteEvents(writer, entry);
        }

        writer.WriteString("end", RecordingFormat.NameOf(entry.End));
        if (entry.Disconnect is { } disconnect)
        {
            writer.WriteStartObject("disconnect");
            writer.WriteNumber("offsetMs", Milliseconds(disconnect.Offset));
            writer.WriteString("mode", RecordingFormat.NameOf(disconnect.Mode));
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteEvents(Utf8JsonWriter writer, RecordedClassification entry)
    {
        writer.WriteStartArray("events");
        foreach (var e in entry.Events)
        {
            writer.WriteStartObject();
            writer.WriteNumber("offsetMs", Milliseconds(e.Offset));
            writer.WriteString("name", e.Name);
            writer.WritePropertyName("payload");
            if (e.Payload is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                e.Payload.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Tenths of a millisecond: finer than any network, coarse enough to read.</summary>
    private static double Milliseconds(TimeSpan offset) => Math.Round(offset.TotalMilliseconds, 1, MidpointRounding.AwayFromZero);

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}

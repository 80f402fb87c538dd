using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Partnumber.Client.Testing.Internal.Backend;

/// <summary>The backend's JSON payloads, written with <see cref="Utf8JsonWriter"/> (no reflection on the hot path).</summary>
internal static class Payloads
{
    private const int MaxKeptBufferBytes = 16 * 1024;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static readonly string[] DefaultMessages = ["Recebendo pedido", "Analisando dados...", "Gerando classificação"];

    public static string Update(int current, int total, string message) => Write(w =>
    {
        w.WriteString("current", current.ToString(CultureInfo.InvariantCulture));
        w.WriteString("total", total.ToString(CultureInfo.InvariantCulture));
        w.WriteString("status", "processing");
        w.WriteString("message", message);
    });

    public static string Finished(string partnumber, string description) => Write(w =>
    {
        w.WriteString("partnumber", partnumber);
        w.WriteString("description", description);
        w.WriteString("status", "done");
    });

    public static string Accepted(string taskId, string roomId) => Write(w =>
    {
        w.WriteString("message", "Seu pedido de classificação foi aceito e está sendo processado.");
        w.WriteString("task_id", taskId);
        w.WriteString("room_id", roomId);
    });

    public static string Error(string message) => Write(w => w.WriteString("error", message));

    public static string Message(string message) => Write(w => w.WriteString("message", message));

    public static string SocketSession(string sid) => Write(w => w.WriteString("socket_session_id", sid));

    public static string Sid(string sid) => Write(w => w.WriteString("sid", sid));

    /// <summary>A 20-character URL-safe random id, like Engine.IO's.</summary>
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[15];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        // One buffer and writer per thread, reset for each payload: every classification writes several small payloads.
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        writer.WriteStartObject();
        body(writer);
        writer.WriteEndObject();
        writer.Flush();
        var json = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (buffer.Capacity > MaxKeptBufferBytes)
        {
            t_buffer = null; // a large scripted payload: not kept for the thread's life
            t_writer = null;
        }

        return json;
    }
}

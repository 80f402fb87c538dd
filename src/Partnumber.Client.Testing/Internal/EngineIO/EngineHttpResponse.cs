namespace Partnumber.Client.Testing.Internal.EngineIO;

/// <summary>
/// The answer to one Engine.IO HTTP request, transport-neutral (written by Kestrel or by the in-memory handler).
/// <see cref="Abort"/> means: send nothing and drop the connection.
/// </summary>
internal readonly record struct EngineHttpResponse(int StatusCode, string ContentType, string Body, bool Abort = false)
{
    public const string PlainText = "text/plain; charset=UTF-8";

    public static EngineHttpResponse Aborted => new(0, string.Empty, string.Empty, Abort: true);
}

using System.Text.Json.Nodes;

namespace Partnumber.Client.Testing.Recording;

/// <summary>Settings of a <see cref="PartnumberRecorder"/>.</summary>
public sealed class PartnumberRecorderOptions
{
    /// <summary>The real backend's REST base address, for example <c>http://localhost:5000/</c>. Required.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>
    /// Adjusts the SDK client the recorder classifies with: <c>SocketAddress</c>, paths, <c>Headers</c>, <c>Auth</c>,
    /// <c>Transports</c>, timeouts (the <c>ClassificationTimeout</c> decides how long a classification that never
    /// finishes is recorded), <c>ConfigureWebSocket</c> or a <c>WebSocketFactory</c> (wrapped, not replaced). Header and
    /// <c>Auth</c> values reach the server and are never written to the recording. The recorder then sets what makes a
    /// recording faithful: <c>ReuseConnections = false</c> and no standby connections (one connection per partnumber),
    /// no reconnect (a drop is recorded, not hidden) and no POST retry (each answer is recorded as the server gave it).
    /// </summary>
    public Action<Partnumber.Client.PartnumberClassificationClientOptions>? ConfigureClient { get; set; }

    /// <summary>
    /// The HTTP handler under the recorder (for example one with a client certificate or a certificate validation
    /// callback, or <c>FakePartnumberServer.CreateHttpMessageHandler()</c>); not disposed by the recorder. Null (the
    /// default): a <see cref="SocketsHttpHandler"/> without cookie container (the SDK keeps cookies per Engine.IO session).
    /// </summary>
    public HttpMessageHandler? HttpMessageHandler { get; set; }

    /// <summary>
    /// Names of JSON properties, at any depth of the POST's answer body and of event payloads, whose values are written
    /// to the recording as <c>"[redacted]"</c> (case-insensitive), for example <c>customer_id</c>.
    /// </summary>
    public ISet<string> RedactedFields { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Rewrites a payload before it is recorded (after <see cref="RedactedFields"/>): receives the POST answer's JSON body
    /// or an event's argument, and returns what to record (the same node, edited in place, or another one).
    /// </summary>
    public Func<PayloadRedactionContext, JsonNode?, JsonNode?>? RedactPayload { get; set; }
}

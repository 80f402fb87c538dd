using System.Text.Json;

namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>
/// What a backend with <c>GET /_bench/stats</c> (flask/bench_server.py) counted: the requests clients made of it, by kind.
/// The harness reads it around each client run and keeps the differences.
/// </summary>
/// <param name="WebSocketAttempts">Requests with <c>transport=websocket</c>: on a polling-only server, each one refused with 400.</param>
/// <param name="PollingRequests">Engine.IO long-polling GETs and POSTs.</param>
/// <param name="EngineIoHandshakes">Engine.IO sessions asked for (requests to the Socket.IO path without a <c>sid</c>).</param>
/// <param name="ClassifyPosts">POST /classify-partnumber requests.</param>
internal sealed record BackendStats(long WebSocketAttempts, long PollingRequests, long EngineIoHandshakes, long ClassifyPosts)
{
    /// <summary>The counts from <c>/_bench/stats</c>'s JSON body.</summary>
    public static BackendStats Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new(root.GetProperty("websocket_attempts").GetInt64(), root.GetProperty("polling_requests").GetInt64(),
            root.GetProperty("engineio_handshakes").GetInt64(), root.GetProperty("classify_posts").GetInt64());
    }

    /// <summary>What was counted between <paramref name="earlier"/> and this snapshot.</summary>
    public BackendStats Since(BackendStats earlier)
        => new(WebSocketAttempts - earlier.WebSocketAttempts, PollingRequests - earlier.PollingRequests,
            EngineIoHandshakes - earlier.EngineIoHandshakes, ClassifyPosts - earlier.ClassifyPosts);
}

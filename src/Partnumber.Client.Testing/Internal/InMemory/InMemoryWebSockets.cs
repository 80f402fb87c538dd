using System.Globalization;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.AspNetCore.WebUtilities;
using Partnumber.Client.Testing.Internal.EngineIO;

namespace Partnumber.Client.Testing.Internal.InMemory;

/// <summary>
/// WebSocket handshakes without a socket (<see cref="FakePartnumberServer.ConnectWebSocketAsync"/>): the request is
/// judged by the same <see cref="EngineServer"/> as on Kestrel, a refusal surfaces as the exception a client of a real
/// server would see, and an accepted one is a pair of WebSockets over <see cref="DuplexPipeStream"/>.
/// </summary>
internal static class InMemoryWebSockets
{
    /// <summary>Runs the handshake for <paramref name="uri"/>; returns the client end, open, or throws as a refused handshake would.</summary>
    public static async Task<WebSocket> ConnectAsync(FakePartnumberServerOptions options, EngineServer engine, Uri uri, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        if (!string.Equals(uri.AbsolutePath.TrimEnd('/'), options.SocketIOPath.TrimEnd('/'), StringComparison.Ordinal))
        {
            throw new WebSocketException(WebSocketError.NotAWebSocket, $"The server returned status code '404' for {uri.AbsolutePath}.");
        }

        var query = QueryHelpers.ParseQuery(uri.Query);
        var eio = query.TryGetValue("EIO", out var e) ? e.ToString() : null;
        var transport = query.TryGetValue("transport", out var t) ? t.ToString() : null;
        var sid = query.TryGetValue("sid", out var s) ? s.ToString() : string.Empty;
        if (transport != "websocket")
        {
            var error = EngineServer.ValidateQuery(eio, transport, out _) ?? "transport must be websocket";
            throw Refused(400, error);
        }

        var verdict = engine.DecideWebSocket(eio, sid, isHandshake: true);
        switch (verdict.Kind)
        {
            case WebSocketVerdictKind.Reset:
                throw new WebSocketException(
                    WebSocketError.ConnectionClosedPrematurely,
                    "The connection was reset during the WebSocket handshake.",
                    new IOException("Connection reset by peer", new SocketException((int)SocketError.ConnectionReset)));
            case WebSocketVerdictKind.ServeAsPolling:
                // The long-poll goes on when the caller gives up; the caller waits for its answer as a real client would.
                var hijacked = await EngineServer.ServeHijackedPollAsync(verdict.Session!).WaitAsync(cancellationToken).ConfigureAwait(false);
                throw Refused(hijacked.StatusCode, hijacked.Body);
            case WebSocketVerdictKind.Refuse:
                throw Refused(verdict.Refusal.StatusCode, verdict.Refusal.Body);
        }

        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        var serverSocket = WebSocket.CreateFromStream(serverStream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var clientSocket = WebSocket.CreateFromStream(clientStream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        var recorded = new Dictionary<string, string>(headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
        _ = RunAsync(engine, serverSocket, serverStream, verdict.Session, recorded);
        return clientSocket;

        static WebSocketException Refused(int status, string body)
            => new(WebSocketError.NotAWebSocket, $"The server returned status code '{status.ToString(CultureInfo.InvariantCulture)}' when status code '101' was expected: {body}");
    }

    private static async Task RunAsync(EngineServer engine, WebSocket serverSocket, Stream serverStream, EngineSession? upgradeOf, IReadOnlyDictionary<string, string> headers)
    {
        try
        {
            await Task.Yield();
            await engine.RunWebSocketAsync(serverSocket, upgradeOf, headers, serverStream.Dispose).ConfigureAwait(false);
        }
        finally
        {
            serverSocket.Dispose();
            await serverStream.DisposeAsync().ConfigureAwait(false);
        }
    }
}

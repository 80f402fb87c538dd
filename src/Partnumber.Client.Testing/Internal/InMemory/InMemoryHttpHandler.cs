using System.Net;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Partnumber.Client.Testing.Internal.Backend;
using Partnumber.Client.Testing.Internal.EngineIO;

namespace Partnumber.Client.Testing.Internal.InMemory;

/// <summary>
/// Serves the REST endpoint and Engine.IO long-polling without a socket, through the same backend and Engine.IO server
/// as Kestrel. Each request is its own async call: a parked long-poll GET holds no lock, so other requests proceed.
/// WebSocket handshakes go through <see cref="FakePartnumberServer.ConnectWebSocketAsync"/> instead.
/// </summary>
internal sealed class InMemoryHttpHandler : HttpMessageHandler
{
    private readonly FakeBackend _backend;
    private readonly EngineServer _engine;

    public InMemoryHttpHandler(FakeBackend backend, EngineServer engine)
    {
        _backend = backend;
        _engine = engine;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri?.AbsolutePath ?? "/";
        if (string.Equals(path.TrimEnd('/'), _backend.Options.SocketIOPath.TrimEnd('/'), StringComparison.Ordinal))
        {
            return await SendEngineAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (!string.Equals(path.TrimEnd('/'), _backend.Options.ClassifyPath.TrimEnd('/'), StringComparison.Ordinal))
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request, Content = new StringContent(string.Empty) };
        }

        var headers = HeadersOf(request);
        byte[] body = [];
        string? contentType = null;
        if (request.Content is not null)
        {
            contentType = request.Content.Headers.ContentType?.ToString();
            body = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }

        var result = await _backend.HandleClassifyAsync(new RestRequest(request.Method.Method, path, headers, contentType, body), cancellationToken).ConfigureAwait(false);
        var response = new HttpResponseMessage((HttpStatusCode)result.StatusCode)
        {
            RequestMessage = request,
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(result.Body)),
        };
        response.Content.Headers.TryAddWithoutValidation("Content-Type", result.ContentType);
        foreach (var header in result.Headers)
        {
            if (!response.Headers.TryAddWithoutValidation(header.Key, header.Value))
            {
                response.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return response;
    }

    private async Task<HttpResponseMessage> SendEngineAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var query = QueryHelpers.ParseQuery(request.RequestUri!.Query);
        var result = await _engine.HandlePollingAsync(
            request.Method.Method,
            query.TryGetValue("EIO", out var eio) ? eio.ToString() : null,
            query.TryGetValue("transport", out var transport) ? transport.ToString() : null,
            query.TryGetValue("sid", out var sid) ? sid.ToString() : string.Empty,
            () => HeadersOf(request),
            (limit, ct) => ReadBodyAsync(request.Content, limit, ct),
            cancellationToken).ConfigureAwait(false);
        if (result.Abort)
        {
            // What a client sees when the server drops the connection mid-request.
            throw new HttpRequestException(
                "An error occurred while sending the request: the connection was reset.",
                new IOException("Connection reset by peer", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset)));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var response = new HttpResponseMessage((HttpStatusCode)result.StatusCode)
        {
            RequestMessage = request,
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(result.Body)),
        };
        response.Content.Headers.TryAddWithoutValidation("Content-Type", result.ContentType);
        return response;
    }

    private static HeaderCollection HeadersOf(HttpRequestMessage request)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var header in request.Headers)
        {
            headers.Add(new(header.Key, string.Join(",", header.Value)));
        }

        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers)
            {
                headers.Add(new(header.Key, string.Join(",", header.Value)));
            }
        }

        return new HeaderCollection(headers);
    }

    private static async Task<string?> ReadBodyAsync(HttpContent? content, int limit, CancellationToken cancellationToken)
    {
        if (content is null)
        {
            return string.Empty;
        }

        using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await EngineServer.ReadBodyAsync(stream, limit, cancellationToken).ConfigureAwait(false);
    }
}

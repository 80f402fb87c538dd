using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Partnumber.Client.Shared.EngineIO;

namespace Partnumber.Client.Testing.Internal.Recording;

/// <summary>
/// Sits under the recorder's SDK client: takes note of the classify POST (when it left, its status and body) and
/// decodes the Engine.IO long-polling traffic both ways (the client's <c>join</c>, the server's events and close
/// packets). Headers and cookies pass through untouched and are never kept. Response bodies are buffered so the SDK
/// reads them as usual.
/// </summary>
internal sealed class RecordingHttpHandler : DelegatingHandler
{
    private readonly WireTap _tap;
    private readonly string _classifyPath;

    public RecordingHttpHandler(WireTap tap, string classifyPath, HttpMessageHandler inner)
        : base(inner)
    {
        _tap = tap;
        _classifyPath = classifyPath.TrimEnd('/');
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var query = QueryHelpers.ParseQuery(uri.Query);
        if (query.TryGetValue("transport", out var transport) && transport == "polling")
        {
            return await PollingAsync(request, query.TryGetValue("sid", out var sid) ? sid.ToString() : null, cancellationToken).ConfigureAwait(false);
        }

        if (request.Method == HttpMethod.Post && uri.AbsolutePath.TrimEnd('/').EndsWith(_classifyPath, StringComparison.Ordinal) && _tap.Current is { } capture)
        {
            capture.PostSent();
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await BufferAsync(response, cancellationToken).ConfigureAwait(false);
            capture.ResponseReceived((int)response.StatusCode, body);
            return response;
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> PollingAsync(HttpRequestMessage request, string? sid, CancellationToken cancellationToken)
    {
        var capture = _tap.ForSession(sid);
        if (capture is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (request.Method == HttpMethod.Post && request.Content is not null)
        {
            // Noted before it is sent: the join's moment is when it leaves, and the answer to it may already be on its way.
            foreach (var packet in Split(await request.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)))
            {
                capture.ClientPacket(packet);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException) when (request.Method == HttpMethod.Get && sid is not null)
        {
            capture.TransportLost(); // a long-poll cut under the client
            throw;
        }

        if (request.Method != HttpMethod.Get)
        {
            return response;
        }

        string body;
        try
        {
            body = await BufferAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            capture.TransportLost();
            response.Dispose();
            throw;
        }

        if (!response.IsSuccessStatusCode)
        {
            if (sid is not null)
            {
                capture.TransportLost(); // the server forgot the session ("Session ID unknown")
            }

            return response;
        }

        foreach (var packet in Split(body))
        {
            if (sid is null && WireCapture.OpenedSid(packet) is { } opened)
            {
                _tap.Bind(opened, capture);
            }

            capture.ServerPacket(packet);
        }

        return response;
    }

    private static List<string> Split(string payload)
        => payload.Length == 0 ? [] : EngineCodec.Split(payload, keepEmpty: true);

    /// <summary>Reads the body; HttpContent keeps it buffered, so the SDK reads it again as usual.</summary>
    private static async Task<string> BufferAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(bytes);
    }
}

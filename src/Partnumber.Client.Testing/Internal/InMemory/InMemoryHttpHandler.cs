using System.Net;
using System.Text;
using Partnumber.Client.Testing.Internal.Backend;

namespace Partnumber.Client.Testing.Internal.InMemory;

/// <summary>Serves the REST endpoint without a socket. Engine.IO polling is not served in memory (use the WebSocket seam).</summary>
internal sealed class InMemoryHttpHandler : HttpMessageHandler
{
    private readonly FakeBackend _backend;

    public InMemoryHttpHandler(FakeBackend backend) => _backend = backend;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri?.AbsolutePath ?? "/";
        if (!string.Equals(path.TrimEnd('/'), _backend.Options.ClassifyPath.TrimEnd('/'), StringComparison.Ordinal))
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request, Content = new StringContent(string.Empty) };
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var header in request.Headers)
        {
            headers.Add(new(header.Key, string.Join(",", header.Value)));
        }

        byte[] body = [];
        string? contentType = null;
        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers)
            {
                headers.Add(new(header.Key, string.Join(",", header.Value)));
            }

            contentType = request.Content.Headers.ContentType?.ToString();
            body = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }

        var result = await _backend.HandleClassifyAsync(new RestRequest(request.Method.Method, path, new HeaderCollection(headers), contentType, body), cancellationToken).ConfigureAwait(false);
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
}

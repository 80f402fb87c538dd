using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Partnumber.Client.Internal.Net;
using Partnumber.Client.Internal.Payloads;

namespace Partnumber.Client.Internal.Http;

/// <summary>The REST half of the protocol: POST the request, turn the answer into a task or a typed exception.</summary>
internal sealed class ClassificationApi
{
    /// <summary>The most bytes of a 2xx body read (a 202 body is a few hundred bytes).</summary>
    private const int MaxAcceptedBodyBytes = 1_048_576;

    /// <summary>A POST body this large may be refused by the server before it has all been sent.</summary>
    private const int LargeBodyBytes = 64 * 1024;

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly Func<HttpClient> _httpClientSource;
    private readonly Uri _classifyUri;
    private readonly CredentialSource _credentials;
    private readonly AddressResolver? _resolver; // set when the app registered service discovery
    private readonly PostRetry _retry;
    private readonly ILogger _logger;

    public ClassificationApi(Func<HttpClient> httpClientSource, PartnumberClassificationClientOptions options, PostRetry retry, ILogger? logger = null)
    {
        _retry = retry;
        _httpClientSource = httpClientSource;
        _classifyUri = new Uri(options.BaseAddress.AbsoluteUri.TrimEnd('/') + "/" + options.ClassifyPath.TrimStart('/'));
        _credentials = new CredentialSource(options);
        _resolver = options.AddressResolver;
        _logger = logger ?? NullLogger.Instance;
    }

    public async Task<AcceptedTask> StartAsync(ClassificationRequest request, string sessionId, CancellationToken cancellationToken)
    {
        // Written once; each attempt gets a fresh message (a sent HttpRequestMessage cannot be sent again).
        var json = PayloadWriter.ClassifyRequest(request, sessionId);
        var httpClient = _httpClientSource();
        var classifyUri = _resolver is null ? _classifyUri : await _resolver.ResolveAsync(_classifyUri, cancellationToken).ConfigureAwait(false);
        var refreshed = false;
        HttpResponseMessage response;
        try
        {
            while (true)
            {
                var headers = (await _credentials.FetchAsync(withAuth: false, cancellationToken).ConfigureAwait(false)).Headers;
                response = await _retry.SendAsync(token => SendOnceAsync(httpClient, classifyUri, json, headers, _retry, token), cancellationToken).ConfigureAwait(false);
                if (response.StatusCode != System.Net.HttpStatusCode.Unauthorized || !_credentials.HeadersRefreshable || refreshed)
                {
                    break;
                }

                // A 401 started nothing on the server; the token may have expired in flight: fetch the headers again, once.
                response.Dispose();
                refreshed = true;
                Log.PostUnauthorized(_logger, _classifyUri);
            }
        }
        catch (HttpRequestException ex)
        {
            // A server that refuses a large body before reading it (Werkzeug's 413) may close the connection while the body
            // is still being written: the answer is then lost to the client, and the caller should know why.
            var hint = json.Length >= LargeBodyBytes && ex.GetBaseException() is IOException or System.Net.Sockets.SocketException
                ? $" (the connection was closed while the {json.Length.ToString("N0", CultureInfo.InvariantCulture)}-byte body was being sent: a server that refuses large requests before reading them, answering 413, does that)"
                : string.Empty;
            throw new PartnumberConnectionException($"Could not reach POST {_classifyUri}: {ex.GetBaseException().Message}{hint}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClassificationTimeoutException($"POST {_classifyUri} did not answer within the HttpClient's Timeout ({Deadline.Seconds(httpClient.Timeout)}).", ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.StatusCode == System.Net.HttpStatusCode.ProxyAuthenticationRequired)
            {
                // Not the backend's answer: the proxy in front of it wants credentials; nothing reached the server.
                throw new PartnumberConnectionException(ProxyRoute.AuthenticationRequired($"POST {_classifyUri}"));
            }

            if (status < 200 || status > 299)
            {
                string errorBody;
                try
                {
                    errorBody = await ReadBodyAsync(response.Content, ClassificationRejectedException.MaxResponseBodyLength, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException)
                {
                    throw new ClassificationRejectedException(
                        $"The server rejected the classification of '{request.Partnumber}' with {status} {response.ReasonPhrase}; its body could not be read: {ex.GetBaseException().Message}",
                        response.StatusCode,
                        string.Empty);
                }

                if (refreshed)
                {
                    throw new PartnumberAuthenticationException(
                        $"POST {_classifyUri} was answered {status} {response.ReasonPhrase} again after the headers were fetched anew (HeadersProvider)" + (errorBody.Length > 0 ? ": " + errorBody : "."),
                        response.StatusCode,
                        errorBody,
                        credentialsRefreshed: true);
                }

                throw new ClassificationRejectedException(
                    $"The server rejected the classification of '{request.Partnumber}' with {status} {response.ReasonPhrase}" + (errorBody.Length > 0 ? ": " + errorBody : "."),
                    response.StatusCode,
                    errorBody);
            }

            try
            {
                return await ReadAcceptedAsync(response.Content, status, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                // The server answered 2xx, so the task probably exists; without its body there is no room to follow.
                throw new PartnumberConnectionException(
                    $"POST {_classifyUri} was accepted ({status}) but the connection failed while its body was read, so the task's room is unknown (the server may have started the task): {ex.GetBaseException().Message}",
                    ex);
            }
        }
    }

    private static async Task<HttpResponseMessage> SendOnceAsync(HttpClient httpClient, Uri classifyUri, byte[] json, IReadOnlyDictionary<string, string> headers, PostRetry retry, CancellationToken cancellationToken)
    {
        // A byte array gives a Content-Length: WSGI servers (Flask under eventlet or gunicorn) may not read chunked bodies.
        using var message = new HttpRequestMessage(HttpMethod.Post, classifyUri) { Content = new ByteArrayContent(json) };
        message.Content.Headers.ContentType = JsonContentType;
        message.Headers.Accept.ParseAdd("application/json");
        retry.Prepare(message, cancellationToken);
        foreach (var header in headers)
        {
            if (!message.Headers.TryAddWithoutValidation(header.Key, header.Value))
            {
                message.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        if (!headers.ContainsKey(UserAgent.HeaderName) && httpClient.DefaultRequestHeaders.UserAgent.Count == 0)
        {
            message.Headers.TryAddWithoutValidation(UserAgent.HeaderName, UserAgent.Value);
        }

        return await httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the 2xx body (at most <see cref="MaxAcceptedBodyBytes"/>: a longer one is cut there and then fails to parse)
    /// into a pooled buffer and parses it as UTF-8 JSON in place: the 202 is read once per classification, so no reader,
    /// char buffer or string is made for it.
    /// </summary>
    private static async Task<AcceptedTask> ReadAcceptedAsync(HttpContent content, int status, CancellationToken cancellationToken)
    {
        using var stream = await OpenStreamAsync(content, cancellationToken).ConfigureAwait(false);
        var (buffer, count) = await BoundedRead.ReadAsync(stream, MaxAcceptedBodyBytes, cancellationToken, truncate: true).ConfigureAwait(false);
        try
        {
            return ParseAccepted(new ReadOnlyMemory<byte>(buffer, 0, count), status);
        }
        finally
        {
            BoundedRead.Return(buffer);
        }
    }

    internal static AcceptedTask ParseAccepted(ReadOnlyMemory<byte> body, int status)
    {
        if (body.Span.StartsWith(Utf8Bom))
        {
            body = body.Slice(Utf8Bom.Length);
        }
        else if (body.Length >= 2 && (body.Span[0], body.Span[1]) is (0xFF, 0xFE) or (0xFE, 0xFF))
        {
            body = Encoding.UTF8.GetBytes(Decode(body)); // UTF-16 with a BOM: rare enough to re-encode
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var roomId = PayloadReader.ReadString(root, "room_id");
            if (string.IsNullOrEmpty(roomId))
            {
                var text = Cap(Decode(body));
                throw new PartnumberProtocolException($"The server accepted the classification ({status}) but its response has no room_id, so its progress cannot be followed. Body: {text}", text);
            }

            return new AcceptedTask(PayloadReader.ReadString(root, "task_id") ?? string.Empty, roomId!, PayloadReader.ReadString(root, "message"));
        }
        catch (JsonException ex)
        {
            var text = Cap(Decode(body));
            throw new PartnumberProtocolException($"The server accepted the classification ({status}) but its response is not JSON, so it has no room_id. Body: {text}", text, ex);
        }
    }

    /// <summary>Body text for messages, decoded as its byte order mark says (UTF-8 without one).</summary>
    private static string Decode(ReadOnlyMemory<byte> body)
    {
        var bytes = body.ToArray();
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>The response body stream, cancellable where the framework allows it (.NET 5+).</summary>
    private static Task<Stream> OpenStreamAsync(HttpContent content, CancellationToken cancellationToken)
#if NET8_0_OR_GREATER
        => content.ReadAsStreamAsync(cancellationToken);
#else
        => content.ReadAsStreamAsync();
#endif

    private static string Cap(string text) => Excerpt.Of(text, ClassificationRejectedException.MaxResponseBodyLength);

    /// <summary>Reads at most <paramref name="maxChars"/> characters: an error page can be large, exceptions and logs must not be.</summary>
    private static async Task<string> ReadBodyAsync(HttpContent content, int maxChars, CancellationToken cancellationToken)
    {
        using var stream = await OpenStreamAsync(content, cancellationToken).ConfigureAwait(false);

        // A character takes at most 4 bytes (a BOM 3 more): enough bytes for maxChars, decoded as the BOM says.
        var (buffer, count) = await BoundedRead.ReadAsync(stream, (maxChars * 4) + 3, cancellationToken, truncate: true).ConfigureAwait(false);
        try
        {
            var text = Decode(new ReadOnlyMemory<byte>(buffer, 0, count));
            return text.Length <= maxChars ? text : text.Substring(0, maxChars);
        }
        finally
        {
            BoundedRead.Return(buffer);
        }
    }
}

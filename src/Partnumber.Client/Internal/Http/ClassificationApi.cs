using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Polly;
using Partnumber.Client.Internal.Payloads;

namespace Partnumber.Client.Internal.Http;

/// <summary>The REST half of the protocol: POST the request, turn the answer into a task or a typed exception.</summary>
internal sealed class ClassificationApi
{
    /// <summary>The most bytes of a 2xx body read (a 202 body is a few hundred bytes).</summary>
    private const int MaxAcceptedBodyBytes = 1_048_576;

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly Func<HttpClient> _httpClientSource;
    private readonly Uri _classifyUri;
    private readonly IReadOnlyDictionary<string, string> _headers;
    private readonly IAsyncPolicy<HttpResponseMessage>? _retryPolicy;

    public ClassificationApi(Func<HttpClient> httpClientSource, PartnumberClassificationClientOptions options, IAsyncPolicy<HttpResponseMessage>? retryPolicy)
    {
        _retryPolicy = retryPolicy;
        _httpClientSource = httpClientSource;
        _classifyUri = new Uri(options.BaseAddress.AbsoluteUri.TrimEnd('/') + "/" + options.ClassifyPath.TrimStart('/'));
        _headers = new Dictionary<string, string>(options.Headers, StringComparer.OrdinalIgnoreCase);
    }

    public Uri ClassifyUri => _classifyUri;

    public async Task<AcceptedTask> StartAsync(ClassificationRequest request, string sessionId, CancellationToken cancellationToken)
    {
        var body = new ClassifyRequestBody
        {
            Partnumber = request.Partnumber,
            Description = request.Description,
            Manufacturer = request.Manufacturer,
            Supplier = request.Supplier,
            SocketSessionId = string.IsNullOrEmpty(sessionId) ? null : sessionId,
        };

        // Serialized once; each attempt gets a fresh message (a sent HttpRequestMessage cannot be sent again).
        var json = JsonSerializer.SerializeToUtf8Bytes(body, PartnumberJsonContext.Default.ClassifyRequestBody);
        var httpClient = _httpClientSource();
        HttpResponseMessage response;
        try
        {
            response = _retryPolicy is null
                ? await SendOnceAsync(httpClient, json, cancellationToken).ConfigureAwait(false)
                : await _retryPolicy.ExecuteAsync(
                    (_, token) => SendOnceAsync(httpClient, json, token),
                    new Context { [PartnumberHttpPolicies.CancellationKey] = cancellationToken },
                    cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new PartnumberConnectionException($"Could not reach POST {_classifyUri}: {ex.GetBaseException().Message}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClassificationTimeoutException($"POST {_classifyUri} did not answer within the HttpClient's Timeout ({httpClient.Timeout.TotalSeconds:0.###} s).", ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status < 200 || status > 299)
            {
                var errorBody = await ReadBodyAsync(response.Content, ClassificationRejectedException.MaxResponseBodyLength, cancellationToken).ConfigureAwait(false);
                throw new ClassificationRejectedException(
                    $"The server rejected the classification of '{request.Partnumber}' with {status} {response.ReasonPhrase}" + (errorBody.Length > 0 ? ": " + errorBody : "."),
                    response.StatusCode,
                    errorBody);
            }

            var text = await ReadBodyAsync(response.Content, MaxAcceptedBodyBytes, cancellationToken).ConfigureAwait(false);
            return ParseAccepted(text, status);
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpClient httpClient, byte[] json, CancellationToken cancellationToken)
    {
        // A byte array gives a Content-Length: WSGI servers (Flask under eventlet or gunicorn) may not read chunked bodies.
        using var message = new HttpRequestMessage(HttpMethod.Post, _classifyUri) { Content = new ByteArrayContent(json) };
        message.Content.Headers.ContentType = JsonContentType;
        message.Headers.Accept.ParseAdd("application/json");
        message.SetPolicyExecutionContext(new Context { [PartnumberHttpPolicies.CancellationKey] = cancellationToken });
        foreach (var header in _headers)
        {
            if (!message.Headers.TryAddWithoutValidation(header.Key, header.Value))
            {
                message.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return await httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    private static AcceptedTask ParseAccepted(string text, int status)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var roomId = PayloadReader.ReadString(root, "room_id");
            if (string.IsNullOrEmpty(roomId))
            {
                throw new PartnumberClientException($"The server accepted the classification ({status}) but its response has no room_id, so its progress cannot be followed. Body: {Cap(text)}");
            }

            return new AcceptedTask(PayloadReader.ReadString(root, "task_id") ?? string.Empty, roomId!, PayloadReader.ReadString(root, "message"));
        }
        catch (JsonException ex)
        {
            throw new PartnumberClientException($"The server accepted the classification ({status}) but its response is not JSON, so it has no room_id. Body: {Cap(text)}", ex);
        }
    }

    private static string Cap(string text) => text.Length <= ClassificationRejectedException.MaxResponseBodyLength
        ? text
        : text.Substring(0, ClassificationRejectedException.MaxResponseBodyLength) + "…";

    /// <summary>Reads at most <paramref name="maxChars"/> characters: an error page can be large, exceptions and logs must not be.</summary>
    private static async Task<string> ReadBodyAsync(HttpContent content, int maxChars, CancellationToken cancellationToken)
    {
#if NET8_0_OR_GREATER
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
#else
        var stream = await content.ReadAsStreamAsync().ConfigureAwait(false);
#endif
        using (stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 4096);
            var buffer = new char[Math.Min(maxChars, 4096)];
            var builder = new StringBuilder();
            while (builder.Length < maxChars)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = await reader.ReadAsync(buffer, 0, Math.Min(buffer.Length, maxChars - builder.Length)).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                builder.Append(buffer, 0, read);
            }

            return builder.ToString();
        }
    }
}

using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Partnumber.Client.Internal.Net;
using Partnumber.Client.Shared.EngineIO;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// The HTTP side of one long-polling session: its requests (the session's headers and credentials, a cache-busting
/// counter), its cookies (kept per session, so cookie-based sticky sessions work) and its bounded answers. It says what
/// the server answered; what that means for the session is <see cref="PollingTransport"/>'s.
/// </summary>
internal sealed class PollingChannel
{
    /// <summary>The largest long-poll answer accepted (a batch of packets; a single packet is still held to 1 MiB).</summary>
    internal const int MaxBodyBytes = 16 * 1_048_576;

    /// <summary>How long the close packet's POST may take (best effort: the server's ping timeout ends the session anyway).</summary>
    private static readonly TimeSpan ClosePacketTimeout = TimeSpan.FromSeconds(1);

    private static readonly MediaTypeHeaderValue TextPlain = new("text/plain") { CharSet = "UTF-8" };

    private readonly RealtimeEndpoint _endpoint;
    private readonly ConnectionTarget _target; // the session's: every request and the upgrade go where its handshake went, carrying what it did
    private readonly HttpClient _http;
    private readonly CookieContainer _cookies;
    private readonly Uri _sessionUri;
    private long _requestCounter;

    private PollingChannel(RealtimeEndpoint endpoint, ConnectionTarget target, HttpClient http, CookieContainer cookies, string sid)
    {
        _endpoint = endpoint;
        _target = target;
        _http = http;
        _cookies = cookies;
        _sessionUri = new Uri(target.PollingUri.AbsoluteUri + "&sid=" + Uri.EscapeDataString(sid));
    }

    /// <summary>
    /// The handshake GET, whose answer must start with the open packet: the channel of the new session, what the open
    /// packet said, and every packet of the answer (the open packet first). Throws <see cref="PartnumberConnectionException"/>
    /// for an answer that is not Engine.IO (an error page, a refusal).
    /// </summary>
    public static async Task<(PollingChannel Channel, EngineOpenPacket Handshake, List<string> Packets)> OpenAsync(RealtimeEndpoint endpoint, ConnectionTarget target, CancellationToken cancellationToken)
    {
        var http = endpoint.PollingHttpClient();
        var cookies = new CookieContainer();
        var uri = target.PollingUri;
        using var request = new HttpRequestMessage(HttpMethod.Get, WithTimestamp(uri, 0));
        var answer = await SendAsync(endpoint, target, http, cookies, uri, request, cancellationToken).ConfigureAwait(false);
        if (answer.StatusCode == HttpStatusCode.ProxyAuthenticationRequired)
        {
            throw new PartnumberConnectionException(ProxyRoute.AuthenticationRequired($"the long-polling handshake to {uri}"));
        }

        if (answer.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new PartnumberAuthenticationException(
                $"The Socket.IO endpoint {uri} refused the client's credentials: the long-polling handshake was answered {answer.Describe()}.",
                answer.StatusCode,
                answer.Body is null ? string.Empty : Excerpt.Of(answer.Body, ClassificationRejectedException.MaxResponseBodyLength),
                credentialsRefreshed: false);
        }

        if (answer.StatusCode != HttpStatusCode.OK)
        {
            throw new PartnumberConnectionException($"The Socket.IO endpoint {uri} refused the long-polling handshake: {answer.Describe()}.");
        }

        var packets = answer.Body is null ? null : EngineCodec.Split(answer.Body);
        if (packets is not { Count: > 0 } || EngineOpenPacket.TryParse(packets[0]) is not { } handshake)
        {
            throw new PartnumberConnectionException($"The answer of {uri} to the long-polling handshake is not an Engine.IO open packet: {answer.Describe()}.");
        }

        return (new PollingChannel(endpoint, target, http, cookies, handshake.Sid), handshake, packets);
    }

    /// <summary>The session's cookies for a request to its endpoint (the upgrade's WebSocket carries them too); null when none.</summary>
    public string? CookieHeader() => CookieHeader(_cookies, _sessionUri);

    /// <summary>A long-poll: the server's next packets.</summary>
    public async Task<PollingAnswer> GetAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, NextUri());
        return await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POSTs a payload (packets joined by the record separator).</summary>
    public async Task<PollingAnswer> PostAsync(string payload, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, NextUri()) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(payload)) };
        request.Content.Headers.ContentType = TextPlain;
        return await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POSTs the close packet, best effort and bounded in time: never throws.</summary>
    public async Task PostCloseAsync()
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, NextUri()) { Content = new ByteArrayContent([(byte)EngineCodec.TypeChar(EnginePacketType.Close)]) };
            request.Content.Headers.ContentType = TextPlain;
            _endpoint.ApplyHeaders(request, _target.Credentials, CookieHeader());
            using var timeout = _endpoint.TimeProvider.CreateTimeoutSource(ClosePacketTimeout);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Best effort: the server ends the session by its ping timeout anyway.
        }
    }

    private static Uri WithTimestamp(Uri uri, long counter)
        => new(uri.AbsoluteUri + "&t=" + counter.ToString(CultureInfo.InvariantCulture));

    private Uri NextUri() => WithTimestamp(_sessionUri, Interlocked.Increment(ref _requestCounter));

    private Task<PollingAnswer> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        => SendAsync(_endpoint, _target, _http, _cookies, _sessionUri, request, cancellationToken);

    private static async Task<PollingAnswer> SendAsync(RealtimeEndpoint endpoint, ConnectionTarget target, HttpClient http, CookieContainer cookies, Uri cookieUri, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        endpoint.ApplyHeaders(request, target.Credentials, CookieHeader(cookies, cookieUri));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        StoreCookies(cookies, cookieUri, response);
        var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        return new PollingAnswer(request.Method == HttpMethod.Get ? "long-poll GET" : "long-polling POST", response.StatusCode, response.ReasonPhrase, response.Content.Headers.ContentType?.MediaType, body);
    }

    private static async Task<string?> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
#if NET8_0_OR_GREATER
        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
#else
        using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
#endif
        var (buffer, count) = await BoundedRead.ReadAsync(stream, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            return count < 0 ? null : Encoding.UTF8.GetString(buffer, 0, count);
        }
        finally
        {
            BoundedRead.Return(buffer);
        }
    }

    private static string? CookieHeader(CookieContainer cookies, Uri uri)
        => cookies.Count == 0 ? null : cookies.GetCookieHeader(uri) is { Length: > 0 } header ? header : null;

    private static void StoreCookies(CookieContainer cookies, Uri uri, HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            return;
        }

        foreach (var value in values)
        {
            try
            {
                cookies.SetCookies(uri, value);
            }
            catch (CookieException)
            {
                // A cookie the container cannot hold is not one a sticky-session balancer set.
            }
        }
    }
}

/// <summary>What the server answered one polling request: its status and its body (null when over <see cref="PollingChannel.MaxBodyBytes"/>).</summary>
internal readonly record struct PollingAnswer(string What, HttpStatusCode StatusCode, string? ReasonPhrase, string? MediaType, string? Body)
{
    /// <summary>A 200 with a body: packets for the session.</summary>
    public bool IsOk => StatusCode == HttpStatusCode.OK && Body is not null;

    /// <summary>python-engineio's answer to a request for a session it does not know (another worker's, without sticky sessions).</summary>
    public bool IsUnknownSession => StatusCode == HttpStatusCode.BadRequest && Body is not null
        && (ContainsIgnoreCase(Body, "Session ID unknown") || ContainsIgnoreCase(Body, "Invalid session"));

    /// <summary>The answer for a message: status, reason, media type and an excerpt of the body.</summary>
    public string Describe()
        => $"{(int)StatusCode} {ReasonPhrase}"
            + (MediaType is { } type ? $" ({type})" : string.Empty)
            + (Body is null ? $", a body over {PollingChannel.MaxBodyBytes} bytes" : Body.Length > 0 ? ": " + Excerpt.Of(Body, 300) : string.Empty);

#if NET8_0_OR_GREATER
    private static bool ContainsIgnoreCase(string text, string value) => text.Contains(value, StringComparison.OrdinalIgnoreCase);
#else
    private static bool ContainsIgnoreCase(string text, string value) => text.IndexOf(value, StringComparison.OrdinalIgnoreCase) >= 0;
#endif
}

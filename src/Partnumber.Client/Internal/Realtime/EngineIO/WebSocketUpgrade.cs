#if NET8_0_OR_GREATER
using Partnumber.Client.Internal.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// Opens a client WebSocket over a bare <see cref="Socket"/> (RFC 6455 opening handshake written here) instead of
/// <see cref="ClientWebSocket"/>. ClientWebSocket runs the upgrade through a SocketsHttpHandler per socket and keeps
/// that HTTP connection's 4 KB read and write buffers for the socket's whole life; a classification holds its socket
/// for minutes, so with 1,000 in flight that is ~10 MB of buffers doing nothing. Here the socket owns no buffer
/// beyond the WebSocket frame header. Used when nothing needs ClientWebSocket's options (no ConfigureWebSocket, no
/// proxy for the address); see <see cref="RealtimeEndpoint"/>.
/// </summary>
internal static class WebSocketUpgrade
{
    /// <summary>The largest upgrade response head accepted (status line and headers).</summary>
    internal const int MaxResponseHeadBytes = 16 * 1024;

    /// <summary>The largest body of a refused upgrade that is read (to recover packets a long-poll answer carried).</summary>
    internal const int MaxRefusalBodyBytes = 1_048_576;

    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Connects and runs the handshake; wss checks the server's certificate the system's way.</summary>
    /// <param name="uri">The ws/wss address.</param>
    /// <param name="request">The upgrade request for <paramref name="uri"/>, built once per endpoint (see <see cref="RequestTemplate"/>).</param>
    /// <param name="acknowledgeImmediately">Re-arm TCP_QUICKACK after every read (see <see cref="QuickAckStream"/>).</param>
    /// <param name="onQuickAckRefused">Told once when the platform refuses TCP_QUICKACK.</param>
    /// <param name="cancellationToken">Cancels the connect and the handshake.</param>
    public static Task<WebSocket> ConnectAsync(Uri uri, RequestTemplate request, bool acknowledgeImmediately, Action<Exception>? onQuickAckRefused, CancellationToken cancellationToken)
        => ConnectAsync(uri, request, certificateValidation: null, acknowledgeImmediately, onQuickAckRefused, cancellationToken);

    /// <summary>
    /// Test seam: <see cref="ConnectAsync(Uri, RequestTemplate, bool, Action{Exception}?, CancellationToken)"/> with
    /// <paramref name="certificateValidation"/> in place of the system's certificate check, so the TLS path can be run
    /// against a self-signed server. The SDK itself never supplies one.
    /// </summary>
    internal static Task<WebSocket> ConnectWithCertificateCheckForTestsAsync(Uri uri, RequestTemplate request, RemoteCertificateValidationCallback certificateValidation, CancellationToken cancellationToken)
        => ConnectAsync(uri, request, certificateValidation, acknowledgeImmediately: true, onQuickAckRefused: null, cancellationToken);

    private static async Task<WebSocket> ConnectAsync(Uri uri, RequestTemplate request, RemoteCertificateValidationCallback? certificateValidation, bool acknowledgeImmediately, Action<Exception>? onQuickAckRefused, CancellationToken cancellationToken)
    {
        var secure = uri.Scheme == "wss";
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(uri.IdnHost, uri.Port, cancellationToken).ConfigureAwait(false);
            stream = QuickAckStream.Create(socket, acknowledgeImmediately, onQuickAckRefused);
            if (secure)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions { TargetHost = uri.IdnHost, RemoteCertificateValidationCallback = certificateValidation },
                    cancellationToken).ConfigureAwait(false);
            }

            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            await stream.WriteAsync(request.WithKey(key), cancellationToken).ConfigureAwait(false);
            var remainder = await ReadResponseAsync(stream, key, cancellationToken).ConfigureAwait(false);
            if (remainder.Length > 0)
            {
                stream = new PrefixedStream(remainder, stream); // the server's first frame came with the 101
            }

            return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>The Host header: punycode for international names, brackets for IPv6, the port unless it is the scheme's default.</summary>
    internal static string HostHeader(Uri uri)
    {
        var host = uri.HostNameType == UriHostNameType.IPv6 ? "[" + uri.IdnHost + "]" : uri.IdnHost;
        return uri.IsDefaultPort ? host : host + ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Reads the response head, checks it is the 101 answer to <paramref name="key"/>, returns the bytes after it. Any
    /// other answer throws a <see cref="WebSocketException"/> whose inner <see cref="UpgradeRefusedException"/> has its status and (when it has a Content-Length) its body.
    /// </summary>
    private static async Task<byte[]> ReadResponseAsync(Stream stream, string key, CancellationToken cancellationToken)
    {
        var (buffer, count) = await BoundedRead.ReadAsync(stream, MaxResponseHeadBytes, cancellationToken, static (data, read) => HttpResponseHead.IndexOfEnd(data.AsSpan(0, read)) >= 0).ConfigureAwait(false);
        try
        {
            if (count < 0)
            {
                throw new WebSocketException(WebSocketError.HeaderError, $"The server's answer to the WebSocket upgrade has no end of headers within {MaxResponseHeadBytes} bytes.");
            }

            var headEnd = HttpResponseHead.IndexOfEnd(buffer.AsSpan(0, count));
            if (headEnd < 0)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The server closed the connection during the WebSocket upgrade.");
            }

            var head = Encoding.Latin1.GetString(buffer, 0, headEnd);
            var afterHead = buffer.AsSpan(headEnd + 4, count - headEnd - 4).ToArray();
            if (HttpResponseHead.StatusOf(head) is { } status and not 101)
            {
                throw await RefusedAsync(stream, head, status, afterHead, cancellationToken).ConfigureAwait(false);
            }

            Validate(head, key);
            return afterHead;
        }
        finally
        {
            BoundedRead.Return(buffer);
        }
    }

    /// <summary>
    /// The refusal of a non-101 answer, with its body when it announced a Content-Length of at most
    /// <see cref="MaxRefusalBodyBytes"/>: a proxy that drops <c>Upgrade</c> turns an upgrade probe into a long-poll
    /// request, and the packets the server answered it with must not be lost.
    /// </summary>
    private static async Task<WebSocketException> RefusedAsync(Stream stream, string head, int status, byte[] afterHead, CancellationToken cancellationToken)
    {
        var statusLine = HttpResponseHead.StatusLine(head);
        string? body = null;
        if (HttpResponseHead.HeaderValue(head, "Content-Length") is { } lengthText
            && int.TryParse(lengthText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
            && length <= MaxRefusalBodyBytes)
        {
            try
            {
                body = await ReadBodyAsync(stream, afterHead, length, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                body = null; // the status alone still says the upgrade was refused
            }
        }

        var message = $"The server returned status code '{status}' when status code '101' was expected ({Shorten(statusLine)}).";
        return new WebSocketException(WebSocketError.NotAWebSocket, message, new UpgradeRefusedException(status, message, HttpResponseHead.HeaderValue(head, "Content-Type"), body));
    }

    /// <summary>
    /// The <paramref name="length"/> bytes of a body as UTF-8 text: the bytes that came with the head first, then the rest
    /// from <paramref name="stream"/>; null when the stream ends before the body does.
    /// </summary>
    private static async Task<string?> ReadBodyAsync(Stream stream, byte[] afterHead, int length, CancellationToken cancellationToken)
    {
        var have = Math.Min(afterHead.Length, length);
        if (have == length)
        {
            return Encoding.UTF8.GetString(afterHead, 0, length);
        }

        var missing = length - have;
        var (buffer, count) = await BoundedRead.ReadAsync(stream, missing, cancellationToken, (_, read) => read >= missing, truncate: true).ConfigureAwait(false);
        try
        {
            if (count < missing)
            {
                return null;
            }

            var bytes = new byte[length];
            afterHead.AsSpan(0, have).CopyTo(bytes);
            buffer.AsSpan(0, missing).CopyTo(bytes.AsSpan(have));
            return Encoding.UTF8.GetString(bytes);
        }
        finally
        {
            BoundedRead.Return(buffer);
        }
    }

    internal static void Validate(string head, string key)
    {
        // Spans over the head: one connect per classification, so no Split arrays or substrings here.
        var rest = head.AsSpan();
        var statusLine = HttpResponseHead.NextLine(ref rest);
        if (HttpResponseHead.StatusOf(head) is not { } status)
        {
            throw new WebSocketException(WebSocketError.HeaderError, $"The server's answer to the WebSocket upgrade is not HTTP: '{Shorten(statusLine.ToString())}'.");
        }

        if (status != 101)
        {
            throw new WebSocketException(WebSocketError.NotAWebSocket, $"The server returned status code '{status}' when status code '101' was expected ({Shorten(statusLine.ToString())}).");
        }

        scoped ReadOnlySpan<char> upgrade = default, connection = default, accept = default, extensions = default, protocol = default;
        bool hasConnection = false, hasAccept = false;
        while (!rest.IsEmpty)
        {
            var line = HttpResponseHead.NextLine(ref rest);
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line.Slice(0, colon).Trim();
            var value = line.Slice(colon + 1).Trim();
            if (name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase))
            {
                upgrade = value;
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                connection = value;
                hasConnection = true;
            }
            else if (name.Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase))
            {
                accept = value;
                hasAccept = true;
            }
            else if (name.Equals("Sec-WebSocket-Extensions", StringComparison.OrdinalIgnoreCase))
            {
                extensions = value;
            }
            else if (name.Equals("Sec-WebSocket-Protocol", StringComparison.OrdinalIgnoreCase))
            {
                protocol = value;
            }
        }

        if (!upgrade.Equals("websocket", StringComparison.OrdinalIgnoreCase) || !hasConnection || !HttpResponseHead.HasToken(connection, "upgrade"))
        {
            throw new WebSocketException(WebSocketError.HeaderError, "The server answered the WebSocket upgrade with 101 but without 'Upgrade: websocket' and 'Connection: Upgrade'.");
        }

        if (!hasAccept || !accept.SequenceEqual(ExpectedAccept(key)))
        {
            throw new WebSocketException(WebSocketError.HeaderError, "The server answered the WebSocket upgrade with a wrong or missing Sec-WebSocket-Accept.");
        }

        // RFC 6455 4.1: the client asked for no extension and no subprotocol, so a server that selects one must be refused.
        if (!extensions.IsEmpty || !protocol.IsEmpty)
        {
            throw new WebSocketException(WebSocketError.UnsupportedProtocol, $"The server answered the WebSocket upgrade with an extension or subprotocol that was not requested ('{(extensions.IsEmpty ? protocol : extensions).ToString()}').");
        }
    }

    // RFC 6455 fixes SHA-1 here; it proves the server read the key, it protects nothing.
#pragma warning disable CA5350
    internal static string ExpectedAccept(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
#pragma warning restore CA5350

    private static bool IsToken(string name) => name.Length > 0 && name.All(c => c > ' ' && c < '\u007f' && "()<>@,;:\\\"/[]?={}".IndexOf(c) < 0);

    private static string Shorten(string text) => Excerpt.Of(text, 200);

    /// <summary>
    /// The upgrade request of one endpoint with everything but the key laid out once (and its headers checked once):
    /// a connect only copies it around a fresh key.
    /// </summary>
    internal sealed class RequestTemplate
    {
        private readonly byte[] _beforeKey;
        private readonly byte[] _afterKey;

        /// <exception cref="ArgumentException">A header name is not an HTTP token, or a value contains CR, LF or non-Latin-1 characters.</exception>
        public RequestTemplate(Uri uri, IReadOnlyDictionary<string, string> headers)
        {
            var before = new StringBuilder(160)
                .Append("GET ").Append(uri.PathAndQuery).Append(" HTTP/1.1\r\n")
                .Append("Host: ").Append(HostHeader(uri)).Append("\r\n")
                .Append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
                .Append("Sec-WebSocket-Key: ");
            var after = new StringBuilder("\r\n");
            foreach (var header in headers)
            {
                if (!IsToken(header.Key) || header.Value.Any(c => c is '\r' or '\n' || c > '\u00ff'))
                {
                    throw new ArgumentException($"The header '{header.Key}' cannot be sent in the WebSocket handshake: invalid name or value.");
                }

                after.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
            }

            _beforeKey = Encoding.Latin1.GetBytes(before.ToString());
            _afterKey = Encoding.Latin1.GetBytes(after.Append("\r\n").ToString());
        }

        /// <summary>The request bytes with <paramref name="key"/> (base64, ASCII) as Sec-WebSocket-Key.</summary>
        public byte[] WithKey(string key)
        {
            var request = new byte[_beforeKey.Length + key.Length + _afterKey.Length];
            _beforeKey.CopyTo(request, 0);
            Encoding.ASCII.GetBytes(key, request.AsSpan(_beforeKey.Length));
            _afterKey.CopyTo(request, _beforeKey.Length + key.Length);
            return request;
        }
    }
}
#endif

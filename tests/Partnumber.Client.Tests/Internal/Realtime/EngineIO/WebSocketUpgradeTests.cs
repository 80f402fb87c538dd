using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Partnumber.Client.Internal;
using Partnumber.Client.Internal.Realtime.EngineIO;

namespace Partnumber.Client.Tests.Internal.Realtime.EngineIO;

/// <summary>
/// The SDK's own RFC 6455 opening handshake (the default WebSocket on .NET 8+): what it sends, what answers it accepts,
/// and what it does with the bytes that arrive together with the 101.
/// </summary>
public sealed class WebSocketUpgradeTests
{
    private static readonly Dictionary<string, string> NoHeaders = new();

    private static byte[] BuildRequest(Uri uri, IReadOnlyDictionary<string, string> headers, string key) => new WebSocketUpgrade.RequestTemplate(uri, headers).WithKey(key);

    private static Task<System.Net.WebSockets.WebSocket> ConnectAsync(Uri uri, IReadOnlyDictionary<string, string> headers, System.Net.Security.RemoteCertificateValidationCallback? certificateValidation, CancellationToken cancellationToken)
        => certificateValidation is null
            ? WebSocketUpgrade.ConnectAsync(uri, new WebSocketUpgrade.RequestTemplate(uri, headers), acknowledgeImmediately: true, onQuickAckRefused: null, cancellationToken)
            : WebSocketUpgrade.ConnectWithCertificateCheckForTestsAsync(uri, new WebSocketUpgrade.RequestTemplate(uri, headers), certificateValidation, cancellationToken);

    [Fact]
    public void Accept_value_is_the_one_of_the_rfc_example()
        => Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketUpgrade.ExpectedAccept("dGhlIHNhbXBsZSBub25jZQ=="));

    [Fact]
    public void Request_carries_the_path_query_host_key_and_the_configured_headers()
    {
        var request = Encoding.Latin1.GetString(BuildRequest(
            new Uri("ws://127.0.0.1:5055/socket.io/?EIO=4&transport=websocket"),
            new Dictionary<string, string> { ["Authorization"] = "Bearer t0ken" },
            "a2V5a2V5a2V5a2V5a2V5aw=="));

        Assert.StartsWith("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:5055\r\n", request);
        Assert.Contains("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n", request);
        Assert.Contains("\r\nSec-WebSocket-Key: a2V5a2V5a2V5a2V5a2V5aw==\r\n", request);
        Assert.Contains("\r\nAuthorization: Bearer t0ken\r\n", request);
        Assert.EndsWith("\r\n\r\n", request);
    }

    [Fact]
    public void One_request_template_serves_every_key()
    {
        var template = new WebSocketUpgrade.RequestTemplate(new Uri("ws://127.0.0.1:5055/socket.io/?EIO=4&transport=websocket"), new Dictionary<string, string> { ["X-Tenant"] = "acme" });

        var first = Encoding.Latin1.GetString(template.WithKey("AAAAAAAAAAAAAAAAAAAAAA=="));
        var second = Encoding.Latin1.GetString(template.WithKey("BBBBBBBBBBBBBBBBBBBBBB=="));

        Assert.Contains("\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nX-Tenant: acme\r\n\r\n", first);
        Assert.Equal(first.Replace("AAAAAAAAAAAAAAAAAAAAAA==", "BBBBBBBBBBBBBBBBBBBBBB==", StringComparison.Ordinal), second);
    }

    [Theory]
    [InlineData("ws://[::1]:5000/socket.io/", "[::1]:5000")]
    [InlineData("ws://localhost/socket.io/", "localhost")]
    [InlineData("wss://backend.example/socket.io/", "backend.example")]
    [InlineData("wss://backend.example:8443/socket.io/", "backend.example:8443")]
    [InlineData("ws://bücher.example:81/socket.io/", "xn--bcher-kva.example:81")]
    public void Host_header_brackets_ipv6_uses_punycode_and_omits_the_default_port(string uri, string expected)
        => Assert.Equal(expected, WebSocketUpgrade.HostHeader(new Uri(uri)));

    [Theory]
    [InlineData("X-Api-Key", "a\r\nInjected: yes")]
    [InlineData("Bad Name", "v")]
    [InlineData("", "v")]
    public void A_header_that_would_break_the_request_is_refused_by_name(string name, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => new WebSocketUpgrade.RequestTemplate(new Uri("ws://localhost/"), new Dictionary<string, string> { [name] = value }));
        Assert.Contains($"'{name}'", error.Message);
    }

    [Fact]
    public void A_non_101_answer_names_its_status()
    {
        var error = Assert.Throws<WebSocketException>(() => WebSocketUpgrade.Validate("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0", "k"));
        Assert.Contains("'401'", error.Message);
        Assert.Contains("Unauthorized", error.Message);
    }

    [Theory]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong=", "Sec-WebSocket-Accept")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}", "Upgrade: websocket")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}", "Connection: Upgrade")]
    [InlineData("SSH-2.0-OpenSSH_9.2", "not HTTP")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions: permessage-deflate", "permessage-deflate")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: chat", "'chat'")]
    public void A_101_that_is_not_a_websocket_upgrade_is_refused(string head, string named)
    {
        const string key = "dGhlIHNhbXBsZSBub25jZQ==";
        var error = Assert.Throws<WebSocketException>(() => WebSocketUpgrade.Validate(head.Replace("{accept}", WebSocketUpgrade.ExpectedAccept(key)), key));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Header_names_and_connection_tokens_are_case_insensitive()
    {
        const string key = "dGhlIHNhbXBsZSBub25jZQ==";
        WebSocketUpgrade.Validate($"HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\nsec-websocket-accept: {WebSocketUpgrade.ExpectedAccept(key)}", key);
    }

    [Fact]
    public async Task A_frame_sent_in_the_same_segment_as_the_101_is_the_first_message_received()
    {
        await using var server = new OneShotUpgradeServer(tls: null, firstFrame: "0{\"sid\":\"s1\"}");
        using var socket = await ConnectAsync(server.Uri("ws"), NoHeaders, null, CancellationToken.None);

        Assert.Equal("0{\"sid\":\"s1\"}", await ReceiveTextAsync(socket));
        await socket.SendAsync("40"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("40", await server.ReceivedTextAsync());
    }

    [Fact]
    public async Task Headers_reach_the_server_in_the_upgrade_request()
    {
        await using var server = new OneShotUpgradeServer(tls: null, firstFrame: null);
        using var socket = await ConnectAsync(server.Uri("ws"), new Dictionary<string, string> { ["X-Api-Key"] = "k-123" }, null, CancellationToken.None);

        Assert.Contains("\r\nX-Api-Key: k-123\r\n", await server.RequestHead);
    }

    [Fact]
    public async Task Wss_runs_the_handshake_over_tls_with_the_supplied_certificate_check()
    {
        using var certificate = SelfSignedLocalhost();
        await using var server = new OneShotUpgradeServer(tls: certificate, firstFrame: "0{}");
        var checkedThumbprint = (string?)null;
        using var socket = await ConnectAsync(server.Uri("wss"), NoHeaders, (_, cert, _, _) =>
        {
            checkedThumbprint = cert?.GetCertHashString();
            return true;
        }, CancellationToken.None);

        Assert.Equal("0{}", await ReceiveTextAsync(socket));
        Assert.Equal(certificate.GetCertHashString(), checkedThumbprint);
    }

    [Fact]
    public async Task Wss_with_an_untrusted_certificate_fails_without_a_check_that_accepts_it()
    {
        using var certificate = SelfSignedLocalhost();
        await using var server = new OneShotUpgradeServer(tls: certificate, firstFrame: null);

        await Assert.ThrowsAsync<AuthenticationException>(() => ConnectAsync(server.Uri("wss"), NoHeaders, null, CancellationToken.None));
    }

    [Fact]
    public async Task A_server_that_closes_during_the_upgrade_is_reported_as_such()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closing = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync();
            await tcp.GetStream().ReadAsync(new byte[1024]);
        });

        var error = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(new Uri($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/socket.io/"), NoHeaders, null, CancellationToken.None));
        Assert.Contains("closed the connection during the WebSocket upgrade", error.Message);
        await closing;
    }

    /// <summary>A refused upgrade's body (the packets of a long-poll a proxy made of a probe) is read to its Content-Length, however it is split on the wire; a body cut short is none.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_refused_upgrade_body_is_read_to_its_length_across_reads(bool cutShort)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var body = "4" + new string('x', 3000) + "\u001e6";
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var serving = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync();
            var stream = tcp.GetStream();
            _ = await stream.ReadAsync(new byte[4096]);
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: {bodyBytes.Length}\r\n\r\n"));
            await stream.WriteAsync(bodyBytes.AsMemory(0, 10));
            await stream.FlushAsync();
            await Task.Delay(50);
            await stream.WriteAsync(bodyBytes.AsMemory(10, cutShort ? 1000 : bodyBytes.Length - 10));
            await stream.FlushAsync();
            tcp.Client.Shutdown(SocketShutdown.Send);
            await Task.Delay(200);
        });

        var error = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(new Uri($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/socket.io/"), NoHeaders, null, CancellationToken.None));
        var refused = ExceptionChain.Find<UpgradeRefusedException>(error);
        Assert.NotNull(refused);
        Assert.Equal(200, refused.StatusCode);
        Assert.Equal("text/plain; charset=UTF-8", refused.ContentType);
        Assert.Equal(cutShort ? null : body, refused.Body);
        await serving;
    }

    private static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[256];
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    private static X509Certificate2 SelfSignedLocalhost()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    /// <summary>Accepts one connection, answers the upgrade correctly (optionally with a first frame in the same write).</summary>
    private sealed class OneShotUpgradeServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly TaskCompletionSource<string> _head = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _serving;

        public OneShotUpgradeServer(X509Certificate2? tls, string? firstFrame)
        {
            _listener.Start();
            _serving = ServeAsync(tls, firstFrame);
        }

        public Task<string> RequestHead => _head.Task;

        public Uri Uri(string scheme) => new($"{scheme}://localhost:{((IPEndPoint)_listener.LocalEndpoint).Port}/socket.io/?EIO=4&transport=websocket");

        /// <summary>Reads one masked text frame of under 126 bytes sent by the client.</summary>
        public async Task<string> ReceivedTextAsync()
        {
            var stream = await _stream.Task;
            var header = new byte[2];
            await stream.ReadExactlyAsync(header);
            var length = header[1] & 0x7f;
            var mask = new byte[4];
            await stream.ReadExactlyAsync(mask);
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload);
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= mask[i % 4];
            }

            return Encoding.UTF8.GetString(payload);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            try
            {
                await _serving;
            }
            catch (Exception)
            {
                // a failed handshake (the point of some tests) ends the server too
            }
        }

        private async Task ServeAsync(X509Certificate2? tls, string? firstFrame)
        {
            var tcp = await _listener.AcceptTcpClientAsync();
            Stream stream = tcp.GetStream();
            if (tls is not null)
            {
                var ssl = new SslStream(stream);
                await ssl.AuthenticateAsServerAsync(tls);
                stream = ssl;
            }

            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await stream.ReadAsync(one) == 0)
                {
                    return;
                }

                head.Append((char)one[0]);
            }

            _head.SetResult(head.ToString());
            var key = head.ToString().Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.Ordinal))["Sec-WebSocket-Key:".Length..].Trim();
            var response = new List<byte>(Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {WebSocketUpgrade.ExpectedAccept(key)}\r\n\r\n"));
            if (firstFrame is not null)
            {
                var payload = Encoding.UTF8.GetBytes(firstFrame);
                response.Add(0x81); // FIN + text
                response.Add((byte)payload.Length);
                response.AddRange(payload);
            }

            await stream.WriteAsync(response.ToArray()); // one write: the frame travels with the 101
            _stream.SetResult(stream);
        }
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using Partnumber.Client.Internal.Realtime;

namespace Partnumber.Client.Tests.Internal.Realtime;

[CollectionDefinition(nameof(RealtimeEndpointProxyTests), DisableParallelization = true)]
public sealed class ProcessProxyCollection
{
}

/// <summary>
/// The SDK's own WebSocket handshake goes straight to the server, so when the system proxy applies to the address the
/// connection must go through <see cref="System.Net.WebSockets.ClientWebSocket"/>, which tunnels through the proxy.
/// (Runs alone: it swaps the process-wide <see cref="HttpClient.DefaultProxy"/>.)
/// </summary>
[Collection(nameof(RealtimeEndpointProxyTests))]
public sealed class RealtimeEndpointProxyTests
{
    [Fact]
    public async Task When_the_system_proxy_applies_the_websocket_goes_through_it()
    {
        using var proxyListener = new TcpListener(IPAddress.Loopback, 0);
        proxyListener.Start();
        var proxyUri = new Uri($"http://127.0.0.1:{((IPEndPoint)proxyListener.LocalEndpoint).Port}");
        var firstLine = ReadFirstLineAndCloseAsync(proxyListener);
        var previous = HttpClient.DefaultProxy;
        HttpClient.DefaultProxy = new FixedProxy(proxyUri);
        try
        {
            // Port 9 on loopback (discard) is never reached when the proxy is used; the SDK's own handshake would go there.
            var endpoint = new RealtimeEndpoint(new PartnumberClassificationClientOptions { BaseAddress = new Uri("http://127.0.0.1:9") });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Assert.ThrowsAnyAsync<Exception>(() => endpoint.OpenWebSocketAsync(timeout.Token)); // the "proxy" answers 502

            var line = await firstLine.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Contains("127.0.0.1:9", line);
        }
        finally
        {
            HttpClient.DefaultProxy = previous;
        }
    }

    private static async Task<string> ReadFirstLineAndCloseAsync(TcpListener listener)
    {
        using var tcp = await listener.AcceptTcpClientAsync();
        var buffer = new byte[4096];
        var text = new StringBuilder();
        var stream = tcp.GetStream();
        while (!text.ToString().Contains("\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        await stream.WriteAsync("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
        return text.ToString().Split("\r\n")[0];
    }

    private sealed class FixedProxy(Uri proxy) : IWebProxy
    {
        public ICredentials? Credentials { get; set; }

        public Uri GetProxy(Uri destination) => proxy;

        public bool IsBypassed(Uri host) => false;
    }
}

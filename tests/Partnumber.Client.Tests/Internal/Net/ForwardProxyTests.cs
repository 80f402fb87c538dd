using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Partnumber.Client.Internal.Http;
using Partnumber.Client.Internal.Net;
using Partnumber.Client.Internal.Realtime.EngineIO;
using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests.Internal.Net;

/// <summary>
/// Behind a forward proxy: a refused CONNECT tunnel is a WebSocket refusal (long-polling takes over), a 407 is a typed
/// connection error that says the proxy wants credentials, and plain-HTTP requests through the proxy never reuse a
/// connection the proxy may have closed.
/// </summary>
public sealed class ForwardProxyTests
{
    private static HttpRequestException TunnelFailure(int status)
#if NET8_0_OR_GREATER
        => new(HttpRequestError.ProxyTunnelError, $"The proxy tunnel request to proxy 'http://127.0.0.1:3128/' failed with status code '{status}'.");
#else
        => new($"The proxy tunnel request to proxy 'http://127.0.0.1:3128/' failed with status code '{status}'.");
#endif

    [Theory]
    [InlineData(403)]
    [InlineData(405)]
    [InlineData(407)]
    [InlineData(502)]
    public void A_refused_tunnel_is_a_WebSocket_refusal_that_names_the_proxys_answer(int status)
    {
        var thrown = new WebSocketException(WebSocketError.Faulted, "Unable to connect to the remote server", TunnelFailure(status));

        Assert.Equal(status, ProxyRoute.TunnelRefusalStatus(TunnelFailure(status)));
        Assert.Equal($"the proxy refused the WebSocket tunnel (CONNECT answered {status})", EngineIOConnector.RefusalOf(thrown));
    }

    [Fact]
    public void A_tunnel_closed_before_the_handshake_is_a_refusal_only_through_a_proxy()
    {
        var thrown = new WebSocketException(WebSocketError.Faulted, "Unable to connect", new HttpRequestException("The response ended prematurely.", new IOException("EOF")));

        Assert.Equal("the proxy closed the WebSocket tunnel before the handshake completed", EngineIOConnector.RefusalOf(thrown, throughProxy: true));
        Assert.Null(EngineIOConnector.RefusalOf(thrown, throughProxy: false));
    }

    [Fact]
    public void A_proxy_that_cannot_be_reached_is_no_refusal_long_polling_would_fail_the_same_way()
    {
        var thrown = new WebSocketException(WebSocketError.Faulted, "Unable to connect", new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused)));

        Assert.Null(EngineIOConnector.RefusalOf(thrown, throughProxy: true));
        Assert.Null(ProxyRoute.TunnelRefusalStatus(new HttpRequestException("Connection refused")));
    }

    [Fact]
    public async Task A_407_on_the_POST_is_a_connection_error_that_asks_for_the_proxys_credentials_and_never_shows_them()
    {
        await using var harness = new InMemoryClientHarness();
        harness.Http.Respond = (_, _) => new HttpResponseMessage(HttpStatusCode.ProxyAuthenticationRequired) { Content = new StringContent("<html>auth please</html>") };

        var error = await Assert.ThrowsAsync<PartnumberConnectionException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-407")));

        Assert.Contains("The proxy requires authentication (407 Proxy Authentication Required) for POST", error.Message);
        Assert.Contains("HTTP_PROXY=http://user:password@proxy:port", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Plain_HTTP_through_a_forward_proxy_never_reuses_a_connection_and_says_Connection_close(bool proxied)
    {
        var pooled = new RecordingHandler();
        var unpooled = new RecordingHandler();
        IWebProxy proxy = proxied ? new WebProxy("http://127.0.0.1:3128") : new WebProxy("http://127.0.0.1:3128", BypassOnLocal: true);
        using var invoker = new HttpMessageInvoker(new ForwardProxyHandler(pooled, () => unpooled, () => proxy));

        using var plain = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:5000/classify-partnumber");
        await invoker.SendAsync(plain, CancellationToken.None);
        using var tunnelled = new HttpRequestMessage(HttpMethod.Post, "https://127.0.0.1:5001/classify-partnumber");
        await invoker.SendAsync(tunnelled, CancellationToken.None);

        Assert.Equal((proxied ? 1 : 2, proxied ? 1 : 0), (pooled.Count, unpooled.Count)); // https goes through the tunnel: pooled
        Assert.Equal(proxied, plain.Headers.ConnectionClose == true);
        Assert.NotEqual(true, tunnelled.Headers.ConnectionClose);
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public int Count;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Count);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Accepted));
        }
    }
}

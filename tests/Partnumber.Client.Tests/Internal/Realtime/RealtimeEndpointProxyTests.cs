using System.Net;
using Partnumber.Client.Internal.Realtime;

namespace Partnumber.Client.Tests.Internal.Realtime;

/// <summary>
/// The SDK's own WebSocket handshake goes straight to the server, so when the system proxy applies to the address the
/// connection goes through <see cref="System.Net.WebSockets.ClientWebSocket"/>, which tunnels through the proxy.
/// </summary>
public sealed class RealtimeEndpointProxyTests
{
    [Theory]
    [InlineData("ws://backend.example:5000/socket.io/?EIO=4&transport=websocket", "http://backend.example:5000/socket.io/?EIO=4&transport=websocket")]
    [InlineData("wss://backend.example/socket.io/?EIO=4&transport=websocket", "https://backend.example/socket.io/?EIO=4&transport=websocket")]
    public void A_proxy_is_asked_about_the_http_form_of_the_address(string webSocketUri, string asked)
    {
        var proxy = new RecordingProxy(new Uri("http://proxy.example:3128"), bypassed: false);

        Assert.True(RealtimeEndpoint.ProxyApplies(proxy, new Uri(webSocketUri)));
        Assert.Equal(new Uri(asked), proxy.Asked);
    }

    [Fact]
    public void A_bypassed_address_goes_direct()
        => Assert.False(RealtimeEndpoint.ProxyApplies(new RecordingProxy(new Uri("http://proxy.example:3128"), bypassed: true), new Uri("ws://127.0.0.1:5000/socket.io/")));

    [Fact]
    public void No_proxy_configured_goes_direct()
        => Assert.False(RealtimeEndpoint.ProxyApplies(new RecordingProxy(null, bypassed: false), new Uri("ws://backend.example/socket.io/")));

    [Fact]
    public void A_proxy_that_answers_with_the_address_itself_means_direct()
        => Assert.False(RealtimeEndpoint.ProxyApplies(new EchoProxy(), new Uri("ws://backend.example/socket.io/")));

    [Fact]
    public void An_endpoint_asks_a_proxy_once_and_asks_again_when_the_proxy_is_replaced()
    {
        var endpoint = new RealtimeEndpoint(new PartnumberClassificationClientOptions { BaseAddress = new Uri("http://backend.example:5000") }, () => throw new InvalidOperationException("no polling here"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var first = new RecordingProxy(new Uri("http://proxy.example:3128"), bypassed: false);
        var replacement = new RecordingProxy(null, bypassed: false);

        Assert.True(endpoint.UsesProxy(first));
        Assert.True(endpoint.UsesProxy(first));
        Assert.False(endpoint.UsesProxy(replacement));

        Assert.Equal(1, first.Questions);
        Assert.Equal(1, replacement.Questions);
    }

    private sealed class RecordingProxy(Uri? proxy, bool bypassed) : IWebProxy
    {
        public Uri? Asked { get; private set; }

        public int Questions { get; private set; }

        public ICredentials? Credentials { get; set; }

        public Uri? GetProxy(Uri destination)
        {
            Asked = destination;
            Questions++;
            return proxy;
        }

        public bool IsBypassed(Uri host) => bypassed;
    }

    /// <summary>WebRequest-era proxies return the destination itself for "no proxy".</summary>
    private sealed class EchoProxy : IWebProxy
    {
        public ICredentials? Credentials { get; set; }

        public Uri GetProxy(Uri destination) => destination;

        public bool IsBypassed(Uri host) => false;
    }
}

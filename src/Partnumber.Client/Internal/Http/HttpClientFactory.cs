#if NET8_0_OR_GREATER
using System.Net.Sockets;
using Partnumber.Client.Internal.Net;
#endif

namespace Partnumber.Client.Internal.Http;

/// <summary>The HTTP clients a <see cref="PartnumberClassificationClient"/> creates when the application supplies none.</summary>
internal static class HttpClientFactory
{
    /// <summary>
    /// The most connections the owned POST client opens to the server at once; POSTs beyond that wait for one. Enough
    /// that a thousand classifications in flight rarely queue for a connection; a much higher bound only holds sockets
    /// and buffers such a load does not use.
    /// </summary>
    internal const int MaxConnectionsPerServer = 256;

    /// <summary>The client for the POSTs (behind <see cref="ForwardProxyHandler"/>).</summary>
    /// <param name="acknowledgeImmediately">Re-arm TCP_QUICKACK on its connections (.NET 8+ on Linux).</param>
    /// <param name="onQuickAckRefused">Told when the platform refuses TCP_QUICKACK.</param>
    public static HttpClient CreateDefault(bool acknowledgeImmediately = false, Action<Exception>? onQuickAckRefused = null)
    {
#if NET8_0_OR_GREATER
        // Pooled connections are recycled so DNS changes are seen, as IHttpClientFactory would do. The POSTs are short
        // and few next to the minutes a classification lasts: a bounded pool keeps 1,000 classifications started at once
        // from opening (and then keeping idle, with 8 KB of buffers each) 1,000 connections.
        SocketsHttpHandler Create(bool pooled)
        {
            var handler = CreateHandler(acknowledgeImmediately, onQuickAckRefused, useCookies: true, pooled);
            handler.MaxConnectionsPerServer = MaxConnectionsPerServer;
            return handler;
        }

        var transport = new ForwardProxyHandler(Create(pooled: true), () => Create(pooled: false));
#else
        HttpClientHandler Create() => new() { MaxConnectionsPerServer = MaxConnectionsPerServer };
        var transport = new ForwardProxyHandler(Create(), Create);
#endif
        return new HttpClient(transport, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// The client for Engine.IO long-polling (see <see cref="CreatePollingHandler"/>); its requests are bounded by the SDK.
    /// </summary>
    public static HttpClient CreateForPolling(bool acknowledgeImmediately, Action<Exception>? onQuickAckRefused)
        => new(CreatePollingHandler(acknowledgeImmediately, onQuickAckRefused), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>
    /// The handler for Engine.IO long-polling (behind <see cref="ForwardProxyHandler"/>, as the POST client): no bound on connections (every polling session keeps a GET waiting for
    /// the server, so a bound would starve the POSTs of the sessions beyond it) and no cookie container (each Engine.IO
    /// session keeps its own cookies, for sticky sessions; a shared container would mix them).
    /// </summary>
    public static HttpMessageHandler CreatePollingHandler(bool acknowledgeImmediately, Action<Exception>? onQuickAckRefused)
    {
#if NET8_0_OR_GREATER
        return new ForwardProxyHandler(
            CreateHandler(acknowledgeImmediately, onQuickAckRefused, useCookies: false, pooled: true),
            () => CreateHandler(acknowledgeImmediately, onQuickAckRefused, useCookies: false, pooled: false));
#else
        return new ForwardProxyHandler(new HttpClientHandler { UseCookies = false }, () => new HttpClientHandler { UseCookies = false });
#endif
    }

#if NET8_0_OR_GREATER
    // pooled: false makes every connection serve one request (ForwardProxyHandler's route through a forward proxy).
    private static SocketsHttpHandler CreateHandler(bool acknowledgeImmediately, Action<Exception>? onQuickAckRefused, bool useCookies, bool pooled)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = pooled ? TimeSpan.FromMinutes(2) : TimeSpan.Zero,
            UseCookies = useCookies,
        };
        if (acknowledgeImmediately && QuickAckStream.IsSupported)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
                    return QuickAckStream.Create(socket, acknowledgeImmediately: true, onQuickAckRefused);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        return handler;
    }
#endif
}

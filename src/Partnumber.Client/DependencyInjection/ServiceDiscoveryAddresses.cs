#if NET8_0_OR_GREATER
using Microsoft.Extensions.ServiceDiscovery.Http;
using Partnumber.Client.Internal;

namespace Partnumber.Client.DependencyInjection;

/// <summary>
/// Resolves service-discovery addresses with the application's Microsoft.Extensions.ServiceDiscovery, exactly as its
/// HttpClient handler does: the request goes through that handler to a last handler that sends nothing and reports the
/// address the handler chose. So the POST, the WebSocket, long-polling and the upgrade probe all reach the endpoint
/// an HttpClient with <c>AddServiceDiscovery()</c> would (same schemes, same configuration, same refresh).
/// </summary>
internal static class ServiceDiscoveryAddresses
{
    public static AddressResolver Create(IServiceDiscoveryHttpMessageHandlerFactory factory)
    {
        var invoker = new HttpMessageInvoker(factory.CreateHandler(new AddressReporter()), disposeHandler: true);
        return new AddressResolver(async (address, cancellationToken) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, address);
            using var response = await invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return response.Headers.Location ?? address;
        });
    }

    /// <summary>The innermost handler: answers with the address it was asked for in <c>Location</c>, sending nothing.</summary>
    private sealed class AddressReporter : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(System.Net.HttpStatusCode.NoContent) { RequestMessage = request };
            response.Headers.Location = request.RequestUri;
            return Task.FromResult(response);
        }
    }
}
#endif

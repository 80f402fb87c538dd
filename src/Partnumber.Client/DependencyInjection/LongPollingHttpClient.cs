using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The HTTP client a registered Partnumber client uses for Engine.IO long-polling. It has the POST client's primary
/// handler, as the application configured it (TLS validation, client certificates, proxy), but none of its delegating
/// handlers: retry and resilience layers are for the POST (a long-poll that waits up to pingInterval for the server's
/// next packet would be cut by a resilience timeout, and a retried poll would lose packets), and per-request logging
/// would log every poll.
/// </summary>
internal static class LongPollingHttpClient
{
    /// <summary>Registers the long-polling client beside the POST client <paramref name="postClientName"/>; returns its name.</summary>
    public static string Register(IServiceCollection services, string postClientName)
    {
        var name = postClientName + ":long-polling";
        services.AddHttpClient(name)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // the SDK bounds each request itself
            .RemoveAllLoggers();

        // Post-configured, so it reads the POST client's actions after the application added all of its own.
        services.PostConfigure<HttpClientFactoryOptions>(name, options => options.HttpMessageHandlerBuilderActions.Add(builder =>
        {
            var post = builder.Services.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>().Get(postClientName);
            foreach (var action in post.HttpMessageHandlerBuilderActions)
            {
                action(builder); // the primary handler the application configured, if any
            }

            builder.AdditionalHandlers.Clear();
        }));
        return name;
    }
}

using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;
using Partnumber.Client;
using Partnumber.Client.Internal.Http;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The HTTP client a registered Partnumber client uses for Engine.IO long-polling. It has the POST client's primary
/// handler, as the application configured it (TLS validation, client certificates, proxy), but none of its delegating
/// handlers: retry and resilience layers are for the POST (a long-poll that waits up to pingInterval for the server's
/// next packet would be cut by a resilience timeout, and a retried poll would lose packets), and per-request logging
/// would log every poll. Where the application configured no primary handler, it gets the SDK's own long-polling handler
/// (no cookie container, so each Engine.IO session keeps its own cookies; no connection cap; TCP_QUICKACK).
/// </summary>
internal static class LongPollingHttpClient
{
    /// <summary>Registers the long-polling client beside the POST client <paramref name="postClientName"/>; returns its name.</summary>
    /// <param name="services">The services.</param>
    /// <param name="postClientName">The named HTTP client of the POSTs.</param>
    /// <param name="optionsName">The name of the client's <see cref="PartnumberClassificationClientOptions"/>.</param>
    public static string Register(IServiceCollection services, string postClientName, string optionsName)
    {
        var name = postClientName + ":long-polling";
        services.AddHttpClient(name)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // the SDK bounds each request itself
            .RemoveAllLoggers();

        // Post-configured, so it reads the POST client's actions after the application added all of its own.
        services.PostConfigure<HttpClientFactoryOptions>(name, options => options.HttpMessageHandlerBuilderActions.Add(builder =>
        {
            var post = builder.Services.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>().Get(postClientName);
            var unconfigured = builder.PrimaryHandler;
            foreach (var action in post.HttpMessageHandlerBuilderActions)
            {
                action(builder); // the primary handler the application configured, if any
            }

            builder.AdditionalHandlers.Clear();
            if (ReferenceEquals(builder.PrimaryHandler, unconfigured))
            {
                var options = builder.Services.GetRequiredService<IOptionsMonitor<PartnumberClassificationClientOptions>>().Get(optionsName);
                builder.PrimaryHandler = HttpClientFactory.CreatePollingHandler(options.AcknowledgeImmediately, onQuickAckRefused: null);
            }
        }));
        return name;
    }
}

using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;
using Partnumber.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Puts <see cref="PartnumberHttpPolicies.SafeRetry"/> in a registered client's HTTP pipeline unless the application
/// brought its own retry layer, so a POST is never retried by two layers at once (each retry starts a classification:
/// one retry on 503 in the app's policy times SafeRetry's four attempts sent eight POSTs).
/// </summary>
internal static class SafeRetryLayer
{
    /// <summary>
    /// Adds the decision to the client's handler-building actions as a post-configuration, so it runs after every
    /// handler the application adds through <see cref="IHttpClientBuilder"/>, whether before or after this call, and
    /// after <c>ConfigureHttpClientDefaults</c>: it sees the whole pipeline the application asked for.
    /// </summary>
    public static void Register(IServiceCollection services, string httpClientName, string optionsName)
        => services.PostConfigure<HttpClientFactoryOptions>(httpClientName, options => options.HttpMessageHandlerBuilderActions.Add(builder => AddUnlessTheApplicationRetries(builder, optionsName)));

    private static void AddUnlessTheApplicationRetries(HttpMessageHandlerBuilder builder, string optionsName)
    {
        foreach (var handler in builder.AdditionalHandlers)
        {
            if (Partnumber.Client.Internal.Http.HttpClientPipeline.IsResilienceLayer(handler))
            {
                return;
            }
        }

        // Outermost, so the application's other handlers (an auth header, say) run again for each attempt.
        // On the client's clock (its options', as PartnumberServiceCollectionExtensions settles it): one clock.
        var options = builder.Services.GetRequiredService<IOptionsMonitor<PartnumberClassificationClientOptions>>().Get(optionsName);
        var policy = PartnumberHttpPolicies.SafeRetry(timeProvider: PartnumberServiceCollectionExtensions.Clock(builder.Services, options));
        builder.AdditionalHandlers.Insert(0, new PolicyHttpMessageHandler(policy));
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Partnumber.Client;
using Partnumber.Client.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="IPartnumberClassificationClient"/> with <see cref="IServiceCollection"/>.</summary>
public static class PartnumberServiceCollectionExtensions
{
    /// <summary>The configuration section the <see cref="IConfiguration"/> overloads bind: <c>Partnumber</c>.</summary>
    public const string ConfigurationSectionName = "Partnumber";

    /// <summary>
    /// Registers a singleton <see cref="IPartnumberClassificationClient"/> whose POSTs go through an
    /// <see cref="IHttpClientFactory"/> client. Options are validated when the host starts.
    /// </summary>
    /// <remarks>
    /// The POST is retried by exactly one layer. If the HTTP client's pipeline has a retry or resilience handler of the
    /// application's — a Polly <c>AddPolicyHandler</c> (any policy) or a Microsoft.Extensions.Http.Resilience handler
    /// (<c>AddResilienceHandler</c>, <c>AddStandardResilienceHandler</c>, also through <c>ConfigureHttpClientDefaults</c>)
    /// — that handler is the only one; otherwise <see cref="PartnumberHttpPolicies.SafeRetry"/> is added as the outermost
    /// handler. To keep SafeRetry beside a policy of your own, add it yourself: <c>AddPolicyHandler(PartnumberHttpPolicies.SafeRetry())</c>.
    /// <see cref="PartnumberClassificationClientOptions.HttpRetryPolicy"/> is not used by a client registered here.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options (at least <see cref="PartnumberClassificationClientOptions.BaseAddress"/>).</param>
    /// <returns>The builder of the underlying HTTP client, to add handlers or a resilience handler that replaces the default retry.</returns>
    public static IHttpClientBuilder AddPartnumberClassificationClient(this IServiceCollection services, Action<PartnumberClassificationClientOptions> configure)
        => services.AddPartnumberClassificationClient(Options.Options.DefaultName, configure);

    /// <summary>Registers the client with options bound from the <c>Partnumber</c> section of <paramref name="configuration"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The application's configuration; its <c>Partnumber</c> section is bound.</param>
    /// <returns>The builder of the underlying HTTP client, to add handlers or a resilience handler that replaces the default retry.</returns>
    public static IHttpClientBuilder AddPartnumberClassificationClient(this IServiceCollection services, IConfiguration configuration)
        => services.AddPartnumberClassificationClient(Options.Options.DefaultName, configuration);

    /// <summary>
    /// Registers a named client, resolved as a keyed service (<c>[FromKeyedServices(name)]</c> or
    /// <c>GetRequiredKeyedService&lt;IPartnumberClassificationClient&gt;(name)</c>), for applications that use more than one backend.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The client's name (also the options name and the key).</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder of the underlying HTTP client, to add handlers or a resilience handler that replaces the default retry.</returns>
    public static IHttpClientBuilder AddPartnumberClassificationClient(this IServiceCollection services, string name, Action<PartnumberClassificationClientOptions> configure)
    {
        if (configure is null)
        {
            throw new ArgumentNullException(nameof(configure));
        }

        return services.AddCore(name, builder => builder.Configure(configure));
    }

    /// <summary>Registers a named client with options bound from <c>Partnumber</c> section of <paramref name="configuration"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The client's name (also the options name and the key).</param>
    /// <param name="configuration">The configuration whose <c>Partnumber</c> section is bound.</param>
    /// <returns>The builder of the underlying HTTP client, to add handlers or a resilience handler that replaces the default retry.</returns>
    public static IHttpClientBuilder AddPartnumberClassificationClient(this IServiceCollection services, string name, IConfiguration configuration)
    {
        if (configuration is null)
        {
            throw new ArgumentNullException(nameof(configuration));
        }

        var section = configuration.GetSection(ConfigurationSectionName);
        return services.AddCore(name, builder => builder.Configure(options => PartnumberOptionsBinder.Bind(section, options)));
    }

    private static IHttpClientBuilder AddCore(this IServiceCollection services, string name, Action<OptionsBuilder<PartnumberClassificationClientOptions>> configure)
    {
        if (services is null)
        {
            throw new ArgumentNullException(nameof(services));
        }

        if (name is null)
        {
            throw new ArgumentNullException(nameof(name));
        }

        var optionsBuilder = services.AddOptions<PartnumberClassificationClientOptions>(name);
        configure(optionsBuilder);
        optionsBuilder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PartnumberClassificationClientOptions>, PartnumberOptionsValidator>());

        var httpClientName = "Partnumber.Client:" + name;
        var pollingClientName = LongPollingHttpClient.Register(services, httpClientName, name);
        services.AddKeyedSingleton<IPartnumberClassificationClient>(name, (provider, _) => Create(provider, name, httpClientName, pollingClientName));
        if (name == Options.Options.DefaultName)
        {
            services.TryAddSingleton(provider => provider.GetRequiredKeyedService<IPartnumberClassificationClient>(name));
        }

        var httpClientBuilder = services
            .AddHttpClient(httpClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan); // ClassificationTimeout bounds the whole call
        SafeRetryLayer.Register(services, httpClientName, name);
        return httpClientBuilder;
    }

    /// <summary>The clock of a registered client: its options' <see cref="PartnumberClassificationClientOptions.TimeProvider"/>,
    /// or the container's <see cref="TimeProvider"/> when the options left the default <see cref="TimeProvider.System"/>.</summary>
    internal static TimeProvider Clock(IServiceProvider provider, PartnumberClassificationClientOptions options)
        => ReferenceEquals(options.TimeProvider, TimeProvider.System) && provider.GetService<TimeProvider>() is { } registered
            ? registered
            : options.TimeProvider;

    private static PartnumberClassificationClient Create(IServiceProvider provider, string name, string httpClientName, string pollingClientName)
    {
        var options = provider.GetRequiredService<IOptionsMonitor<PartnumberClassificationClientOptions>>().Get(name).Clone();
        options.LoggerFactory ??= provider.GetService<ILoggerFactory>();
        options.TimeProvider = Clock(provider, options);

#if NET8_0_OR_GREATER
        // BaseAddress/SocketAddress may be service-discovery names (https+http://classifier) when the app registered it.
        if (provider.GetService<Microsoft.Extensions.ServiceDiscovery.Http.IServiceDiscoveryHttpMessageHandlerFactory>() is { } discovery)
        {
            options.AddressResolver = Partnumber.Client.DependencyInjection.ServiceDiscoveryAddresses.Create(discovery);
        }

#endif
        var factory = provider.GetRequiredService<IHttpClientFactory>();
        // The pipeline retries (SafeRetryLayer's handler or the application's), so the client adds no policy of its own.
        return new PartnumberClassificationClient(
            () => factory.CreateClient(httpClientName),
            () => factory.CreateClient(pollingClientName),
            options,
            connector: null,
            httpPipelineHasRetry: true);
    }
}

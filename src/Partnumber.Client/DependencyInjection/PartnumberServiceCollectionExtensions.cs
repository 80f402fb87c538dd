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
    /// <see cref="IHttpClientFactory"/> client with the default safe retry policy (<see cref="PartnumberHttpPolicies.SafeRetry"/>).
    /// Options are validated when the host starts.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options (at least <see cref="PartnumberClassificationClientOptions.BaseAddress"/>).</param>
    /// <returns>The builder of the underlying HTTP client, to add or replace handlers and policies.</returns>
    public static IHttpClientBuilder AddPartnumberClassificationClient(this IServiceCollection services, Action<PartnumberClassificationClientOptions> configure)
        => services.AddPartnumberClassificationClient(Options.Options.DefaultName, configure);

    /// <summary>Registers the client with options bound from the <c>Partnumber</c> section of <paramref name="configuration"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The application's configuration; its <c>Partnumber</c> section is bound.</param>
    /// <returns>The builder of the underlying HTTP client.</returns>
    public static IHttpClientBuilder AddPartnumberClassificationClient(this IServiceCollection services, IConfiguration configuration)
        => services.AddPartnumberClassificationClient(Options.Options.DefaultName, configuration);

    /// <summary>
    /// Registers a named client, resolved as a keyed service (<c>[FromKeyedServices(name)]</c> or
    /// <c>GetRequiredKeyedService&lt;IPartnumberClassificationClient&gt;(name)</c>), for applications that use more than one backend.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The client's name (also the options name and the key).</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder of the underlying HTTP client.</returns>
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
    /// <returns>The builder of the underlying HTTP client.</returns>
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
        services.AddKeyedSingleton<IPartnumberClassificationClient>(name, (provider, _) => Create(provider, name, httpClientName));
        if (name == Options.Options.DefaultName)
        {
            services.TryAddSingleton(provider => provider.GetRequiredKeyedService<IPartnumberClassificationClient>(name));
        }

        return services
            .AddHttpClient(httpClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // ClassificationTimeout bounds the whole call
            .AddPolicyHandler((provider, _) => PartnumberHttpPolicies.SafeRetry(timeProvider: provider.GetService<TimeProvider>()));
    }

    private static PartnumberClassificationClient Create(IServiceProvider provider, string name, string httpClientName)
    {
        var options = provider.GetRequiredService<IOptionsMonitor<PartnumberClassificationClientOptions>>().Get(name).Clone();
        options.LoggerFactory ??= provider.GetService<ILoggerFactory>();
        if (provider.GetService<TimeProvider>() is { } timeProvider && ReferenceEquals(options.TimeProvider, TimeProvider.System))
        {
            options.TimeProvider = timeProvider;
        }

        var factory = provider.GetRequiredService<IHttpClientFactory>();
        Func<HttpClient> source = () => factory.CreateClient(httpClientName);
        return new PartnumberClassificationClient(source, source, options, connector: null, httpPipelineHasRetry: true);
    }
}

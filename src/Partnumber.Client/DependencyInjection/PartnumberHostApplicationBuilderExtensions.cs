using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Partnumber.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// One call that sets a classification client up in a host, in the shape .NET Aspire client integrations use: the
/// <c>Partnumber</c> configuration section, a connection string, the client and its health check.
/// </summary>
public static class PartnumberHostApplicationBuilderExtensions
{
    /// <summary>The connection string name read when none is given: <c>partnumber</c> (<c>ConnectionStrings:partnumber</c>).</summary>
    public const string DefaultConnectionName = "partnumber";

    /// <summary>
    /// Registers the default <see cref="IPartnumberClassificationClient"/> from the <c>Partnumber</c> section of the
    /// host's configuration (unknown keys stop the host at start), taking <c>BaseAddress</c> from the connection string
    /// <paramref name="connectionName"/> when the section sets none (for example one an orchestrator injects), and its
    /// readiness health check (<see cref="PartnumberHealthChecksBuilderExtensions.AddPartnumberClassification"/>, tagged
    /// <c>ready</c>) unless <paramref name="configureSettings"/> disables it. Tracing and metrics need no registration here: add
    /// the source and meter named <see cref="PartnumberClientTelemetry.Name"/> to your OpenTelemetry setup.
    /// </summary>
    /// <param name="builder">The host builder.</param>
    /// <param name="connectionName">The connection string holding the backend's address; default <see cref="DefaultConnectionName"/>.</param>
    /// <param name="configureSettings">Chooses what is registered besides the client.</param>
    /// <param name="configureOptions">Adjusts the options after the configuration was bound.</param>
    /// <returns>The builder of the client's HTTP client, to add handlers.</returns>
    public static IHttpClientBuilder AddPartnumberClassificationClient(
        this IHostApplicationBuilder builder,
        string connectionName = DefaultConnectionName,
        Action<PartnumberHostSettings>? configureSettings = null,
        Action<PartnumberClassificationClientOptions>? configureOptions = null)
    {
        if (builder is null)
        {
            throw new ArgumentNullException(nameof(builder));
        }

        var settings = new PartnumberHostSettings();
        configureSettings?.Invoke(settings);
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        var httpClientBuilder = builder.Services.AddPartnumberClassificationClient(builder.Configuration);
        builder.Services.Configure<PartnumberClassificationClientOptions>(options =>
        {
            if (options.BaseAddress is null && !string.IsNullOrWhiteSpace(connectionString))
            {
                options.BaseAddress = Uri.TryCreate(connectionString!.Trim(), UriKind.Absolute, out var address)
                    ? address
                    : throw new InvalidOperationException($"Connection string {connectionName} = '{connectionString}' is not an absolute URI (for example http://classifier:5000).");
            }

            configureOptions?.Invoke(options);
        });

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().AddPartnumberClassification(tags: ["ready"], timeout: settings.HealthCheckTimeout);
        }

        return httpClientBuilder;
    }
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Partnumber.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the classification backend's health check (readiness probes, <c>MapHealthChecks</c>).</summary>
public static class PartnumberHealthChecksBuilderExtensions
{
    /// <summary>The health check's name when none is given.</summary>
    public const string DefaultName = "partnumber-classification";

    /// <summary>The default of the <c>timeout</c> parameter: 5 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The default of the <c>degradedRoundTrip</c> parameter: 1 second.</summary>
    public static readonly TimeSpan DefaultDegradedRoundTrip = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Adds a health check that pings the classification backend (Socket.IO <c>ping_event</c> → <c>pong_event</c>) over
    /// the client's pooled connection: Healthy with <c>roundTripMs</c> and <c>transport</c> in its data, Degraded when
    /// the round trip is longer than <paramref name="degradedRoundTrip"/>, <paramref name="failureStatus"/> (default
    /// Unhealthy) with the reason when the backend cannot be reached or does not answer within <paramref name="timeout"/>.
    /// The client is the one registered by <c>AddPartnumberClassificationClient</c> (the keyed one named
    /// <paramref name="clientName"/>, when given).
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; default <see cref="DefaultName"/>.</param>
    /// <param name="clientName">The name of a client registered with a name; null: the default client.</param>
    /// <param name="failureStatus">The status reported on failure; null: Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by (for example <c>ready</c>).</param>
    /// <param name="timeout">How long a probe may take; default <see cref="DefaultTimeout"/>.</param>
    /// <param name="degradedRoundTrip">A round trip longer than this reports Degraded; default <see cref="DefaultDegradedRoundTrip"/>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static IHealthChecksBuilder AddPartnumberClassification(
        this IHealthChecksBuilder builder,
        string? name = null,
        string? clientName = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null,
        TimeSpan? degradedRoundTrip = null)
    {
        if (builder is null)
        {
            throw new ArgumentNullException(nameof(builder));
        }

        var probeTimeout = timeout ?? DefaultTimeout;
        if (probeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "timeout must be positive.");
        }

        var degraded = degradedRoundTrip ?? DefaultDegradedRoundTrip;
        return builder.Add(new HealthCheckRegistration(
            name ?? DefaultName,
            provider => new PartnumberClassificationHealthCheck(
                clientName is null
                    ? provider.GetRequiredService<IPartnumberClassificationClient>()
                    : provider.GetRequiredKeyedService<IPartnumberClassificationClient>(clientName),
                probeTimeout,
                degraded),
            failureStatus,
            tags,
            probeTimeout + TimeSpan.FromSeconds(1))); // the framework's own bound, just past the probe's, which reports why
    }
}

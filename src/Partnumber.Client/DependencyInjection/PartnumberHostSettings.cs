namespace Microsoft.Extensions.DependencyInjection;

/// <summary>What <see cref="PartnumberHostApplicationBuilderExtensions.AddPartnumberClassificationClient"/> registers besides the client.</summary>
public sealed class PartnumberHostSettings
{
    /// <summary>Whether the readiness health check is left out. Default false (registered, tagged <c>ready</c>).</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>How long a health probe may take; null: <see cref="PartnumberHealthChecksBuilderExtensions.DefaultTimeout"/>.</summary>
    public TimeSpan? HealthCheckTimeout { get; set; }
}

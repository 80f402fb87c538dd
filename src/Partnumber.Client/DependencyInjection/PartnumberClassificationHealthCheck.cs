using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Partnumber.Client;
using Partnumber.Client.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Readiness of a classification backend: a Socket.IO <c>ping_event</c> → <c>pong_event</c> round trip over a pooled
/// connection (so probing opens no session per probe). Healthy with the round trip and transport in <c>Data</c>;
/// Degraded above the round trip given; the registration's failure status, with the reason, when the backend refuses
/// connections, does not answer within the timeout, or fails otherwise. Never throws.
/// </summary>
internal sealed class PartnumberClassificationHealthCheck : IHealthCheck
{
    private readonly IPartnumberClassificationClient _client;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _degradedRoundTrip;

    public PartnumberClassificationHealthCheck(IPartnumberClassificationClient client, TimeSpan timeout, TimeSpan degradedRoundTrip)
    {
        _client = client;
        _timeout = timeout;
        _degradedRoundTrip = degradedRoundTrip;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var real = _client.GetType() == typeof(PartnumberClassificationClient) ? (PartnumberClassificationClient)_client : null;
        using var deadline = new Deadline(real?.TimeProvider ?? TimeProvider.System, _timeout, cancellationToken);
        try
        {
            var (roundTrip, transport) = real is not null
                ? await real.PingOverAsync(deadline.Token).ConfigureAwait(false)
                : (await _client.PingAsync(deadline.Token).ConfigureAwait(false), PartnumberTransports.None);
            var data = new Dictionary<string, object>
            {
                ["roundTripMs"] = Math.Round(roundTrip.TotalMilliseconds, 3),
                ["transport"] = Partnumber.Client.Internal.Classification.ClassificationTelemetry.TransportName(transport),
            };
            var said = $"ping answered in {roundTrip.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture)} ms over {data["transport"]}";
            return roundTrip > _degradedRoundTrip
                ? HealthCheckResult.Degraded($"{said}, above {_degradedRoundTrip.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture)} ms", data: data)
                : HealthCheckResult.Healthy(said, data);
        }
        catch (OperationCanceledException) when (deadline.Expired)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"the classification backend did not answer a ping within {Deadline.Seconds(_timeout)}");
        }
        catch (Exception ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"the classification backend cannot be reached: {ex.Message}", ex);
        }
    }
}

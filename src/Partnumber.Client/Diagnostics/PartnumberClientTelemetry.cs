using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Partnumber.Client;

/// <summary>
/// The names under which the client publishes traces and metrics, for OpenTelemetry's <c>AddSource</c> and
/// <c>AddMeter</c>. Both the <see cref="ActivitySource"/> and the <see cref="Meter"/> are named <see cref="Name"/>.
/// </summary>
public static class PartnumberClientTelemetry
{
    /// <summary>The ActivitySource and Meter name: <c>Partnumber.Client</c>.</summary>
    public const string Name = "Partnumber.Client";

    /// <summary>The span of one classification (from the call to its result or exception).</summary>
    public const string ClassifyActivityName = "Partnumber.Classify";

    /// <summary>Histogram, seconds: duration of classifications, tagged <c>partnumber.outcome</c>.</summary>
    public const string DurationInstrument = "partnumber.client.classification.duration";

    /// <summary>UpDownCounter: classifications in flight.</summary>
    public const string ActiveInstrument = "partnumber.client.classification.active";

    /// <summary>Counter: classifications that did not end in a result, tagged <c>partnumber.outcome</c> (the reason).</summary>
    public const string FailuresInstrument = "partnumber.client.classification.failures";

    /// <summary>Counter: reconnect attempts during classifications.</summary>
    public const string ReconnectsInstrument = "partnumber.client.reconnects";
}

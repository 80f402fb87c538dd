using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Partnumber.Client.Internal;

/// <summary>The ActivitySource and instruments shared by every client in the process.</summary>
internal static class Telemetry
{
    private static readonly string Version = typeof(Telemetry).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    public static readonly ActivitySource Source = new(PartnumberClientTelemetry.Name, Version);

    private static readonly Meter Meter = new(PartnumberClientTelemetry.Name, Version);

    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(PartnumberClientTelemetry.DurationInstrument, "s", "Duration of partnumber classifications.");

    public static readonly UpDownCounter<long> Active = Meter.CreateUpDownCounter<long>(PartnumberClientTelemetry.ActiveInstrument, "{classification}", "Partnumber classifications in flight.");

    public static readonly Counter<long> Failures = Meter.CreateCounter<long>(PartnumberClientTelemetry.FailuresInstrument, "{classification}", "Partnumber classifications that ended without a result, by reason.");

    public static readonly Counter<long> Reconnects = Meter.CreateCounter<long>(PartnumberClientTelemetry.ReconnectsInstrument, "{attempt}", "Reconnect attempts during partnumber classifications.");

    /// <summary>Outcome tag values.</summary>
    public static class Outcome
    {
        public const string Done = "done";
        public const string Failed = "failed";
        public const string Rejected = "rejected";
        public const string Timeout = "timeout";
        public const string Lost = "lost";
        public const string Connection = "connection";
        public const string Protocol = "protocol";
        public const string Cancelled = "cancelled";
        public const string Abandoned = "abandoned";
    }

    public static string OutcomeOf(Exception exception) => exception switch
    {
        ClassificationFailedException => Outcome.Failed,
        ClassificationRejectedException => Outcome.Rejected,
        ClassificationTimeoutException => Outcome.Timeout,
        ClassificationLostException => Outcome.Lost,
        PartnumberConnectionException => Outcome.Connection,
        PartnumberClientException => Outcome.Protocol,
        OperationCanceledException or ObjectDisposedException => Outcome.Cancelled,
        _ => Outcome.Protocol,
    };
}

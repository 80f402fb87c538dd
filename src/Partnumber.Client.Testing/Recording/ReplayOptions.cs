using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Testing.Recording;

/// <summary>How <see cref="FakePartnumberServer.Replay(PartnumberRecording, ReplayOptions?)"/> serves a recording.</summary>
public sealed class ReplayOptions
{
    /// <summary>
    /// How much faster than recorded the events come: 1 (the default) keeps the recorded pacing, 10 plays it ten times
    /// faster, 0.5 at half speed. Delays run on the server's <see cref="FakePartnumberServerOptions.TimeProvider"/>.
    /// </summary>
    public double SpeedFactor { get; set; } = 1;

    /// <summary>Sends every recorded event as soon as the client joins, ignoring the recorded offsets. Default false.</summary>
    public bool WithoutDelays { get; set; }

    /// <summary>
    /// Configures the answer for every partnumber that no replayed recording holds (this one or one replayed before,
    /// until <see cref="FakePartnumberServer.ResetScripts"/>), for example
    /// <c>s =&gt; s.RespondWith(404, "{\"error\":\"not recorded\"}")</c>. Like any script it takes precedence over
    /// scripts added before it. Null (the default) leaves those partnumbers to the other scripts, or to the fake's
    /// default classification.
    /// </summary>
    public Action<ClassificationScript>? Unrecorded { get; set; }
}

namespace Partnumber.Client.Testing.Recording;

/// <summary>Which payload <see cref="PartnumberRecorderOptions.RedactPayload"/> is looking at.</summary>
public sealed class PayloadRedactionContext
{
    internal PayloadRedactionContext(string partnumber, string? eventName)
    {
        Partnumber = partnumber;
        EventName = eventName;
    }

    /// <summary>The partnumber being recorded.</summary>
    public string Partnumber { get; }

    /// <summary>The event whose argument this is; null for the body of the POST's answer.</summary>
    public string? EventName { get; }

    /// <summary>True for the body of the POST's answer.</summary>
    public bool IsResponseBody => EventName is null;
}

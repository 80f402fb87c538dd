using System.Text.Json;

namespace Partnumber.Client;

/// <summary>
/// One item of the stream returned by <see cref="IPartnumberClassificationClient.ClassifyAsync"/>: a progress update
/// (<c>classification_update_status</c>) or, last, the final update that carries the <see cref="Result"/>.
/// </summary>
public sealed class ClassificationUpdate
{
    /// <summary>Creates an update. Applications normally receive updates from the client; tests can use <see cref="PartnumberModelFactory"/>.</summary>
    /// <param name="status">The status the event reported.</param>
    /// <param name="current">The current step, when reported.</param>
    /// <param name="total">The number of steps, when reported.</param>
    /// <param name="message">The step's message, when reported.</param>
    /// <param name="result">The final result: set on the final update only.</param>
    /// <param name="payload">The raw event payload.</param>
    public ClassificationUpdate(ClassificationStatus status, int? current, int? total, string? message, ClassificationResult? result, JsonElement payload)
    {
        Status = status;
        Current = current;
        Total = total;
        Message = message;
        Result = result;
        Payload = payload;
    }

    /// <summary>The status the event reported (<see cref="ClassificationStatus.Unknown"/> when missing or unrecognised).</summary>
    public ClassificationStatus Status { get; }

    /// <summary>The current step (the payload's <c>current</c>, a number or numeric string), when present.</summary>
    public int? Current { get; }

    /// <summary>The number of steps (the payload's <c>total</c>, a number or numeric string), when present.</summary>
    public int? Total { get; }

    /// <summary>The step's human-readable message, when present.</summary>
    public string? Message { get; }

    /// <summary>True for the last update of the stream, the one that carries <see cref="Result"/>.</summary>
    public bool IsFinal => Result is not null;

    /// <summary>The final result; set only when <see cref="IsFinal"/> is true.</summary>
    public ClassificationResult? Result { get; }

    /// <summary>The whole event payload (a detached copy), including fields this client does not model.</summary>
    public JsonElement Payload { get; }

    /// <summary>
    /// How many times the classification had been resubmitted when this update arrived: 0 for the original task; 1 or more
    /// once the server lost the task and the client started it again
    /// (<see cref="PartnumberClassificationClientOptions.ResubmitLostClassifications"/>): progress then restarts from the
    /// new task's first step.
    /// </summary>
    public int Resubmissions { get; init; }

    /// <inheritdoc />
    public override string ToString() => IsFinal
        ? $"final: {Result}"
        : $"{Status} {Current?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}/{Total?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} {Message}";
}

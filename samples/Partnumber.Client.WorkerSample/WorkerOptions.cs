namespace Partnumber.Client.WorkerSample;

/// <summary>What the worker classifies (configuration section <c>Worker</c>).</summary>
public sealed class WorkerOptions
{
    /// <summary>The configuration section: <c>Worker</c>.</summary>
    public const string SectionName = "Worker";

    /// <summary>The partnumbers to classify.</summary>
    public List<string> Partnumbers { get; } = [];

    /// <summary>Classifications at once.</summary>
    public int MaxConcurrency { get; set; } = ClassifyManyOptions.DefaultMaxConcurrency;

    /// <summary>Stop the host when the list is done (a one-shot job); false keeps the host running.</summary>
    public bool StopWhenDone { get; set; } = true;
}

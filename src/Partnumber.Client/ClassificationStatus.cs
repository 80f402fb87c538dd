namespace Partnumber.Client;

/// <summary>The state of a classification task as reported by the server.</summary>
public enum ClassificationStatus
{
    /// <summary>The server sent no status, or one this client does not recognise.</summary>
    Unknown = 0,

    /// <summary>The task is running (<c>processing</c>).</summary>
    Processing = 1,

    /// <summary>The task finished successfully (<c>done</c>).</summary>
    Done = 2,

    /// <summary>The task failed on the server (<c>failed</c>).</summary>
    Failed = 3,
}

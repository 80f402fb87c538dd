namespace Partnumber.Client.Sample;

/// <summary>The sample's documented exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Classified: the result is <c>done</c> (batch: every item is done).</summary>
    public const int Done = 0;

    /// <summary>The server failed or rejected the classification (batch: at least one item not done).</summary>
    public const int Failed = 1;

    /// <summary>Wrong arguments or unreadable input file.</summary>
    public const int Usage = 2;

    /// <summary>The backend could not be reached (batch: a run of connection failures stopped it, or nothing was done and every failure was one).</summary>
    public const int Connection = 3;

    /// <summary>No final result within <c>--timeout</c> (batch: nothing done, every failure a timeout).</summary>
    public const int Timeout = 4;

    /// <summary>Cancelled with Ctrl+C or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Canceled = 130;
}

namespace Partnumber.Client;

/// <summary>Where a classification was when it ended (<see cref="PartnumberClientException.Phase"/>).</summary>
public enum ClassificationPhase
{
    /// <summary>Getting a realtime connection (idle, standby or fresh).</summary>
    Connecting,

    /// <summary>The POST was on its way; the task may not exist.</summary>
    Posting,

    /// <summary>Joined the task's room; no event had arrived yet.</summary>
    WaitingForFirstEvent,

    /// <summary>At least one progress update had arrived.</summary>
    ReceivingProgress,

    /// <summary>The finished event had arrived.</summary>
    Finished,
}

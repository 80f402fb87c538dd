namespace Partnumber.Client.Internal.Classification;

/// <summary>Where one classification is; messages name it ("cancelled while waiting for progress of room …").</summary>
internal enum ClassificationPhase
{
    /// <summary>Getting a realtime connection (idle, standby or fresh).</summary>
    Connecting,

    /// <summary>The POST is on its way; the task does not exist yet.</summary>
    Posting,

    /// <summary>Joined the task's room; no event has arrived yet.</summary>
    WaitingForFirstEvent,

    /// <summary>At least one progress update has arrived.</summary>
    ReceivingProgress,

    /// <summary>The finished event arrived.</summary>
    Finished,
}

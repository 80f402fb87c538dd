namespace Partnumber.Client.Shared.SocketIO;

/// <summary>The Socket.IO event names of the classification protocol (the API document's), for both packages.</summary>
internal static class SocketIOEvents
{
    /// <summary>Server → client on connect: <c>{"socket_session_id": …}</c>.</summary>
    public const string Connected = "connected";

    /// <summary>Client → server: <c>{"room_id": …}</c>.</summary>
    public const string Join = "join";

    /// <summary>Server → client: a progress update of the task in the joined room.</summary>
    public const string UpdateStatus = "classification_update_status";

    /// <summary>Server → client: the task's result.</summary>
    public const string Finished = "classification_finished";

    /// <summary>Client → server: answered by <see cref="Pong"/>.</summary>
    public const string Ping = "ping_event";

    /// <summary>Server → client: the answer to <see cref="Ping"/>.</summary>
    public const string Pong = "pong_event";
}

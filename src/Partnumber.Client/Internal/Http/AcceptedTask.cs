namespace Partnumber.Client.Internal.Http;

/// <summary>What the server's 2xx answer to the POST said: the task and the room its events go to.</summary>
internal sealed class AcceptedTask
{
    public AcceptedTask(string taskId, string roomId, string? message)
    {
        TaskId = taskId;
        RoomId = roomId;
        Message = message;
    }

    public string TaskId { get; }

    public string RoomId { get; }

    public string? Message { get; }
}

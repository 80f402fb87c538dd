namespace Partnumber.Client.Testing.Scripting;

internal enum ScriptStepKind
{
    Emit,
    Disconnect,
}

/// <summary>One step of a task: after <see cref="Delay"/>, emit an event to the room or disconnect its sockets.</summary>
internal sealed class ScriptStep
{
    public ScriptStep(TimeSpan delay, ScriptStepKind kind, string? eventName, Func<ScriptContext, string>? payload, bool isTerminal = false, bool isProgress = false)
    {
        Delay = delay;
        Kind = kind;
        EventName = eventName;
        Payload = payload;
        IsTerminal = isTerminal;
        IsProgress = isProgress;
    }

    public TimeSpan Delay { get; }

    public ScriptStepKind Kind { get; }

    public string? EventName { get; }

    public Func<ScriptContext, string>? Payload { get; }

    public bool IsTerminal { get; }

    public bool IsProgress { get; }

    public ServerDisconnectMode Mode { get; init; }
}

/// <summary>What a step knows about its task.</summary>
internal sealed class ScriptContext
{
    public ScriptContext(string partnumber, string? description, string taskId, string roomId, int progressTotal)
    {
        Partnumber = partnumber;
        Description = description;
        TaskId = taskId;
        RoomId = roomId;
        ProgressTotal = progressTotal;
    }

    public string Partnumber { get; }

    public string? Description { get; }

    public string TaskId { get; }

    public string RoomId { get; }

    public int ProgressTotal { get; }

    public static string DefaultDescription(string partnumber) => "Descrição detalhada do produto " + partnumber;

    public static string DefaultFinished(ScriptContext ctx) => Internal.Backend.Payloads.Finished(ctx.Partnumber, ctx.Description ?? DefaultDescription(ctx.Partnumber));
}

using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Testing.Recording;

/// <summary>How and when the server dropped a recorded classification's connection.</summary>
public sealed class RecordedDisconnect
{
    /// <summary>Creates a disconnect.</summary>
    /// <param name="mode">What the client saw: a namespace DISCONNECT, the Engine.IO close packet, a transport cut, or silence.</param>
    /// <param name="offset">When, from the client's <c>join</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="mode"/> is not a defined value.</exception>
    public RecordedDisconnect(ServerDisconnectMode mode, TimeSpan offset)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentException($"mode must be Namespace, TransportAbort, Silent or EngineClose; got {(int)mode}.", nameof(mode));
        }

        Mode = mode;
        Offset = offset;
    }

    /// <summary>What the client saw; a replay ends the session the same way.</summary>
    public ServerDisconnectMode Mode { get; }

    /// <summary>When, from the client's <c>join</c>.</summary>
    public TimeSpan Offset { get; }
}

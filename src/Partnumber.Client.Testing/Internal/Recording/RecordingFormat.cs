using Partnumber.Client.Testing.Recording;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Testing.Internal.Recording;

/// <summary>The names the recording's JSON uses; see docs/fake-server.md, "Record a real backend, replay it".</summary>
internal static class RecordingFormat
{
    public const string Name = "partnumber-recording";

    /// <summary>The newest version this library writes and reads. Raise it only with a reader for the old versions.</summary>
    public const int Version = 1;

    /// <summary>About 24 days: a delay above it cannot be a timer's due time.</summary>
    public const double MaxOffsetMilliseconds = int.MaxValue - 1;

    private static readonly (RecordingEnd End, string Name)[] Ends =
    [
        (RecordingEnd.Finished, "finished"),
        (RecordingEnd.FailedUpdate, "failedUpdate"),
        (RecordingEnd.Dropped, "dropped"),
        (RecordingEnd.NeverFinished, "neverFinished"),
        (RecordingEnd.Rejected, "rejected"),
    ];

    private static readonly (ServerDisconnectMode Mode, string Name)[] Modes =
    [
        (ServerDisconnectMode.Namespace, "namespace"),
        (ServerDisconnectMode.EngineClose, "engineClose"),
        (ServerDisconnectMode.TransportAbort, "transportAbort"),
        (ServerDisconnectMode.Silent, "silent"),
    ];

    public static string EndNames { get; } = string.Join(", ", Ends.Select(e => "\"" + e.Name + "\""));

    public static string ModeNames { get; } = string.Join(", ", Modes.Select(m => "\"" + m.Name + "\""));

    public static string NameOf(RecordingEnd end) => Ends.First(e => e.End == end).Name;

    public static string NameOf(ServerDisconnectMode mode) => Modes.First(m => m.Mode == mode).Name;

    public static bool TryParseEnd(string name, out RecordingEnd end)
    {
        foreach (var candidate in Ends)
        {
            if (candidate.Name == name)
            {
                end = candidate.End;
                return true;
            }
        }

        end = default;
        return false;
    }

    public static bool TryParseMode(string name, out ServerDisconnectMode mode)
    {
        foreach (var candidate in Modes)
        {
            if (candidate.Name == name)
            {
                mode = candidate.Mode;
                return true;
            }
        }

        mode = default;
        return false;
    }
}

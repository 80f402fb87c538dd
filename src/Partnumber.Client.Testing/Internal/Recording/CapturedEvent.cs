namespace Partnumber.Client.Testing.Internal.Recording;

/// <summary>One event the server sent: its name, its first argument as raw JSON (null when it had none), when it arrived (a WallClock timestamp).</summary>
internal sealed record CapturedEvent(string Name, string? PayloadJson, long At);

namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>
/// One measurement every selected client runs on every selected backend: <paramref name="N"/> classifications at
/// concurrency <paramref name="C"/> after <paramref name="Warmup"/> untimed ones in the same process.
/// </summary>
/// <param name="Mode"><c>steady</c> (clients warmed to their steady state first) or <c>fresh</c> (a new process, no
/// warm-up: what a CLI or a short batch sees).</param>
internal sealed record Scenario(string Mode, int N, int C, int Warmup)
{
    /// <summary>The steady-state mode's name.</summary>
    public const string Steady = "steady";

    /// <summary>The fresh-process mode's name.</summary>
    public const string Fresh = "fresh";

    /// <summary>The fresh-process measurements of issue 15: 150 sequential and 400 at concurrency 10, no warm-up.</summary>
    public static IReadOnlyList<Scenario> FreshSet { get; } = [new(Fresh, 150, 1, 0), new(Fresh, 400, 10, 0)];
}

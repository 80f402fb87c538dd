namespace Partnumber.Client;

/// <summary>Random factors for retry and reconnect delays (thread-safe on every target). Beside the public reconnect
/// policy, its first user, so that the public folders need nothing of <c>Internal/</c> (ARCHITECTURE.md's code map).</summary>
internal static class Jitter
{
#if !NET8_0_OR_GREATER
    private static readonly Random Source = new();
#endif

    /// <summary>A uniformly distributed value in [0, 1).</summary>
    public static double Next()
    {
#if NET8_0_OR_GREATER
        return Random.Shared.NextDouble();
#else
        lock (Source)
        {
            return Source.NextDouble();
        }
#endif
    }
}

namespace Partnumber.Client.Sample;

/// <summary>
/// Starts the fake backend (<c>FakePartnumberServer</c> from Partnumber.Client.Testing) in-process, for the zero set-up
/// default and for <c>serve</c>.
/// </summary>
internal static class EmbeddedServer
{
    /// <summary>Whether this build has a usable fake server.</summary>
    public static bool IsAvailable => false;

    /// <summary>Starts the fake on a loopback port (0 = any free port) and returns its address and lifetime.</summary>
    public static Task<(Uri BaseAddress, IAsyncDisposable Lifetime)> StartAsync(int port, bool verbose, CancellationToken cancellationToken)
    {
        _ = port;
        _ = verbose;
        _ = cancellationToken;
        throw new NotSupportedException(
            "The embedded fake server (Partnumber.Client.Testing) is not available in this build yet; pass --server URL.");
    }
}

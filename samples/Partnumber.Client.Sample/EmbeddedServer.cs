using Partnumber.Client.Testing;

namespace Partnumber.Client.Sample;

/// <summary>
/// Starts the fake backend (<see cref="FakePartnumberServer"/> from Partnumber.Client.Testing) in-process on loopback,
/// for the zero set-up default and for <c>serve</c>.
/// </summary>
internal static class EmbeddedServer
{
    /// <summary>Starts the fake on 127.0.0.1 (<paramref name="port"/> 0 = any free port).</summary>
    /// <param name="port">The TCP port.</param>
    /// <param name="corsOpen">Allow any origin (for a browser front-end using socket.io-client).</param>
    /// <param name="journalCapacity">How many requests, sessions and events the fake's journal keeps (memory stays flat).</param>
    /// <param name="stepDelay">The delay before each event of a classification (so a person can watch the steps).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static Task<FakePartnumberServer> StartAsync(int port, bool corsOpen, int journalCapacity, TimeSpan stepDelay, CancellationToken cancellationToken)
    {
        var options = new FakePartnumberServerOptions { Port = port, JournalCapacity = journalCapacity, DefaultStepDelay = stepDelay };
        if (corsOpen)
        {
            options.CorsAllowedOrigins = ["*"];
        }

        return FakePartnumberServer.StartAsync(options, cancellationToken);
    }
}

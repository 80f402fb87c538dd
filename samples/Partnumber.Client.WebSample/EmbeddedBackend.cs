using System.Globalization;
using Partnumber.Client.Testing;

namespace Partnumber.Client.WebSample;

/// <summary>
/// The fake backend (<see cref="FakePartnumberServer"/>) the app starts on loopback when no real one is configured, so
/// the sample runs on a fresh clone. Its steps are slowed down so a person sees the bar move, and two prefixes show the
/// page's errors: <c>FAIL-</c> fails during the classification, <c>REJECT-</c> is refused with HTTP 422.
/// </summary>
public sealed class EmbeddedBackend : IAsyncDisposable
{
    private static readonly (string Message, int DelayMs)[] Steps =
    [
        ("Recebendo pedido", 300),
        ("Normalizando o partnumber", 500),
        ("Consultando o catálogo do fabricante", 700),
        ("Calculando a NCM", 500),
        ("Gerando classificação", 400),
    ];

    private readonly FakePartnumberServer _server;

    private EmbeddedBackend(FakePartnumberServer server) => _server = server;

    /// <summary>The fake's address (REST and Socket.IO).</summary>
    public Uri BaseAddress => _server.BaseAddress;

    /// <summary>Starts the fake on 127.0.0.1, any free port.</summary>
    public static async Task<EmbeddedBackend> StartAsync(CancellationToken cancellationToken)
    {
        // A small journal: a long-running dev server must not grow without bound.
        var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { JournalCapacity = 256 }, cancellationToken);

        // The latest matching script wins, so the catch-all goes first.
        var everyPartnumber = server.ForPartnumber(_ => true);
        foreach (var (message, delayMs) in Steps)
        {
            everyPartnumber.Progress(message, TimeSpan.FromMilliseconds(delayMs));
        }

        everyPartnumber.Finish(extraFields: new { ncm = "8481.80.99", confidence = 0.93, source = "embedded fake backend" });

        server.ForPartnumber(pn => pn.StartsWith("FAIL-", StringComparison.OrdinalIgnoreCase))
            .Update(new { current = "1", total = Steps.Length.ToString(CultureInfo.InvariantCulture), status = "processing", message = Steps[0].Message }, TimeSpan.FromMilliseconds(300))
            .FailInUpdate("Fabricante desconhecido", TimeSpan.FromMilliseconds(600));

        server.ForPartnumber(pn => pn.StartsWith("REJECT-", StringComparison.OrdinalIgnoreCase))
            .RespondWith(422, """{"error":"partnumber inválido"}""");

        return new EmbeddedBackend(server);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

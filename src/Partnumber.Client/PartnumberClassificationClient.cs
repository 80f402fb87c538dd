using System.Runtime.CompilerServices;

namespace Partnumber.Client;

/// <summary>
/// Classifies partnumbers: one call connects to the Socket.IO endpoint, POSTs the request, joins the task's room and
/// streams progress until the final result. Thread-safe and reusable; each classification uses its own connection.
/// </summary>
public partial class PartnumberClassificationClient : IPartnumberClassificationClient, IAsyncDisposable, IDisposable
{
    /// <summary>For mocking only: creates a client with no configuration whose members must be overridden.</summary>
    protected PartnumberClassificationClient()
    {
    }

    /// <summary>Creates a client that owns its own <see cref="HttpClient"/>.</summary>
    /// <param name="options">The settings; copied and validated.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public PartnumberClassificationClient(PartnumberClassificationClientOptions options)
        : this(httpClient: null, options, ownsHttpClient: true)
    {
    }

    /// <summary>Creates a client that sends its POSTs through <paramref name="httpClient"/>, which it never disposes.</summary>
    /// <param name="httpClient">The HTTP client (for example from <c>IHttpClientFactory</c>).</param>
    /// <param name="options">The settings; copied and validated.</param>
    /// <exception cref="ArgumentNullException"><paramref name="httpClient"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public PartnumberClassificationClient(HttpClient httpClient, PartnumberClassificationClientOptions options)
        : this(httpClient ?? throw new ArgumentNullException(nameof(httpClient)), options, ownsHttpClient: false)
    {
    }
}

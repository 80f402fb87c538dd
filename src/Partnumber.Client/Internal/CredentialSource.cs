namespace Partnumber.Client.Internal;

/// <summary>
/// The headers and Socket.IO <c>auth</c> fields a request or a new connection carries: the options' static ones, with
/// what the application's providers return on top, fetched anew on every call when a provider is set.
/// </summary>
internal sealed class CredentialSource
{
    private readonly Dictionary<string, string> _headers;
    private readonly Dictionary<string, string> _auth;
    private readonly Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, string>>>? _headersProvider;
    private readonly Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, string>>>? _authProvider;
    private readonly CredentialSet _static;

    public CredentialSource(PartnumberClassificationClientOptions options)
    {
        _headers = new Dictionary<string, string>(options.Headers, StringComparer.OrdinalIgnoreCase);
        _auth = new Dictionary<string, string>(options.Auth, StringComparer.Ordinal);
        _headersProvider = options.HeadersProvider;
        _authProvider = options.AuthProvider;
        _static = new CredentialSet(_headers, _auth);
    }

    /// <summary>Whether fetching again can give other credentials (a provider is set), so a refusal is worth one retry.</summary>
    public bool Refreshable => _headersProvider is not null || _authProvider is not null;

    /// <summary>Whether the POST's headers can change between two calls.</summary>
    public bool HeadersRefreshable => _headersProvider is not null;

    /// <summary>The credentials when no provider is set (the same instance every time, so what is derived from it can be cached).</summary>
    public CredentialSet Static => _static;

    /// <summary>The credentials for one new connection or POST: the static ones, or the providers' answers over them.</summary>
    public async ValueTask<CredentialSet> FetchAsync(bool withAuth, CancellationToken cancellationToken)
    {
        if (!Refreshable)
        {
            return _static;
        }

        var headers = _headersProvider is null ? _headers : Merge(_headers, await CallAsync(_headersProvider, "HeadersProvider", cancellationToken).ConfigureAwait(false), StringComparer.OrdinalIgnoreCase);
        var auth = !withAuth || _authProvider is null ? _auth : Merge(_auth, await CallAsync(_authProvider, "AuthProvider", cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        return new CredentialSet(headers, auth);
    }

    private static async ValueTask<IReadOnlyDictionary<string, string>> CallAsync(Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, string>>> provider, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await provider(cancellationToken).ConfigureAwait(false)
                ?? throw new PartnumberAuthenticationException($"The {name} returned null; return an empty dictionary for no values.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not PartnumberClientException)
        {
            throw new PartnumberAuthenticationException($"The {name} failed: {ex.Message}", ex);
        }
    }

    private static Dictionary<string, string> Merge(Dictionary<string, string> fixedValues, IReadOnlyDictionary<string, string> fetched, StringComparer comparer)
    {
        var merged = new Dictionary<string, string>(fixedValues, comparer);
        foreach (var pair in fetched)
        {
            if (string.IsNullOrEmpty(pair.Key) || pair.Value is null)
            {
                throw new PartnumberAuthenticationException("A credentials provider returned an empty name or a null value.");
            }

            merged[pair.Key] = pair.Value;
        }

        return merged;
    }
}

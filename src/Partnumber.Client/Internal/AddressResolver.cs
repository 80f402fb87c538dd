namespace Partnumber.Client.Internal;

/// <summary>
/// Turns a service-discovery address (<c>https+http://classifier</c>, Microsoft.Extensions.ServiceDiscovery) into the
/// endpoint to connect to now, asked before every POST and every new connection (endpoints may change). Addresses that
/// are not service-discovery names are used as they are.
/// </summary>
internal sealed class AddressResolver
{
    private readonly Func<Uri, CancellationToken, ValueTask<Uri>> _resolve;

    public AddressResolver(Func<Uri, CancellationToken, ValueTask<Uri>> resolve) => _resolve = resolve;

    /// <summary>Whether <paramref name="address"/> is a service-discovery name: its scheme lists alternatives (<c>https+http</c>).</summary>
    public static bool IsServiceName(Uri address) => address.IsAbsoluteUri && address.Scheme.IndexOf('+') > 0;

    /// <summary>Whether <paramref name="scheme"/> is <c>http</c>/<c>https</c>, or alternatives of them joined by <c>+</c>.</summary>
    public static bool IsHttpScheme(string scheme)
        => scheme.Split('+').All(part => part is "http" or "https");

    /// <summary>The endpoint <paramref name="address"/> names now, with its path and query; throws <see cref="PartnumberConnectionException"/> when it names none.</summary>
    public async ValueTask<Uri> ResolveAsync(Uri address, CancellationToken cancellationToken)
    {
        Uri resolved;
        try
        {
            resolved = await _resolve(address, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not PartnumberClientException)
        {
            throw new PartnumberConnectionException($"Service discovery could not resolve '{address.GetLeftPart(UriPartial.Authority)}': {ex.Message}", ex);
        }

        if (IsServiceName(resolved) || !resolved.IsAbsoluteUri)
        {
            throw new PartnumberConnectionException(
                $"Service discovery left '{address.GetLeftPart(UriPartial.Authority)}' unresolved (no endpoint configured for it, e.g. Services:{address.Host}:http in configuration).");
        }

        return resolved;
    }
}

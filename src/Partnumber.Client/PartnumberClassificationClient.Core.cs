namespace Partnumber.Client;

public partial class PartnumberClassificationClient
{
    private PartnumberClassificationClient(HttpClient? httpClient, PartnumberClassificationClientOptions options, bool ownsHttpClient)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        _ = httpClient;
        _ = ownsHttpClient;
    }

    /// <inheritdoc />
    public virtual IAsyncEnumerable<ClassificationUpdate> ClassifyAsync(ClassificationRequest request, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <inheritdoc />
    public virtual Task<ClassificationResult> ClassifyAndWaitAsync(ClassificationRequest request, IProgress<ClassificationUpdate>? progress = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <inheritdoc />
    public virtual Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Closes every connection the client still holds and releases the HTTP client it owns.</summary>
    /// <returns>A task that completes when everything is closed.</returns>
    public virtual ValueTask DisposeAsync()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
        return default;
    }

    /// <summary>Closes every connection the client still holds and releases the HTTP client it owns.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}

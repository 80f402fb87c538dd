using System.Runtime.CompilerServices;

namespace Partnumber.Client.WebSample;

/// <summary>
/// Wraps a client and reports each classification's start (a null update) and progress updates to a callback, so a
/// batch (<c>ClassifyManyAsync</c>, which yields outcomes only) can show every row's progress.
/// </summary>
/// <param name="inner">The client that classifies.</param>
/// <param name="report">Called with the request and a progress update, or null when the classification starts.</param>
internal sealed class ProgressReportingClient(
    IPartnumberClassificationClient inner,
    Func<ClassificationRequest, ClassificationUpdate?, CancellationToken, ValueTask> report) : IPartnumberClassificationClient
{
    public async IAsyncEnumerable<ClassificationUpdate> ClassifyAsync(ClassificationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await report(request, null, cancellationToken);
        await foreach (var update in inner.ClassifyAsync(request, cancellationToken).WithCancellation(cancellationToken))
        {
            if (!update.IsFinal)
            {
                await report(request, update, cancellationToken);
            }

            yield return update;
        }
    }

    public async Task<ClassificationResult> ClassifyAndWaitAsync(ClassificationRequest request, IProgress<ClassificationUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        await foreach (var update in ClassifyAsync(request, cancellationToken))
        {
            if (update.IsFinal)
            {
                return update.Result!;
            }

            progress?.Report(update);
        }

        // The client ends every classification in a result or an exception; an empty stream is a broken client.
        throw new PartnumberClientException($"The classification of '{request.Partnumber}' ended without a result.");
    }

    public Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);
}

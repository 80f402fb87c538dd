using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Mvc;

namespace Partnumber.Client.WebSample;

/// <summary>
/// <c>GET /api/batch?partnumber=A&amp;partnumber=B&amp;concurrency=8</c>: a small batch through <c>ClassifyManyAsync</c>,
/// streamed as one SSE stream: <c>started</c> and <c>progress</c> per row, one <c>outcome</c> per row as it ends, then a
/// <c>summary</c> with the counts. A GET (what EventSource sends) keeps it stateless; hence the size limit.
/// </summary>
public static class BatchEndpoints
{
    /// <summary>The most partnumbers one batch takes (they travel in the query string).</summary>
    public const int MaxPartnumbers = 200;

    /// <summary>The most classifications a batch runs at once.</summary>
    public const int MaxConcurrency = 32;

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/batch", IResult ([FromQuery(Name = "partnumber")] string[]? partnumbers, int? concurrency,
            IPartnumberClassificationClient client, HttpContext http) =>
        {
            var errors = new Dictionary<string, string[]>();
            if (partnumbers is not { Length: > 0 })
            {
                errors["partnumber"] = ["at least one partnumber is required."];
            }
            else if (partnumbers.Length > MaxPartnumbers)
            {
                errors["partnumber"] = [$"at most {MaxPartnumbers} partnumbers per batch."];
            }
            else if (Array.FindIndex(partnumbers, string.IsNullOrWhiteSpace) is >= 0 and var blank)
            {
                errors["partnumber"] = [$"partnumber {blank + 1} is empty."];
            }

            if (concurrency is < 1 or > MaxConcurrency)
            {
                errors["concurrency"] = [$"concurrency must be between 1 and {MaxConcurrency}."];
            }

            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }

            var requests = partnumbers!.Select(p => new ClassificationRequest(p.Trim())).ToList();
            return TypedResults.ServerSentEvents(StreamAsync(client, requests, concurrency ?? ClassifyManyOptions.DefaultMaxConcurrency, http.RequestAborted));
        });
    }

    private static async IAsyncEnumerable<SseItem<object>> StreamAsync(
        IPartnumberClassificationClient client, IReadOnlyList<ClassificationRequest> requests, int concurrency, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // ClassifyManyAsync yields outcomes only; a decorator of the client reports each row's progress into the same
        // channel. Bounded, so a slow browser slows the reading instead of growing memory.
        var events = Channel.CreateBounded<SseItem<object>>(new BoundedChannelOptions(256) { SingleReader = true });
        var indexOf = new Dictionary<ClassificationRequest, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < requests.Count; i++)
        {
            indexOf[requests[i]] = i;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporting = new ProgressReportingClient(client, (request, update, token) =>
        {
            var index = indexOf[request];
            SseItem<object> item = update is null
                ? new(new BatchStartedEvent(index), "started")
                : new(new BatchProgressEvent(index, ProgressEvent.From(update)), "progress");
            return events.Writer.WriteAsync(item, token);
        });

        var pump = PumpAsync(reporting, requests, concurrency, events.Writer, stop.Token);
        try
        {
            await foreach (var item in events.Reader.ReadAllAsync(stop.Token))
            {
                yield return item;
            }
        }
        finally
        {
            // The browser left (or the stream ended): stop the batch and wait for its classifications to end.
            await stop.CancelAsync();
            await pump;
        }
    }

    private static async Task PumpAsync(
        IPartnumberClassificationClient client, IReadOnlyList<ClassificationRequest> requests, int concurrency, ChannelWriter<SseItem<object>> events, CancellationToken cancellationToken)
    {
        var done = 0;
        var failed = 0;
        try
        {
            await foreach (var outcome in client.ClassifyManyAsync(requests, new ClassifyManyOptions { MaxConcurrency = concurrency }, cancellationToken))
            {
                if (outcome.Canceled)
                {
                    continue;
                }

                if (outcome.Succeeded)
                {
                    done++;
                }
                else
                {
                    failed++;
                }

                await events.WriteAsync(new(BatchOutcomeEvent.From(outcome), "outcome"), cancellationToken);
            }

            await events.WriteAsync(new(new BatchSummaryEvent(done, failed, requests.Count), "summary"), cancellationToken);
            events.TryComplete();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            events.TryComplete();
        }
        catch (Exception ex)
        {
            events.TryComplete(ex);
        }
    }
}

/// <summary>The data of a <c>started</c> event: row <paramref name="Index"/>'s classification began.</summary>
/// <param name="Index">The row (0-based, in the order given).</param>
public sealed record BatchStartedEvent(int Index);

/// <summary>The data of a batch's <c>progress</c> event.</summary>
/// <param name="Index">The row.</param>
/// <param name="Progress">The row's progress.</param>
public sealed record BatchProgressEvent(int Index, ProgressEvent Progress);

/// <summary>The data of an <c>outcome</c> event: a row ended.</summary>
/// <param name="Index">The row.</param>
/// <param name="Partnumber">Its partnumber.</param>
/// <param name="Succeeded">True with a result.</param>
/// <param name="Description">The result's description.</param>
/// <param name="Error">The error, when it failed.</param>
/// <param name="ElapsedMs">How long it took, in milliseconds.</param>
public sealed record BatchOutcomeEvent(int Index, string Partnumber, bool Succeeded, string? Description, ErrorEvent? Error, long ElapsedMs)
{
    /// <summary>The event of one outcome.</summary>
    public static BatchOutcomeEvent From(ClassificationOutcome outcome) => new(
        outcome.Index,
        outcome.Request.Partnumber,
        outcome.Succeeded,
        outcome.Result?.Description,
        outcome.Exception is { } error ? ErrorEvent.From(error) : null,
        (long)outcome.Elapsed.TotalMilliseconds);
}

/// <summary>The data of the <c>summary</c> event, the batch's last.</summary>
/// <param name="Done">Rows with a result.</param>
/// <param name="Failed">Rows that ended in an error.</param>
/// <param name="Total">Rows in the batch.</param>
public sealed record BatchSummaryEvent(int Done, int Failed, int Total);

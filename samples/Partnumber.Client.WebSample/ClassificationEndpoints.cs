using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;

namespace Partnumber.Client.WebSample;

/// <summary>
/// <c>GET /api/classify</c>: one classification streamed as Server-Sent Events — <c>progress</c> events, then one
/// <c>result</c> or one <c>failure</c> (not <c>error</c>: EventSource fires its own <c>error</c> on connection problems).
/// The region between the markers is the code of docs/dependency-injection.md, "In a web app", checked by a test.
/// </summary>
public static class ClassificationEndpoints
{
    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        // <sse-endpoint>
        app.MapGet("/api/classify", IResult (string? partnumber, string? description, string? manufacturer, string? supplier,
            IPartnumberClassificationClient client, HttpContext http) =>
        {
            if (string.IsNullOrWhiteSpace(partnumber))
            {
                // Before any classification starts (an EventSource cannot read this body: the page checks first too).
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["partnumber"] = ["partnumber is required."] });
            }

            var request = new ClassificationRequest(partnumber.Trim())
            {
                Description = Optional(description),
                Manufacturer = Optional(manufacturer),
                Supplier = Optional(supplier),
            };

            // The browser closing the EventSource aborts the request, which cancels the classification.
            return TypedResults.ServerSentEvents(StreamAsync(client, request, http.RequestAborted));
        });

        static string? Optional(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

        static async IAsyncEnumerable<SseItem<object>> StreamAsync(
            IPartnumberClassificationClient client, ClassificationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var stopwatch = Stopwatch.StartNew();
            await using var updates = client.ClassifyAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                SseItem<object> item;
                try
                {
                    if (!await updates.MoveNextAsync())
                    {
                        yield break;
                    }

                    var update = updates.Current;
                    item = update.IsFinal
                        ? new(ResultEvent.From(update.Result!, stopwatch.Elapsed), "result")
                        : new(ProgressEvent.From(update), "progress");
                }
                catch (PartnumberClientException ex) // rejected, failed, timeout, lost, connection: the type says which
                {
                    item = new(ErrorEvent.From(ex), "failure");
                }

                yield return item;
                if (item.EventType != "progress")
                {
                    yield break;
                }
            }
        }
        // </sse-endpoint>
    }
}
